package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flexfun"
	"github.com/flexfun-script/flexfun-script/flightserver"
	"github.com/flexfun-script/flexfun-script/internal/syncbuf"
	"github.com/flexfun-script/flexfun-script/settings"
	"github.com/flexfun-script/flexfun-script/tasks"
)

var schema = arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)

// headersFun records the request headers it is called with.
type headersFun struct {
	mu      sync.Mutex
	headers map[string][]string
}

func (f *headersFun) Name() string              { return "Headers" }
func (f *headersFun) Metadata() json.RawMessage { return nil }
func (f *headersFun) Schema() *arrow.Schema     { return schema }
func (f *headersFun) Call(_ context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
	f.mu.Lock()
	f.headers = req.Headers
	f.mu.Unlock()
	return &arrowbridge.Table{Schema: schema}, nil
}

type catalog struct{ f flightserver.Function }

func (c catalog) Functions() []flightserver.Function { return []flightserver.Function{c.f} }
func (c catalog) Lookup(name string) (flightserver.Function, bool) {
	return c.f, name == c.f.Name()
}

type harness struct {
	auth    *Authenticator
	addr    string
	client  flight.Client
	fun     *headersFun
	logs    *syncbuf.Buffer
	rejects *atomic.Int64
}

// serve starts a Flight server guarded by an Authenticator with opts,
// logging at debug level, and returns a client.
func serve(t *testing.T, opts Options) *harness {
	t.Helper()
	h := &harness{fun: &headersFun{}, logs: new(syncbuf.Buffer), rejects: new(atomic.Int64)}
	logger := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Logger = logger
	opts.OnReject = func() { h.rejects.Add(1) }
	a := New(opts)
	h.auth = a
	exec := tasks.New[*arrowbridge.Table](tasks.Options{Threads: 2, Logger: logger})
	srv := flightserver.New(flightserver.Options{Catalog: catalog{h.fun}, Executor: exec, Logger: logger})
	gs := flightserver.NewGRPCServer(srv, a.ServerOptions()...)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs.InitListener(lis)
	h.addr = lis.Addr().String()
	done := make(chan struct{})
	go func() { defer close(done); _ = gs.Serve() }()
	h.client, err = flight.NewClientWithMiddleware(lis.Addr().String(), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.client.Close()
		gs.Shutdown()
		<-done
		exec.Close()
	})
	return h
}

