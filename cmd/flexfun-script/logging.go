package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/flexfun-script/flexfun-script/settings"
)

// newServerLogger returns the logger of the start command: JSON lines whose
// event name is under eventKey ([server] log_event_key_name, "event" by
// default, as in the Python server), or readable text with dev.
func newServerLogger(w io.Writer, dev bool, eventKey string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if dev {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	if eventKey != "" && eventKey != slog.MessageKey {
		opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.MessageKey {
				a.Key = eventKey
			}
			return a
		}
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// insecureBanner is printed when the server accepts anybody's calls on a
// non-loopback address.
const insecureBanner = `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  WARNING: the server listens on %s without authentication
!!  and without mutual TLS: anybody who can reach it can call every
!!  function. Set authentication_method = "token" (with
!!  [enumerated_tokens] tokens) or use_mtls = true in [server].
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
`

// warnIfInsecure prints a banner on stderr and logs insecure_warning when
// the server listens on a non-loopback address with neither token
// authentication nor mutual TLS.
func warnIfInsecure(cfg *settings.Config, addr net.Addr, logger *slog.Logger, stderr io.Writer) {
	if cfg.Server.AuthenticationMethod == settings.AuthToken || cfg.Server.UseMTLS || isLoopback(addr) {
		return
	}
	fmt.Fprintf(stderr, insecureBanner, addr)
	logger.Warn("insecure_warning", "listen", addr.String(),
		"reason", "no authentication and no mutual TLS on a non-loopback address")
}

// isLoopback reports whether addr is a loopback address.
func isLoopback(addr net.Addr) bool {
	host := addr.String()
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}
