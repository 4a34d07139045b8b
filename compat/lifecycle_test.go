//go:build compat

package compat

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDifferentialResultTTL compares what happens to results once
// task_result_ttl_sec has passed.
func TestDifferentialResultTTL(t *testing.T) {
	t.Parallel()
	cfg := peerConfig{env: []string{
		"GOODDATA_FLIGHT_SERVER__TASK_RESULT_TTL_SEC=1",
		"GOODDATA_FLIGHT_FLEXCONNECT__POLLING_INTERVAL_MS=300",
	}}
	ref, ours := startPeer(t, reference, cfg), startPeer(t, ours, cfg)
	runBoth(t, ref, ours, scenario{
		name: "expired results",
		run: func(t *testing.T, p *peer, r record) {
			info, err := p.getInfo(t, r, "call", cmdDesc(p.invocation("SampleFlexFunction", "")))
			if err != nil {
				t.Fatalf("%s: %v", p.side, err)
			}
			_, err = p.poll(t, r, "submit", cmdDesc(p.invocation("Sleep", `{"ms":500}`)))
			if !isPoll(err) {
				t.Fatalf("%s: first answer %v, want POLL", p.side, err)
			}
			retry, _, _ := retryInfo(t, r, "submit")
			p.pollUntilDone(t, r, "done", retry)
			// Both sweep every second: a result is gone at most 2 s after
			// it finished.
			time.Sleep(3 * time.Second)
			p.doGet(t, r, "doget", info.Endpoint[0].Ticket.Ticket)
			p.poll(t, r, "retry", retry)
		},
	})
}

// TestDifferentialHealthAndMetrics compares the health endpoint's answers
// and the gdfs_* metrics after the same calls.
func TestDifferentialHealthAndMetrics(t *testing.T) {
	t.Parallel()
	ref, ours := startPeer(t, reference, peerConfig{}), startPeer(t, ours, peerConfig{})
	runBoth(t, ref, ours, scenario{
		name: "health",
		run: func(t *testing.T, p *peer, r record) {
			for _, c := range []struct{ method, path string }{
				{"GET", "/ready"}, {"GET", "/live"}, {"GET", "/nope"}, {"GET", "/"},
				{"GET", "/ready?probe=1"}, {"POST", "/ready"}, {"HEAD", "/live"},
			} {
				r.set("health", c.method+" "+c.path, httpStatus(t, c.method, p.healthURL(c.path)))
			}
		},
		known: []known{
			// D17: the reference matches the path with its query string,
			// and answers 501 to methods other than GET; ours ignores the
			// query, answers HEAD like GET and 405 to other methods.
			differ("D17", lit("health.GET /ready?probe=1"), "404", "204"),
			differ("D17", lit("health.POST /ready"), "501", "405"),
			differ("D17", lit("health.HEAD /live"), "501", "204"),
		},
	})
	runBoth(t, ref, ours, scenario{
		name: "gdfs metrics",
		run: func(t *testing.T, p *peer, r record) {
			p.invoke(t, record{}, "ok", p.invocation("SampleFlexFunction", ""))
			p.invoke(t, record{}, "ok2", p.invocation("Generator", `{"rows":3}`))
			p.getInfo(t, record{}, "failed", cmdDesc(p.invocation("Raises", "")))
			p.getInfo(t, record{}, "unknown", cmdDesc(p.invocation("NoSuchFunction", "")))
			r.set("metrics", "GET /", httpStatus(t, "GET", p.metricsURL("/")))
			r.set("metrics", "GET /anything", httpStatus(t, "GET", p.metricsURL("/anything")))
			r.observeMetrics(t, "metrics", p.metricsURL("/metrics"), "gdfs_")
		},
		known: []known{
			// D18: Go has no malloc_trim; prometheus_client adds a
			// _created series to every counter and summary, the Go client
			// does not in the text format.
			differ("D18", `metrics\.(type|help|sample)\.gdfs_malloc_trim.*`, `.+`, absent),
			differ("D18", `metrics\.sample\.gdfs_\w+_created`, `.+`, absent),
			differ("D18", `metrics\.(type|help)\.gdfs_\w+_created`, `.+`, absent),
		},
	})
}

