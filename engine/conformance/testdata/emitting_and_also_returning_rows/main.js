const schema = {id: "int64", name: "string"};
function call() {
  emit(1, "a");
  return [[2, "b"]];
}
// want-error: returned an array: use one or the other
