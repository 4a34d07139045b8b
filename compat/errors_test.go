//go:build compat

package compat

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
)

// errorScenarios compare every error both servers can produce without
// polling: bad invocations, bad tickets, unknown tasks, failing functions,
// the call deadline, and the RPCs GoodData does not use.
func errorScenarios(lang string) []scenario {
	info := func(desc func(p *peer) *flight.FlightDescriptor) func(t *testing.T, p *peer, r record) {
		return func(t *testing.T, p *peer, r record) {
			p.getInfo(t, r, "call", desc(p))
		}
	}
	cmd := func(c string) func(p *peer) *flight.FlightDescriptor {
		return func(*peer) *flight.FlightDescriptor { return cmdDesc(c) }
	}
	ticket := func(tkt string) func(t *testing.T, p *peer, r record) {
		return func(t *testing.T, p *peer, r record) {
			p.doGet(t, r, "doget", []byte(tkt))
		}
	}
	return []scenario{
		{name: "payload not JSON", run: info(cmd(`{not json`))},
		{name: "empty command", run: info(cmd(``))},
		{name: "PATH descriptor", run: info(func(*peer) *flight.FlightDescriptor {
			return &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{"SampleFlexFunction"}}
		})},
		{name: "payload a JSON array", run: info(cmd(`[1,2]`)), known: rawPythonError("D7", "call", "'list' object has no attribute 'get'", "Incorrect FlexConnect function invocation. The invocation payload is not a valid JSON.")},
		{name: "payload a JSON string", run: info(cmd(`"SampleFlexFunction"`)), known: rawPythonError("D7", "call", "'str' object has no attribute 'get'", "Incorrect FlexConnect function invocation. The invocation payload is not a valid JSON.")},
		{name: "payload null", run: info(cmd(`null`)), known: rawPythonError("D7", "call", "'NoneType' object has no attribute 'get'", "Incorrect FlexConnect function invocation. The invocation payload is not a valid JSON.")},
		{name: "no functionName", run: info(cmd(`{"parameters":{}}`))},
		{name: "empty functionName", run: info(cmd(`{"functionName":""}`))},
		{name: "null functionName", run: info(cmd(`{"functionName":null}`))},
		{name: "functionName a number", run: info(cmd(`{"functionName":5}`)), known: rawPythonError("D7", "call", "object of type 'int' has no len()", "Incorrect FlexConnect function invocation. The invocation payload does not specify 'functionName'.")},
		{name: "unknown function", run: info(cmd(`{"functionName":"NoSuchFunction","parameters":{}}`))},
		{name: "parameters a list", run: info(func(p *peer) *flight.FlightDescriptor {
			return cmdDesc(p.invocation("SampleFlexFunction", `[1]`))
		}), known: rawPythonError("D7", "call", "'list' object has no attribute 'get'", "Incorrect FlexConnect function invocation. The invocation payload's 'parameters' is not a JSON object.")},
		{name: "parameters a string", run: info(func(p *peer) *flight.FlightDescriptor {
			return cmdDesc(p.invocation("SampleFlexFunction", `"x"`))
		}), known: rawPythonError("D7", "call", "'str' object has no attribute 'get'", "Incorrect FlexConnect function invocation. The invocation payload's 'parameters' is not a JSON object.")},
		{name: "parameters false", run: info(func(p *peer) *flight.FlightDescriptor {
			return cmdDesc(p.invocation("SampleFlexFunction", `false`))
		}), known: oursRejectsInfo("D7", "call", lit("Incorrect FlexConnect function invocation. The invocation payload's 'parameters' is not a JSON object."))},

		{name: "ticket not JSON", run: ticket(`nope`)},
		{name: "empty ticket", run: ticket(``)},
		{name: "ticket without task_id", run: ticket(`{"id":"x"}`)},
		{name: "empty task_id", run: ticket(`{"task_id":""}`)},
		{name: "task_id a number", run: ticket(`{"task_id":5}`), known: rawPythonError("D8", "doget", "object of type 'int' has no len()", "Incorrect ticket payload. The ticket payload does not specify 'task_id'.")},
		{name: "ticket a JSON array", run: ticket(`[1]`), known: rawPythonError("D8", "doget", "'list' object has no attribute 'get'", "Incorrect ticket payload. The ticket payload is not a valid JSON.")},
		{name: "unknown task", run: ticket(`{"task_id":"0123456789abcdef0123456789abcdef"}`)},
		{name: "unknown task, not hex", run: ticket(`{"task_id":"not-a-task"}`)},

		{
			name: "call deadline",
			run: func(t *testing.T, p *peer, r record) {
				p.getInfo(t, r, "call", cmdDesc(p.invocation("Sleep", `{"ms":3000}`)))
			},
		},
		{
			name: "function raises ValueError",
			run: func(t *testing.T, p *peer, r record) {
				p.getInfo(t, r, "call", cmdDesc(p.invocation("Raises", `{"kind":"value","message":"bad region"}`)))
			},
			// A Python function raising ValueError and a script calling
			// bad_request() both answer BAD_ARGUMENT with the message alone.
		},
	}
}

