const schema = {id: "int64"};
function call() {
  return table.from_rows([[1], ["x"]], [["id", "int64"]]);
}
// want-error: main.js:3:25: table.from_rows: row 2, column "id" (int64): got string "x"
