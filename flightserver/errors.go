package flightserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flexfun"
	"github.com/flexfun-script/flexfun-script/tasks"
)

// Code is a GoodData error code, carried in ErrorInfo.Code. Its lower 16
// bits are the status; the upper bits are retry flags (FlagRetryHere,
// FlagRetryOther). Statuses of 1000 and above are custom.
type Code int

// Retry flags of a Code.
const (
	FlagRetryHere  Code = 0x0001_0000 // retrying on the same server may succeed
	FlagRetryOther Code = 0x0002_0000 // retrying on another server may succeed
	FlagRetryAny        = FlagRetryHere | FlagRetryOther
)

// The error codes of gooddata-flight-server (ErrorCode), with their numeric
// values.
const (
	CodeUnknown                  Code = 0
	CodeBadArgument              Code = 1
	CodeBadRequest               Code = 2
	CodeUnsupportedService       Code = 3
	CodeInvalidTicket            Code = 4
	CodeCommandFailed            Code = 5
	CodeCommandCancelled         Code = 6
	CodeCommandCancelNotPossible Code = 7
	CodeCommandResultConsumed    Code = 8
	CodeTimeout                  Code = 100
	CodePoll                     Code = 101 | FlagRetryHere  // 65637
	CodeBackpressure             Code = 102 | FlagRetryAny   // 196710
	CodeInternalError            Code = 500 | FlagRetryOther // 131572
	CodeNotReady                 Code = 501 | FlagRetryAny   // 197109
	CodeShuttingDown             Code = 502 | FlagRetryOther // 131574
	CodeNotImplemented           Code = 503
)

var codeNames = map[Code]string{
	CodeUnknown:                  "unknown",
	CodeBadArgument:              "bad_argument",
	CodeBadRequest:               "bad_request",
	CodeUnsupportedService:       "unsupported_service",
	CodeInvalidTicket:            "invalid_ticket",
	CodeCommandFailed:            "command_failed",
	CodeCommandCancelled:         "command_cancelled",
	CodeCommandCancelNotPossible: "command_cancel_not_possible",
	CodeCommandResultConsumed:    "command_result_consumed",
	CodeTimeout:                  "timeout",
	CodePoll:                     "poll",
	CodeBackpressure:             "backpressure",
	CodeInternalError:            "internal_error",
	CodeNotReady:                 "not_ready",
	CodeShuttingDown:             "shutting_down",
	CodeNotImplemented:           "not_implemented",
}

// String renders c as its name and status, e.g. "poll (101)", the way
// Python's ErrorCode.name does; unknown codes render as "custom (1234)" or
// "unknown (-1)".
func (c Code) String() string {
	st := int(c & 0xFFFF)
	if c < 0 {
		st = int(c)
	}
	if name, ok := codeNames[c]; ok {
		return fmt.Sprintf("%s (%d)", name, st)
	}
	if st >= 1000 {
		return fmt.Sprintf("custom (%d)", st)
	}
	return fmt.Sprintf("unknown (%d)", st)
}

// Name returns the code's lower-case name, e.g. "command_failed", or
// "custom" / "unknown" for a code without one. Metrics use it as a label.
func (c Code) Name() string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	if c >= 0 && c&0xFFFF >= 1000 {
		return "custom"
	}
	return "unknown"
}

// Retryable reports whether either retry flag is set.
func (c Code) Retryable() bool { return c&FlagRetryAny != 0 }

// Truncation limits of ErrorInfo, in characters: the payload travels in a
// gRPC trailer, where size is limited.
const (
	maxMsgLen    = 256
	maxDetailLen = 512
	truncMarker  = " [truncated]"
)

// ErrorInfo is GoodData's structured error payload. It travels as compact
// JSON, {"msg":…,"detail":…,"code":…,"body":…} in that key order, in the
// grpc-status-details-bin trailer of a failed call.
//
// Msg longer than 256 characters and Detail longer than 512 are truncated on
// the wire (first 256/512 characters + " [truncated]"). An empty Detail is
// sent as null, an empty Body as null, a non-empty one as standard base64.
type ErrorInfo struct {
	Msg    string
	Detail string
	Code   Code
	Body   []byte
}

