// Benchmark: return a table kept in on_load's state (made once, from
// script arrays, by table.from_columns); call hands it over in bulk.
const name = "BenchTableJs";
const schema = {id: "int64", name: "string", value: "float64", day: "date32"};

const ROWS = 1000000;

function on_load(ctx) {
  const id = new Float64Array(ROWS), value = new Float64Array(ROWS), day = new Int32Array(ROWS);
  const names = new Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    id[i] = i;
    names[i] = "name_" + i;
    value[i] = i * 0.5;
    day[i] = 19000 + (i % 365);
  }
  return table.from_columns({id, name: names, value, day}, schema);
}

function call(p, c, h, ctx) {
  return ctx.state;
}
