// Package httpclient is the HTTP client scripts use (http.get, http.post,
// http.request): a net/http client that enforces the server's policy from
// [flexfun.http] on every request and every redirect.
//
// The policy:
//
//   - Hosts: with allow set, a URL whose host is not listed is refused,
//     redirects included. "*.example.com" matches every name under
//     example.com (not example.com itself).
//   - Addresses: loopback, private, link-local (169.254.169.254 among
//     them), unspecified, multicast and other non-public addresses are
//     refused unless allow_private is true or the URL's host is listed by
//     name in allow (a wildcard entry does not count). The check runs on
//     the address actually dialled, after DNS, so a public name that
//     resolves to a private address is refused too.
//   - Proxies: HTTP_PROXY, HTTPS_PROXY and NO_PROXY (or their lower-case
//     forms) are honoured, read when the Client is made. Through a proxy,
//     the host check and the check of IP addresses written in URLs still
//     apply, but names are resolved by the proxy, which this process
//     cannot see: configure the proxy to refuse private destinations. The
//     proxy's own address is never refused.
//   - Limits: each attempt must finish, body included, within its timeout
//     (the request's, else [flexfun.http] timeout); a body larger than
//     max_response_bytes (after decompression) is an error. The caller's
//     context bounds everything, retries and their waits included.
//
// Responses with any status are returned as they are; RaiseForStatus turns
// a non-2xx status into an error. Retries happen only when asked for
// (Request.Retries), only for idempotent methods, on 429, 5xx and
// transport errors, with exponential backoff and jitter, honouring
// Retry-After, and never waiting past the context's deadline.
//
// Errors name the method and the URL with every query value and any user
// information replaced by REDACTED (RedactURL), and the cause. A Client
// pools connections: make one per server and share it.
//
//	c, err := httpclient.New(httpclient.Config{Allow: []string{"api.example.com"}})
//	resp, err := c.Do(ctx, httpclient.Request{
//		URL:    "https://api.example.com/v1/weather",
//		Params: []httpclient.Param{{Name: "city", Value: "Prague"}},
//		Headers: map[string]string{"Authorization": "Bearer " + key},
//	})
//	if err == nil { err = resp.RaiseForStatus() }
//	t, err := resp.Table(ctx, httpclient.TableOptions{Path: "data.items"})
//
// A Client is safe for concurrent use.
package httpclient

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// Defaults of Config.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 64 << 20
	maxRedirects            = 10
)

// Config is the client's policy, from [flexfun.http].
type Config struct {
	// Timeout bounds one attempt of a request that sets none; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes bounds a response body; 0 means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Allow lists the hosts requests may reach: names, IP addresses, or
	// "*.example.com". Empty allows every host.
	Allow []string
	// AllowPrivate lets requests reach non-public addresses.
	AllowPrivate bool
	// Redact, if set, is applied to every error message, so that secret
	// values in a URL's path or in a cause never show (see
	// secrets.Redactor.Redact).
	Redact func(string) string
}

// Client sends requests under a policy. Make one with New.
type Client struct {
	cfg       Config
	policy    *policy
	transport *http.Transport
	hc        *http.Client
}

// New returns a Client for cfg. The proxy environment variables are read
// now. It fails on an allow entry that is not a host pattern.
func New(cfg Config) (*Client, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.Redact == nil {
		cfg.Redact = func(s string) string { return s }
	}
	p, err := newPolicy(cfg.Allow, cfg.AllowPrivate)
	if err != nil {
		return nil, err
	}
	proxy := httpproxy.FromEnvironment()
	p.addProxy(proxy.HTTPProxy)
	p.addProxy(proxy.HTTPSProxy)
	proxyFor := proxy.ProxyFunc()
	c := &Client{cfg: cfg, policy: p}
	c.transport = &http.Transport{
		Proxy:                 func(r *http.Request) (*url.URL, error) { return proxyFor(r.URL) },
		DialContext:           p.dialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
	c.hc = &http.Client{Transport: c.transport, CheckRedirect: c.checkRedirect}
	return c, nil
}

// Close closes the pooled idle connections. Requests in flight finish.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

// checkRedirect applies the policy to every redirect.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errors.New("stopped after 10 redirects")
	}
	if err := c.policy.checkURL(req.URL); err != nil {
		return &redirectError{to: RedactURL(req.URL), err: err}
	}
	return nil
}

type redirectError struct {
	to  string
	err error
}

func (e *redirectError) Error() string { return "redirect to " + e.to + ": " + e.err.Error() }
func (e *redirectError) Unwrap() error { return e.err }
