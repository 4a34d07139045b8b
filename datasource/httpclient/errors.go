package httpclient

import (
	"net/url"
	"strings"
)

// Error is a failed request: "GET https://api.example.com/v1?key=REDACTED:
// cause". The URL is redacted (RedactURL) and the whole message passes
// through Config.Redact.
type Error struct {
	Method string
	URL    string // redacted
	Err    error
	redact func(string) string
}

func (e *Error) Error() string {
	msg := e.Method + " " + e.URL + ": " + e.Err.Error()
	if e.redact != nil {
		msg = e.redact(msg)
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// fail wraps err with the request's method and redacted URL.
func (c *Client) fail(p *prepared, err error) error {
	return &Error{Method: p.method, URL: p.redacted, Err: err, redact: c.cfg.Redact}
}

// redacted replaces values in URLs shown in errors.
const redacted = "REDACTED"

// RedactURL returns u for errors and logs: the value of every query
// parameter and any user information replaced by REDACTED, the fragment
// dropped. Parameter names, the host and the path stay.
func RedactURL(u *url.URL) string {
	r := *u
	r.Fragment, r.RawFragment = "", ""
	if r.User != nil {
		r.User = url.User(redacted)
	}
	if r.RawQuery != "" {
		parts := strings.Split(r.RawQuery, "&")
		for i, part := range parts {
			if name, _, ok := strings.Cut(part, "="); ok {
				parts[i] = name + "=" + redacted
			}
		}
		r.RawQuery = strings.Join(parts, "&")
	}
	return r.String()
}

// redactRaw redacts a URL that does not parse: everything after "?" or
// "#", and anything before an "@" in the authority, goes.
func redactRaw(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i] + "?" + redacted
	}
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			rest = redacted + rest[at:]
		}
		s = scheme + "://" + rest
	}
	return s
}
