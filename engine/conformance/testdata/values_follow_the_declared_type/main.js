const schema = {b: "bool", d: "date32", ts: "timestamp[ms]", d2: "date32", ts2: "timestamp[ms, tz=UTC]", dec: "decimal128(10, 2)", bin: "binary", f: "float64"};
function call() {
  emit(true, "2024-02-29", "2024-01-02T03:04:05Z", 19782, 1704164645000, "12.50", "raw", 3);
  emit(false, null, "2024-01-02 03:04:05.5", 0, "2024-01-02T03:04:05+01:00", 7, null, 0.5);
}
