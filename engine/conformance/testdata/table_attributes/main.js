const schema = {k: "string", v: "string"};
function call() {
  const t = table.from_rows([[1, "x", 2.5], [2, null, 3.5]], [["id", "int64 not null"], ["name", "string"], ["score", "float64"]]);
  emit("columns", t.columns.join(","));
  emit("schema", Object.entries(t.schema).map(([k, v]) => k + " " + v).join(","));
  emit("len", t.length + " " + t.length);
  emit("column", t.column("id").join(","));
  emit("rows", t.rows().map((r) => r.id + ":" + r.score).join(","));
  emit("select", t.select("score", "id").columns.join(","));
  emit("rename", t.rename({id: "key"}).columns.join(","));
}