// WireMsg returns Msg as it goes on the wire, truncated if too long.
func (e *ErrorInfo) WireMsg() string { return truncate(e.Msg, maxMsgLen) }

// WireDetail returns Detail as it goes on the wire, truncated if too long.
func (e *ErrorInfo) WireDetail() string { return truncate(e.Detail, maxDetailLen) }

// truncate cuts s to n characters (code points) plus a marker.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + truncMarker
}

// MarshalJSON encodes e compactly with keys in the order msg, detail, code,
// body, applying truncation. HTML characters are not escaped.
func (e ErrorInfo) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"msg":`)
	writeJSONString(&buf, e.WireMsg())
	buf.WriteString(`,"detail":`)
	if e.Detail == "" {
		buf.WriteString("null")
	} else {
		writeJSONString(&buf, e.WireDetail())
	}
	buf.WriteString(`,"code":`)
	buf.WriteString(strconv.Itoa(int(e.Code)))
	buf.WriteString(`,"body":`)
	if len(e.Body) == 0 {
		buf.WriteString("null")
	} else {
		writeJSONString(&buf, base64.StdEncoding.EncodeToString(e.Body))
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// writeJSONString appends s as a JSON string without HTML escaping.
func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode appends a newline
}

// UnmarshalJSON decodes an ErrorInfo leniently: missing keys leave zero
// values; body must be standard base64 or null.
func (e *ErrorInfo) UnmarshalJSON(data []byte) error {
	var raw struct {
		Msg    *string `json:"msg"`
		Detail *string `json:"detail"`
		Code   *int    `json:"code"`
		Body   *string `json:"body"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("decode ErrorInfo: %w", err)
	}
	if !isObject(data) {
		return errors.New("decode ErrorInfo: not a JSON object")
	}
	*e = ErrorInfo{}
	if raw.Msg != nil {
		e.Msg = *raw.Msg
	}
	if raw.Detail != nil {
		e.Detail = *raw.Detail
	}
	if raw.Code != nil {
		e.Code = Code(*raw.Code)
	}
	if raw.Body != nil {
		body, err := base64.StdEncoding.DecodeString(*raw.Body)
		if err != nil {
			return fmt.Errorf("decode ErrorInfo body: %w", err)
		}
		e.Body = body
	}
	return nil
}

// Trailer keys of an Arrow Flight error, as Arrow C++ writes them.
const (
	TrailerArrowStatus        = "x-arrow-status"
	TrailerArrowStatusMessage = "x-arrow-status-message-bin"
	TrailerArrowStatusDetail  = "x-arrow-status-detail-bin"
	TrailerErrorInfo          = "grpc-status-details-bin"
)

// Flight status names: the Arrow FlightStatusCode of an error. They appear
// after ". Detail: " in the gRPC message and in x-arrow-status-detail-bin.
const (
	StatusFailed          = "Failed"          // gRPC UNKNOWN
	StatusTimedOut        = "TimedOut"        // gRPC DEADLINE_EXCEEDED
	StatusCancelled       = "Cancelled"       // gRPC CANCELLED
	StatusInternal        = "Internal"        // gRPC INTERNAL
	StatusUnavailable     = "Unavailable"     // gRPC UNAVAILABLE
	StatusUnauthenticated = "Unauthenticated" // gRPC UNAUTHENTICATED
	StatusUnauthorized    = "Unauthorized"    // gRPC PERMISSION_DENIED
)

// Arrow StatusCode values sent in x-arrow-status.
const (
	arrowIOError        = 5  // every Flight error
	arrowUnknownError   = 9  // a plain error of any other kind
	arrowNotImplemented = 10 // UNIMPLEMENTED
)

