package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flightserver"
	"github.com/flexfun-script/flexfun-script/tasks"
)

var (
	_ tasks.Observer        = (*Metrics)(nil)
	_ flightserver.Observer = (*Metrics)(nil)
)

// scrape returns the metrics text.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

// value returns the value of the series named exactly series (with its
// labels), or -1 if it is absent.
func value(text, series string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func TestTaskMetrics(t *testing.T) {
	m := New()
	exec := tasks.New[*arrowbridge.Table](tasks.Options{Threads: 1, Observer: m, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer exec.Close()

	ok := exec.Submit(func(context.Context) (*arrowbridge.Table, error) { return &arrowbridge.Table{}, nil })
	fail := exec.Submit(func(context.Context) (*arrowbridge.Table, error) { return nil, errors.New("x") })
	for _, id := range []string{ok, fail} {
		r, err := exec.Wait(context.Background(), id, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		r.Release()
	}
	started := make(chan struct{})
	blocked := exec.Submit(func(ctx context.Context) (*arrowbridge.Table, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	<-started
	queued := exec.Submit(func(context.Context) (*arrowbridge.Table, error) { return nil, nil })
	text := scrape(t, m)
	if value(text, "gdfs_task_queue") != 1 || value(text, "flexfun_tasks_running") != 1 {
		t.Errorf("queue %v, running %v; want 1, 1", value(text, "gdfs_task_queue"), value(text, "flexfun_tasks_running"))
	}
	exec.Cancel(queued)
	exec.Cancel(blocked)
	if r, err := exec.Wait(context.Background(), blocked, 5*time.Second); err == nil {
		r.Release()
	}
	exec.Cancel(ok) // evict: goes through the close queue

	deadline := time.Now().Add(5 * time.Second)
	for value(scrape(t, m), "gdfs_task_completed_total") != 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	text = scrape(t, m)
	for series, want := range map[string]float64{
		"gdfs_task_queue":              0,
		"flexfun_tasks_running":        0,
		"gdfs_task_completed_total":    4,
		"gdfs_task_error_total":        1,
		"gdfs_task_cancelled_total":    2,
		"gdfs_task_wait_count":         3, // the dropped task never waited for a worker
		"gdfs_task_duration_count":     3,
		"gdfs_task_e2e_duration_count": 3,
	} {
		if got := value(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if value(text, "gdfs_close_queue") < 0 || value(text, "gdfs_task_duration_sum") < 0 {
		t.Errorf("missing series:\n%s", text)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "# TYPE gdfs_task_wait summary", "# TYPE gdfs_task_queue gauge"} {
		if !strings.Contains(text, name) {
			t.Errorf("no %s", name)
		}
	}
}

func TestFunctionMetrics(t *testing.T) {
	m := New()
	m.CallSubmitted("Sales")
	m.CallSubmitted("Sales")
	m.CallFinished("Sales", 30*time.Millisecond, 10, "")
	m.CallFinished("Sales", 2*time.Second, 0, "command_failed")
	m.ResultStreamed("Sales", 10, 1234)
	m.CallSubmitted("Other")
	m.SetFunctions(2)
	m.SetLoadErrors(1)
	m.AuthenticationFailed()
	text := scrape(t, m)
	for series, want := range map[string]float64{
		`flexfun_function_calls_total{function="Sales"}`:                        2,
		`flexfun_function_calls_total{function="Other"}`:                        1,
		`flexfun_function_errors_total{code="command_failed",function="Sales"}`: 1,
		`flexfun_function_duration_seconds_count{function="Sales"}`:             2,
		`flexfun_function_duration_seconds_bucket{function="Sales",le="0.05"}`:  1,
		`flexfun_function_rows_streamed_total{function="Sales"}`:                10,
		`flexfun_function_bytes_streamed_total{function="Sales"}`:               1234,
		`flexfun_functions`:                     2,
		`flexfun_script_load_errors`:            1,
		`flexfun_authentication_failures_total`: 1,
	} {
		if got := value(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	m.ForgetFunction("Sales")
	text = scrape(t, m)
	if strings.Contains(text, `function="Sales"`) {
		t.Errorf("series of a forgotten function remain:\n%s", text)
	}
	if value(text, `flexfun_function_calls_total{function="Other"}`) != 1 {
		t.Error("ForgetFunction removed another function's series")
	}
}
