package httpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// Request is one HTTP request. Its fields are the script's keyword
// arguments: http.request(method, url, headers=..., params=..., json=...,
// body=..., timeout=..., retries=...).
type Request struct {
	Method string // "GET" when empty; any case
	URL    string // absolute http or https URL
	// Headers are sent as given (one value each). A JSON body gets
	// Content-Type: application/json unless Headers sets one.
	Headers map[string]string
	// Params are added to the URL's query string, after any it has, in
	// order; a name may repeat.
	Params []Param
	// JSON, if not nil, is sent as the body, encoded with encoding/json: a
	// value of the script model (nil, bool, int64, float64, string, []any,
	// map[string]any) or anything that marshals itself, such as an
	// ordered map implementing json.Marshaler.
	JSON any
	// Body, if not nil, is sent as it is. JSON and Body exclude each other.
	Body []byte
	// Timeout bounds each attempt, body included; 0 means the Client's.
	Timeout time.Duration
	// Retries is how many times to try again after a 429, a 5xx or a
	// transport error; only for GET, HEAD, OPTIONS, PUT and DELETE.
	Retries int
}

// Param is one query-string parameter.
type Param struct{ Name, Value string }

// MaxRetries bounds Request.Retries.
const MaxRetries = 10

// Backoff between attempts: the n-th retry waits a random time between
// half and all of min(backoffBase·2ⁿ, backoffMax), unless the response
// said Retry-After; a Retry-After longer than maxRetryAfter ends the
// retries.
const (
	backoffBase   = 200 * time.Millisecond
	backoffMax    = 10 * time.Second
	maxRetryAfter = 2 * time.Minute
)

// errAttemptTimeout is the cause of an attempt's context when its
// timeout passes.
var errAttemptTimeout = errors.New("attempt timeout")

// ErrTimeout is wrapped by the error of a request whose timeout passed.
var ErrTimeout = errors.New("timed out")

// ErrTooLarge is wrapped by the error of a response over the size limit.
var ErrTooLarge = errors.New("response too large")

// prepared is a validated Request.
type prepared struct {
	method   string
	url      *url.URL
	redacted string
	headers  http.Header
	body     []byte
	hasBody  bool
	timeout  time.Duration
	retries  int
}

// Do sends the request, following redirects and retrying as asked, and
// returns the response whatever its status. Errors are *Error.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	p, err := c.prepare(req)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.attempt(ctx, p)
		if attempt >= p.retries || !retryable(ctx, resp, err) {
			return resp, err
		}
		wait, ok := backoff(attempt, resp)
		if !ok || !fitsDeadline(ctx, wait) {
			return resp, err
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, c.fail(p, fmt.Errorf("while waiting to retry: %w", err))
		}
	}
}

// prepare validates req and builds what every attempt sends.
func (c *Client) prepare(req Request) (*prepared, error) {
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(req.URL)
	p := &prepared{method: method, redacted: redactRaw(req.URL), headers: http.Header{}, timeout: req.Timeout, retries: req.Retries}
	if err != nil {
		return nil, c.fail(p, errors.New("invalid URL"))
	}
	p.url, p.redacted = u, RedactURL(u)
	if !u.IsAbs() || u.Host == "" {
		return nil, c.fail(p, errors.New("want an absolute http or https URL"))
	}
	if err := c.policy.checkURL(u); err != nil {
		return nil, c.fail(p, err)
	}
	if strings.IndexFunc(method, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return nil, c.fail(p, fmt.Errorf("invalid method %q", req.Method))
	}
	if err := p.setOptions(req, c.cfg.Timeout); err != nil {
		return nil, c.fail(p, err)
	}
	return p, nil
}

