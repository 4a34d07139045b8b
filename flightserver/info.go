package flightserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/internal/clip"
	"github.com/flexfun-script/flexfun-script/tasks"
)

// ListFlights sends one FlightInfo per function, in catalog order. The
// criteria are ignored.
func (s *Server) ListFlights(_ *flight.Criteria, stream flight.FlightService_ListFlightsServer) error {
	defer s.track()()
	fns := s.catalog.Functions()
	for _, fn := range fns {
		info, ierr := s.listInfo(fn)
		if ierr != nil {
			s.log.ErrorContext(stream.Context(), "list_flights_failed", "function", fn.Name(), "error", ierr)
			return ierr.Stream(stream)
		}
		if err := stream.Send(info); err != nil {
			return err
		}
	}
	s.log.InfoContext(stream.Context(), "list_flights", "functions", len(fns))
	return nil
}

// listInfo returns the ListFlights entry of fn.
func (s *Server) listInfo(fn Function) (*flight.FlightInfo, *Error) {
	var cmd bytes.Buffer
	cmd.WriteString(`{"functionName":`)
	writeJSONString(&cmd, fn.Name())
	cmd.WriteString(`,"metadata":`)
	if md := fn.Metadata(); len(bytes.TrimSpace(md)) == 0 {
		cmd.WriteString("null")
	} else if err := json.Compact(&cmd, md); err != nil {
		return nil, internalError(fmt.Sprintf("The metadata of function '%s' is not valid JSON.", fn.Name()))
	}
	cmd.WriteByte('}')
	schema, err := arrowbridge.SchemaIPC(fn.Schema(), s.mem)
	if err != nil {
		return nil, internalError(fmt.Sprintf(msgBadSchema, fn.Name(), err))
	}
	return &flight.FlightInfo{
		Schema:           schema,
		FlightDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: cmd.Bytes()},
		TotalRecords:     -1,
		TotalBytes:       -1,
	}, nil
}

// callLog collects what is known about a call for its log record. The
// function name and the task id may come from the client: they are logged
// clipped (package clip), as is the error, which may quote them.
type callLog struct {
	function string
	taskID   string
}

func (c *callLog) attrs(err error) []any {
	var a []any
	if err != nil {
		a = append(a, "error", clip.Error(err))
	}
	if c.function != "" {
		a = append(a, "function", clip.String(c.function))
	}
	if c.taskID != "" {
		a = append(a, "task_id", clip.String(c.taskID))
	}
	if e, ok := errors.AsType[*Error](err); ok && e.Info != nil {
		a = append(a, "code", int(e.Info.Code))
	}
	return a
}

// GetFlightInfo invokes the function named in the descriptor and waits for
// it, up to the call deadline. On success the FlightInfo carries the
// result's schema, the request's descriptor and one endpoint whose ticket
// is {"task_id":"<id>"}.
//
// With the x-quiver-pollable header, it follows GoodData's polling
// extension instead (see poll).
func (s *Server) GetFlightInfo(ctx context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	defer s.track()()
	var cl callLog
	var info *flight.FlightInfo
	var err error
	if isPollable(ctx) {
		info, err = s.poll(ctx, desc, &cl)
	} else {
		info, err = s.invoke(ctx, desc, &cl)
	}
	if err != nil {
		if e, ok := errors.AsType[*Error](err); ok {
			if e.Info != nil && e.Info.Code == CodePoll {
				s.log.DebugContext(ctx, "poll_again", cl.attrs(nil)...)
			} else {
				s.log.WarnContext(ctx, "get_flight_info_failed", cl.attrs(err)...)
			}
			return nil, e.Unary(ctx)
		}
		s.log.WarnContext(ctx, "get_flight_info_failed", cl.attrs(err)...)
		return nil, err
	}
	return info, nil
}

// isPollable reports whether the call carries the x-quiver-pollable header.
func isPollable(ctx context.Context) bool {
	md, _ := metadata.FromIncomingContext(ctx)
	_, ok := md[PollableHeader]
	return ok
}

// invoke is GetFlightInfo without polling: submit, then wait for the
// result up to the call deadline.
func (s *Server) invoke(ctx context.Context, desc *flight.FlightDescriptor, cl *callLog) (*flight.FlightInfo, error) {
	id, err := s.submit(ctx, desc, cl)
	if err != nil {
		return nil, err
	}
	res, err := s.exec.Wait(ctx, id, s.deadline)
	switch {
	case errors.Is(err, tasks.ErrWaitTimeout):
		s.exec.Cancel(id)
		return nil, timeoutError(id)
	case errors.Is(err, tasks.ErrNotFound): // cancelled away, or the executor closed
		return nil, failed(CodeCommandCancelled, fmt.Sprintf(msgCancelledResult, id))
	case err != nil: // the client went away
		s.exec.Cancel(id)
		return nil, status.FromContextError(err).Err()
	}
	defer res.Release()
	return s.resultInfo(res)
}

// resultInfo returns the FlightInfo of a finished call, or the error it
// answers with.
func (s *Server) resultInfo(res *tasks.Result[*arrowbridge.Table]) (*flight.FlightInfo, error) {
	if err := resultError(res.ID, res); err != nil {
		return nil, err
	}
	schema, err := arrowbridge.SchemaIPC(res.Value.Schema, s.mem)
	if err != nil {
		return nil, internalError(fmt.Sprintf(msgBadSchema, res.Name, err))
	}
	return &flight.FlightInfo{
		Schema:           schema,
		FlightDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: res.Cmd},
		Endpoint: []*flight.FlightEndpoint{{
			Ticket:   &flight.Ticket{Ticket: []byte(`{"task_id":"` + res.ID + `"}`)},
			Location: s.locations(),
		}},
		TotalRecords: -1,
		TotalBytes:   -1,
	}, nil
}

func (s *Server) locations() []*flight.Location {
	if s.location == "" {
		return nil
	}
	return []*flight.Location{{Uri: s.location}}
}
