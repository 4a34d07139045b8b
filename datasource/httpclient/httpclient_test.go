package httpclient

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// newClient returns a Client for cfg, closed when the test ends.
func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// loopback is the policy that lets tests reach their httptest servers by
// listing 127.0.0.1 by name.
var loopback = Config{Allow: []string{"127.0.0.1"}}

// echo is a server that answers with what it received, as JSON.
func echo(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "query": r.URL.RawQuery, "body": string(body),
			"content_type": r.Header.Get("Content-Type"), "auth": r.Header.Get("Authorization"),
			"agent": r.Header.Get("User-Agent"), "host": r.Host,
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func decodeEcho(t *testing.T, resp *Response) map[string]string {
	t.Helper()
	var m map[string]string
	if err := resp.DecodeJSON(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGet(t *testing.T) {
	srv := echo(t)
	c := newClient(t, loopback)
	resp, err := c.Do(context.Background(), Request{
		URL:     srv.URL + "/v1?fixed=1",
		Params:  []Param{{"city", "Praha 1"}, {"tag", "a&b"}, {"tag", "c"}},
		Headers: map[string]string{"Authorization": "Bearer t0k"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || !resp.OK() || resp.RaiseForStatus() != nil {
		t.Errorf("status %d ok %v", resp.Status, resp.OK())
	}
	got := decodeEcho(t, resp)
	if got["method"] != "GET" || got["query"] != "fixed=1&city=Praha+1&tag=a%26b&tag=c" || got["auth"] != "Bearer t0k" || got["agent"] != "flexfun-script" {
		t.Errorf("server saw %v", got)
	}
	if h := resp.Headers["x-multi"]; len(h) != 2 || h[0] != "a" || h[1] != "b" {
		t.Errorf("headers[x-multi] = %q, want [a b]", h)
	}
	if resp.Headers["content-type"][0] != "application/json" || !strings.Contains(resp.Text(), `"method":"GET"`) {
		t.Errorf("headers %v text %q", resp.Headers, resp.Text())
	}
}

// orderedJSON marshals its keys in order, as a script's dict would.
type orderedJSON [][2]any

func (o orderedJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv[0])
		v, err := json.Marshal(kv[1])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func TestPostBodies(t *testing.T) {
	srv := echo(t)
	c := newClient(t, loopback)
	ctx := context.Background()

	resp, err := c.Do(ctx, Request{Method: "post", URL: srv.URL, JSON: orderedJSON{{"z", int64(1)}, {"a", []any{true, nil, 2.5, "x"}}}})
	if err != nil {
		t.Fatal(err)
	}
	got := decodeEcho(t, resp)
	if got["method"] != "POST" || got["body"] != `{"z":1,"a":[true,null,2.5,"x"]}` || got["content_type"] != "application/json" {
		t.Errorf("JSON body: server saw %v", got)
	}

	resp, err = c.Do(ctx, Request{Method: "PUT", URL: srv.URL, Body: []byte("raw text"),
		Headers: map[string]string{"Content-Type": "text/plain", "Host": "virtual.test"}})
	if err != nil {
		t.Fatal(err)
	}
	got = decodeEcho(t, resp)
	if got["method"] != "PUT" || got["body"] != "raw text" || got["content_type"] != "text/plain" || got["host"] != "virtual.test" {
		t.Errorf("raw body: server saw %v", got)
	}
}

func TestRequestErrors(t *testing.T) {
	c := newClient(t, loopback)
	// The exact texts of the option errors.
	for req, want := range map[*Request]string{
		{URL: "http://127.0.0.1:1/", JSON: map[string]any{}, Body: []byte("x")}: "GET http://127.0.0.1:1/: json and body exclude each other",
		{URL: "/relative?k=v"}:                                             "GET /relative?k=REDACTED: want an absolute http or https URL",
		{URL: "http://u:p@%zz/?k=v"}:                                       "GET http://REDACTED@%zz/?REDACTED: invalid URL",
		{URL: "ftp://127.0.0.1/f"}:                                         `GET ftp://127.0.0.1/f: unsupported scheme "ftp": want http or https`,
		{URL: "http://127.0.0.1:1/", Method: "GE T"}:                       `GE T http://127.0.0.1:1/: invalid method "GE T"`,
		{URL: "http://127.0.0.1:1/", Retries: 11}:                          "GET http://127.0.0.1:1/: retries 11: want 0 to 10",
		{URL: "http://127.0.0.1:1/", Timeout: -1}:                          "GET http://127.0.0.1:1/: timeout -1ns is negative",
		{URL: "http://127.0.0.1:1/", Method: "POST", Retries: 2}:           "POST http://127.0.0.1:1/: retries: POST is not idempotent; only GET, HEAD, OPTIONS, PUT and DELETE are retried",
		{URL: "http://127.0.0.1:1/", JSON: map[string]any{"x": func() {}}}: "GET http://127.0.0.1:1/: encode the json body: json: unsupported type: func()",
	} {
		_, err := c.Do(context.Background(), *req)
		if err == nil || err.Error() != want {
			t.Errorf("Do(%+v) = %v\nwant %s", *req, err, want)
		}
		var he *Error
		if !errors.As(err, &he) {
			t.Errorf("Do(%+v): error %T is not an *Error", *req, err)
		}
	}
}

func TestNonOKStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusNotFound)
	}))
	defer srv.Close()
	c := newClient(t, loopback)
	resp, err := c.Do(context.Background(), Request{URL: srv.URL + "/missing?api_key=s3cret#frag"})
	if err != nil {
		t.Fatalf("a 404 is not an error of Do: %v", err)
	}
	if resp.OK() || resp.Status != 404 || resp.Text() != "nope\n" {
		t.Errorf("status %d ok %v text %q", resp.Status, resp.OK(), resp.Text())
	}
	err = resp.RaiseForStatus()
	want := "GET " + srv.URL + "/missing?api_key=REDACTED: status 404 Not Found"
	var se *StatusError
	if err == nil || err.Error() != want || !errors.As(err, &se) || se.Status != 404 {
		t.Errorf("RaiseForStatus = %v, want %s", err, want)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.test/v1/x?key=abc&city=Praha&flag": "https://api.test/v1/x?key=REDACTED&city=REDACTED&flag",
		"https://user:pw@api.test/p?q=1#section":        "https://REDACTED@api.test/p?q=REDACTED",
		"http://api.test:8080/plain":                    "http://api.test:8080/plain",
		"https://api.test/?token=a%20b&empty=&=v":       "https://api.test/?token=REDACTED&empty=REDACTED&=REDACTED",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := RedactURL(u); got != want {
			t.Errorf("RedactURL(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestTransportErrorRedacted(t *testing.T) {
	// A closed port: the dial fails. The path holds a "secret", which
	// Config.Redact removes; the query value is redacted regardless.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newClient(t, Config{Allow: []string{"127.0.0.1"}, Redact: func(s string) string {
		return strings.ReplaceAll(s, "p4th-s3cret", "[REDACTED:KEY]")
	}})
	_, err = c.Do(context.Background(), Request{URL: "http://" + addr + "/p4th-s3cret/x?key=q-s3cret"})
	want := regexp.MustCompile(`^GET http://127\.0\.0\.1:\d+/\[REDACTED:KEY\]/x\?key=REDACTED: dial tcp 127\.0\.0\.1:\d+: connect: connection refused$`)
	if err == nil || !want.MatchString(err.Error()) {
		t.Errorf("error %v\nwant %s", err, want)
	}
}

func TestPooledConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := newClient(t, loopback)
	for range 5 {
		if _, err := c.Do(context.Background(), Request{URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("5 sequential requests opened %d connections, want 1", n)
	}
}

func TestTable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/items":
			fmt.Fprint(w, `{"data": {"items": [{"id": 1, "region": "EU"}, {"id": 2, "region": "US"}]}}`)
		case "/lines":
			w.Header().Set("Content-Type", "application/x-ndjson")
			fmt.Fprint(w, "{\"id\": 1}\n{\"id\": 2}\n")
		default:
			fmt.Fprint(w, "[{\"id\": 1},\n {\"id\": 2,]")
		}
	}))
	defer srv.Close()
	c := newClient(t, loopback)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()

	resp, err := c.Do(ctx, Request{URL: srv.URL + "/items"})
	if err != nil {
		t.Fatal(err)
	}
	schema, err := arrowbridge.NewSchema([]arrowbridge.ColumnSpec{{Name: "region", Type: "string"}, {Name: "id", Type: "int32"}})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := resp.Table(ctx, TableOptions{Schema: schema, Path: "data.items", Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Rows != 2 || tab.Batches[0].Column(0).ValueStr(1) != "US" || tab.Batches[0].Column(1).ValueStr(1) != "2" {
		t.Errorf("table rows %d: %v", tab.Rows, tab.Batches)
	}
	tab.Release()

	resp, err = c.Do(ctx, Request{URL: srv.URL + "/lines"})
	if err != nil {
		t.Fatal(err)
	}
	tab, err = resp.Table(ctx, TableOptions{Mem: mem})
	if err != nil || tab.Rows != 2 {
		t.Fatalf("JSON lines table: %v", err)
	}
	tab.Release()

	resp, err = c.Do(ctx, Request{URL: srv.URL + "/bad?key=s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = resp.Table(ctx, TableOptions{Mem: mem})
	want := "GET " + srv.URL + "/bad?key=REDACTED: line 2, column 10: invalid JSON: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Table of bad JSON = %v\nwant %s...", err, want)
	}
	var v any
	err = resp.DecodeJSON(&v)
	want = "GET " + srv.URL + "/bad?key=REDACTED: the body is not valid JSON: line 2, column 11: invalid character ']'"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("DecodeJSON of bad JSON = %v\nwant %s...", err, want)
	}
}

