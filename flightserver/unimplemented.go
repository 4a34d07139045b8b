package flightserver

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/flight"
)

// Handshake answers UNIMPLEMENTED: the server has no Flight authentication
// handshake.
func (s *Server) Handshake(stream flight.FlightService_HandshakeServer) error {
	defer s.track()()
	return Unimplemented(msgNoAuth).Stream(stream)
}

// GetSchema answers UNIMPLEMENTED.
func (s *Server) GetSchema(ctx context.Context, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	return nil, Unimplemented("GetSchema is not implemented.").Unary(ctx)
}

// PollFlightInfo answers UNIMPLEMENTED.
func (s *Server) PollFlightInfo(ctx context.Context, _ *flight.FlightDescriptor) (*flight.PollInfo, error) {
	return nil, Unimplemented("PollFlightInfo is not implemented.").Unary(ctx)
}

// DoPut answers UNIMPLEMENTED.
func (s *Server) DoPut(stream flight.FlightService_DoPutServer) error {
	return Unimplemented("DoPut is not implemented.").Stream(stream)
}

// DoExchange answers UNIMPLEMENTED.
func (s *Server) DoExchange(stream flight.FlightService_DoExchangeServer) error {
	return Unimplemented("DoExchange is not implemented.").Stream(stream)
}