// call runs ListFlights (stream), GetFlightInfo (unary) and Handshake
// (stream) with the given header pairs and returns their errors and the
// GetFlightInfo trailer.
func (h *harness) call(t *testing.T, pairs ...string) (list, info, handshake error, trailer metadata.MD) {
	t.Helper()
	ctx := metadata.AppendToOutgoingContext(context.Background(), pairs...)
	stream, err := h.client.ListFlights(ctx, &flight.Criteria{})
	if err == nil {
		_, err = stream.Recv()
	}
	list = err
	_, info = h.client.GetFlightInfo(ctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"Headers"}`)}, grpc.Trailer(&trailer))
	hs, err := h.client.Handshake(ctx)
	if err == nil {
		_ = hs.Send(&flight.HandshakeRequest{})
		_, err = hs.Recv()
	}
	handshake = err
	return list, info, handshake, trailer
}

func wantUnauthenticated(t *testing.T, err error, trailer metadata.MD, msg string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != codes.Unauthenticated || st.Message() != msg+". Detail: Unauthenticated" {
		t.Errorf("got %v %q, want Unauthenticated %q", st.Code(), st.Message(), msg)
	}
	if trailer == nil {
		return
	}
	if v := trailer.Get(flightserver.TrailerArrowStatus); len(v) != 1 || v[0] != "5" {
		t.Errorf("x-arrow-status %q", v)
	}
	if v := trailer.Get(flightserver.TrailerArrowStatusDetail); len(v) != 1 || v[0] != "Unauthenticated" {
		t.Errorf("x-arrow-status-detail-bin %q", v)
	}
	if v := trailer.Get(flightserver.TrailerArrowStatusMessage); len(v) != 1 || v[0] != msg {
		t.Errorf("x-arrow-status-message-bin %q", v)
	}
	if v := trailer.Get(flightserver.TrailerErrorInfo); len(v) != 0 {
		t.Errorf("auth error carries ErrorInfo %q", v)
	}
}

const (
	tokenA = "t1-secret-token-aaaa"
	tokenB = "t2-secret-token-bbbb"
)

func TestBearerToken(t *testing.T) {
	h := serve(t, Options{Verifier: NewEnumeratedTokens([]string{tokenA, tokenB})})
	rejected := []struct {
		name  string
		pairs []string
		msg   string
	}{
		{"no header", nil, msgMissing},
		{"wrong token", []string{"authorization", "Bearer 123"}, msgInvalid},
		{"empty token", []string{"authorization", "Bearer "}, msgInvalid},
		{"lower-case bearer", []string{"authorization", "bearer " + tokenA}, msgNotBearer},
		{"no scheme", []string{"authorization", tokenA}, msgNotBearer},
		{"basic", []string{"authorization", "Basic dXNlcjpwYXNz"}, msgNotBearer},
		{"twice", []string{"authorization", "Bearer " + tokenA, "Authorization", "Bearer " + tokenA},
			"Authentication failed because the authentication header 'Authorization' is specified multiple times."},
		{"token in another header", []string{"x-token", tokenA}, msgMissing},
		{"prefix of a token", []string{"authorization", "Bearer " + tokenA[:5]}, msgInvalid},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			list, info, hs, trailer := h.call(t, tc.pairs...)
			wantUnauthenticated(t, info, trailer, tc.msg)
			wantUnauthenticated(t, list, nil, tc.msg)
			wantUnauthenticated(t, hs, nil, tc.msg)
		})
	}
	for _, tok := range []string{"Bearer " + tokenA, "Bearer " + tokenB, "Bearer   " + tokenA + "  "} {
		list, info, hs, _ := h.call(t, "authorization", tok, "x-other", "kept")
		if list != nil && list.Error() != "EOF" {
			t.Errorf("%q: ListFlights: %v", tok, list)
		}
		if info != nil {
			t.Errorf("%q: GetFlightInfo: %v", tok, info)
		}
		if status.Code(hs) != codes.Unimplemented { // authenticated, then the RPC itself
			t.Errorf("%q: Handshake: %v, want Unimplemented", tok, hs)
		}
	}
	h.fun.mu.Lock()
	headers := h.fun.headers
	h.fun.mu.Unlock()
	if _, ok := headers["authorization"]; ok {
		t.Errorf("the function saw the token header: %v", headers)
	}
	if v := headers["x-other"]; len(v) != 1 || v[0] != "kept" {
		t.Errorf("other headers lost: %v", headers)
	}
	if n := h.rejects.Load(); n != int64(3*len(rejected)) {
		t.Errorf("OnReject called %d times, want %d", n, 3*len(rejected))
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"msg":"authentication_failed"`) || !strings.Contains(logs, `"method":"/arrow.flight.protocol.FlightService/GetFlightInfo"`) {
		t.Errorf("no authentication_failed records:\n%s", logs)
	}
	for _, secret := range []string{tokenA, tokenB, tokenA[:5]} {
		if strings.Contains(logs, secret) {
			t.Errorf("a token appears in the logs:\n%s", logs)
		}
	}
}

func TestCustomHeader(t *testing.T) {
	h := serve(t, Options{HeaderName: "X-Custom-Token-Header", Verifier: NewEnumeratedTokens([]string{tokenA})})
	for _, tc := range []struct {
		name  string
		pairs []string
		msg   string
	}{
		{"bearer in authorization only", []string{"authorization", "Bearer " + tokenA}, msgMissing},
		{"invalid", []string{"x-custom-token-header", "invalid"}, msgInvalid},
		{"bearer prefix is not stripped", []string{"x-custom-token-header", "Bearer " + tokenA}, msgInvalid},
		{"twice", []string{"x-custom-token-header", tokenA, "x-custom-token-header", tokenA},
			"Authentication failed because the authentication header 'X-Custom-Token-Header' is specified multiple times."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, info, hs, trailer := h.call(t, tc.pairs...)
			wantUnauthenticated(t, info, trailer, tc.msg)
			wantUnauthenticated(t, hs, nil, tc.msg)
		})
	}
	_, info, _, _ := h.call(t, "x-custom-token-header", " "+tokenA+" ")
	if info != nil {
		t.Errorf("valid custom header: %v", info)
	}
	if strings.Contains(h.logs.String(), tokenA) {
		t.Errorf("the token appears in the logs:\n%s", h.logs.String())
	}
}

func TestEnumeratedTokens(t *testing.T) {
	v := NewEnumeratedTokens([]string{"a", "", "bc"})
	for tok, want := range map[string]bool{"a": true, "bc": true, "": false, "b": false, "abc": false, "A": false} {
		if got := v.Verify(tok); got != want {
			t.Errorf("Verify(%q) = %v, want %v", tok, got, want)
		}
	}
	if NewEnumeratedTokens(nil).Verify("x") {
		t.Error("an empty set accepts a token")
	}
}

