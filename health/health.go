// Package health tracks whether the server is ready and alive, and serves
// that state over HTTP for orchestrator probes, as GoodData's
// gooddata-flight-server does on health_check_host:health_check_port:
//
//	GET /ready  204 when ready to serve calls, else 500
//	GET /live   204 unless a module reports a problem, else 500
//
// Any other path answers 404 and any method other than GET or HEAD 405.
// Bodies are empty except for a short reason on 500.
//
// Readiness is one switch: the server sets it once every function is
// loaded and the Flight server accepts calls (SetReady(true)), and clears it
// as soon as shutdown begins (SetReady(false)), so that a load balancer
// stops sending new calls while running ones finish. (The Python server
// never clears it.)
//
// Liveness is the sum of named modules: SetModule(name, err) records a
// problem (err != nil) or clears it (nil). /live fails while any module has
// a problem, which makes an orchestrator restart the process; report only
// problems a restart can fix. A script that fails to reload while its
// previous version keeps serving is not one: log it and count it in the
// metrics instead.
package health

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Health holds the readiness switch and the modules' states. The zero value
// is not ready and alive. It is safe for concurrent use.
type Health struct {
	ready atomic.Bool

	mu      sync.Mutex
	modules map[string]error
}

// New returns a Health that is not ready and alive.
func New() *Health { return &Health{} }

// SetReady sets readiness.
func (h *Health) SetReady(ready bool) { h.ready.Store(ready) }

// Ready reports readiness.
func (h *Health) Ready() bool { return h.ready.Load() }

// SetModule records the state of module name: err is its problem, nil
// means it is fine.
func (h *Health) SetModule(name string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.modules == nil {
		h.modules = map[string]error{}
	}
	h.modules[name] = err
}

// Problems returns the modules that have a problem, by name.
func (h *Health) Problems() map[string]error {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]error{}
	for name, err := range h.modules {
		if err != nil {
			out[name] = err
		}
	}
	return out
}

// Handler returns the HTTP handler serving /ready and /live.
func (h *Health) Handler() http.Handler {
	return http.HandlerFunc(h.serveHTTP)
}

func (h *Health) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/ready" && r.URL.Path != "/live" {
		http.Error(w, "", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	var problem string
	if r.URL.Path == "/ready" {
		if !h.Ready() {
			problem = "not ready"
		}
	} else if p := h.Problems(); len(p) > 0 {
		names := make([]string, 0, len(p))
		for name, err := range p {
			names = append(names, name+": "+err.Error())
		}
		sort.Strings(names)
		problem = strings.Join(names, "\n")
	}
	if problem != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte(problem + "\n"))
		}
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
