const schema = {v: "int64"};
function call() {
  return table.from_columns({v: Array.from({length: 1000}, (_, i) => i)}, {v: "int64"});
}
