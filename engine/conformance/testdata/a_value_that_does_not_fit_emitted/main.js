const schema = {id: "int64", name: "string"};
function call() {
  emit(2.5, "a");
}
// want-error: main.js:3:7: emit: row 1, column "id" (int64): got number 2.5: not a whole number
