const schema = {id: "int64", day: "date32", amount: "decimal128(10, 2)", ts: "timestamp[ms, tz=UTC]", label: "string", n: "int16"};
function call() {
  return table.from_rows(
    [[7, "2024-03-01", 12.5, "2024-01-02T03:04:05Z", "2024-02-29", 3]],
    [["id", "int32"], ["day", "string"], ["amount", "float64"], ["ts", "timestamp[us]"], ["label", "date32"], ["n", "float64"]],
  );
}
