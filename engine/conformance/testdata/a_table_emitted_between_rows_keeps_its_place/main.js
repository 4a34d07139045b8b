const schema = {id: "int64", name: "string"};
function call() {
  emit(1, "a");
  emit(table.from_columns({id: new Int32Array([2, 3]), name: ["b", null]}, schema));
  emit(4, "d");
}
