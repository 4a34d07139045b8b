const schema = {id: "int64", name: "string"};
function on_load(ctx) {
  return {t: table.from_columns({id: [1, 2], name: ["a", null]}, schema)};
}
function call(p, c, h, ctx) {
  return ctx.state.t;
}