// Error is a failed call as an Arrow Flight server (pyarrow) puts it on the
// wire: a gRPC status whose message is Msg + ". Detail: " + Status, the
// x-arrow-status* trailers, and the ErrorInfo JSON in
// grpc-status-details-bin. Build it with NewError or Unimplemented, and
// send it with Unary or Stream, which attach the trailers.
//
// An Error is immutable once built and safe for concurrent use.
type Error struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Status is the Flight status name (StatusFailed, ...), or "" for a
	// plain Arrow error such as not-implemented.
	Status string
	// Msg is the message. When Info is set, it is Info's (truncated) Msg.
	Msg string
	// Info is the structured payload, or nil for none.
	Info *ErrorInfo
}

// NewError returns a Flight error with gRPC code c, Flight status name st
// and the payload info; its message is info's (truncated) Msg.
func NewError(c codes.Code, st string, info ErrorInfo) *Error {
	return &Error{Code: c, Status: st, Msg: info.WireMsg(), Info: &info}
}

// Unimplemented returns an UNIMPLEMENTED error without ErrorInfo, as Arrow
// sends for a method the server does not provide.
func Unimplemented(msg string) *Error {
	return &Error{Code: codes.Unimplemented, Msg: msg}
}

// Message returns the gRPC status message: Msg + ". Detail: " + Status, or
// just Msg for a plain error.
func (e *Error) Message() string {
	if e.Status == "" {
		return e.Msg
	}
	return e.Msg + ". Detail: " + e.Status
}

// Error implements error.
func (e *Error) Error() string { return e.Code.String() + ": " + e.Message() }

// GRPCStatus returns the gRPC status, without Details: the details trailer
// carries raw ErrorInfo JSON, which gRPC only forwards when the status has
// no Details of its own.
func (e *Error) GRPCStatus() *status.Status { return status.New(e.Code, e.Message()) }

// Trailer returns the trailer metadata that goes with the error:
// x-arrow-status, x-arrow-status-message-bin, x-arrow-status-detail-bin
// (Flight errors only) and grpc-status-details-bin (when Info is set).
func (e *Error) Trailer() metadata.MD {
	arrowCode := arrowUnknownError
	switch {
	case e.Status != "":
		arrowCode = arrowIOError
	case e.Code == codes.Unimplemented:
		arrowCode = arrowNotImplemented
	}
	md := metadata.Pairs(
		TrailerArrowStatus, strconv.Itoa(arrowCode),
		TrailerArrowStatusMessage, e.Msg,
	)
	if e.Status != "" {
		md.Set(TrailerArrowStatusDetail, e.Status)
	}
	if e.Info != nil {
		js, _ := e.Info.MarshalJSON() // never fails
		md.Set(TrailerErrorInfo, string(js))
	}
	return md
}

// Unary attaches e's trailers to the unary call of ctx and returns the gRPC
// error to return from the handler (or a unary interceptor).
func (e *Error) Unary(ctx context.Context) error {
	_ = grpc.SetTrailer(ctx, e.Trailer()) // fails only outside a call
	return e.GRPCStatus().Err()
}

// Stream attaches e's trailers to ss and returns the gRPC error to return
// from the stream handler (or a stream interceptor).
func (e *Error) Stream(ss grpc.ServerStream) error {
	ss.SetTrailer(e.Trailer())
	return e.GRPCStatus().Err()
}

