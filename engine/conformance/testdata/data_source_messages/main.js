const schema = {v: "string"};
function call(p, c, h, ctx) {
  ctx.add_message("warning", {rows: 2, a: [1, null]}, {source: "api"});
  ctx.add_message("info");
  emit("x");
}
