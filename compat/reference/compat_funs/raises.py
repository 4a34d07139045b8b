# A function that fails: the twin of compat/functions/raises.star (Raises).
# parameters.kind chooses the exception: "runtime" (default) raises a
# RuntimeError, which the server reports as COMMAND_FAILED; "value" raises
# a ValueError, which it reports as BAD_ARGUMENT (ours has no equivalent).
import pyarrow as pa
from gooddata_flexconnect import FlexConnectFunction


class Raises(FlexConnectFunction):
    Name = "Raises"
    Metadata = {"description": "Fails with parameters.message"}
    Schema = pa.schema([pa.field("n", pa.int64())])

    def call(self, parameters, columns, headers):
        message = parameters.get("message", "something went wrong")
        if parameters.get("kind") == "value":
            raise ValueError(message)
        raise RuntimeError(message)
