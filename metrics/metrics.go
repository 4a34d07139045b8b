// Package metrics owns the server's Prometheus metrics: the task metrics of
// GoodData's gooddata-flight-server (gdfs_*), per-function metrics
// (flexfun_*), and the Go runtime and process collectors, in a registry of
// their own served by Handler.
//
// A Metrics implements tasks.Observer and flightserver.Observer, so wiring
// it is passing it to both:
//
//	m := metrics.New()
//	exec := tasks.New(tasks.Options{Observer: m, ...})
//	srv := flightserver.New(flightserver.Options{Observer: m, ...})
//	http.Handle("/", m.Handler())
//
// The task metrics keep the Python server's names, types and units
// (seconds):
//
//	gdfs_task_queue             gauge    tasks waiting in the queue (not running ones; see below)
//	gdfs_close_queue            gauge    evicted results waiting to be closed
//	gdfs_task_wait              summary  time tasks waited in the queue
//	gdfs_task_duration          summary  run time of tasks
//	gdfs_task_e2e_duration      summary  submission to completion
//	gdfs_task_completed_total   counter  tasks that ended, however they ended
//	gdfs_task_error_total       counter  tasks that failed
//	gdfs_task_cancelled_total   counter  tasks that were cancelled (queued or running)
//
// The Python server's gdfs_task_queue counts running tasks too, despite its
// help text; here it counts only waiting tasks and flexfun_tasks_running
// counts running ones, so their sum is the Python value.
//
// Per function (label function):
//
//	flexfun_function_calls_total          counter    invocations accepted
//	flexfun_function_errors_total         counter    calls that failed, by GoodData error code (label code)
//	flexfun_function_duration_seconds     histogram  run time of calls
//	flexfun_function_rows_streamed_total  counter    rows sent by DoGet
//	flexfun_function_bytes_streamed_total counter    Arrow IPC bytes sent by DoGet
//
// And for the server as a whole:
//
//	flexfun_tasks_running              gauge    calls running now
//	flexfun_functions                  gauge    functions loaded
//	flexfun_script_load_errors         gauge    script files whose last (re)load failed
//	flexfun_authentication_failures_total counter calls rejected for their token
//
// Live reload reports through SetFunctions, SetLoadErrors and
// ForgetFunction. A Metrics is safe for concurrent use.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flexfun-script/flexfun-script/tasks"
)

// durationBuckets are the buckets of flexfun_function_duration_seconds,
// from 1 ms to the default call deadline of 3 minutes.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180}

// Metrics holds the collectors. Create it with New.
type Metrics struct {
	reg *prometheus.Registry

	taskQueue     prometheus.Gauge
	closeQueue    prometheus.Gauge
	taskWait      prometheus.Summary
	taskDuration  prometheus.Summary
	taskE2E       prometheus.Summary
	taskCompleted prometheus.Counter
	taskErrors    prometheus.Counter
	taskCancelled prometheus.Counter
	tasksRunning  prometheus.Gauge
	functions     prometheus.Gauge
	loadErrors    prometheus.Gauge
	authFailures  prometheus.Counter
	calls         *prometheus.CounterVec
	callErrors    *prometheus.CounterVec
	callDuration  *prometheus.HistogramVec
	rowsStreamed  *prometheus.CounterVec
	bytesStreamed *prometheus.CounterVec
}

