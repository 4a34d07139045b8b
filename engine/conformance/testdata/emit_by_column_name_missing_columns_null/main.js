const schema = {id: "int64", name: "string"};
function call(p, c, h) {
  emit({id: 1, name: "a"});
  emit({id: 2});
}
