package flightserver

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow/flight"

	"github.com/flexfun-script/flexfun-script/internal/clip"
)

// ActionFunc answers a DoAction call of one action type: body is the
// action's body, and each returned slice is sent as one Result. An *Error
// it returns goes on the wire as such; any other error as INTERNAL.
// It must be safe for concurrent use.
type ActionFunc func(ctx context.Context, body []byte) ([][]byte, error)

// DoAction runs the action's ActionFunc from Options.Actions, and answers
// UNIMPLEMENTED for every other action.
func (s *Server) DoAction(action *flight.Action, stream flight.FlightService_DoActionServer) error {
	defer s.track()()
	fn, ok := s.actions[action.GetType()]
	if !ok {
		return Unimplemented("DoAction is not implemented.").Stream(stream)
	}
	results, err := fn(stream.Context(), action.GetBody())
	if err != nil {
		s.log.WarnContext(stream.Context(), "do_action_failed", "action", clip.String(action.GetType()), "error", clip.Error(err))
		e, ok := errors.AsType[*Error](err)
		if !ok {
			e = internalError(err.Error())
		}
		return e.Stream(stream)
	}
	for _, r := range results {
		if err := stream.Send(&flight.Result{Body: r}); err != nil {
			return err
		}
	}
	return nil
}

// ListActions answers UNIMPLEMENTED.
func (s *Server) ListActions(_ *flight.Empty, stream flight.FlightService_ListActionsServer) error {
	return Unimplemented("ListActions is not implemented.").Stream(stream)
}
