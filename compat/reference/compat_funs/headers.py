# Echoes the request headers named in parameters.names: the twin of
# compat/functions/headers.star (Headers), to compare what functions see.
import pyarrow as pa
from gooddata_flexconnect import FlexConnectFunction

_SCHEMA = pa.schema([pa.field("name", pa.string()), pa.field("value", pa.string())])


class Headers(FlexConnectFunction):
    Name = "Headers"
    Metadata = {"description": "The request headers named in parameters.names"}
    Schema = _SCHEMA

    def call(self, parameters, columns, headers):
        names = [n for n in parameters.get("names", []) if n in headers]
        return pa.table(
            {"name": names, "value": [",".join(headers[n]) for n in names]},
            schema=_SCHEMA,
        )
