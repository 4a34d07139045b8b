# A function whose on_load takes [compat] on_load_ms milliseconds, to watch
# the server while it starts: the twin of compat/functions/slow_load/slow_load.star.
import time

import pyarrow as pa
from gooddata_flexconnect import FlexConnectFunction


class SlowLoad(FlexConnectFunction):
    Name = "SlowLoad"
    Schema = pa.schema([pa.field("n", pa.int64())])

    @staticmethod
    def on_load(ctx):
        time.sleep(int(ctx.settings.get("compat.on_load_ms", 0)) / 1000)

    def call(self, parameters, columns, headers):
        return pa.table({"n": [1]}, schema=SlowLoad.Schema)
