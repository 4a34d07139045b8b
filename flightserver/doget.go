package flightserver

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/status"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/tasks"
)

// DoGet streams the result of the task named in the ticket. A ticket of a
// task still running waits for it (as long as the client does). The result
// stays readable until it expires.
func (s *Server) DoGet(tkt *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	defer s.track()()
	var cl callLog
	err := s.doGet(tkt, stream, &cl)
	if err != nil {
		s.log.WarnContext(stream.Context(), "do_get_failed", cl.attrs(err)...)
		if e, ok := errors.AsType[*Error](err); ok {
			return e.Stream(stream)
		}
		return err
	}
	return nil
}

func (s *Server) doGet(tkt *flight.Ticket, stream flight.FlightService_DoGetServer, cl *callLog) error {
	id, perr := parseTicket(tkt.GetTicket())
	if perr != nil {
		return perr
	}
	cl.taskID = id
	res, err := s.exec.Wait(stream.Context(), id, -1)
	switch {
	case errors.Is(err, tasks.ErrNotFound):
		return failed(CodeInvalidTicket, fmt.Sprintf(msgResultMissing, id))
	case err != nil:
		return status.FromContextError(err).Err()
	}
	defer res.Release() // holds the table while it streams
	cl.function = res.Name
	if err := resultError(id, res); err != nil {
		return err
	}
	counted := &countingStream{FlightService_DoGetServer: stream}
	if err := s.write(counted, res.Value); err != nil {
		return err
	}
	s.exec.MarkRead(id)
	s.obs.ResultStreamed(res.Name, res.Value.Rows, counted.bytes)
	s.log.InfoContext(stream.Context(), "do_get", "task_id", id, "rows", res.Value.Rows, "batches", res.Value.BatchCount())
	return nil
}

// countingStream counts the bytes of the Flight messages sent on a DoGet
// stream.
type countingStream struct {
	flight.FlightService_DoGetServer
	bytes int64
}

func (c *countingStream) Send(d *flight.FlightData) error {
	c.bytes += int64(len(d.DataHeader) + len(d.DataBody) + len(d.AppMetadata))
	return c.FlightService_DoGetServer.Send(d)
}

// write streams table's encoded messages (the runner encodes every
// result): its schema, then every batch.
func (s *Server) write(stream flight.FlightService_DoGetServer, table *arrowbridge.Table) error {
	for i, m := range table.Messages {
		if err := stream.Send(&flight.FlightData{DataHeader: m.Header, DataBody: m.Body}); err != nil {
			return fmt.Errorf("send message %d: %w", i, err)
		}
	}
	return nil
}
