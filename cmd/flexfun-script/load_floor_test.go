package main

import (
	"context"
	"net"
	"runtime/debug"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/flightserver"
)

// floorServer answers the three RPCs of a small call with precomputed
// data and nothing else: no parsing, no task, no script, no logging, no
// metrics. It is the floor of BenchmarkLoad: what gRPC, HTTP/2 and Arrow
// IPC cost on this machine for the same calls.
type floorServer struct {
	flight.BaseFlightServer
	info  *flight.FlightInfo
	batch arrow.RecordBatch
}

func newFloorServer() *floorServer {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range 10 {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append("label")
		b.Field(2).(*array.Float64Builder).Append(float64(i) / 2)
	}
	return &floorServer{
		info: &flight.FlightInfo{
			Schema:           flight.SerializeSchema(schema, memory.DefaultAllocator),
			FlightDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(smallCallCmd)},
			Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: []byte("t")}}},
			TotalRecords:     10,
			TotalBytes:       -1,
		},
		batch: b.NewRecordBatch(),
	}
}

func (s *floorServer) ListFlights(_ *flight.Criteria, stream flight.FlightService_ListFlightsServer) error {
	return stream.Send(s.info)
}

func (s *floorServer) GetFlightInfo(context.Context, *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.info, nil
}

func (s *floorServer) DoGet(_ *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	w := flight.NewRecordWriter(stream)
	defer w.Close()
	return w.Write(s.batch)
}

// BenchmarkLoadFloor is BenchmarkLoad against floorServer, in this process,
// with the same gRPC options, GOGC, clients and scenarios: the difference
// between the two is what flexfun-script itself adds to a small call.
func BenchmarkLoadFloor(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(loadGCPercent()))
	srv := newFloorServer()
	defer srv.batch.Release()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	gs := flight.NewServerWithMiddleware(nil, flightserver.GRPCOptions()...)
	gs.RegisterFlightService(srv)
	gs.InitListener(lis)
	go gs.Serve()
	defer gs.Shutdown()
	loadScenarios(b, lis.Addr().String(), nil)
}
