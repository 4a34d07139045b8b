const schema = {v: "string"};
function call(p, c, h, ctx) {
  for (let i = 0; i < 100; i++) ctx.add_message("warning", {data: "x".repeat(50)});
}
