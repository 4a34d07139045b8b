const schema = {id: "int64"};
function call() {
  return table.from_rows([[1], [2.5]], [["id", "float64"]]);
}
