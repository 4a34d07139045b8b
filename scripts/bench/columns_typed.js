// Benchmark: return typed arrays for the numeric columns (copied in bulk)
// and a plain array for the strings.
const name = "BenchColumnsTypedJs";
const schema = { id: "int64", name: "string", value: "float64", day: "date32" };

function call(p) {
  const n = p.rows;
  const id = new Float64Array(n), value = new Float64Array(n), day = new Int32Array(n);
  const names = new Array(n);
  for (let i = 0; i < n; i++) {
    id[i] = i;
    names[i] = "name_" + i;
    value[i] = i * 0.5;
    day[i] = 19000 + (i % 365);
  }
  return { id: id, name: names, value: value, day: day };
}
