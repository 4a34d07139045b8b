package flighttest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/flexfun-script/flexfun-script/flightserver/flighttest"
)

// A client reads GoodData's ErrorInfo from the trailer of a failed call.
func ExampleErrorInfoFromTrailer() {
	client, err := flight.NewClientWithMiddleware("127.0.0.1:17001", nil, nil,
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	desc := &flight.FlightDescriptor{
		Type: flight.DescriptorCMD,
		Cmd:  []byte(`{"functionName":"sales","parameters":{}}`),
	}
	var trailer metadata.MD
	_, err = client.GetFlightInfo(context.Background(), desc, grpc.Trailer(&trailer))
	if err != nil {
		st := status.Convert(err)
		if info, ok := flighttest.ErrorInfoFromTrailer(trailer); ok {
			fmt.Println(st.Code(), info.Code, info.Msg, info.Detail)
		}
	}
}
