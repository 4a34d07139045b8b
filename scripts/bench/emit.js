// Benchmark: emit, values by position.
const name = "BenchEmitJs";
const schema = { id: "int64", name: "string", value: "float64", day: "date32" };

function call(p) {
  const n = p.rows;
  for (let i = 0; i < n; i++) {
    emit(i, "name_" + i, i * 0.5, 19000 + (i % 365));
  }
}
