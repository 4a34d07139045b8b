# A pyarrow Flight client, with gooddata-flight-server's own ErrorInfo and
# RetryInfo helpers, that runs GoodData's call sequence against a server
# and prints what it saw as one JSON object. compat/pyarrow_test.go runs it
# against the reference and against flexfun-script and compares the two:
# it proves that Python clients (pyarrow, GoodData's helpers) read ours as
# they read the reference, including the ErrorInfo that pyarrow only
# extracts when the x-arrow-status trailer is present.
#
#   python client_check.py grpc://127.0.0.1:17001 '{"Generator": "GeneratorJs"}'
import json
import sys

import pyarrow as pa
import pyarrow.flight as fl
from gooddata_flight_server import ErrorInfo, RetryInfo


def values(column):
    """The values of a column as JSON values; timestamps as integers."""
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.int64())
    return json.loads(json.dumps(column.to_pylist(), default=str))


def main():
    location = sys.argv[1]
    names = json.loads(sys.argv[2]) if len(sys.argv) > 2 else None
    names = names or {}

    def fn(name):
        return names.get(name, name)

    client = fl.FlightClient(location)
    pollable = fl.FlightCallOptions(headers=[(b"x-quiver-pollable", b"true")], timeout=30)
    out = {}

    listed = {}
    for info in client.list_flights():
        cmd = json.loads(info.descriptor.command)
        listed[cmd["functionName"]] = {"metadata": cmd["metadata"], "schema": str(info.schema)}
    out["list"] = {name: listed.get(fn(name)) for name in ["SampleFlexFunction", "AllTypes", "Generator"]}

    for name, params in [("SampleFlexFunction", {}), ("AllTypes", {}), ("Generator", {"rows": 3, "start": 7})]:
        cmd = json.dumps({"functionName": fn(name), "parameters": params}).encode()
        info = client.get_flight_info(fl.FlightDescriptor.for_command(cmd))
        table = client.do_get(info.endpoints[0].ticket).read_all()
        out[name] = {
            "schema": str(info.schema),
            "endpoints": len(info.endpoints),
            "ticket": json.loads(info.endpoints[0].ticket.ticket).keys().__repr__(),
            "locations": [str(loc) for loc in info.endpoints[0].locations],
            "total_records": info.total_records,
            "columns": {c: values(table.column(c)) for c in table.column_names},
        }

    def error(call):
        try:
            call()
            return {"error": None}
        except fl.FlightError as e:
            ei = ErrorInfo.maybe_from_pyarrow_error(e)
            got = {"class": type(e).__name__, "extra_info": ei is not None}
            if ei is not None:
                got.update(code=ei.code, msg=ei.msg, detail=ei.detail is not None)
            return got

    out["unknown function"] = error(
        lambda: client.get_flight_info(fl.FlightDescriptor.for_command(b'{"functionName":"Nope"}'))
    )
    out["bad ticket"] = error(lambda: client.do_get(fl.Ticket(b"nope")).read_all())
    out["unknown task"] = error(
        lambda: client.do_get(fl.Ticket(b'{"task_id":"0123456789abcdef0123456789abcdef"}')).read_all()
    )
    out["function raises"] = error(
        lambda: client.get_flight_info(
            fl.FlightDescriptor.for_command(json.dumps({"functionName": fn("Raises")}).encode())
        )
    )

    # The polling loop, as GoodData's own tests write it.
    cmd = json.dumps({"functionName": fn("Sleep"), "parameters": {"ms": 700}}).encode()
    descriptor = fl.FlightDescriptor.for_command(cmd)
    polls = []
    for _ in range(100):
        try:
            info = client.get_flight_info(descriptor, pollable)
            break
        except fl.FlightTimedOutError as e:
            ei = ErrorInfo.from_pyarrow_error(e)
            retry = RetryInfo.from_bytes(ei.body)
            polls.append({"code": ei.code, "retry": retry.retry_descriptor.command[:2].decode()})
            descriptor = retry.retry_descriptor
    out["polling"] = {
        "first poll": polls[0] if polls else None,
        "rows": client.do_get(info.endpoints[0].ticket).read_all().num_rows,
        "descriptor": json.loads(info.descriptor.command)["parameters"],
    }

    # Cancel through the cancel descriptor of a POLL answer.
    try:
        client.get_flight_info(
            fl.FlightDescriptor.for_command(json.dumps({"functionName": fn("Sleep"), "parameters": {"ms": 3000}}).encode()),
            pollable,
        )
        out["cancel"] = "no POLL"
    except fl.FlightTimedOutError as e:
        cancel = RetryInfo.from_bytes(ErrorInfo.from_pyarrow_error(e).body).cancel_descriptor
        out["cancel"] = error(lambda: client.get_flight_info(cancel, pollable))

    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
