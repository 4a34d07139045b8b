package health

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, srv *httptest.Server, method, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestEndpoints(t *testing.T) {
	h := New()
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()

	want := func(method, path string, code int) {
		t.Helper()
		if got, body := get(t, srv, method, path); got != code {
			t.Errorf("%s %s = %d %q, want %d", method, path, got, body, code)
		}
	}
	want("GET", "/ready", 500) // not ready before start-up completes
	want("GET", "/live", 204)  // but alive
	h.SetReady(true)
	want("GET", "/ready", 204)
	want("HEAD", "/ready", 204)
	want("GET", "/ready?probe=1", 204)
	want("GET", "/", 404)
	want("GET", "/ready/", 404)
	want("GET", "/metrics", 404)
	want("POST", "/ready", 405)
	want("DELETE", "/live", 405)
	want("POST", "/other", 404)

	h.SetModule("scripts", errors.New("reload failed"))
	h.SetModule("server", nil)
	want("GET", "/live", 500)
	want("GET", "/ready", 204) // readiness is the switch only
	if _, body := get(t, srv, "GET", "/live"); !strings.Contains(body, "scripts: reload failed") {
		t.Errorf("/live body %q", body)
	}
	if p := h.Problems(); len(p) != 1 || p["scripts"] == nil {
		t.Errorf("problems %v, want scripts only", p)
	}
	h.SetModule("scripts", nil)
	want("GET", "/live", 204)

	h.SetReady(false) // shutdown begins
	want("GET", "/ready", 500)
	want("GET", "/live", 204)
}
