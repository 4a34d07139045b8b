const schema = {id: "int64", name: "string"};
function call() {
  return [[1, "a"], [2, 3]];
}
// want-error: main.js: row 2, column "name" (string): got number 3