func TestOversized(t *testing.T) {
	big := strings.Repeat("x", 2048)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", "2048")
			fmt.Fprint(w, big)
		case "/chunked":
			for range 8 {
				fmt.Fprint(w, big[:256])
				w.(http.Flusher).Flush()
			}
		case "/gzip":
			// 2 KiB once decompressed, a few bytes on the wire.
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			fmt.Fprint(zw, big)
			zw.Close()
		default:
			fmt.Fprint(w, big[:1024])
		}
	}))
	defer srv.Close()
	c := newClient(t, Config{Allow: []string{"127.0.0.1"}, MaxResponseBytes: 1024})
	for _, path := range []string{"/length", "/chunked", "/gzip"} {
		_, err := c.Do(context.Background(), Request{URL: srv.URL + path})
		want := "GET " + srv.URL + path + ": response too large: the body exceeds 1 KiB ([flexfun.http] max_response_bytes = 1024)"
		if err == nil || err.Error() != want || !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v\nwant %s", path, err, want)
		}
	}
	resp, err := c.Do(context.Background(), Request{URL: srv.URL + "/exact"})
	if err != nil || len(resp.Body) != 1024 {
		t.Errorf("a body of exactly the limit: %v", err)
	}
}

// stalling returns a server whose handlers block until the client goes
// away or the test ends; slow trickles a body byte by byte instead.
func stalling(t *testing.T) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			w.WriteHeader(200)
			for {
				select {
				case <-r.Context().Done():
					return
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
					fmt.Fprint(w, "x")
					w.(http.Flusher).Flush()
				}
			}
		}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}

