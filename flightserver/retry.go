package flightserver

import (
	"bytes"
	"encoding/base64"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/protobuf/proto"
)

// RetryInfo is the body of a POLL error in GoodData's polling extension: the
// descriptors a client sends with GetFlightInfo to poll the call again
// (r:<id>) or to cancel it (c:<id>). On the wire it is compact JSON with the
// keys in this order, each descriptor the standard base64 of its protobuf
// encoding:
//
//	{"flight_info":null,"retry_descriptor":"…","cancel_descriptor":"…"}
//
// flight_info is always null, as in gooddata-flexconnect.
type RetryInfo struct {
	RetryDescriptor  *flight.FlightDescriptor
	CancelDescriptor *flight.FlightDescriptor
}

// NewRetryInfo returns the RetryInfo of task id.
func NewRetryInfo(id string) *RetryInfo {
	return &RetryInfo{
		RetryDescriptor:  &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte("r:" + id)},
		CancelDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte("c:" + id)},
	}
}

// JSON returns the wire form of r.
func (r *RetryInfo) JSON() []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"flight_info":null,"retry_descriptor":`)
	writeJSONString(&buf, descriptorBase64(r.RetryDescriptor))
	buf.WriteString(`,"cancel_descriptor":`)
	writeJSONString(&buf, descriptorBase64(r.CancelDescriptor))
	buf.WriteByte('}')
	return buf.Bytes()
}

// descriptorBase64 encodes d as protobuf, then standard base64.
func descriptorBase64(d *flight.FlightDescriptor) string {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(d)
	if err != nil { // a FlightDescriptor always marshals
		panic(fmt.Sprintf("flightserver: marshal descriptor: %v", err))
	}
	return base64.StdEncoding.EncodeToString(b)
}
