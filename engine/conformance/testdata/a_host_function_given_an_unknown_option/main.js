const schema = {v: "string"};
function call() {
  probe.describe(1, null, {z: 1});
}
// want-error: main.js:3:17: probe.describe: unexpected option "z" (want x, y)
