package flightserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flexfun"
	"github.com/flexfun-script/flexfun-script/internal/clip"
	"github.com/flexfun-script/flexfun-script/tasks"
)

// submit parses the invocation in desc, looks its function up and queues
// the call. It returns the task id.
func (s *Server) submit(ctx context.Context, desc *flight.FlightDescriptor, cl *callLog) (string, error) {
	if s.shutting.Load() {
		return "", NewError(codes.Unavailable, StatusUnavailable, ErrorInfo{Code: CodeShuttingDown, Msg: msgShuttingDown})
	}
	if err := s.exec.CheckCapacity(); err != nil {
		return "", busyError(err)
	}
	// The task keeps the command for the polls that answer with it, and
	// the call's parameters are a slice of it: one copy of the request.
	cmd := bytes.Clone(commandOf(desc))
	inv, perr := parseInvocation(cmd)
	if perr != nil {
		return "", perr
	}
	cl.function = inv.function
	fn, ok := s.catalog.Lookup(inv.function)
	if !ok {
		return "", failed(CodeBadArgument, fmt.Sprintf(msgUnknownFunction, inv.function))
	}
	req := flexfun.Request{Parameters: inv.parameters, Columns: inv.columns, Headers: incomingHeaders(ctx)}
	deadline := time.Now().Add(s.deadline)
	tt := s.startTask(ctx, fn.Name())
	spec := tasks.Spec[*arrowbridge.Table]{Name: fn.Name(), Cmd: cmd, Run: s.runner(fn, req, deadline, tt), Done: tt.doneFunc()}
	id := tt.submitted(func() string { return s.exec.SubmitSpec(spec) })
	cl.taskID = id
	s.obs.CallSubmitted(fn.Name())
	s.log.InfoContext(ctx, "flexfun_task_created", "function", fn.Name(), "task_id", id)
	return id, nil
}

// busyError is the retryable BACKPRESSURE error of a submission refused
// because the stored results fill [flexfun] max_stored_bytes.
func busyError(err error) error {
	var full *tasks.StoreFullError
	if !errors.As(err, &full) {
		return failed(CodeInternalError, err.Error())
	}
	msg := fmt.Sprintf(msgBusy, arrowbridge.FormatBytes(full.Stored), arrowbridge.FormatBytes(full.Limit))
	return NewError(codes.Unavailable, StatusUnavailable, ErrorInfo{Code: CodeBackpressure, Msg: msg})
}

// runner returns the task that calls fn. The call's context ends at
// deadline, so the runtime stops the script then even if nobody cancels.
// tt, when tracing, gets the task_run span.
func (s *Server) runner(fn Function, req flexfun.Request, deadline time.Time, tt *taskTrace) tasks.RunFunc[*arrowbridge.Table] {
	return func(ctx context.Context) (table *arrowbridge.Table, err error) {
		req.CallID, _ = tasks.IDFromContext(ctx)
		ctx, span := tt.startRun(ctx)
		defer func() { tt.endRun(span, rowsOf(table), err) }()
		ctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		start := time.Now()
		table, err = fn.Call(ctx, &req)
		if err == nil && table == nil {
			err = fmt.Errorf("function %s returned no table", fn.Name())
		}
		if err == nil {
			// Results wait for their DoGets, and for the TTL after: keep
			// them as the messages DoGet sends, which cost the garbage
			// collector little to keep (docs/load-test.md).
			if err = table.Encode(s.mem); err != nil {
				table = nil
			}
		}
		elapsed := time.Since(start)
		attrs := []any{"function", fn.Name(), "task_id", req.CallID, "duration_ms", elapsed.Milliseconds()}
		switch {
		case err == nil:
			s.log.InfoContext(ctx, "task_finished", append(attrs, "rows", table.Rows)...)
			s.obs.CallFinished(fn.Name(), elapsed, table.Rows, "")
		case errors.As(err, new(*flexfun.CancelledError)):
			s.log.InfoContext(ctx, "task_cancelled", append(attrs, "error", clip.Error(err))...)
			s.obs.CallFinished(fn.Name(), elapsed, 0, taskError(req.CallID, err).Info.Code.Name())
		default:
			s.log.WarnContext(ctx, "task_failed", append(attrs, "error", clip.Error(err))...)
			s.obs.CallFinished(fn.Name(), elapsed, 0, taskError(req.CallID, err).Info.Code.Name())
		}
		return table, err
	}
}

// rowsOf returns the rows of table, or 0 for none.
func rowsOf(table *arrowbridge.Table) int64 {
	if table == nil {
		return 0
	}
	return table.Rows
}

// incomingHeaders copies the call's gRPC metadata: lower-case name → values.
// Values of "-bin" headers are the decoded bytes.
func incomingHeaders(ctx context.Context) map[string][]string {
	md, _ := metadata.FromIncomingContext(ctx)
	h := make(map[string][]string, len(md))
	for k, v := range md {
		h[k] = append([]string(nil), v...)
	}
	return h
}
