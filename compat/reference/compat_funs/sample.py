# The six-row sample function of GoodData's FlexConnect template: the twin
# of scripts/examples/sample.star (SampleFlexFunction).
import pyarrow as pa
from gooddata_flexconnect import FlexConnectFunction

_SCHEMA = pa.schema(
    [
        pa.field("attribute1", pa.string()),
        pa.field("attribute2", pa.string()),
        pa.field("attribute3", pa.bool_()),
        pa.field("fact1", pa.float64()),
        pa.field("fact2", pa.float64()),
        pa.field("fact3", pa.int64()),
    ]
)

_DATA = pa.table(
    {
        "attribute1": ["id1", "id2", "id3", "id4", "id5", "id6"],
        "attribute2": ["value1", "value2", "value3", "value4", "value5", "value6"],
        "attribute3": [True, True, False, False, True, False],
        "fact1": [123.456, 23.45, 3.456, 45.678, 567.89, 6.789],
        "fact2": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
        "fact3": [111, 222, 333, 444, 555, 666],
    },
    schema=_SCHEMA,
)


class SampleFlexFunction(FlexConnectFunction):
    Name = "SampleFlexFunction"
    Metadata = {"description": "Six static rows, like GoodData's template"}
    Schema = _SCHEMA

    def call(self, parameters, columns, headers):
        return _DATA
