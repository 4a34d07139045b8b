const schema = {id: "int64", name: "string"};
function call() {
  throw new Error("bad region");
}
// want-error: main.js:3:9: Error: bad region