// New returns Metrics registered in a new registry together with the Go
// runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := factory{m.reg}
	m.taskQueue = f.gauge("gdfs_task_queue", "Number of tasks waiting in queue.")
	m.closeQueue = f.gauge("gdfs_close_queue", "Number of task execution results waiting in the queue to be closed and cleaned up.")
	m.taskWait = f.summary("gdfs_task_wait", "Time a task spends waiting in queue before it is executed.")
	m.taskDuration = f.summary("gdfs_task_duration", "Duration of task run itself (does not include wait or prerequisite resolution duration).")
	m.taskE2E = f.summary("gdfs_task_e2e_duration", "End-to-end duration of the task execution. Includes prerequisite resolution duration and "+
		"time spent in queue. This is the duration as observed by the callers.")
	m.taskCompleted = f.counter("gdfs_task_completed_total", "Number of completed tasks - this includes all tasks regardless "+
		"of how their execution completed (success, failure, cancel).")
	m.taskErrors = f.counter("gdfs_task_error_total", "Number of failed tasks.")
	m.taskCancelled = f.counter("gdfs_task_cancelled_total", "Number of cancelled tasks.")
	m.tasksRunning = f.gauge("flexfun_tasks_running", "Number of tasks running now.")
	m.functions = f.gauge("flexfun_functions", "Number of functions loaded.")
	m.loadErrors = f.gauge("flexfun_script_load_errors", "Number of script files whose last (re)load failed.")
	m.authFailures = f.counter("flexfun_authentication_failures_total", "Number of calls rejected because of a missing or invalid token.")

	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flexfun_function_calls_total", Help: "Number of function invocations accepted."}, []string{"function"})
	m.callErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flexfun_function_errors_total", Help: "Number of function calls that failed, by GoodData error code."},
		[]string{"function", "code"})
	m.callDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "flexfun_function_duration_seconds", Help: "Run time of function calls, from start to result or error.",
		Buckets: durationBuckets}, []string{"function"})
	m.rowsStreamed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flexfun_function_rows_streamed_total", Help: "Number of result rows sent by DoGet."}, []string{"function"})
	m.bytesStreamed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flexfun_function_bytes_streamed_total", Help: "Number of Arrow IPC bytes sent by DoGet."}, []string{"function"})
	m.reg.MustRegister(m.calls, m.callErrors, m.callDuration, m.rowsStreamed, m.bytesStreamed,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// factory creates and registers unlabelled collectors.
type factory struct{ reg *prometheus.Registry }

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

// summary creates a summary without quantiles: a count and a sum, like
// prometheus_client's Summary.
func (f factory) summary(name, help string) prometheus.Summary {
	s := prometheus.NewSummary(prometheus.SummaryOpts{Name: name, Help: help})
	f.reg.MustRegister(s)
	return s
}

// Registry returns the registry, to add collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler returns the HTTP handler that serves the metrics in the
// Prometheus text format (or OpenMetrics, when asked), with gzip.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// SetFunctions sets the number of functions loaded.
func (m *Metrics) SetFunctions(n int) { m.functions.Set(float64(n)) }

// SetLoadErrors sets the number of script files whose last load or reload
// failed (their previous version, if any, keeps serving).
func (m *Metrics) SetLoadErrors(n int) { m.loadErrors.Set(float64(n)) }

// ForgetFunction deletes the per-function series of a function that is no
// longer served, so that they do not linger after a reload removed it.
func (m *Metrics) ForgetFunction(name string) {
	labels := prometheus.Labels{"function": name}
	for _, v := range []interface {
		DeletePartialMatch(prometheus.Labels) int
	}{m.calls, m.callErrors, m.callDuration, m.rowsStreamed, m.bytesStreamed} {
		v.DeletePartialMatch(labels)
	}
}

// AuthenticationFailed counts a call rejected for its token; pass it as
// auth.Options.OnReject.
func (m *Metrics) AuthenticationFailed() { m.authFailures.Inc() }

// TaskQueued implements tasks.Observer.
func (m *Metrics) TaskQueued() { m.taskQueue.Inc() }

// TaskStarted implements tasks.Observer.
func (m *Metrics) TaskStarted(wait time.Duration) {
	m.taskQueue.Dec()
	m.tasksRunning.Inc()
	m.taskWait.Observe(wait.Seconds())
}

// TaskFinished implements tasks.Observer.
func (m *Metrics) TaskFinished(outcome tasks.Outcome, run, e2e time.Duration) {
	m.tasksRunning.Dec()
	m.taskDuration.Observe(run.Seconds())
	m.taskE2E.Observe(e2e.Seconds())
	m.taskCompleted.Inc()
	switch outcome {
	case tasks.Failed:
		m.taskErrors.Inc()
	case tasks.Cancelled:
		m.taskCancelled.Inc()
	}
}

// TaskDropped implements tasks.Observer. Like the Python server it records
// no wait or duration for a task that never ran.
func (m *Metrics) TaskDropped() {
	m.taskQueue.Dec()
	m.taskCompleted.Inc()
	m.taskCancelled.Inc()
}

// ResultEvicted implements tasks.Observer.
func (m *Metrics) ResultEvicted() { m.closeQueue.Inc() }

// ResultClosed implements tasks.Observer.
func (m *Metrics) ResultClosed() { m.closeQueue.Dec() }

// CallSubmitted implements flightserver.Observer.
func (m *Metrics) CallSubmitted(function string) { m.calls.WithLabelValues(function).Inc() }

// CallFinished implements flightserver.Observer.
func (m *Metrics) CallFinished(function string, elapsed time.Duration, _ int64, code string) {
	m.callDuration.WithLabelValues(function).Observe(elapsed.Seconds())
	if code != "" {
		m.callErrors.WithLabelValues(function, code).Inc()
	}
}

// ResultStreamed implements flightserver.Observer.
func (m *Metrics) ResultStreamed(function string, rows, bytes int64) {
	m.rowsStreamed.WithLabelValues(function).Add(float64(rows))
	m.bytesStreamed.WithLabelValues(function).Add(float64(bytes))
}
