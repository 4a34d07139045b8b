package flightserver

import (
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestErrorInfoJSON(t *testing.T) {
	tests := []struct {
		name string
		info ErrorInfo
		want string
	}{
		{
			name: "nulls",
			info: ErrorInfo{Code: CodeBadArgument, Msg: "Unsupported FlexConnect function 'x'."},
			want: `{"msg":"Unsupported FlexConnect function 'x'.","detail":null,"code":1,"body":null}`,
		},
		{
			name: "detail and body",
			info: ErrorInfo{Code: CodePoll, Msg: "Work in progress. Retry.", Detail: "line 1\nline 2", Body: []byte(`{"flight_info":null}`)},
			want: `{"msg":"Work in progress. Retry.","detail":"line 1\nline 2","code":65637,"body":"eyJmbGlnaHRfaW5mbyI6bnVsbH0="}`,
		},
		{
			name: "no HTML escaping, unicode kept",
			info: ErrorInfo{Code: CodeCommandFailed, Msg: `a<b>&"c" ž`},
			want: `{"msg":"a<b>&\"c\" ž","detail":null,"code":5,"body":null}`,
		},
		{
			name: "truncation",
			info: ErrorInfo{Code: CodeUnknown, Msg: strings.Repeat("é", 300), Detail: strings.Repeat("d", 513)},
			want: `{"msg":"` + strings.Repeat("é", 256) + ` [truncated]","detail":"` + strings.Repeat("d", 512) + ` [truncated]","code":0,"body":null}`,
		},
		{
			name: "exact limits are not truncated",
			info: ErrorInfo{Code: CodeShuttingDown, Msg: strings.Repeat("m", 256), Detail: strings.Repeat("d", 512)},
			want: `{"msg":"` + strings.Repeat("m", 256) + `","detail":"` + strings.Repeat("d", 512) + `","code":131574,"body":null}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.info.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JSON:\n got %s\nwant %s", got, tt.want)
			}
			var back ErrorInfo
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("our own JSON does not decode: %v", err)
			}
			if back.Code != tt.info.Code || back.Msg != tt.info.WireMsg() || back.Detail != tt.info.WireDetail() || string(back.Body) != string(tt.info.Body) {
				t.Errorf("round trip = %+v, want %+v", back, tt.info)
			}
		})
	}
}

func TestErrorInfoUnmarshalLenient(t *testing.T) {
	for _, bad := range []string{"not json", "null", "[1]", `{"body":"***"}`, `{"code":"4"}`} {
		var info ErrorInfo
		if err := json.Unmarshal([]byte(bad), &info); err == nil {
			t.Errorf("%q decoded as ErrorInfo %+v", bad, info)
		}
	}
	info := ErrorInfo{Msg: "old", Code: CodeTimeout}
	if err := json.Unmarshal([]byte(`{"code":4,"extra":true}`), &info); err != nil || info.Code != CodeInvalidTicket || info.Msg != "" || info.Body != nil {
		t.Errorf("partial payload = %+v, %v", info, err)
	}
}

func TestCodeValues(t *testing.T) {
	want := map[Code]int{
		CodeUnknown: 0, CodeBadArgument: 1, CodeBadRequest: 2, CodeUnsupportedService: 3,
		CodeInvalidTicket: 4, CodeCommandFailed: 5, CodeCommandCancelled: 6,
		CodeCommandCancelNotPossible: 7, CodeCommandResultConsumed: 8, CodeTimeout: 100,
		CodePoll: 65637, CodeBackpressure: 196710, CodeInternalError: 131572,
		CodeNotReady: 197109, CodeShuttingDown: 131574, CodeNotImplemented: 503,
	}
	for c, v := range want {
		if int(c) != v {
			t.Errorf("%v = %d, want %d", c, int(c), v)
		}
	}
	for c, s := range map[Code]string{CodePoll: "poll (101)", Code(1234): "custom (1234)", Code(-1): "unknown (-1)", CodeTimeout: "timeout (100)"} {
		if c.String() != s {
			t.Errorf("String(%d) = %q, want %q", int(c), c.String(), s)
		}
	}
	if !CodeNotReady.Retryable() || CodeTimeout.Retryable() {
		t.Error("Retryable is wrong")
	}
}

func TestErrorWireForm(t *testing.T) {
	e := NewError(codes.DeadlineExceeded, StatusTimedOut, ErrorInfo{Code: CodePoll, Msg: "Work in progress. Retry."})
	st := e.GRPCStatus()
	if st.Code() != codes.DeadlineExceeded || st.Message() != "Work in progress. Retry.. Detail: TimedOut" || len(st.Proto().Details) != 0 {
		t.Errorf("status = %v", st.Proto())
	}
	md := e.Trailer()
	want := map[string]string{
		TrailerArrowStatus:        "5",
		TrailerArrowStatusMessage: "Work in progress. Retry.",
		TrailerArrowStatusDetail:  "TimedOut",
		TrailerErrorInfo:          `{"msg":"Work in progress. Retry.","detail":null,"code":65637,"body":null}`,
	}
	for k, v := range want {
		if got := md.Get(k); len(got) != 1 || got[0] != v {
			t.Errorf("trailer %s = %q, want %q", k, got, v)
		}
	}
	if s, _ := status.FromError(e); s.Code() != codes.DeadlineExceeded {
		t.Errorf("status.FromError(*Error) code = %v", s.Code())
	}

	u := Unimplemented("nope")
	md = u.Trailer()
	if u.GRPCStatus().Message() != "nope" || md.Get(TrailerArrowStatus)[0] != "10" ||
		len(md.Get(TrailerArrowStatusDetail)) != 0 || len(md.Get(TrailerErrorInfo)) != 0 {
		t.Errorf("unimplemented: message %q, trailer %v", u.GRPCStatus().Message(), md)
	}
}