// rawPythonError is a known difference where the reference fails with a
// Python exception that escaped gooddata-flexconnect's checks: gRPC
// UNKNOWN, x-arrow-status 9 (Arrow's UnknownError; 3, TypeError, for a
// Python TypeError), the exception's text pyText as the message and the
// whole server-side traceback as the Flight status detail, and no
// ErrorInfo. Ours answers BAD_ARGUMENT with oursMsg.
func rawPythonError(id, prefix, pyText, oursMsg string) []known {
	return rawError{id: id, prefix: prefix, pyText: pyText, pyCode: "Unknown", pyArrow: "3|9",
		oursCode: "Unknown", oursStatus: "Failed", oursInfoCode: "1", oursMsg: lit(oursMsg)}.known()
}

// rawError describes a known difference where the reference answers with
// a raw Python exception and ours with a Flight error and ErrorInfo.
type rawError struct {
	id, prefix      string
	pyText          string // the Python exception's text
	pyCode, pyArrow string // its gRPC code and x-arrow-status (patterns)
	oursCode        string // ours' gRPC code
	oursStatus      string // ours' Flight status name
	oursInfoCode    string // ours' ErrorInfo code
	oursMsg         string // ours' ErrorInfo msg (a pattern)
}

func (e rawError) known() []known {
	p := lit(e.prefix)
	ks := []known{
		differ(e.id, p+`\.trailer\.x-arrow-status`, e.pyArrow, "5"),
		differ(e.id, p+`\.trailer\.x-arrow-status-detail-bin`, `Python exception: Traceback \(most recent call last\):\n.*`+lit(e.pyText)+`\n`, e.oursStatus),
		differ(e.id, p+`\.trailer\.x-arrow-status-message-bin`, lit(e.pyText), lit("<errorinfo.msg>")),
		differ(e.id, p+`\.trailer\.grpc-status-details-bin`, absent, lit("<canonical ErrorInfo>")),
		differ(e.id, p+`\.msg`, lit(e.pyText), absent),
		differ(e.id, p+`\.errorinfo\.code`, absent, e.oursInfoCode),
		differ(e.id, p+`\.errorinfo\.msg`, absent, e.oursMsg),
		differ(e.id, p+`\.errorinfo\.(keys|detail|body)`, absent, `.*`),
	}
	if e.pyCode != e.oursCode {
		ks = append(ks, differ(e.id, p+`\.code`, e.pyCode, e.oursCode))
	}
	return ks
}

// oursRejectsInfo is a known difference where ours answers a GetFlightInfo
// recorded under prefix (without DoGet) with BAD_ARGUMENT and msg (a
// pattern), and the reference runs the call.
func oursRejectsInfo(id, prefix, msg string) []known {
	p := lit(prefix)
	return []known{
		differ(id, p+`\.code`, "OK", "Unknown"),
		differ(id, p+`\.errorinfo\.code`, absent, "1"),
		differ(id, p+`\.errorinfo\.msg`, absent, msg),
		differ(id, p+`\.info\..*`, `.*`, absent),
		differ(id, p+`\.(message|trailer\..*|errorinfo\..*)`, absent, `.*`),
	}
}

