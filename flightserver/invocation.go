package flightserver

import (
	"bytes"
	"encoding/json"

	"github.com/apache/arrow-go/v18/arrow/flight"
)

// invocation is a parsed GetFlightInfo command.
type invocation struct {
	function   string
	parameters json.RawMessage // a JSON object, verbatim
	columns    []string
}

// parseInvocation parses the descriptor's command:
// {"functionName":"…","parameters":{…,"columns":[…]}}. Other keys are
// ignored.
func parseInvocation(desc *flight.FlightDescriptor) (*invocation, *Error) {
	var cmd []byte
	if desc.GetType() == flight.DescriptorCMD {
		cmd = desc.GetCmd()
	}
	var payload map[string]json.RawMessage
	if !isObject(cmd) || json.Unmarshal(cmd, &payload) != nil {
		return nil, failed(CodeBadArgument, msgNotJSON)
	}
	inv := &invocation{parameters: json.RawMessage("{}")}
	if json.Unmarshal(payload["functionName"], &inv.function) != nil || inv.function == "" {
		return nil, failed(CodeBadArgument, msgNoFunctionName)
	}
	params, ok := payload["parameters"]
	if !ok || isNull(params) {
		return inv, nil
	}
	var fields map[string]json.RawMessage
	if !isObject(params) || json.Unmarshal(params, &fields) != nil {
		return nil, failed(CodeBadArgument, msgParamsNotObject)
	}
	inv.parameters = params
	if cols, ok := fields["columns"]; ok && !isNull(cols) {
		if json.Unmarshal(cols, &inv.columns) != nil || inv.columns == nil {
			return nil, failed(CodeBadArgument, msgColumnsNotList)
		}
	}
	return inv, nil
}

// parseTicket returns the task id of a DoGet ticket {"task_id":"…"}.
func parseTicket(tkt []byte) (string, *Error) {
	// The tickets this server hands out have one exact form; take it
	// without a JSON decoder.
	const prefix, suffix = `{"task_id":"`, `"}`
	if len(tkt) == len(prefix)+32+len(suffix) && bytes.HasPrefix(tkt, []byte(prefix)) && bytes.HasSuffix(tkt, []byte(suffix)) {
		if id := tkt[len(prefix) : len(prefix)+32]; isLowerHex(id) {
			return string(id), nil
		}
	}
	var payload map[string]json.RawMessage
	if !isObject(tkt) || json.Unmarshal(tkt, &payload) != nil {
		return "", failed(CodeBadArgument, msgTicketNotJSON)
	}
	var id string
	if json.Unmarshal(payload["task_id"], &id) != nil || id == "" {
		return "", failed(CodeBadArgument, msgTicketNoTaskID)
	}
	return id, nil
}

// isLowerHex reports whether b is made of 0-9 and a-f only.
func isLowerHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isObject reports whether the JSON text b starts an object.
func isObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

func isNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }
