# A function that takes parameters.ms milliseconds and then returns one row:
# the twin of compat/functions/sleep.star (Sleep), for deadlines, polling
# and cancellation. Cancellation is not implemented (cancel() returns
# False), as in GoodData's template: the server discards the result once the
# call returns.
import time

import pyarrow as pa
from gooddata_flexconnect import FlexConnectFunction

_SCHEMA = pa.schema([pa.field("n", pa.int64())])


class Sleep(FlexConnectFunction):
    Name = "Sleep"
    Metadata = {"description": "Returns one row after parameters.ms milliseconds"}
    Schema = _SCHEMA

    def call(self, parameters, columns, headers):
        time.sleep(parameters.get("ms", 0) / 1000)
        return pa.table({"n": [1]}, schema=_SCHEMA)
