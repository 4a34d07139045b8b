//go:build compat

package compat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// The steps scenarios are made of. Each performs one RPC on a peer and
// records what the client saw under prefix.

// pollableHeader turns on GoodData's polling extension for a GetFlightInfo.
const pollableHeader = "x-quiver-pollable"

// cmdDesc returns a CMD descriptor with command cmd.
func cmdDesc(cmd string) *flight.FlightDescriptor {
	return &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(cmd)}
}

// invocation returns the GetFlightInfo command that calls function name
// of peer p with parameters (JSON text, or "" for none).
func (p *peer) invocation(name, parameters string) string {
	if parameters == "" {
		return fmt.Sprintf(`{"functionName":%q}`, p.fn(name))
	}
	return fmt.Sprintf(`{"functionName":%q,"parameters":%s}`, p.fn(name), parameters)
}

// getInfo calls GetFlightInfo and records the FlightInfo or the error. md
// are extra request headers.
func (p *peer) getInfo(t *testing.T, r record, prefix string, desc *flight.FlightDescriptor, md ...string) (*flight.FlightInfo, error) {
	t.Helper()
	ctx := callCtx(t)
	if len(md) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, md...)
	}
	var trailer metadata.MD
	info, err := p.client.GetFlightInfo(ctx, desc, grpc.Trailer(&trailer))
	r.observeError(prefix, err, trailer)
	if err == nil {
		r.observeInfo(prefix+".info", info)
	}
	return info, err
}

// poll calls GetFlightInfo with the polling header.
func (p *peer) poll(t *testing.T, r record, prefix string, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	t.Helper()
	return p.getInfo(t, r, prefix, desc, pollableHeader, "true")
}

// doGet calls DoGet with ticket and records the stream.
func (p *peer) doGet(t *testing.T, r record, prefix string, ticket []byte, md ...string) {
	t.Helper()
	ctx := callCtx(t)
	if len(md) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, md...)
	}
	stream, err := p.client.DoGet(ctx, &flight.Ticket{Ticket: ticket})
	r.observeStream(prefix, stream, err)
}

// invoke calls GetFlightInfo with cmd and DoGet on its first endpoint,
// recording both.
func (p *peer) invoke(t *testing.T, r record, prefix, cmd string) {
	t.Helper()
	info, err := p.getInfo(t, r, prefix+".getflightinfo", cmdDesc(cmd))
	if err == nil && len(info.GetEndpoint()) > 0 {
		p.doGet(t, r, prefix+".doget", info.GetEndpoint()[0].GetTicket().GetTicket())
	}
}

// listFlights calls ListFlights and records the FlightInfo of each of the
// functions named (in the scenario's terms), and their order. Other
// functions a server offers are left out: which functions each side
// serves is the test's setup, not a difference.
func (p *peer) listFlights(t *testing.T, r record, prefix string, functions []string, md ...string) {
	t.Helper()
	ctx := callCtx(t)
	if len(md) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, md...)
	}
	stream, err := p.client.ListFlights(ctx, &flight.Criteria{})
	if err != nil {
		r.observeError(prefix, err, nil)
		return
	}
	canonical := map[string]string{}
	for _, f := range functions {
		canonical[p.fn(f)] = f
	}
	var names []string
	for {
		info, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			r.set(prefix, "code", "OK")
			break
		}
		if err != nil {
			r.observeError(prefix, err, stream.Trailer())
			break
		}
		var d struct {
			FunctionName string `json:"functionName"`
		}
		if err := json.Unmarshal(info.GetFlightDescriptor().GetCmd(), &d); err != nil {
			t.Fatalf("%s: ListFlights descriptor %q: %v", p.side, info.GetFlightDescriptor().GetCmd(), err)
		}
		name, ok := canonical[d.FunctionName]
		if !ok {
			continue
		}
		names = append(names, name)
		r.observeInfo(prefix+"."+name, info)
	}
	// Both list functions in the order of their configuration (ours: a
	// directory's files in lexical order), which differs between the two
	// configurations: compare the sets.
	if r[prefix+".code"] == "OK" {
		slices.Sort(names)
		r.set(prefix, "functions", strings.Join(names, ","))
	}
}

// maxPolls bounds every polling loop of a scenario.
const maxPolls = 100

// isPoll reports whether err is the polling extension's "poll again".
func isPoll(err error) bool {
	return status.Code(err) == codes.DeadlineExceeded && strings.HasPrefix(status.Convert(err).Message(), "Work in progress. Retry.")
}

// pollUntilDone sends retry with the polling header while the answer is
// POLL (at most maxPolls times) and records the first other answer under
// prefix.
func (p *peer) pollUntilDone(t *testing.T, r record, prefix string, retry *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	t.Helper()
	for range maxPolls {
		step := record{}
		info, err := p.poll(t, step, prefix, retry)
		if !isPoll(err) {
			maps.Copy(r, step)
			return info, err
		}
	}
	t.Fatalf("%s: still POLL after %d polls", p.side, maxPolls)
	return nil, nil
}

// retryInfo returns the retry and cancel descriptors of the POLL answer
// recorded under prefix, and the task id they name.
func retryInfo(t *testing.T, r record, prefix string) (retry, cancel *flight.FlightDescriptor, id string) {
	t.Helper()
	retry = descriptorOf(t, r, prefix, "retry_descriptor")
	cancel = descriptorOf(t, r, prefix, "cancel_descriptor")
	if retry == nil || cancel == nil {
		t.Fatalf("no RetryInfo under %s: %v", prefix, r)
	}
	return retry, cancel, strings.TrimPrefix(string(retry.Cmd), "r:")
}

// descriptorOf rebuilds the descriptor that observeRetryInfo recorded
// under prefix, field field, or returns nil.
func descriptorOf(t *testing.T, r record, prefix, field string) *flight.FlightDescriptor {
	t.Helper()
	v, ok := r[prefix+".errorinfo.body."+field]
	if !ok {
		return nil
	}
	_, cmd, ok := strings.Cut(v, " cmd=")
	if !ok {
		t.Fatalf("recorded %s %q", field, v)
	}
	return cmdDesc(cmd)
}

// waitFor polls cond every 20 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// unaryRaw makes one unary call with call, for the RPCs GoodData does not
// use, and records how it ended.
func (p *peer) unaryRaw(t *testing.T, r record, prefix string, call func(ctx context.Context, opts ...grpc.CallOption) error) {
	t.Helper()
	var trailer metadata.MD
	err := call(callCtx(t), grpc.Trailer(&trailer))
	r.observeError(prefix, err, trailer)
}

// streamRPC opens a stream with open and reads it until it ends, and
// records how it ended.
func streamRPC[S grpc.ClientStream](t *testing.T, r record, prefix string, open func(ctx context.Context) (S, error), recv func(S) error, send func(S) error) {
	t.Helper()
	s, err := open(callCtx(t))
	if err != nil {
		r.observeError(prefix, err, nil)
		return
	}
	if send != nil {
		_ = send(s)
		_ = s.CloseSend()
	}
	for i := 0; ; i++ {
		err = recv(s)
		if err != nil || i > 100 {
			break
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	r.observeError(prefix, err, s.Trailer())
}
