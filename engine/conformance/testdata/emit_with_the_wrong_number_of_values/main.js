const schema = {id: "int64", name: "string"};
function call() {
  emit(1, "a");
  emit(1);
}
// want-error: main.js:4:7: emit: row 2: got 1 values, schema has 2 columns
