// Package flighttest reads what the Flight server of package flightserver
// sends, the way a GoodData client does: the ErrorInfo in the trailer of a
// failed call and the RetryInfo in the body of a POLL error. Only tests use
// it; the server itself never decodes these.
//
//	var md metadata.MD
//	_, err := client.GetFlightInfo(ctx, desc, grpc.Trailer(&md))
//	if info, ok := flighttest.ErrorInfoFromTrailer(md); ok && info.Code == flightserver.CodePoll {
//		ri, err := flighttest.ParseRetryInfo(info.Body)
//		...
//		_, err = client.GetFlightInfo(ctx, ri.RetryDescriptor, grpc.Trailer(&md)) // poll again
//	}
package flighttest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/flexfun-script/flexfun-script/flightserver"
)

// ErrorInfoFromTrailer decodes the ErrorInfo that a failed call carried in
// its grpc-status-details-bin trailer. It reports false when the trailer is
// missing or is not ErrorInfo JSON. With grpc-go, collect the trailer with
// the grpc.Trailer call option (unary) or ClientStream.Trailer (streams).
func ErrorInfoFromTrailer(md metadata.MD) (*flightserver.ErrorInfo, bool) {
	vals := md.Get(flightserver.TrailerErrorInfo)
	if len(vals) == 0 {
		return nil, false
	}
	var info flightserver.ErrorInfo
	if err := json.Unmarshal([]byte(vals[0]), &info); err != nil {
		return nil, false
	}
	return &info, true
}

// ParseRetryInfo decodes the body of a POLL error (ErrorInfo.Body).
func ParseRetryInfo(body []byte) (*flightserver.RetryInfo, error) {
	var raw struct {
		Retry  *string `json:"retry_descriptor"`
		Cancel *string `json:"cancel_descriptor"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("decode RetryInfo: %w", err)
	}
	if raw.Retry == nil || raw.Cancel == nil {
		return nil, errors.New("decode RetryInfo: retry_descriptor or cancel_descriptor missing")
	}
	retry, err := descriptor(*raw.Retry)
	if err != nil {
		return nil, err
	}
	cancel, err := descriptor(*raw.Cancel)
	if err != nil {
		return nil, err
	}
	return &flightserver.RetryInfo{RetryDescriptor: retry, CancelDescriptor: cancel}, nil
}

// descriptor decodes a FlightDescriptor from the standard base64 of its
// protobuf encoding.
func descriptor(b64 string) (*flight.FlightDescriptor, error) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("decode RetryInfo descriptor: %w", err)
	}
	d := &flight.FlightDescriptor{}
	if err := proto.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("decode RetryInfo descriptor: %w", err)
	}
	return d, nil
}
