package flightserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/flight"
)

// invocation is a parsed GetFlightInfo command.
type invocation struct {
	function   string
	parameters json.RawMessage // a JSON object, verbatim: a slice of the command
	columns    []string        // nil when absent or null; [] is kept as such
}

// commandOf returns the command of a CMD descriptor, and nil for any other
// descriptor, which is then no invocation.
func commandOf(desc *flight.FlightDescriptor) []byte {
	if desc.GetType() != flight.DescriptorCMD {
		return nil
	}
	return desc.GetCmd()
}

// parseInvocation parses an invocation command,
// {"functionName":"…","parameters":{…,"columns":[…]}}. Other keys are
// ignored; of a repeated key the last counts. Absent or null parameters are
// {}; absent or null columns are no columns hint. The returned parameters
// are a slice of cmd.
//
// A command that is not one JSON object is msgNotJSON, whatever else is
// wrong with it; then a missing, empty or non-string functionName is
// msgNoFunctionName, non-object parameters msgParamsNotObject, and columns
// that are not a list of strings msgColumnsNotList. Values are decoded as
// encoding/json decodes them: a null in the column list is "" (which the
// engine rejects as a column name).
func parseInvocation(cmd []byte) (*invocation, *Error) {
	// Valid checks the syntax and nesting depth as Unmarshal does before
	// it decodes; the walk then decodes each value it needs once.
	if !isObject(cmd) || !json.Valid(cmd) {
		return nil, failed(CodeBadArgument, msgNotJSON)
	}
	var w invocationWalk
	if w.walk(cmd) != nil { // not expected of valid JSON
		return nil, failed(CodeBadArgument, msgNotJSON)
	}
	switch {
	case w.function == "":
		return nil, failed(CodeBadArgument, msgNoFunctionName)
	case w.paramsBad:
		return nil, failed(CodeBadArgument, msgParamsNotObject)
	case w.columnsBad:
		return nil, failed(CodeBadArgument, msgColumnsNotList)
	}
	inv := &invocation{function: w.function, parameters: w.params, columns: w.columns}
	if inv.parameters == nil {
		inv.parameters = json.RawMessage("{}")
	}
	return inv, nil
}

// invocationWalk reads a valid invocation command in one pass with a
// json.Decoder, keeping what the last functionName, parameters and columns
// said. Keys match exactly, unlike Unmarshal's struct fields, which match
// any case.
type invocationWalk struct {
	dec     *json.Decoder
	skipped json.RawMessage // reused for the values nobody needs

	function   string // "" for a missing, null or non-string name
	params     json.RawMessage
	paramsBad  bool
	columns    []string
	columnsBad bool
}

func (w *invocationWalk) walk(cmd []byte) error {
	w.dec = json.NewDecoder(bytes.NewReader(cmd))
	if tok, err := w.dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("want an object, got %v: %w", tok, err)
	}
	return w.members(func(key string) error {
		switch key {
		case "functionName":
			w.function = ""
			_, err := w.decode(&w.function) // anything but a string leaves ""
			return err
		case "parameters":
			return w.parameters(cmd)
		}
		return w.skip()
	})
}

// parameters reads the value of "parameters", which must be an object or
// null.
func (w *invocationWalk) parameters(cmd []byte) error {
	w.params, w.paramsBad, w.columns, w.columnsBad = nil, false, nil, false
	tok, err := w.dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil: // null: as if absent
		return nil
	case tok == json.Delim('['):
		w.paramsBad = true
		return w.elements()
	case tok != json.Delim('{'):
		w.paramsBad = true
		return nil
	}
	start := w.dec.InputOffset() - 1 // the '{' just read
	err = w.members(func(key string) error {
		if key != "columns" {
			return w.skip()
		}
		w.columns = nil
		ok, err := w.decode(&w.columns) // null leaves nil: no hint
		w.columnsBad = !ok
		return err
	})
	w.params = cmd[start:w.dec.InputOffset()]
	return err
}

// members reads the members of the object whose '{' was just read, calling
// member with each key before its value, then the closing '}'.
func (w *invocationWalk) members(member func(key string) error) error {
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string) // a key is always a string
		if err := member(key); err != nil {
			return err
		}
	}
	_, err := w.dec.Token()
	return err
}

// elements skips the elements of the array whose '[' was just read, then
// the closing ']'.
func (w *invocationWalk) elements() error {
	for w.dec.More() {
		if err := w.skip(); err != nil {
			return err
		}
	}
	_, err := w.dec.Token()
	return err
}

// skip reads one value and forgets it.
func (w *invocationWalk) skip() error {
	w.skipped = w.skipped[:0]
	return w.dec.Decode(&w.skipped)
}

// decode reads one value into v. It reports false when the value does not
// fit v's type, which leaves v as Unmarshal would.
func (w *invocationWalk) decode(v any) (ok bool, err error) {
	err = w.dec.Decode(v)
	if _, mismatch := errors.AsType[*json.UnmarshalTypeError](err); mismatch {
		return false, nil
	}
	return err == nil, err
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
