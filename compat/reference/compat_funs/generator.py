# A generator whose row count comes from the parameters: the twin of
# scripts/examples/generator.star (Generator). Columns id int64 not null,
# label string, value float64, day date32; ids from parameters.start.
#
# It builds Python lists and turns them into a table with pa.table, the
# idiomatic way in GoodData's templates; the benchmarks compare it with
# GeneratorBatches (compat_funs.bench) and with ours.
import pyarrow as pa
from gooddata_flexconnect import FlexConnectFunction

MAX_ROWS = 10_000_000

SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64(), nullable=False),
        pa.field("label", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("day", pa.date32()),
    ]
)


def rows_and_start(parameters):
    rows = parameters.get("rows", 10)
    start = parameters.get("start", 0)
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0 or rows > MAX_ROWS:
        raise RuntimeError(f"parameters.rows must be an integer from 0 to {MAX_ROWS}, got {rows!r}")
    return rows, start


class Generator(FlexConnectFunction):
    Name = "Generator"
    Metadata = {"description": "rows = parameters.rows (default 10), ids from parameters.start (default 0)"}
    Schema = SCHEMA

    def call(self, parameters, columns, headers):
        rows, start = rows_and_start(parameters)
        ids = list(range(start, start + rows))
        return pa.table(
            {
                "id": ids,
                "label": ["row_" + str(i) for i in ids],
                "value": [i * 0.5 for i in ids],
                "day": pa.array([19000 + i % 365 for i in ids], pa.int32()).cast(pa.date32()),
            },
            schema=SCHEMA,
        )
