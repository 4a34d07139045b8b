package flightserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/flexfun-script/flexfun-script/internal/clip"
	"github.com/flexfun-script/flexfun-script/tasks"
)

// PollableHeader is the request header that turns on GoodData's polling
// extension for a GetFlightInfo call. Only its presence counts.
const PollableHeader = "x-quiver-pollable"

// poll is GetFlightInfo with GoodData's polling extension. The descriptor
// command is one of
//
//	c:<id>        cancel the call <id>: answers CANCELLED with COMMAND_CANCELLED
//	r:<id>        poll the call <id> again
//	anything else an invocation, submitted as a new call
//
// A submitted or polled call is then waited for at most the polling
// interval. A finished call answers as without polling (its FlightInfo
// echoes the original invocation); a call still running answers
// DEADLINE_EXCEEDED with ErrorInfo POLL, whose body is the RetryInfo
// holding the r: and c: descriptors; a call past its deadline is cancelled
// and answers TIMEOUT.
func (s *Server) poll(ctx context.Context, desc *flight.FlightDescriptor, cl *callLog) (*flight.FlightInfo, error) {
	cmd := desc.GetCmd()
	if desc.GetType() != flight.DescriptorCMD || len(cmd) == 0 {
		return nil, failed(CodeBadArgument, msgNoCommand)
	}
	var id string
	switch {
	case bytes.HasPrefix(cmd, []byte("c:")):
		id = taskIDOf(cmd[2:])
		cl.taskID = id
		s.exec.Cancel(id) // always succeeds: tasks are interruptible
		s.log.InfoContext(ctx, "flexfun_task_cancel_requested", "task_id", clip.String(id))
		return nil, NewError(codes.Canceled, StatusCancelled, ErrorInfo{Code: CodeCommandCancelled, Msg: msgCancelled})
	case bytes.HasPrefix(cmd, []byte("r:")):
		id = taskIDOf(cmd[2:])
		cl.taskID = id
	default:
		var err error
		if id, err = s.submit(ctx, desc, cl); err != nil {
			return nil, err
		}
	}

	res, err := s.exec.Wait(ctx, id, s.interval)
	if errors.Is(err, tasks.ErrWaitTimeout) {
		created, running := s.exec.Created(id)
		if running && time.Since(created) < s.deadline {
			return nil, pollError(id)
		}
		if running { // past its deadline; normally the call stops itself first
			s.exec.Cancel(id)
			return nil, timeoutError(id)
		}
		res, err = s.exec.Wait(ctx, id, 0) // it finished meanwhile
	}
	switch {
	case errors.Is(err, tasks.ErrNotFound):
		return nil, failed(CodeBadArgument, fmt.Sprintf(msgNoSuchTask, id))
	case errors.Is(err, tasks.ErrWaitTimeout):
		return nil, pollError(id)
	case err != nil: // the client went away; the call goes on and may be polled again
		return nil, status.FromContextError(err).Err()
	}
	defer res.Release()
	if cl.function == "" {
		cl.function = res.Name
	}
	return s.resultInfo(res)
}

// taskIDOf returns the task id of an r: or c: descriptor. Bytes that are
// not UTF-8 cannot form a task id; they are replaced so that the id can be
// quoted in the answer.
func taskIDOf(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }

// pollError is the "poll again" answer for task id: DEADLINE_EXCEEDED with
// ErrorInfo POLL whose body is the RetryInfo JSON.
func pollError(id string) *Error {
	return NewError(codes.DeadlineExceeded, StatusTimedOut, ErrorInfo{Code: CodePoll, Msg: msgPoll, Body: NewRetryInfo(id).JSON()})
}
