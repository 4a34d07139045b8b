# One column of every type: the twin of scripts/examples/all_types.star
# (AllTypes), with the same three rows.
import datetime as dt
import decimal

import pyarrow as pa
from gooddata_flexconnect import FlexConnectFunction

_SCHEMA = pa.schema(
    [
        pa.field("b", pa.bool_()),
        pa.field("i8", pa.int8()),
        pa.field("i16", pa.int16()),
        pa.field("i32", pa.int32()),
        pa.field("i64", pa.int64(), nullable=False),
        pa.field("u8", pa.uint8()),
        pa.field("u16", pa.uint16()),
        pa.field("u32", pa.uint32()),
        pa.field("u64", pa.uint64()),
        pa.field("f32", pa.float32()),
        pa.field("f64", pa.float64()),
        pa.field("s", pa.string()),
        pa.field("ls", pa.large_string()),
        pa.field("bin", pa.binary()),
        pa.field("d", pa.date32()),
        pa.field("ts_s", pa.timestamp("s")),
        pa.field("ts_ms", pa.timestamp("ms")),
        pa.field("ts_us", pa.timestamp("us", tz="UTC")),
        pa.field("ts_ns", pa.timestamp("ns", tz="Europe/Prague")),
        pa.field("dec", pa.decimal128(10, 3)),
        pa.field("tagged", pa.string(), nullable=False, metadata={"gooddata.label": "Tag"}),
    ]
)

_UTC = dt.timezone.utc


def _ns(text):
    """Nanoseconds since the epoch of an ISO time with nanoseconds."""
    base, frac_and_zone = text.split(".")
    frac, zone = frac_and_zone[:9], frac_and_zone[9:]
    seconds = dt.datetime.fromisoformat(base + zone).timestamp()
    return int(seconds) * 1_000_000_000 + int(frac)


_ROWS = {
    "b": [True, False, None],
    "i8": [-128, 127, None],
    "i16": [-32768, 32767, None],
    "i32": [-2147483648, 2147483647, None],
    "i64": [-9223372036854775808, 9223372036854775807, 0],
    "u8": [255, 0, None],
    "u16": [65535, 0, None],
    "u32": [4294967295, 0, None],
    "u64": [18446744073709551615, 0, None],
    "f32": [1.5, 3.0, None],
    "f64": [2.25, -0.5, None],
    "s": ["text", "ünïcødé", None],
    "ls": ["large text", "", None],
    "bin": [b"\x00\x01bytes", b"text as bytes", None],
    "d": [dt.date(2024, 2, 29), dt.date(1970, 1, 1) + dt.timedelta(days=19782), None],
    "ts_s": [dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 6, 30, 12), None],
    "ts_ms": [1704164645123, dt.datetime(2024, 6, 30, 12), None],
    "ts_us": [dt.datetime(2024, 1, 2, tzinfo=_UTC), 1719748800000000, None],
    "ts_ns": [_ns("2024-01-02T03:04:05.123456789+01:00"), 1719748800000000000, None],
    "dec": [decimal.Decimal("12345.678"), decimal.Decimal("-1"), None],
    "tagged": ["first", "second", "only two columns set; the rest are null"],
}

_DATA = pa.table(_ROWS, schema=_SCHEMA)


class AllTypes(FlexConnectFunction):
    Name = "AllTypes"
    Metadata = {"description": "One column of every type"}
    Schema = _SCHEMA

    def call(self, parameters, columns, headers):
        return _DATA