// httpStatus returns the status code of a request, or the error.
func httpStatus(t *testing.T, method, url string) string {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

// observeMetrics records the Prometheus text exposition at url: for every
// family whose name starts with prefix its TYPE and HELP, and for every
// sample its label names and, for counts and counters, its value.
func (r record) observeMetrics(t *testing.T, key, url, prefix string) {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		r.set(key, "error", err.Error())
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 1<<20))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			kind, rest, _ := strings.Cut(rest, " ")
			name, text, _ := strings.Cut(rest, " ")
			if strings.HasPrefix(name, prefix) && (kind == "TYPE" || kind == "HELP") {
				r.set(key, strings.ToLower(kind)+"."+name, text)
			}
			continue
		}
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		name, labels, value := splitSample(line)
		v := "<value>"
		if strings.HasSuffix(name, "_total") || strings.HasSuffix(name, "_count") || strings.HasSuffix(name, "_queue") {
			v = value
		}
		r.set(key, "sample."+name, fmt.Sprintf("labels={%s} %s", labels, v))
	}
}

// splitSample splits a Prometheus sample line into its name, its label
// names (sorted, comma-separated) and its value (as %g).
func splitSample(line string) (name, labels, value string) {
	head, value, _ := strings.Cut(line, " ")
	if i := strings.IndexByte(value, ' '); i >= 0 { // a timestamp follows
		value = value[:i]
	}
	if f, err := strconv.ParseFloat(value, 64); err == nil {
		value = strconv.FormatFloat(f, 'g', -1, 64)
	}
	name, ls, ok := strings.Cut(head, "{")
	if !ok {
		return name, "", value
	}
	var names []string
	for _, kv := range strings.Split(strings.TrimSuffix(ls, "}"), ",") {
		if k, _, ok := strings.Cut(kv, "="); ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return name, strings.Join(names, ","), value
}

// TestDifferentialStartup compares a server that is still loading its
// functions: the reference listens at once and answers NOT_READY, ours
// listens only once every function is loaded.
func TestDifferentialStartup(t *testing.T) {
	t.Parallel()
	cfg := peerConfig{section: "flexconnect-slow.toml", noWait: true,
		env: []string{"GOODDATA_FLIGHT_COMPAT__ON_LOAD_MS=4000"}}
	records := map[side]record{}
	peers := map[side]*peer{}
	for _, s := range []side{reference, ours} {
		p := startPeer(t, s, cfg)
		r := record{}
		if !waitFor(startTimeout, func() bool { c, err := httpGet(p.healthURL("/live")); return err == nil && c == 204 }) {
			t.Fatalf("%s: /live never answered 204:\n%s", s, p.log)
		}
		r.set("loading", "GET /live", httpStatus(t, "GET", p.healthURL("/live")))
		r.set("loading", "GET /ready", httpStatus(t, "GET", p.healthURL("/ready")))
		// The reference binds its Flight port a moment after the health
		// endpoint: try for a second, until an answer comes from a server.
		waitFor(time.Second, func() bool {
			r = record{"loading.GET /live": r["loading.GET /live"], "loading.GET /ready": r["loading.GET /ready"]}
			p.listFlights(t, r, "loading.list", []string{"SlowLoad"})
			return !strings.Contains(r["loading.list.message"], "connection refused")
		})
		p.waitReady(t)
		p.client = newClient(t, p.port) // the first one backs off after refused connections
		r.set("ready", "GET /ready", httpStatus(t, "GET", p.healthURL("/ready")))
		p.listFlights(t, r, "ready.list", []string{"SlowLoad"})
		records[s], peers[s] = r, p
	}
	compareRecords(t, peers[reference], records[reference], peers[ours], records[ours], []known{
		// D10: ours does not listen until its functions are loaded, so a
		// client's connection is refused (gRPC UNAVAILABLE from the
		// client's transport); the reference accepts it and answers
		// UNAVAILABLE with NOT_READY.
		differ("D10", lit("loading.list.message"), lit("<msg>. Detail: <status>"), refused),
		differ("D10", lit("loading.list.errorinfo.code"), "197109", absent),
		differ("D10", lit("loading.list.errorinfo.msg"), lit("Try again later."), absent),
		differ("D10", `loading\.list\.errorinfo\.(keys|detail|body)`, `.+`, absent),
		differ("D10", lit("loading.list.trailer.x-arrow-status"), "5", absent),
		differ("D10", lit("loading.list.trailer.x-arrow-status-detail-bin"), "Unavailable", absent),
		differ("D10", lit("loading.list.trailer.x-arrow-status-message-bin"), lit("<errorinfo.msg>"), absent),
		differ("D10", lit("loading.list.trailer.grpc-status-details-bin"), lit("<canonical ErrorInfo>"), absent),
	})
}

// refused is the message of a call on a port nothing listens on.
const refused = `connection error: .*connection refused.*`

// TestDifferentialShutdown compares SIGTERM while a call runs: what new
// calls get, what the running call gets, and the exit code.
func TestDifferentialShutdown(t *testing.T) {
	t.Parallel()
	records := map[side]record{}
	peers := map[side]*peer{}
	for _, s := range []side{reference, ours} {
		p := startPeer(t, s, peerConfig{})
		r := record{}
		running := record{}
		done := make(chan struct{})
		var ticket []byte
		go func() {
			defer close(done)
			info, err := p.getInfo(t, running, "running", cmdDesc(p.invocation("Sleep", `{"ms":2000}`)))
			if err == nil {
				ticket = info.Endpoint[0].Ticket.Ticket
			}
		}()
		time.Sleep(500 * time.Millisecond) // the call is running
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		r.set("stopping", "GET /ready", httpStatus(t, "GET", p.healthURL("/ready")))
		p.listFlights(t, r, "stopping.list", []string{"SampleFlexFunction"})
		p.getInfo(t, r, "stopping.call", cmdDesc(p.invocation("SampleFlexFunction", "")))
		select {
		case <-done:
		case <-time.After(callTimeout):
			t.Fatalf("%s: the running call did not end", s)
		}
		for k, v := range running {
			if !strings.Contains(k, ".info.") { // its FlightInfo is compared in other scenarios
				r[k] = v
			}
		}
		if ticket != nil {
			p.doGet(t, r, "running.doget", ticket)
		}
		r.set("", "exit", strconv.Itoa(p.exited(stopTimeout)))
		records[s], peers[s] = r, p
	}
	compareRecords(t, peers[reference], records[reference], peers[ours], records[ours], []known{
		// D11: the reference stops listening at once: calls in flight
		// finish, but new connections are refused, so a client can fetch
		// neither new results nor the result of the call that was
		// running, and /ready stays healthy. Ours turns /ready unhealthy,
		// refuses new invocations with SHUTTING_DOWN and keeps serving
		// everything else until calls in flight have finished and their
		// results have been fetched.
		differ("D11", lit("stopping.GET /ready"), "204", "500"),
		differ("D11", lit("stopping.list.code"), "Unavailable", "OK"),
		differ("D11", lit("stopping.list.message"), refused, absent),
		differ("D11", `stopping\.list\.(functions|SampleFlexFunction\..*)`, absent, `.*`),
		differ("D11", lit("stopping.call.message"), refused, lit("<msg>. Detail: <status>")),
		differ("D11", lit("stopping.call.errorinfo.code"), absent, "131574"),
		differ("D11", lit("stopping.call.errorinfo.msg"), absent, lit("Server is shutting down.")),
		differ("D11", `stopping\.call\.errorinfo\.(keys|detail|body)`, absent, `.+`),
		differ("D11", `stopping\.call\.trailer\..*`, absent, `.+`),
		differ("D11", lit("running.doget.code"), "Unavailable", "OK"),
		differ("D11", lit("running.doget.message"), refused, absent),
		differ("D11", `running\.doget\.(rows|batches|digest|schema\..*|row\d+\..*)`, absent, `.+`),
	})
}

// TestDifferentialCommandLine compares how both commands treat their
// arguments: GoodData's invocations are accepted, mistakes exit 1.
func TestDifferentialCommandLine(t *testing.T) {
	t.Parallel()
	cfgDir := filepath.Join(compatDir, "config")
	cases := []struct {
		name string
		args func(s side) []string
		want int
	}{
		{"no arguments", func(side) []string { return nil }, 1},
		{"unknown methods provider", func(side) []string {
			return []string{"start", "--methods-provider", "no_such_module", "--config", filepath.Join(cfgDir, "server.toml")}
		}, 1},
		{"missing config file", func(side) []string {
			return []string{"start", "--methods-provider", "gooddata_flexconnect", "--config", filepath.Join(cfgDir, "nope.toml")}
		}, 1},
		{"config directory", func(side) []string {
			return []string{"start", "--methods-provider", "gooddata_flexconnect", "--config", cfgDir}
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range []side{reference, ours} {
				code, out := runCommand(t, s, c.args(s))
				if code != c.want {
					t.Errorf("%s %v: exit code %d, want %d:\n%s", s, c.args(s), code, c.want, out)
				}
			}
		})
	}
	// The invocation of GoodData's README with --config-end, which
	// argparse needs when --config is the last option, is accepted.
	for _, s := range []side{reference, ours} {
		p := startPeer(t, s, peerConfig{extraArgs: []string{"--config-end"}})
		p.stop(t)
		if code := p.exited(0); code != 0 {
			t.Errorf("%s: exit code %d after SIGTERM, want 0:\n%s", s, code, p.log)
		}
	}
}

// runCommand runs a server's command with args and returns its exit code
// and output, killing it after startTimeout.
func runCommand(t *testing.T, s side, args []string) (int, string) {
	t.Helper()
	exe := binary(t)
	if s == reference {
		exe = referenceCommand(t, ".venv")
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = cleanEnv()
	cmd.Dir = compatDir
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(startTimeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s %v did not exit:\n%s", s, args, out)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("%s %v: %v", s, args, err)
	}
	return 0, string(out)
}

// TestDifferentialLegacyFlexFun compares ours with gooddata-flexfun 1.30,
// the FlexFun package flexfun-script's seed was written against, started
// with --methods-provider gooddata_flexfun and a [flexfun] section.
func TestDifferentialLegacyFlexFun(t *testing.T) {
	t.Parallel()
	cfg := peerConfig{venv: ".venv-flexfun", provider: "gooddata_flexfun", section: "flexfun.toml"}
	ref, ours := startPeer(t, reference, cfg), startPeer(t, ours, cfg)
	for _, sc := range []scenario{
		{name: "ListFlights", run: func(t *testing.T, p *peer, r record) {
			p.listFlights(t, r, "list", []string{"SampleFlexFunction"})
		}},
		{name: "sample", run: func(t *testing.T, p *peer, r record) {
			p.invoke(t, r, "call", p.invocation("SampleFlexFunction", `{}`))
		}},
		{name: "polling header", run: func(t *testing.T, p *peer, r record) {
			p.poll(t, r, "call", cmdDesc(p.invocation("SampleFlexFunction", `{}`)))
		}},
		{name: "payload not JSON", run: func(t *testing.T, p *peer, r record) {
			p.getInfo(t, r, "call", cmdDesc(`{not json`))
		}, known: []known{
			differ("D19", lit("call.errorinfo.msg"), lit("Incorrect FlexFun invocation. The invocation payload is not a valid JSON."),
				lit("Incorrect FlexConnect function invocation. The invocation payload is not a valid JSON.")),
		}},
		{name: "unknown function", run: func(t *testing.T, p *peer, r record) {
			p.getInfo(t, r, "call", cmdDesc(`{"functionName":"Nope"}`))
		}, known: []known{
			differ("D19", lit("call.errorinfo.msg"), lit("Unsupported FlexFun 'Nope'."), lit("Unsupported FlexConnect function 'Nope'.")),
		}},
		{name: "unknown task", run: func(t *testing.T, p *peer, r record) {
			p.doGet(t, r, "doget", []byte(`{"task_id":"0123456789abcdef0123456789abcdef"}`))
		}},
	} {
		runBoth(t, ref, ours, sc)
	}
}

// TestDifferentialDataSourceMessages checks the data-source messages a
// reference function attaches to its result's schema, and compares the
// same messages attached by a script (ctx.add_message).
func TestDifferentialDataSourceMessages(t *testing.T) {
	t.Parallel()
	ref, ours := startPeer(t, reference, peerConfig{}), startPeer(t, ours, peerConfig{})
	sc := scenario{name: "messages", run: func(t *testing.T, p *peer, r record) {
		p.invoke(t, r, "call", p.invocation("Messages", ""))
	}}
	r := record{}
	sc.run(t, ref, r)
	const want = `[{"source":"Messages","correlation_id":"c-1","type":"info","data":{"rows":1}},` +
		`{"source":"Messages","correlation_id":"c-1","type":"warning","data":null}]`
	for _, k := range []string{"call.getflightinfo.info.schema.metadata", "call.doget.schema.metadata"} {
		if got := r[k]; got != "{x-gdc-data-source-messages="+want+"}" {
			t.Errorf("reference %s = %s, want the messages %s", k, got, want)
		}
	}
	runBoth(t, ref, ours, sc)
}
