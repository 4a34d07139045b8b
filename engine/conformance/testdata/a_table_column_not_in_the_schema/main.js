const schema = {id: "int64"};
function call() {
  return table.from_rows([[1, "x"]], [["id", "int64"], ["extra", "string"]]);
}
