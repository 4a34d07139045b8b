# A function that returns data-source messages in its result's schema
# metadata (x-gdc-data-source-messages), as GoodData's newest template does.
# flexfun-script scripts cannot attach them yet (see docs/compatibility.md).
import pyarrow as pa
from gooddata_flexconnect import DataSourceMessage, FlexConnectFunction, add_data_source_messages_metadata

_SCHEMA = pa.schema([pa.field("n", pa.int64())])


class Messages(FlexConnectFunction):
    Name = "Messages"
    Metadata = {"description": "One row and two data-source messages"}
    Schema = _SCHEMA

    def call(self, parameters, columns, headers):
        messages = [
            DataSourceMessage(source="Messages", correlation_id="c-1", type="info", data={"rows": 1}),
            DataSourceMessage(source="Messages", correlation_id="c-1", type="warning"),
        ]
        metadata = add_data_source_messages_metadata(messages)
        return pa.table({"n": [1]}, schema=_SCHEMA.with_metadata(metadata))
