const schema = {id: "int64", name: "string"};
function call(parameters, columns) {
  emit(Object.keys(parameters).length, columns === null ? "None" : "?");
}
