package flighttest

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/flexfun-script/flexfun-script/flightserver"
)

func TestErrorInfoFromTrailer(t *testing.T) {
	sent := flightserver.NewError(codes.Unknown, flightserver.StatusFailed, flightserver.ErrorInfo{
		Code: flightserver.CodeCommandFailed, Msg: "boom", Detail: "at f.star:1", Body: []byte{0, 1},
	})
	info, ok := ErrorInfoFromTrailer(sent.Trailer())
	if !ok || info.Code != flightserver.CodeCommandFailed || info.Msg != "boom" || info.Detail != "at f.star:1" || string(info.Body) != "\x00\x01" {
		t.Errorf("decoded %+v, %v", info, ok)
	}
}

func TestErrorInfoFromTrailerLenient(t *testing.T) {
	if _, ok := ErrorInfoFromTrailer(metadata.MD{}); ok {
		t.Error("no trailer decoded as ErrorInfo")
	}
	for _, bad := range []string{"not json", "null", "[1]", `{"body":"***"}`} {
		if _, ok := ErrorInfoFromTrailer(metadata.Pairs(flightserver.TrailerErrorInfo, bad)); ok {
			t.Errorf("%q decoded as ErrorInfo", bad)
		}
	}
	info, ok := ErrorInfoFromTrailer(metadata.Pairs(flightserver.TrailerErrorInfo, `{"code":4,"extra":true}`))
	if !ok || info.Code != flightserver.CodeInvalidTicket || info.Msg != "" || info.Body != nil {
		t.Errorf("partial payload = %+v, %v", info, ok)
	}
}

func TestParseRetryInfo(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef"
	ri, err := ParseRetryInfo(flightserver.NewRetryInfo(id).JSON())
	if err != nil {
		t.Fatal(err)
	}
	if string(ri.RetryDescriptor.GetCmd()) != "r:"+id || string(ri.CancelDescriptor.GetCmd()) != "c:"+id ||
		ri.RetryDescriptor.GetType() != flight.DescriptorCMD {
		t.Errorf("parsed %v %v", ri.RetryDescriptor, ri.CancelDescriptor)
	}
	for _, bad := range []string{`nope`, `{"retry_descriptor":"CAIS"}`, `{"retry_descriptor":"!","cancel_descriptor":"!"}`,
		`{"retry_descriptor":"CAIS","cancel_descriptor":"!"}`, `{"retry_descriptor":"/w==","cancel_descriptor":"CAIS"}`} {
		if _, err := ParseRetryInfo([]byte(bad)); err == nil {
			t.Errorf("ParseRetryInfo(%s) succeeded", bad)
		}
	}
}