func TestFromConfig(t *testing.T) {
	load := func(env ...string) *settings.Config {
		t.Helper()
		cfg, err := settings.Load(nil, env)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if a, err := FromConfig(load(), nil, nil); a != nil || err != nil {
		t.Errorf("no authentication: %v, %v", a, err)
	}
	a, err := FromConfig(load("GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD=token",
		`GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=["x"]`, "GOODDATA_FLIGHT_SERVER__TOKEN_HEADER_NAME=X-Tok"), nil, nil)
	if err != nil || a == nil || a.HeaderName() != "X-Tok" || !a.verify.Verify("x") {
		t.Fatalf("token authentication: %v, %v", a, err)
	}
	if a.maxUnver != DefaultMaxUnverified {
		t.Errorf("calls without a valid token in flight: %d at the default max_request_bytes, want %d", a.maxUnver, DefaultMaxUnverified)
	}
	for size, want := range map[string]int64{"1MiB": 64, "64MiB": 1, "1GiB": 1, "1KiB": 65536} {
		a, err := FromConfig(load("GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD=token",
			`GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=["x"]`, "GOODDATA_FLIGHT_SERVER__MAX_REQUEST_BYTES="+size), nil, nil)
		if err != nil {
			t.Errorf("max_request_bytes %s: %v", size, err)
		} else if a.maxUnver != want {
			t.Errorf("max_request_bytes %s: %d calls without a valid token in flight, want %d", size, a.maxUnver, want)
		}
	}
	_, err = FromConfig(load("GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD=token",
		"GOODDATA_FLIGHT_SERVER__TOKEN_VERIFICATION=my_pkg.verifier"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "environment GOODDATA_FLIGHT_SERVER__TOKEN_VERIFICATION: [server] token_verification: \"my_pkg.verifier\" is not supported") {
		t.Errorf("custom verification: %v", err)
	}
}

// TestUnverifiedCallsAreBounded holds calls without a token in flight
// before their request message has arrived: past MaxUnverified of them,
// a call without a valid token is refused at once (no x-arrow-status
// trailers: gRPC's early answer), calls with a valid token are served, and
// once the held calls end the budget is free again.
func TestUnverifiedCallsAreBounded(t *testing.T) {
	h := serve(t, Options{Verifier: NewEnumeratedTokens([]string{tokenA}), MaxUnverified: 2})
	_, info, _, trailer := h.call(t)
	wantUnauthenticated(t, info, trailer, msgMissing) // with its trailers

	// The calls above end a moment after their answer: start from none.
	waitForUnverified(t, h, 0)
	conn := holdUnverified(t, h.addr, 2)
	waitForUnverified(t, h, 2)
	early := waitForTrailers(t, h, false)
	if st, _ := status.FromError(early); st.Code() != codes.Unauthenticated || st.Message() != msgMissing+". Detail: Unauthenticated" {
		t.Errorf("early answer %v %q, want Unauthenticated %q", st.Code(), st.Message(), msgMissing)
	}
	if _, info, _, _ := h.call(t, "authorization", "Bearer "+tokenA); info != nil {
		t.Errorf("a call with a valid token was refused while the budget was spent: %v", info)
	}
	conn.Close()
	waitForTrailers(t, h, true)
	if logs := h.logs.String(); !strings.Contains(logs, `"early":true`) {
		t.Errorf("no authentication_failed record marked early:\n%s", logs)
	}
}

// waitForUnverified waits up to 10 s for n calls without a valid token
// to be in flight.
func waitForUnverified(t *testing.T, h *harness, n int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); h.auth.unverified.Load() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s, %d calls without a valid token are in flight, want %d", h.auth.unverified.Load(), n)
		}
	}
}

// waitForTrailers makes GetFlightInfo calls without a token until one is
// refused with (or without) the x-arrow-status trailers, for up to 10 s,
// and returns its error.
func waitForTrailers(t *testing.T, h *harness, with bool) error {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, info, _, trailer := h.call(t)
		if status.Code(info) != codes.Unauthenticated {
			t.Fatalf("a call without a token: %v, want Unauthenticated", info)
		}
		if has := len(trailer.Get(flightserver.TrailerArrowStatus)) > 0; has == with {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s, calls without a token still come back with x-arrow-status trailers: %v, want %v", !with, with)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// holdUnverified opens n GetFlightInfo calls without a token on one raw
// HTTP/2 connection to addr, each announcing a 100-byte request message of
// which only 10 bytes arrive: gRPC waits for the rest before any
// interceptor runs. Closing the connection ends them.
func holdUnverified(t *testing.T, addr string, n int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go io.Copy(io.Discard, conn) // the server's frames
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for i := range n {
		block.Reset()
		for _, f := range [][2]string{
			{":method", "POST"}, {":scheme", "http"}, {":authority", addr},
			{":path", "/arrow.flight.protocol.FlightService/GetFlightInfo"},
			{"content-type", "application/grpc"}, {"te", "trailers"},
		} {
			enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
		}
		id := uint32(2*i + 1)
		if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block.Bytes(), EndHeaders: true}); err != nil {
			t.Fatal(err)
		}
		partial := append([]byte{0, 0, 0, 0, 100}, make([]byte, 10)...) // uncompressed, 100 bytes announced
		if err := fr.WriteData(id, false, partial); err != nil {
			t.Fatal(err)
		}
	}
	return conn
}
