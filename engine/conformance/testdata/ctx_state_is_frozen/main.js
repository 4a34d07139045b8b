const schema = {v: "string"};
function on_load(ctx) { return {list: [1]}; }
function call(p, c, h, ctx) {
  ctx.state.list.push(2);
}
// want-error: ctx.state.list is frozen: cannot set [1]
