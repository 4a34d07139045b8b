package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
)

// The kinds of calls the soak makes.
const (
	smallKind = iota
	bigKind
	hostileKind
	numKinds
)

var kindNames = [numKinds]string{"small", "big", "hostile"}

// smallFile is the script of the small function, rewritten by reloads.
const smallFile = "soak_small.star"

// smallScript is the small function: six rows carrying the script's
// version, so that the soak sees its reloads take effect.
const smallScript = `# Written by cmd/soak; every reload writes a new VERSION.
name = "SoakSmall"
schema = {"id": "int64", "version": "int64"}

VERSION = %d

def call(parameters):
    for i in range(6):
        emit(i, VERSION)
`

// writeSmall writes the small script with version v, atomically, so that a
// reload never reads half a file.
func writeSmall(path string, v int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), ".soak.tmp")
	if err := os.WriteFile(tmp, fmt.Appendf(nil, smallScript, v), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// load drives the calls and counts them. Its counters are safe for
// concurrent use.
type load struct {
	addr      string
	o         options
	smallPath string
	hostile   []string

	calls    [numKinds]atomic.Int64
	failures [numKinds]atomic.Int64
	slowest  [numKinds]atomic.Int64 // the longest call since the last sample, in ns
	worst    [numKinds]atomic.Int64 // the longest call of the run, in ns
	written  atomic.Int64           // the small script's latest version
	served   atomic.Int64           // the highest version a small call returned

	mu         sync.Mutex
	unexpected []string          // the first errors of small and big calls
	hostileErr map[string]string // hostile function → what its last call answered
	hostileDur map[string]time.Duration
}

func newLoad(addr string, o options, smallPath string, hostile []string) *load {
	l := &load{addr: addr, o: o, smallPath: smallPath, hostile: hostile,
		hostileErr: map[string]string{}, hostileDur: map[string]time.Duration{}}
	l.written.Store(1)
	return l
}

// passed reports whether every small and big call succeeded.
func (l *load) passed() bool {
	return l.failures[smallKind].Load() == 0 && l.failures[bigKind].Load() == 0 && l.calls[smallKind].Load() > 0
}

// sample is the state of the soak at one moment.
type sample struct {
	at         time.Duration
	calls      [numKinds]int64
	slowest    time.Duration // the longest small call since the previous sample
	unexpected int64
	rss        int64 // bytes; -1 unknown
	goroutines int   // -1 unknown
	version    int64 // served
}

// run drives the load until the duration passes or ctx ends, sampling
// every -sample, and returns the samples (the last one taken once the
// load has stopped). When the duration has passed no new call starts, and
// the calls in flight finish; ctx ending (Ctrl-C) cuts them.
func (l *load) run(ctx context.Context, srv *server) []sample {
	stop, cancel := context.WithTimeout(ctx, l.o.duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range l.o.small {
		wg.Go(func() { l.loop(stop, ctx, smallKind, l.smallCall) })
	}
	for range l.o.big {
		wg.Go(func() { l.loop(stop, ctx, bigKind, l.bigCall) })
	}
	if l.o.reloadEvery > 0 {
		wg.Go(func() { l.every(stop, l.o.reloadEvery, func() { l.reload() }) })
	}
	if len(l.hostile) > 0 {
		wg.Go(func() { l.every(stop, l.o.hostileEvery, func() { l.hostileCall(ctx) }) })
	}
	samples := []sample{l.sample(srv, 0)}
	tick := time.NewTicker(l.o.sampleEvery)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-stop.Done():
			done = true
		case <-srv.done:
			done = true
			cancel()
		case <-tick.C:
			samples = append(samples, l.sample(srv, time.Since(start)))
		}
	}
	wg.Wait()
	// The last sample shows the server as the load leaves it: results of
	// the last calls are still kept (task_result_ttl_sec).
	return append(samples, l.sample(srv, time.Since(start)))
}

func (l *load) sample(srv *server, at time.Duration) sample {
	s := sample{at: at, rss: -1, goroutines: -1, version: l.served.Load(),
		slowest: time.Duration(l.slowest[smallKind].Swap(0))}
	for k := range numKinds {
		s.calls[k] = l.calls[k].Load()
	}
	s.unexpected = l.failures[smallKind].Load() + l.failures[bigKind].Load()
	if srv.alive() {
		if rss, err := srv.rss(); err == nil {
			s.rss = rss
		}
		if g, err := srv.goroutines(); err == nil {
			s.goroutines = g
		}
	}
	return s
}

// loop makes calls of one kind on a client of its own until stop ends.
// The calls run under ctx, so a call in flight then finishes.
func (l *load) loop(stop, ctx context.Context, kind int, call func(context.Context, flight.Client) error) {
	c, err := dial(l.addr)
	if err != nil {
		l.fail(kind, err)
		return
	}
	defer c.Close()
	for stop.Err() == nil {
		began := time.Now()
		err := call(ctx, c)
		if ctx.Err() != nil {
			return // interrupted mid-call: not a failure of the server
		}
		took := int64(time.Since(began))
		storeMax(&l.slowest[kind], took)
		storeMax(&l.worst[kind], took)
		l.calls[kind].Add(1)
		if err != nil {
			l.fail(kind, err)
		}
	}
}

