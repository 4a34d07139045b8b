package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
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
	exec := tasks.New[*arrowbridge.Table](tasks.Options{Threads: 2, Logger: logger})
	srv := flightserver.New(flightserver.Options{Catalog: catalog{h.fun}, Executor: exec, Logger: logger})
	gs := flightserver.NewGRPCServer(srv, a.ServerOptions()...)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs.InitListener(lis)
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
	_, err = FromConfig(load("GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD=token",
		"GOODDATA_FLIGHT_SERVER__TOKEN_VERIFICATION=my_pkg.verifier"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "environment GOODDATA_FLIGHT_SERVER__TOKEN_VERIFICATION: [server] token_verification: \"my_pkg.verifier\" is not supported") {
		t.Errorf("custom verification: %v", err)
	}
}
