const schema = {v: "string"};
function call(p, c, h, ctx) {
  emit("never");
}