// storeMax raises m to v if v is larger.
func storeMax(m *atomic.Int64, v int64) {
	for old := m.Load(); v > old && !m.CompareAndSwap(old, v); old = m.Load() {
	}
}

// every runs fn every interval until stop ends.
func (l *load) every(stop context.Context, interval time.Duration, fn func()) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop.Done():
			return
		case <-tick.C:
			fn()
		}
	}
}

// fail records an unexpected error of a small or big call.
func (l *load) fail(kind int, err error) {
	l.failures[kind].Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.unexpected) < 10 {
		l.unexpected = append(l.unexpected, fmt.Sprintf("%s call: %v", kindNames[kind], err))
	}
}

// callTimeout bounds one call on the client side: the server's deadline
// plus a margin, so that a stuck server shows as errors, not as a hang.
func (l *load) callTimeout() time.Duration {
	if l.o.callDeadline > 0 {
		return l.o.callDeadline + 30*time.Second
	}
	return 4 * time.Minute
}

// smallCall is ListFlights, then GetFlightInfo and DoGet of SoakSmall.
func (l *load) smallCall(ctx context.Context, c flight.Client) error {
	ctx, cancel := context.WithTimeout(ctx, l.callTimeout())
	defer cancel()
	list, err := c.ListFlights(ctx, &flight.Criteria{})
	if err != nil {
		return err
	}
	for {
		if _, err := list.Recv(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("ListFlights: %w", err)
		}
	}
	rows, version, err := invoke(ctx, c, `{"functionName":"SoakSmall","parameters":{}}`)
	if err != nil {
		return err
	}
	if rows != 6 {
		return fmt.Errorf("SoakSmall: %d rows, want 6", rows)
	}
	for old := l.served.Load(); version > old && !l.served.CompareAndSwap(old, version); old = l.served.Load() {
	}
	return nil
}

// bigCall reads a -big-rows result of BenchEmit.
func (l *load) bigCall(ctx context.Context, c flight.Client) error {
	ctx, cancel := context.WithTimeout(ctx, l.callTimeout())
	defer cancel()
	rows, _, err := invoke(ctx, c, fmt.Sprintf(`{"functionName":"BenchEmit","parameters":{"rows":%d}}`, l.o.bigRows))
	if err == nil && rows != int64(l.o.bigRows) {
		err = fmt.Errorf("BenchEmit: %d rows, want %d", rows, l.o.bigRows)
	}
	return err
}

// reload writes the next version of the small script.
func (l *load) reload() {
	v := l.written.Add(1)
	if err := writeSmall(l.smallPath, v); err != nil {
		fmt.Fprintln(os.Stderr, "soak: reload:", err)
	}
}

// hostileCall calls the next hostile function on a client of its own and
// records what it answered and how long it took. Errors are expected.
func (l *load) hostileCall(ctx context.Context) {
	n := l.calls[hostileKind].Add(1) - 1
	name := l.hostile[int(n)%len(l.hostile)]
	c, err := dial(l.addr)
	if err != nil {
		l.recordHostile(name, 0, err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, l.callTimeout())
	defer cancel()
	cmd, _ := json.Marshal(map[string]any{"functionName": name, "parameters": map[string]any{}})
	start := time.Now()
	_, _, err = invoke(ctx, c, string(cmd))
	l.recordHostile(name, time.Since(start), err)
}

func (l *load) recordHostile(name string, took time.Duration, err error) {
	if err != nil {
		l.failures[hostileKind].Add(1)
	}
	msg := "ok"
	if err != nil {
		msg = err.Error()
		if len(msg) > 160 {
			msg = msg[:160] + "…"
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hostileErr[name] = msg
	l.hostileDur[name] = took
}

// invoke runs GetFlightInfo and DoGet of cmd and returns the rows read and
// the largest value of a "version" column, if any.
func invoke(ctx context.Context, c flight.Client, cmd string) (rows, version int64, err error) {
	info, err := c.GetFlightInfo(ctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(cmd)})
	if err != nil {
		return 0, 0, err
	}
	stream, err := c.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		return 0, 0, err
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		return 0, 0, fmt.Errorf("DoGet: %w", err)
	}
	defer rdr.Release()
	for rdr.Next() {
		rec := rdr.RecordBatch()
		rows += rec.NumRows()
		if idx := rec.Schema().FieldIndices("version"); len(idx) == 1 {
			if col, ok := rec.Column(idx[0]).(*array.Int64); ok {
				for i := range col.Len() {
					version = max(version, col.Value(i))
				}
			}
		}
	}
	if err := rdr.Err(); err != nil {
		return rows, version, fmt.Errorf("DoGet: %w", err)
	}
	return rows, version, nil
}
