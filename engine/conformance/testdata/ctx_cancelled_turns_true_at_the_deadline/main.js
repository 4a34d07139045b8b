const schema = {v: "int64"};
function call(p, c, h, ctx) {
  print("before", String(ctx.cancelled()));
  while (!ctx.cancelled()) {}
}
