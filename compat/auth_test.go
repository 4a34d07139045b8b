//go:build compat

package compat

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// TestDifferentialAuth compares token authentication: the default
// Authorization: Bearer header, then a custom header.
func TestDifferentialAuth(t *testing.T) {
	t.Parallel()
	tokens := []string{
		"GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD=token",
		`GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=["t1","t2"]`,
	}
	t.Run("bearer", func(t *testing.T) {
		cfg := peerConfig{env: tokens}
		ref, ours := startPeer(t, reference, cfg), startPeer(t, ours, cfg)
		for _, sc := range authScenarios("authorization", "Bearer ") {
			runBoth(t, ref, ours, sc)
		}
	})
	t.Run("custom header", func(t *testing.T) {
		cfg := peerConfig{env: append(tokens, "GOODDATA_FLIGHT_SERVER__TOKEN_HEADER_NAME=x-custom-token")}
		ref, ours := startPeer(t, reference, cfg), startPeer(t, ours, cfg)
		for _, sc := range authScenarios("x-custom-token", "") {
			runBoth(t, ref, ours, sc)
		}
	})
}

// authScenarios are the scenarios of a server whose tokens are t1 and t2,
// sent in header with prefix before the token.
func authScenarios(header, prefix string) []scenario {
	list := func(md ...string) func(t *testing.T, p *peer, r record) {
		return func(t *testing.T, p *peer, r record) {
			p.listFlights(t, r, "list", commonFunctions, md...)
		}
	}
	ok := []string{header, prefix + "t1"}
	s := []scenario{
		{name: "no token", run: list()},
		{name: "token twice", run: list(header, prefix+"t1", header, prefix+"t2")},
		{name: "unknown token", run: list(header, prefix+"t3")},
		{name: "empty token", run: list(header, prefix)},
		{name: "valid token", run: list(ok...)},
		{name: "second valid token with spaces", run: list(header, prefix+"  t2  ")},
		{name: "token in another header", run: list("x-other", prefix+"t1")},
		{
			name: "call with a token, DoGet without",
			run: func(t *testing.T, p *peer, r record) {
				info, err := p.getInfo(t, r, "call", cmdDesc(p.invocation("SampleFlexFunction", "")), ok...)
				if err != nil {
					t.Fatalf("%s: %v", p.side, err)
				}
				tkt := info.Endpoint[0].Ticket.Ticket
				p.doGet(t, r, "without", tkt)
				p.doGet(t, r, "with", tkt, ok...)
			},
		},
		{
			name: "polling without a token",
			run: func(t *testing.T, p *peer, r record) {
				p.getInfo(t, r, "call", cmdDesc(p.invocation("SampleFlexFunction", "")), pollableHeader, "true")
			},
		},
		{
			name: "Handshake without and with a token",
			run: func(t *testing.T, p *peer, r record) {
				for _, c := range []struct {
					prefix string
					md     []string
				}{{"without", nil}, {"with", ok}} {
					streamRPC(t, r, c.prefix, func(ctx context.Context) (flight.FlightService_HandshakeClient, error) {
						return p.client.Handshake(metadata.AppendToOutgoingContext(ctx, c.md...))
					}, func(s flight.FlightService_HandshakeClient) error { _, err := s.Recv(); return err },
						func(s flight.FlightService_HandshakeClient) error {
							return s.Send(&flight.HandshakeRequest{})
						})
				}
			},
			known: []known{
				differ("D9", lit("with.msg"),
					lit("Flight returned unimplemented error, with message: This service does not have an authentication mechanism enabled."),
					lit("This service does not have an authentication mechanism enabled.")),
				differ("D9", lit("with.message"), lit("This service does not have an authentication mechanism enabled."), lit("<msg>")),
				differ("D9", lit("with.trailer.x-arrow-status-message-bin"),
					lit("Flight returned unimplemented error, with message: This service does not have an authentication mechanism enabled."),
					lit("This service does not have an authentication mechanism enabled.")),
			},
		},
		{
			name: "GetSchema without a token",
			run: func(t *testing.T, p *peer, r record) {
				p.unaryRaw(t, r, "rpc", func(ctx context.Context, opts ...grpc.CallOption) error {
					_, err := p.client.GetSchema(ctx, cmdDesc("x"), opts...)
					return err
				})
			},
		},
		{
			name: "headers the function sees",
			run: func(t *testing.T, p *peer, r record) {
				cmd := p.invocation("Headers", `{"names":["`+header+`","x-compat-extra"]}`)
				info, err := p.getInfo(t, r, "call", cmdDesc(cmd), append(ok, "x-compat-extra", "v")...)
				if err == nil {
					p.doGet(t, r, "doget", info.Endpoint[0].Ticket.Ticket, ok...)
				}
			},
			// D16: ours removes the header that carried the token from
			// the headers functions receive; the reference passes it on.
			known: []known{
				differ("D16", `doget\.(rows|batches)`, "2", "1"),
				differ("D16", lit("doget.digest"), `[0-9a-f]+`, `[0-9a-f]+`),
				differ("D16", lit("doget.row0.name"), lit(`"`+header+`"`), lit(`"x-compat-extra"`)),
				differ("D16", lit("doget.row0.value"), lit(`"`+prefix+`t1"`), lit(`"v"`)),
				differ("D16", `doget\.row1\..*`, `.+`, absent),
			},
		},
	}
	return s
}
