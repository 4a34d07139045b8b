const schema = {id: "int64", name: "string"};
function call() {
  return table.from_rows([[1, "a"], {id: 2}], {id: "int64", name: "string"});
}
