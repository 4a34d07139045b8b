const schema = {id: "int64", name: "string"};
function call(p, c, h) {
  emit(1, "a");
  emit(2, null);
}
