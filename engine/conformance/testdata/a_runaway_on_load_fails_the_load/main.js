const schema = {v: "int64"};
function on_load(ctx) {
  for (;;) {}
}
function call() {}
