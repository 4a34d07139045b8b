const schema = {id: "int64", name: "string"};
function call() {
  return table.from_columns({id: [1, 2]}, {id: "int64"});
}
