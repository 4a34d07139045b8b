// Benchmark: return an array of arrays.
const name = "BenchRowsArraysJs";
const schema = { id: "int64", name: "string", value: "float64", day: "date32" };

function call(p) {
  const n = p.rows;
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push([i, "name_" + i, i * 0.5, 19000 + (i % 365)]);
  }
  return rows;
}
