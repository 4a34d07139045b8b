// Package auth checks the token that every Flight call must carry when
// authentication_method = "token", exactly as GoodData's
// gooddata-flight-server does: the same headers, the same UNAUTHENTICATED
// errors and messages.
//
// An Authenticator is a gRPC tap (TapHandle: the token is checked as soon as
// a call's headers arrive, and calls without a valid token in flight at
// once are bounded) and a pair of gRPC interceptors that reject such calls.
// Give them to the gRPC server so that they run before every RPC,
// Handshake included:
//
//	a, err := auth.FromConfig(cfg, logger, nil) // nil when authentication is off
//	if a != nil {
//		opts = append(opts, a.ServerOptions()...)
//	}
//	gs := flightserver.NewGRPCServer(srv, opts...)
//
// By default the token travels as "authorization: Bearer <token>"; with
// token_header_name set, the whole value of that header is the token. The
// Verifier decides whether a token is valid; EnumeratedTokens, the
// EnumeratedTokenVerification strategy, accepts exactly the configured
// tokens and compares them in constant time.
//
// Tokens are never logged. Once a call is accepted, the header that carried
// the token is removed from the call's metadata, so functions do not see it
// among their request headers.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/tap"

	"github.com/flexfun-script/flexfun-script/flightserver"
	"github.com/flexfun-script/flexfun-script/settings"
)

// Verifier decides whether a token is valid. Implementations must be safe
// for concurrent use and must not log the token.
type Verifier interface {
	Verify(token string) bool
}

// EnumeratedTokens accepts exactly the tokens it was made with: GoodData's
// EnumeratedTokenVerification. It compares SHA-256 digests with
// crypto/subtle against every known token, so the time it takes does not
// depend on how much of a guess matches, nor on which token matched. It is
// safe for concurrent use.
type EnumeratedTokens struct {
	digests [][sha256.Size]byte
}

// NewEnumeratedTokens returns a Verifier accepting tokens. Empty tokens are
// ignored.
func NewEnumeratedTokens(tokens []string) *EnumeratedTokens {
	v := &EnumeratedTokens{}
	for _, t := range tokens {
		if t != "" {
			v.digests = append(v.digests, sha256.Sum256([]byte(t)))
		}
	}
	return v
}

// Verify reports whether token is one of the enumerated tokens.
func (v *EnumeratedTokens) Verify(token string) bool {
	if token == "" {
		return false
	}
	d := sha256.Sum256([]byte(token))
	match := 0
	for i := range v.digests {
		match |= subtle.ConstantTimeCompare(d[:], v.digests[i][:])
	}
	return match == 1
}

// The messages of GoodData's TokenAuthMiddlewareFactory.
const (
	msgMissing   = "Authentication failed because the authentication header bearing the token was not included on the call."
	msgRepeated  = "Authentication failed because the authentication header '%s' is specified multiple times."
	msgNotBearer = "Authentication failed because the 'Authorization' header does not start with 'Bearer '"
	msgInvalid   = "Authentication token is not valid."
)

// defaultHeader is the header carrying "Bearer <token>" when no
// token_header_name is configured. It is written capitalised in the
// "specified multiple times" message, as in the Python server.
const defaultHeader = "Authorization"

// Options configures an Authenticator.
type Options struct {
	// HeaderName is the header carrying the raw token. Empty means
	// "authorization: Bearer <token>". Matched case-insensitively.
	HeaderName string
	// Verifier checks the token. Required.
	Verifier Verifier
	// Logger receives an authentication_failed record per rejected call.
	// Default slog.Default().
	Logger *slog.Logger
	// OnReject, when set, is called once per rejected call, e.g. to count
	// it in a metric. It must be safe for concurrent use.
	OnReject func()
	// MaxUnverified bounds the calls without a valid token that may be in
	// flight at once (see TapHandle). Default DefaultMaxUnverified.
	MaxUnverified int
}

// unverifiedBudget is the memory FromConfig lets requests without a valid
// token hold at once: MaxUnverified is this over max_request_bytes.
const unverifiedBudget = 64 << 20

// DefaultMaxUnverified is the default of Options.MaxUnverified. A client
// without a valid token can make the server buffer at most one request
// (max_request_bytes) per call before it is rejected; at the default 4 MiB,
// 16 such calls hold at most 64 MiB.
const DefaultMaxUnverified = unverifiedBudget / settings.DefaultMaxRequestBytes

// Authenticator rejects calls without a valid token. It is safe for
// concurrent use.
type Authenticator struct {
	header     string // as configured, for messages
	key        string // lower-case metadata key
	bearer     bool
	verify     Verifier
	log        *slog.Logger
	rejects    func()       // Options.OnReject
	unverified atomic.Int64 // calls without a valid token in flight (TapHandle)
	maxUnver   int64        // Options.MaxUnverified
}

// New returns an Authenticator. It panics without a Verifier.
func New(opts Options) *Authenticator {
	if opts.Verifier == nil {
		panic("auth: Options.Verifier is required")
	}
	a := &Authenticator{header: opts.HeaderName, bearer: opts.HeaderName == "", verify: opts.Verifier, log: opts.Logger,
		rejects: opts.OnReject, maxUnver: int64(opts.MaxUnverified)}
	if a.maxUnver <= 0 {
		a.maxUnver = DefaultMaxUnverified
	}
	if a.bearer {
		a.header = defaultHeader
	}
	a.key = strings.ToLower(a.header)
	if a.log == nil {
		a.log = slog.Default()
	}
	return a
}

