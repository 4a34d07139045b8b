// Benchmark floor: the same loop as the other bench scripts, computing the
// same four values per row, with no output.
const name = "BenchFloorJs";
const schema = { id: "int64", name: "string", value: "float64", day: "date32" };

function call(p) {
  const n = p.rows;
  for (let i = 0; i < n; i++) {
    const a = i;
    const b = "name_" + i;
    const c = i * 0.5;
    const d = 19000 + (i % 365);
  }
}