// Messages of the errors the server sends. They match gooddata-flexconnect
// where it has one.
const (
	msgNotJSON          = "Incorrect FlexConnect function invocation. The invocation payload is not a valid JSON."
	msgNoFunctionName   = "Incorrect FlexConnect function invocation. The invocation payload does not specify 'functionName'."
	msgParamsNotObject  = "Incorrect FlexConnect function invocation. The invocation payload's 'parameters' is not a JSON object."
	msgColumnsNotList   = "Incorrect FlexConnect function invocation. The invocation payload's 'parameters.columns' is not a list of strings."
	msgUnknownFunction  = "Unsupported FlexConnect function '%s'."
	msgTicketNotJSON    = "Incorrect ticket payload. The ticket payload is not a valid JSON."
	msgTicketNoTaskID   = "Incorrect ticket payload. The ticket payload does not specify 'task_id'."
	msgResultMissing    = "Unable to serve data for task '%s'. The task result is not present."
	msgTimeout          = "GetFlightInfo timed out while waiting for task %s."
	msgCancelledResult  = "FlexConnect function invocation was cancelled. Invocation task was: '%s'."
	msgTaskFailed       = "There was an error while running task: "
	msgTaskFailedNoText = "There was an error while running task."
	msgShuttingDown     = "Server is shutting down."
	msgBusy             = "Server busy: results waiting to be read hold %s, the limit is %s ([flexfun] max_stored_bytes). Retry later."
	msgNoAuth           = "This service does not have an authentication mechanism enabled."
	msgNoCommand        = "Incorrect FlexConnect function invocation. Flight descriptor must contain command with the invocation payload."
	msgPoll             = "Work in progress. Retry."
	msgNoSuchTask       = "Task with id '%s' does not exist."
	msgCancelled        = "FlexConnect function invocation was cancelled."
	msgBadSchema        = "The result schema of function '%s' cannot be encoded: %v"
)

// internalError returns an INTERNAL error: a fault of the server or of a
// function's definition, not of the request.
func internalError(msg string) *Error {
	return NewError(codes.Internal, StatusInternal, ErrorInfo{Code: CodeInternalError, Msg: msg})
}

// failed returns an UNKNOWN/Failed error, GoodData's "user error".
func failed(code Code, msg string) *Error {
	return NewError(codes.Unknown, StatusFailed, ErrorInfo{Code: code, Msg: msg})
}

// timeoutError is the TIMEOUT error of a call that passed its deadline.
func timeoutError(id string) *Error {
	return NewError(codes.DeadlineExceeded, StatusTimedOut, ErrorInfo{Code: CodeTimeout, Msg: fmt.Sprintf(msgTimeout, id)})
}

// resultError returns the error that a failed or cancelled result of task
// id answers with, or nil for a table.
func resultError(id string, res *tasks.Result[*arrowbridge.Table]) error {
	if res.Cancelled {
		return failed(CodeCommandCancelled, fmt.Sprintf(msgCancelledResult, id))
	}
	if res.Err != nil {
		return taskError(id, res.Err)
	}
	return nil
}

// taskError maps the error of a function call to its Flight error, as
// gooddata-flexconnect does for Python exceptions: a bad request is
// BAD_ARGUMENT, a script failure COMMAND_FAILED with the backtrace as
// detail, an *Error passes through unchanged.
func taskError(id string, err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	if e, ok := errors.AsType[*flexfun.BadRequestError](err); ok {
		return failed(CodeBadArgument, e.Msg)
	}
	if e, ok := errors.AsType[*flexfun.ScriptError](err); ok {
		return NewError(codes.Unknown, StatusFailed, ErrorInfo{Code: CodeCommandFailed, Msg: taskFailedMsg(e.Msg), Detail: e.Backtrace})
	}
	if e, ok := errors.AsType[*flexfun.CancelledError](err); ok {
		if errors.Is(e.Cause, context.DeadlineExceeded) {
			return NewError(codes.DeadlineExceeded, StatusTimedOut, ErrorInfo{Code: CodeTimeout, Msg: fmt.Sprintf(msgTimeout, id)})
		}
		return failed(CodeCommandCancelled, fmt.Sprintf(msgCancelledResult, id))
	}
	return failed(CodeCommandFailed, taskFailedMsg(err.Error()))
}

func taskFailedMsg(text string) string {
	if text == "" {
		return msgTaskFailedNoText
	}
	return msgTaskFailed + text
}