func TestTimeouts(t *testing.T) {
	srv := stalling(t)
	c := newClient(t, Config{Allow: []string{"127.0.0.1"}, Timeout: 150 * time.Millisecond})
	for _, tc := range []struct {
		path    string
		timeout time.Duration
		want    string
	}{
		{"/stall", 0, "timed out after 150ms (the request's timeout, by default [flexfun.http] timeout)"},
		{"/slow", 0, "timed out after 150ms"},
		{"/stall", 50 * time.Millisecond, "timed out after 50ms"},
	} {
		start := time.Now()
		_, err := c.Do(context.Background(), Request{URL: srv.URL + tc.path, Timeout: tc.timeout})
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("%s: returned after %v", tc.path, elapsed)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrTimeout) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
}

func TestCancellation(t *testing.T) {
	srv := stalling(t)
	c := newClient(t, loopback)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Do(ctx, Request{URL: srv.URL + "/stall", Retries: 3})
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("cancel: returned after %v", elapsed)
	}
	want := "GET " + srv.URL + "/stall: abandoned: context canceled"
	if err == nil || err.Error() != want || !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: %v, want %s", err, want)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = c.Do(ctx, Request{URL: srv.URL + "/slow"})
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("deadline: returned after %v", elapsed)
	}
	if err == nil || !strings.HasSuffix(err.Error(), ": abandoned: context deadline exceeded") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
}
