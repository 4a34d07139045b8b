// Benchmark: emit, values by column name.
const name = "BenchEmitObjectJs";
const schema = { id: "int64", name: "string", value: "float64", day: "date32" };

function call(p) {
  const n = p.rows;
  for (let i = 0; i < n; i++) {
    emit({ id: i, name: "name_" + i, value: i * 0.5, day: 19000 + (i % 365) });
  }
}
