package httpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/datasource/jsontable"
)

// Response is a response read in full. It is not modified after Do
// returns, so it is safe for concurrent reads.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Headers maps lower-case header names to their values.
	Headers map[string][]string
	// Body is the body, decompressed.
	Body []byte

	method string
	url    string // the final URL (after redirects), redacted
	redact func(string) string
}

func (c *Client) newResponse(p *prepared, hresp *http.Response, body []byte) *Response {
	headers := make(map[string][]string, len(hresp.Header))
	for k, v := range hresp.Header {
		lk := strings.ToLower(k)
		headers[lk] = append(headers[lk], v...)
	}
	final := p.redacted
	if hresp.Request != nil && hresp.Request.URL != nil {
		final = RedactURL(hresp.Request.URL)
	}
	return &Response{Status: hresp.StatusCode, Headers: headers, Body: body, method: p.method, url: final, redact: c.cfg.Redact}
}

// OK reports whether the status is 2xx.
func (r *Response) OK() bool { return r.Status >= 200 && r.Status <= 299 }

// Text returns the body as a string.
func (r *Response) Text() string { return string(r.Body) }

// StatusError is the error of RaiseForStatus.
type StatusError struct {
	Method, URL string // URL redacted
	Status      int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: status %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
}

// RaiseForStatus returns a *StatusError ("GET https://...: status 404 Not
// Found") unless the status is 2xx.
func (r *Response) RaiseForStatus() error {
	if r.OK() {
		return nil
	}
	return &StatusError{Method: r.method, URL: r.redact(r.url), Status: r.Status}
}

// source names the response in errors: method and redacted final URL.
func (r *Response) source() string { return r.redact(r.method + " " + r.url) }

// DecodeJSON decodes the body into v with encoding/json (numbers into an
// interface become json.Number). Errors name the response and the line
// and column.
func (r *Response) DecodeJSON(v any) error {
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = fmt.Errorf("invalid character after the JSON value at offset %d", dec.InputOffset())
	}
	if err != nil {
		return fmt.Errorf("%s: the body is not valid JSON: %w", r.source(), locateJSON(r.Body, err))
	}
	return nil
}

// locateJSON adds the line and column to an encoding/json syntax error.
func locateJSON(body []byte, err error) error {
	se, ok := err.(*json.SyntaxError)
	if !ok {
		return err
	}
	// Offset counts the bytes read, the offending one included.
	off := min(max(int(se.Offset)-1, 0), len(body))
	line := 1 + bytes.Count(body[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(body[:off], '\n')
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// TableOptions are the arguments of resp.table(schema=None, path=None).
type TableOptions struct {
	// Schema is the table's schema; nil infers it (see jsontable).
	Schema *arrow.Schema
	// Path names the array inside the body's top-level object: "data.items".
	Path string
	// Mem allocates the table; nil means memory.DefaultAllocator.
	Mem memory.Allocator
}

// Table decodes the body, a JSON array of objects or an object holding one
// at opts.Path, into a table; see package jsontable for the conversion and
// the inference. A body whose Content-Type names JSON lines (ndjson,
// jsonl) may also be a stream of objects. The caller releases the table.
func (r *Response) Table(ctx context.Context, opts TableOptions) (*arrowbridge.Table, error) {
	ct := ""
	if v := r.Headers["content-type"]; len(v) > 0 {
		ct = strings.ToLower(v[0])
	}
	return jsontable.Decode(ctx, bytes.NewReader(r.Body), jsontable.Options{
		Schema: opts.Schema,
		Path:   opts.Path,
		Lines:  strings.Contains(ct, "ndjson") || strings.Contains(ct, "jsonl") || strings.Contains(ct, "json-lines"),
		Source: r.source(),
		Mem:    opts.Mem,
	})
}
