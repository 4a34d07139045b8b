package flightserver

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/flexfun-script/flexfun-script/tasks"
)

// TestStoreFullIsBackpressure fills a tiny result store with one unread
// result: the next invocation gets the retryable BACKPRESSURE error, and
// once the result is read, invocations are accepted again.
func TestStoreFullIsBackpressure(t *testing.T) {
	e := startEnvWith(t, Options{}, tasks.Options{Threads: 2, MaxStoredBytes: 1},
		func(mem memory.Allocator) []Function { return []Function{simpleFun(mem)} })
	const call = `{"functionName":"SimpleFun1"}`
	info, _, err := e.getInfo(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}

	_, md, err := e.getInfo(context.Background(), call)
	busy := `Server busy: results waiting to be read hold \d+ B, the limit is 1 B \(\[flexfun\] max_stored_bytes\)\. Retry later\.`
	ei := wantError(t, err, md, codes.Unavailable, busy, CodeBackpressure, StatusUnavailable)
	if ei != nil && ei.Code&FlagRetryAny != FlagRetryAny {
		t.Errorf("code %v is not retryable here and elsewhere", ei.Code)
	}

	_, recs, err := e.readAll(info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	if _, _, err := e.getInfo(context.Background(), call); err != nil {
		t.Errorf("after the result was read: %v", err)
	}
}
