package httpclient

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// sequence is a server that answers the i-th request with statuses[i]
// (the last one repeating); a status of 0 drops the connection.
func sequence(t *testing.T, header http.Header, statuses ...int) (string, func() int) {
	t.Helper()
	srv, n := hits(t, func(w http.ResponseWriter, r *http.Request) {})
	calls := 0
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		status := statuses[min(calls, len(statuses)-1)]
		calls++
		if status == 0 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		fmt.Fprint(w, status)
	})
	return srv.URL, func() int { return int(n.Load()) }
}

func TestRetries(t *testing.T) {
	c := newClient(t, loopback)
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		statuses   []int
		method     string
		retries    int
		wantStatus int
		wantCalls  int
	}{
		{"503 twice then ok", []int{503, 503, 200}, "GET", 2, 200, 3},
		{"retries run out", []int{503, 503, 200}, "GET", 1, 503, 2},
		{"429 then ok", []int{429, 200}, "PUT", 3, 200, 2},
		{"no retries unless asked", []int{500, 200}, "GET", 0, 500, 1},
		{"4xx is final", []int{404, 200}, "GET", 3, 404, 1},
		{"dropped connection then ok", []int{0, 200}, "GET", 1, 200, 2},
		{"POST is never retried", []int{503, 200}, "POST", 0, 503, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, calls := sequence(t, nil, tc.statuses...)
			resp, err := c.Do(ctx, Request{Method: tc.method, URL: url, Retries: tc.retries})
			if err != nil || resp.Status != tc.wantStatus || calls() != tc.wantCalls {
				t.Errorf("status %v, %v after %d calls; want %d after %d", resp, err, calls(), tc.wantStatus, tc.wantCalls)
			}
		})
	}
	url, calls := sequence(t, nil, 0)
	_, err := c.Do(ctx, Request{URL: url, Retries: 2})
	if err == nil || calls() != 3 {
		t.Errorf("a connection dropped three times: %v after %d calls", err, calls())
	}
}

func TestRetryAfter(t *testing.T) {
	c := newClient(t, loopback)
	url, calls := sequence(t, http.Header{"Retry-After": {"1"}}, 429, 200)
	start := time.Now()
	resp, err := c.Do(context.Background(), Request{URL: url, Retries: 1})
	if elapsed := time.Since(start); err != nil || resp.Status != 200 || elapsed < 900*time.Millisecond || calls() != 2 {
		t.Errorf("Retry-After: 1 → %v %v after %v and %d calls", resp, err, elapsed, calls())
	}

	// Waiting would pass the deadline: the 429 comes back at once.
	url, calls = sequence(t, http.Header{"Retry-After": {"5"}}, 429, 200)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start = time.Now()
	resp, err = c.Do(ctx, Request{URL: url, Retries: 3})
	if elapsed := time.Since(start); err != nil || resp.Status != 429 || elapsed > 500*time.Millisecond || calls() != 1 {
		t.Errorf("Retry-After past the deadline → %v %v after %v and %d calls", resp, err, elapsed, calls())
	}

	// An HTTP date.
	date := time.Now().Add(time.Second).UTC().Format(http.TimeFormat)
	url, calls = sequence(t, http.Header{"Retry-After": {date}}, 503, 200)
	resp, err = c.Do(context.Background(), Request{URL: url, Retries: 1})
	if err != nil || resp.Status != 200 || calls() != 2 {
		t.Errorf("Retry-After as a date → %v %v after %d calls", resp, err, calls())
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"0":                             0,
		"7":                             7 * time.Second,
		" 12 ":                          12 * time.Second,
		"99999999999":                   maxRetryAfter + time.Second,
		"Fri, 02 Jan 2026 03:04:15 GMT": 10 * time.Second,
		"Fri, 02 Jan 2026 03:00:00 GMT": 0,
	} {
		got, ok := retryAfter([]string{in}, now)
		if !ok || got != want {
			t.Errorf("retryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"-1", "soon", ""} {
		if _, ok := retryAfter([]string{in}, now); ok {
			t.Errorf("retryAfter(%q) accepted", in)
		}
	}
	if _, ok := retryAfter(nil, now); ok {
		t.Error("retryAfter(nil) accepted")
	}
	// A Retry-After beyond the limit ends the retries.
	if _, ok := backoff(0, &Response{Headers: map[string][]string{"retry-after": {strconv.Itoa(int(maxRetryAfter/time.Second) + 1)}}}); ok {
		t.Error("backoff waits beyond maxRetryAfter")
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	for attempt := range 8 {
		full := min(backoffBase<<attempt, backoffMax)
		for range 20 {
			d, ok := backoff(attempt, nil)
			if !ok || d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
}
