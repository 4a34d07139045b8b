//go:build compat

package compat

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
)

// utf8Error is Python's error for the first byte of "\xff\xfe".
const utf8Error = "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"

// pollingScenarios compare GoodData's polling extension (the
// x-quiver-pollable header) with the main pair's timing: deadline 1.2 s,
// polling interval 0.5 s, as in gooddata-flexconnect's own tests.
func pollingScenarios(lang string) []scenario {
	return []scenario{
		{
			name: "polling a fast call",
			run: func(t *testing.T, p *peer, r record) {
				info, err := p.poll(t, r, "call", cmdDesc(p.invocation("SampleFlexFunction", "")))
				if err == nil {
					p.doGet(t, r, "doget", info.Endpoint[0].Ticket.Ticket)
				}
			},
		},
		{
			name: "polling with an empty header value",
			run: func(t *testing.T, p *peer, r record) {
				p.getInfo(t, r, "call", cmdDesc(p.invocation("Sleep", `{"ms":1000}`)), pollableHeader, "")
			},
		},
		{
			// gooddata-flexconnect's test_cancellable_function_with_polling,
			// then what a client can do with the finished call.
			name: "POLL, retry until done, DoGet, cancel the finished call",
			run: func(t *testing.T, p *peer, r record) {
				_, err := p.poll(t, r, "submit", cmdDesc(p.invocation("Sleep", `{"ms":700}`)))
				if !isPoll(err) {
					t.Fatalf("%s: first answer %v, want POLL", p.side, err)
				}
				retry, cancel, id := retryInfo(t, r, "submit")
				info, err := p.pollUntilDone(t, r, "retry", retry)
				if err != nil {
					t.Fatalf("%s: %v", p.side, err)
				}
				p.doGet(t, r, "doget", info.Endpoint[0].Ticket.Ticket)
				// Cancelling a finished call discards its result.
				p.poll(t, r, "cancel", cancel)
				p.doGet(t, r, "doget-after-cancel", []byte(`{"task_id":"`+id+`"}`))
				p.poll(t, r, "retry-after-cancel", retry)
			},
		},
		{
			name: "DoGet of a call still running waits for it",
			run: func(t *testing.T, p *peer, r record) {
				_, err := p.poll(t, r, "submit", cmdDesc(p.invocation("Sleep", `{"ms":700}`)))
				if !isPoll(err) {
					t.Fatalf("%s: first answer %v, want POLL", p.side, err)
				}
				_, _, id := retryInfo(t, r, "submit")
				p.doGet(t, r, "doget", []byte(`{"task_id":"`+id+`"}`))
			},
		},
		{
			// gooddata-flexconnect's test_cancellable_function_with_call_deadline.
			name: "polling past the deadline",
			run: func(t *testing.T, p *peer, r record) {
				start := time.Now()
				_, err := p.poll(t, r, "submit", cmdDesc(p.invocation("Sleep", `{"ms":2000}`)))
				if !isPoll(err) {
					t.Fatalf("%s: first answer %v, want POLL", p.side, err)
				}
				retry, _, _ := retryInfo(t, r, "submit")
				p.pollUntilDone(t, r, "end", retry)
				// Once the function would have returned.
				time.Sleep(time.Until(start.Add(2500 * time.Millisecond)))
				p.poll(t, r, "retry-later", retry)
			},
			// D13: ours interrupts a call at its deadline and keeps the
			// TIMEOUT as its result; the reference cancels it, but the
			// function runs on, and once it returns its result is
			// "cancelled".
			known: []known{
				differ("D13", lit("retry-later.code"), "Unknown", "DeadlineExceeded"),
				differ("D13", lit("retry-later.errorinfo.code"), "6", "100"),
				differ("D13", lit("retry-later.errorinfo.msg"),
					lit("FlexConnect function invocation was cancelled. Invocation task was: '<task-id>'."),
					lit("GetFlightInfo timed out while waiting for task <task-id>.")),
				differ("D13", lit("retry-later.trailer.x-arrow-status-detail-bin"), "Failed", "TimedOut"),
			},
		},
		{
			// gooddata-flexconnect's test_cancellable_function_with_cancellation,
			// then polling the cancelled call.
			name: "cancel a running call",
			run: func(t *testing.T, p *peer, r record) {
				start := time.Now()
				_, err := p.poll(t, r, "submit", cmdDesc(p.invocation("Sleep", `{"ms":2000}`)))
				if !isPoll(err) {
					t.Fatalf("%s: first answer %v, want POLL", p.side, err)
				}
				retry, cancel, id := retryInfo(t, r, "submit")
				p.poll(t, r, "cancel", cancel)
				p.poll(t, r, "retry", retry)
				// Once the function would have returned: the call's result
				// is "cancelled" on both.
				time.Sleep(time.Until(start.Add(2500 * time.Millisecond)))
				p.poll(t, r, "retry-later", retry)
				p.doGet(t, r, "doget-later", []byte(`{"task_id":"`+id+`"}`))
				// A second cancel discards that result.
				p.poll(t, r, "cancel-again", cancel)
				p.poll(t, r, "retry-after-cancel", retry)
				p.doGet(t, r, "doget-after-cancel", []byte(`{"task_id":"`+id+`"}`))
			},
			// D12: ours interrupts the script at once, so the call is
			// cancelled as soon as the cancel returns; the reference's
			// function runs until it returns (the template's cancel()
			// does nothing), and polls answer POLL (or TIMEOUT past the
			// deadline) until then.
			known: []known{
				differ("D12", lit("retry.code"), "DeadlineExceeded", "Unknown"),
				differ("D12", lit("retry.errorinfo.code"), "65637|100", "6"),
				differ("D12", lit("retry.errorinfo.msg"),
					lit("Work in progress. Retry.")+"|"+lit("GetFlightInfo timed out while waiting for task <task-id>."),
					lit("FlexConnect function invocation was cancelled. Invocation task was: '<task-id>'.")),
				differ("D12", lit("retry.trailer.x-arrow-status-detail-bin"), "TimedOut", "Failed"),
				differ("D12", lit("retry.errorinfo.body"), lit("<base64>"), null),
				differ("D12", `retry\.errorinfo\.body\..*`, `.+`, absent),
			},
		},
		{
			name: "cancel an unknown call",
			run: func(t *testing.T, p *peer, r record) {
				p.poll(t, r, "cancel", cmdDesc("c:0123456789abcdef0123456789abcdef"))
			},
		},
		{
			name: "retry an unknown call",
			run: func(t *testing.T, p *peer, r record) {
				p.poll(t, r, "retry", cmdDesc("r:0123456789abcdef0123456789abcdef"))
			},
		},
		{
			name: "polling with an empty command",
			run: func(t *testing.T, p *peer, r record) {
				p.poll(t, r, "call", cmdDesc(""))
			},
		},
		{
			name: "polling with a PATH descriptor",
			run: func(t *testing.T, p *peer, r record) {
				p.poll(t, r, "call", &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{"Sleep"}})
			},
		},
		{
			name: "polling with a bad payload",
			run: func(t *testing.T, p *peer, r record) {
				p.poll(t, r, "call", cmdDesc(`{"functionName":"NoSuchFunction"}`))
				p.poll(t, r, "json", cmdDesc(`{not json`))
			},
		},
		{
			name: "polling a function that fails",
			run: func(t *testing.T, p *peer, r record) {
				p.poll(t, r, "call", cmdDesc(p.invocation("Raises", `{"message":"no such region"}`)))
			},
			known: scriptFailure("call", "no such region"),
		},
		{
			name: "retry and cancel with an id that is not UTF-8",
			run: func(t *testing.T, p *peer, r record) {
				p.poll(t, r, "retry", cmdDesc("r:\xff\xfe"))
				p.poll(t, r, "cancel", cmdDesc("c:\xff\xfe"))
			},
			// D14: the reference fails to decode the id (a raw
			// UnicodeDecodeError, gRPC INVALID_ARGUMENT); ours treats it as
			// an id that names no call.
			known: append(rawError{id: "D14", prefix: "retry", pyText: utf8Error, pyCode: "InvalidArgument", pyArrow: "4",
				oursCode: "Unknown", oursStatus: "Failed", oursInfoCode: "1",
				oursMsg: lit("Task with id '\uFFFD' does not exist.")}.known(),
				rawError{id: "D14", prefix: "cancel", pyText: utf8Error, pyCode: "InvalidArgument", pyArrow: "4",
					oursCode: "Canceled", oursStatus: "Cancelled", oursInfoCode: "6",
					oursMsg: lit("FlexConnect function invocation was cancelled.")}.known()...),
		},
	}
}