// setOptions fills in the query, headers, body, timeout and retries.
func (p *prepared) setOptions(req Request, def time.Duration) error {
	if len(req.Params) > 0 {
		var q strings.Builder
		q.WriteString(p.url.RawQuery)
		for _, prm := range req.Params {
			if q.Len() > 0 {
				q.WriteByte('&')
			}
			q.WriteString(url.QueryEscape(prm.Name) + "=" + url.QueryEscape(prm.Value))
		}
		u := *p.url
		u.RawQuery = q.String()
		p.url, p.redacted = &u, RedactURL(&u)
	}
	p.headers.Set("User-Agent", "flexfun-script")
	for k, v := range req.Headers {
		p.headers.Set(k, v)
	}
	switch {
	case req.JSON != nil && req.Body != nil:
		return errors.New("json and body exclude each other")
	case req.JSON != nil:
		b, err := json.Marshal(req.JSON)
		if err != nil {
			return fmt.Errorf("encode the json body: %w", err)
		}
		p.body, p.hasBody = b, true
		if p.headers.Get("Content-Type") == "" {
			p.headers.Set("Content-Type", "application/json")
		}
	case req.Body != nil:
		p.body, p.hasBody = req.Body, true
	}
	if p.timeout < 0 {
		return fmt.Errorf("timeout %v is negative", p.timeout)
	}
	if p.timeout == 0 {
		p.timeout = def
	}
	switch {
	case p.retries < 0 || p.retries > MaxRetries:
		return fmt.Errorf("retries %d: want 0 to %d", p.retries, MaxRetries)
	case p.retries > 0 && !idempotent(p.method):
		return fmt.Errorf("retries: %s is not idempotent; only GET, HEAD, OPTIONS, PUT and DELETE are retried", p.method)
	}
	return nil
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// attempt sends the request once and reads the whole body.
func (c *Client) attempt(ctx context.Context, p *prepared) (*Response, error) {
	actx, cancel := context.WithTimeoutCause(ctx, p.timeout, errAttemptTimeout)
	defer cancel()
	var body io.Reader
	if p.hasBody {
		body = bytes.NewReader(p.body)
	}
	hreq, err := http.NewRequestWithContext(actx, p.method, p.url.String(), body)
	if err != nil {
		return nil, c.fail(p, err)
	}
	hreq.Header = p.headers.Clone()
	if h := p.headers.Get("Host"); h != "" {
		hreq.Host = h
	}
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, c.transportError(ctx, actx, p, err)
	}
	defer hresp.Body.Close()
	data, err := c.readBody(hresp)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, c.fail(p, err)
		}
		return nil, c.transportError(ctx, actx, p, fmt.Errorf("read the body: %w", err))
	}
	return c.newResponse(p, hresp, data), nil
}

// readBody reads the body up to the size limit.
func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	limit := c.cfg.MaxResponseBytes
	if resp.ContentLength > limit {
		return nil, c.tooLarge()
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, c.tooLarge()
	}
	return buf.Bytes(), nil
}

func (c *Client) tooLarge() error {
	return fmt.Errorf("%w: the body exceeds %s ([flexfun.http] max_response_bytes = %d)", ErrTooLarge, arrowbridge.FormatBytes(c.cfg.MaxResponseBytes), c.cfg.MaxResponseBytes)
}

// transportError explains a failed exchange: refused by the policy,
// timed out, abandoned by the caller, or failed on the network.
func (c *Client) transportError(ctx, actx context.Context, p *prepared, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its message repeats the URL, unredacted
	}
	var re *RefusedError
	switch {
	case errors.As(err, &re):
		var rd *redirectError
		if errors.As(err, &rd) {
			return c.fail(p, rd)
		}
		return c.fail(p, re)
	case ctx.Err() != nil:
		return c.fail(p, fmt.Errorf("abandoned: %w", context.Cause(ctx)))
	case context.Cause(actx) == errAttemptTimeout:
		return c.fail(p, fmt.Errorf("%w after %v (the request's timeout, by default [flexfun.http] timeout)", ErrTimeout, p.timeout))
	}
	return c.fail(p, err)
}

// retryable reports whether another attempt may help.
func retryable(ctx context.Context, resp *Response, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		var re *RefusedError
		var rd *redirectError
		return !errors.As(err, &re) && !errors.As(err, &rd) && !errors.Is(err, ErrTooLarge)
	}
	return resp.Status == http.StatusTooManyRequests || resp.Status >= 500
}

// backoff returns how long to wait before retry attempt+1, and false if
// the server asked for a longer wait than maxRetryAfter.
func backoff(attempt int, resp *Response) (time.Duration, bool) {
	if resp != nil {
		if d, ok := retryAfter(resp.Headers["retry-after"], time.Now()); ok {
			return d, d <= maxRetryAfter
		}
	}
	d := min(backoffBase<<min(attempt, 16), backoffMax)
	return d/2 + rand.N(d/2+1), true
}

// retryAfter parses a Retry-After header: seconds, or an HTTP date.
func retryAfter(values []string, now time.Time) (time.Duration, bool) {
	if len(values) == 0 {
		return 0, false
	}
	v := strings.TrimSpace(values[0])
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter + time.Second, true
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// fitsDeadline reports whether waiting d leaves the context's deadline
// ahead.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Now().Add(d).Before(deadline)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