// rpcScenarios compare the Flight RPCs GoodData does not use: every one
// answers UNIMPLEMENTED, x-arrow-status 10, on both servers.
func rpcScenarios(lang string) []scenario {
	// D9: the texts differ. The reference's come from pyarrow: an empty
	// message with the Python traceback of NotImplementedError as the
	// Flight status detail, "NYI" for PollFlightInfo, and Arrow's
	// "Flight returned unimplemented error, with message: " before
	// Handshake's text in x-arrow-status-message-bin. Ours say which RPC
	// is not implemented.
	const handshake = "This service does not have an authentication mechanism enabled."
	unimplemented := []known{
		differ("D9", `rpc\.(msg|trailer\.x-arrow-status-message-bin)`,
			`|NYI|`+lit("Flight returned unimplemented error, with message: "+handshake),
			`\w+ is not implemented\.|`+lit(handshake)),
		optional(differ("D9", `rpc\.message`, lit("<msg>. Detail: <status>")+"|"+lit(handshake), lit("<msg>"))),
		optional(differ("D9", `rpc\.trailer\.x-arrow-status-detail-bin`, `Python exception: Traceback \(most recent call last\):\n.*\nNotImplementedError\n`, absent)),
	}
	s := []scenario{
		{name: "Handshake", run: func(t *testing.T, p *peer, r record) {
			streamRPC(t, r, "rpc", func(ctx context.Context) (flight.FlightService_HandshakeClient, error) {
				return p.client.Handshake(ctx)
			},
				func(s flight.FlightService_HandshakeClient) error { _, err := s.Recv(); return err },
				func(s flight.FlightService_HandshakeClient) error {
					return s.Send(&flight.HandshakeRequest{Payload: []byte("hello")})
				})
		}},
		{name: "GetSchema", run: func(t *testing.T, p *peer, r record) {
			p.unaryRaw(t, r, "rpc", func(ctx context.Context, opts ...grpc.CallOption) error {
				_, err := p.client.GetSchema(ctx, cmdDesc(p.invocation("SampleFlexFunction", "")), opts...)
				return err
			})
		}},
		{name: "PollFlightInfo", run: func(t *testing.T, p *peer, r record) {
			p.unaryRaw(t, r, "rpc", func(ctx context.Context, opts ...grpc.CallOption) error {
				_, err := p.client.PollFlightInfo(ctx, cmdDesc(p.invocation("SampleFlexFunction", "")), opts...)
				return err
			})
		}},
		{name: "DoPut", run: func(t *testing.T, p *peer, r record) {
			streamRPC(t, r, "rpc", func(ctx context.Context) (flight.FlightService_DoPutClient, error) { return p.client.DoPut(ctx) },
				func(s flight.FlightService_DoPutClient) error { _, err := s.Recv(); return err },
				func(s flight.FlightService_DoPutClient) error {
					return s.Send(&flight.FlightData{FlightDescriptor: cmdDesc("x")})
				})
		}},
		{name: "DoExchange", run: func(t *testing.T, p *peer, r record) {
			streamRPC(t, r, "rpc", func(ctx context.Context) (flight.FlightService_DoExchangeClient, error) {
				return p.client.DoExchange(ctx)
			},
				func(s flight.FlightService_DoExchangeClient) error { _, err := s.Recv(); return err },
				func(s flight.FlightService_DoExchangeClient) error {
					return s.Send(&flight.FlightData{FlightDescriptor: cmdDesc("x")})
				})
		}},
		{name: "ListActions", run: func(t *testing.T, p *peer, r record) {
			streamRPC(t, r, "rpc", func(ctx context.Context) (flight.FlightService_ListActionsClient, error) {
				return p.client.ListActions(ctx, &flight.Empty{})
			}, func(s flight.FlightService_ListActionsClient) error { _, err := s.Recv(); return err }, nil)
		}},
		{name: "DoAction", run: func(t *testing.T, p *peer, r record) {
			streamRPC(t, r, "rpc", func(ctx context.Context) (flight.FlightService_DoActionClient, error) {
				return p.client.DoAction(ctx, &flight.Action{Type: "CancelFlightInfo"})
			}, func(s flight.FlightService_DoActionClient) error { _, err := s.Recv(); return err }, nil)
		}},
	}
	for i := range s {
		s[i].known = unimplemented
	}
	return s
}
