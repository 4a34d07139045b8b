// Benchmark: return an array of objects.
const name = "BenchRowsObjectsJs";
const schema = { id: "int64", name: "string", value: "float64", day: "date32" };

function call(p) {
  const n = p.rows;
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push({ id: i, name: "name_" + i, value: i * 0.5, day: 19000 + (i % 365) });
  }
  return rows;
}
