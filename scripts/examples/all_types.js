// Every column type of the script contract, with the JavaScript values
// each accepts. The twin of all_types.star.
//
// Try it:  flexfun-script call AllTypesJs --format json

const name = "AllTypesJs";
const metadata = { description: "One column of every type (JavaScript)" };
const schema = {
  b: "bool",
  i8: "int8",
  i16: "int16",
  i32: "int32",
  i64: "int64 not null",
  u8: "uint8",
  u16: "uint16",
  u32: "uint32",
  u64: "uint64",
  f32: "float32",
  f64: "double",
  s: "string",
  ls: "large_string",
  bin: "binary",
  d: "date32",
  ts_s: "timestamp[s]",
  ts_ms: "timestamp[ms]",
  ts_us: "timestamp[us, tz=UTC]",
  ts_ns: "timestamp[ns, tz=Europe/Prague]",
  dec: "decimal128(10, 3)",
  tagged: { type: "string", nullable: false, metadata: { "gooddata.label": "Tag" } },
};

function call(parameters, columns, headers) {
  // Integers beyond ±2^53 are BigInts (the n suffix); numbers are exact only up to there.
  emit(true, -128, -32768, -2147483648, -9223372036854775808n, 255, 65535, 4294967295,
    18446744073709551615n, 1.5, 2.25, "text", "large text", new Uint8Array([0, 1, 98, 121, 116, 101, 115]),
    "2024-02-29", "2024-01-02T03:04:05Z", 1704164645123, new Date(Date.UTC(2024, 0, 2)),
    "2024-01-02T03:04:05.123456789+01:00", "12345.678", "first");
  emit(false, 127, 32767, 2147483647, 9223372036854775807n, 0, 0, 0,
    0, 3, -0.5, "ünïcødé", "", "text as bytes",
    19782, new Date(Date.UTC(2024, 5, 30, 12)), "2024-06-30 12:00:00", 1719748800000000,
    1719748800000000000n, -1, "second");
  emit({ i64: 0, tagged: "only two columns set; the rest are null" });
}
