# The benchmark's second reference function: Generator's rows produced the
# way a generator-style pyarrow function would, one record batch of 65,536
# rows at a time from a Python generator, returned as a RecordBatchReader
# (single-use: it streams while DoGet reads it).
import pyarrow as pa
from gooddata_flexconnect import FlexConnectFunction

from compat_funs.generator import SCHEMA, rows_and_start

BATCH_ROWS = 65_536


def _batches(start, rows):
    for lo in range(start, start + rows, BATCH_ROWS):
        ids = range(lo, min(lo + BATCH_ROWS, start + rows))
        yield pa.record_batch(
            [
                pa.array(ids, pa.int64()),
                pa.array(["row_" + str(i) for i in ids], pa.string()),
                pa.array([i * 0.5 for i in ids], pa.float64()),
                pa.array([19000 + i % 365 for i in ids], pa.int32()).cast(pa.date32()),
            ],
            schema=SCHEMA,
        )


class GeneratorBatches(FlexConnectFunction):
    Name = "GeneratorBatches"
    Metadata = {"description": "Generator's rows, one record batch at a time (RecordBatchReader)"}
    Schema = SCHEMA

    def call(self, parameters, columns, headers):
        rows, start = rows_and_start(parameters)
        return pa.RecordBatchReader.from_batches(SCHEMA, _batches(start, rows))


class GeneratorFloor(FlexConnectFunction):
    """
    The benchmark's floor: the loop of scripts/bench/floor.star in Python,
    computing the same four values per row, with no output.
    """

    Name = "GeneratorFloor"
    Metadata = {"description": "The benchmark's loop with no output"}
    Schema = SCHEMA

    def call(self, parameters, columns, headers):
        rows, start = rows_and_start(parameters)
        for i in range(start, start + rows):
            a = i  # noqa: F841
            b = "row_" + str(i)  # noqa: F841
            c = i * 0.5  # noqa: F841
            d = 19000 + i % 365  # noqa: F841
        return SCHEMA.empty_table()