// FromConfig returns the Authenticator that cfg asks for, or nil when
// authentication_method is "none". A token_verification other than
// EnumeratedTokenVerification is an error naming where it was set: the
// Python server loads such strategies from Python modules, which
// flexfun-script cannot do.
//
// onReject is Options.OnReject; it may be nil.
func FromConfig(cfg *settings.Config, logger *slog.Logger, onReject func()) (*Authenticator, error) {
	s := cfg.Server
	if s.AuthenticationMethod != settings.AuthToken {
		return nil, nil
	}
	if s.TokenVerification != settings.EnumeratedTokenVerification {
		origin := cfg.Origin("server", "token_verification")
		if origin == "" {
			origin = "configuration"
		}
		return nil, fmt.Errorf("%s: [server] token_verification: %q is not supported: flexfun-script cannot load a "+
			"TokenVerificationStrategy from a Python module; use %q with [enumerated_tokens] tokens",
			origin, s.TokenVerification, settings.EnumeratedTokenVerification)
	}
	return New(Options{
		HeaderName: s.TokenHeaderName,
		Verifier:   NewEnumeratedTokens(cfg.EnumeratedTokens),
		Logger:     logger,
		OnReject:   onReject,
		// max_request_bytes is at least 1 KiB: at most 65,536 calls.
		MaxUnverified: int(max(1, unverifiedBudget/s.MaxRequestBytes)),
	}), nil
}

// HeaderName returns the header the token is read from, as configured
// ("Authorization" by default).
func (a *Authenticator) HeaderName() string { return a.header }

// Authenticate checks the token of the call whose incoming metadata is in
// ctx. On success it returns ctx with the token header removed from the
// metadata; otherwise a Flight UNAUTHENTICATED error without ErrorInfo.
func (a *Authenticator) Authenticate(ctx context.Context) (context.Context, *flightserver.Error) {
	md, _ := metadata.FromIncomingContext(ctx) // a copy
	msg, checked := ctx.Value(verdictKey{}).(string)
	if !checked {
		msg = a.check(md)
	}
	if msg != "" {
		return nil, unauthenticated(msg)
	}
	delete(md, a.key)
	return metadata.NewIncomingContext(ctx, md), nil
}

// check returns why the token in md is refused, or "" if it is valid.
func (a *Authenticator) check(md metadata.MD) string {
	vals := md[a.key]
	switch {
	case len(vals) > 1:
		return fmt.Sprintf(msgRepeated, a.header)
	case len(vals) == 0:
		return msgMissing
	}
	token := vals[0]
	if a.bearer {
		rest, ok := strings.CutPrefix(token, "Bearer ")
		if !ok {
			return msgNotBearer
		}
		token = rest
	}
	if !a.verify.Verify(strings.TrimSpace(token)) {
		return msgInvalid
	}
	return ""
}

func unauthenticated(msg string) *flightserver.Error {
	return &flightserver.Error{Code: codes.Unauthenticated, Status: flightserver.StatusUnauthenticated, Msg: msg}
}

// verdictKey is the context key of TapHandle's verdict for a call: why
// its token is refused, or "".
type verdictKey struct{}

// TapHandle returns the gRPC tap that checks a call's token as soon as its
// headers arrive, before its request message is read. gRPC reads a unary
// call's whole message (up to max_request_bytes) before any interceptor
// runs, so without a valid token many calls at once could still make the
// server hold many messages. The tap lets at most MaxUnverified calls
// without a valid token in flight at once, to be rejected by the
// interceptors as usual (with the Python server's trailers); past that, it
// rejects a call at once, before its message is read: UNAUTHENTICATED with
// the same message, but without the x-arrow-status trailers, which gRPC
// cannot send on such an early answer. Calls with a valid token are not
// counted, and their token is not checked again.
func (a *Authenticator) TapHandle() tap.ServerInHandle {
	return func(ctx context.Context, info *tap.Info) (context.Context, error) {
		msg := a.check(info.Header)
		if msg != "" {
			if a.unverified.Add(1) > a.maxUnver {
				a.unverified.Add(-1)
				e := unauthenticated(msg)
				a.reject(ctx, info.FullMethodName, e, "early", true)
				return nil, e.GRPCStatus().Err()
			}
			// gRPC cancels a call's context when the call ends.
			context.AfterFunc(ctx, func() { a.unverified.Add(-1) })
		}
		return context.WithValue(ctx, verdictKey{}, msg), nil
	}
}

// reject logs a rejected call, with extra attributes if given. The token
// is never part of the record.
func (a *Authenticator) reject(ctx context.Context, method string, e *flightserver.Error, extra ...any) {
	attrs := append([]any{"reason", e.Msg, "method", method}, extra...)
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		attrs = append(attrs, "peer", p.Addr.String())
	}
	a.log.Info("authentication_failed", attrs...)
	if a.rejects != nil {
		a.rejects()
	}
}

// UnaryInterceptor returns the interceptor for unary RPCs.
func (a *Authenticator) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		authed, e := a.Authenticate(ctx)
		if e != nil {
			a.reject(ctx, info.FullMethod, e)
			return nil, e.Unary(ctx)
		}
		return handler(authed, req)
	}
}

// StreamInterceptor returns the interceptor for streaming RPCs (Handshake,
// ListFlights, DoGet, ...).
func (a *Authenticator) StreamInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		authed, e := a.Authenticate(ss.Context())
		if e != nil {
			a.reject(ss.Context(), info.FullMethod, e)
			return e.Stream(ss)
		}
		return handler(srv, &stream{ServerStream: ss, ctx: authed})
	}
}

// ServerOptions returns the gRPC server options that install the tap and
// both interceptors. gRPC takes one tap per server.
func (a *Authenticator) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.InTapHandle(a.TapHandle()),
		grpc.ChainUnaryInterceptor(a.UnaryInterceptor()),
		grpc.ChainStreamInterceptor(a.StreamInterceptor()),
	}
}

// stream is a ServerStream with the authenticated context.
type stream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *stream) Context() context.Context { return s.ctx }
