const schema = {v: "string"};
function on_load(ctx) {
  throw new Error("no api key");
}
function call() {}
// want-error: main.js:3:9: Error: no api key
