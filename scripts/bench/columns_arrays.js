// Benchmark: return an object of plain arrays.
const name = "BenchColumnsArraysJs";
const schema = { id: "int64", name: "string", value: "float64", day: "date32" };

function call(p) {
  const n = p.rows;
  const id = [], names = [], value = [], day = [];
  for (let i = 0; i < n; i++) {
    id.push(i);
    names.push("name_" + i);
    value.push(i * 0.5);
    day.push(19000 + (i % 365));
  }
  return { id: id, name: names, value: value, day: day };
}
