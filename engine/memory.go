package engine

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// The memory guard keeps the process within Options.MemoryLimit: while
// runs (calls, loads) are in progress, a watcher samples the Go runtime's
// memory every guardTick; when it exceeds the limit (confirmed by a
// garbage collection, see gcProbe), the run most likely to be growing it is stopped,
// as if its deadline had passed, with a MemoryError as the cause. The
// likely run is the one holding the most Arrow memory, if it holds a
// quarter of the limit, or else the one that has run longest: a script
// that allocates without end runs long; bystanders' small calls do not.
// After a stop the guard judges again only once the stopped run has ended
// and a collection has freed its memory: until then its garbage would look
// like the next runs' growth. Single steps that could allocate unboundedly
// at once are bounded by the runtimes (MaxValueBytes).

// guardTick is how often the memory guard samples the process's memory.
const guardTick = 20 * time.Millisecond

// MemoryError is the cause of a run the memory guard stopped.
type MemoryError struct {
	Limit int64
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("stopped: the server's memory limit of %s ([flexfun] memory_limit) was reached while it ran",
		arrowbridge.FormatBytes(e.Limit))
}

// memoryGuard watches the runs of one registry.
type memoryGuard struct {
	limit  int64
	logger *slog.Logger
	relief atomic.Pointer[func() int64] // frees what the server can drop first
	gc     gcProbe                      // the watcher's; kept across watchers (a stop's garbage outlives its run)
	mu     sync.Mutex
	runs   map[*guardedRun]struct{}
	active bool // the watcher goroutine runs
}

// guardedRun is one run under the guard.
type guardedRun struct {
	name    string
	started time.Time
	arrow   atomic.Int64 // Arrow bytes the run holds now
	stop    context.CancelCauseFunc
	stopped atomic.Bool
}

func newMemoryGuard(limit int64, logger *slog.Logger) *memoryGuard {
	return &memoryGuard{limit: limit, logger: logger, runs: map[*guardedRun]struct{}{}}
}

// enter registers a run, stopped through stop; call leave when it ends.
// A nil guard guards nothing.
func (g *memoryGuard) enter(name string, stop context.CancelCauseFunc) *guardedRun {
	r := &guardedRun{name: name, started: time.Now(), stop: stop}
	if g == nil {
		return r
	}
	g.mu.Lock()
	g.runs[r] = struct{}{}
	if !g.active {
		g.active = true
		go g.watch()
	}
	g.mu.Unlock()
	return r
}

// leave unregisters a run.
func (g *memoryGuard) leave(r *guardedRun) {
	if g == nil {
		return
	}
	g.mu.Lock()
	delete(g.runs, r)
	g.mu.Unlock()
}

// allocator returns mem counting its live bytes into r.
func (r *guardedRun) allocator(mem memory.Allocator) memory.Allocator {
	return &countingAllocator{Allocator: mem, n: &r.arrow}
}

// watch samples memory until no run is left.
func (g *memoryGuard) watch() {
	tick := time.NewTicker(guardTick)
	defer tick.Stop()
	gc := &g.gc
	for range tick.C {
		runs, stopping := g.census()
		if runs == 0 {
			return
		}
		if stopping {
			// The stopped run's memory becomes garbage when it ends, and
			// only a collection after that tells it from the next runs'.
			gc.forget()
			continue
		}
		if used, over := gc.over(g.limit); over && !g.relieve(used) {
			g.stopOne(used)
			gc.forget()
		}
	}
}

// census returns how many runs the guard watches and whether one it
// stopped is still winding down; with no run left, the watcher ends.
func (g *memoryGuard) census() (runs int, stopping bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.runs) == 0 {
		g.active = false
		return 0, false
	}
	for r := range g.runs {
		if r.stopped.Load() {
			return len(g.runs), true
		}
	}
	return len(g.runs), false
}

// overshoot is how far past the limit the memory may be before the guard
// acts without waiting for a garbage collection to tell garbage from live
// data: a single step (a huge concatenation) can hold the collection up,
// and the next step could allocate as much again.
const overshoot = 1.25

// gcProbe tells garbage from live data when memory passes the limit: it
// starts one garbage collection in the background, without blocking the
// watcher, that also returns free pages to the system, and confirms the
// excess once that has finished with the memory still past the limit, or at
// once when the memory in use (free pages aside) passes limit×overshoot,
// unless the probe was told to forget: then only a collection started
// afterwards can confirm it.
type gcProbe struct {
	running bool
	done    chan struct{}
	collect bool // confirm only by a collection: what is in use may be a stopped run's garbage
}

// forget discards what the probe has seen: a collection under way may have
// started before a stopped run ended, and what is in use may be its
// garbage.
func (p *gcProbe) forget() {
	p.running, p.collect = false, true
}

// over samples the memory and reports whether it is past limit, and
// confirmed live.
func (p *gcProbe) over(limit int64) (int64, bool) {
	collected := false
	if p.running {
		select {
		case <-p.done:
			collected = true // read the memory after the collection
		default:
		}
	}
	held, inUse := memoryUse()
	switch {
	case held <= limit:
		p.running, p.collect = false, false
		return held, false
	case collected || !p.collect && float64(inUse) > float64(limit)*overshoot:
		p.running, p.collect = false, false
		return held, true
	case !p.running:
		p.running, p.done = true, make(chan struct{})
		go func(done chan struct{}) {
			// A collection, then the free pages go back to the system:
			// what is held afterwards is live.
			debug.FreeOSMemory()
			close(done)
		}(p.done)
	}
	return held, false
}

// relieve asks the server to free what it can drop without failing a
// call (Registry.SetMemoryRelief: results already read), and reports
// whether that covered the excess: then the next samples tell whether it
// was enough; otherwise a run is stopped too (a script growing without end
// must not be spared by results that keep being read).
func (g *memoryGuard) relieve(used int64) bool {
	f := g.relief.Load()
	if f == nil {
		return false
	}
	freed := (*f)()
	if freed <= 0 {
		return false
	}
	g.logger.Info("memory_relieved", "freed_bytes", freed, "memory_bytes", used, "limit_bytes", g.limit)
	return freed >= used-g.limit
}

// stopOne stops the run most likely to be growing the process.
func (g *memoryGuard) stopOne(used int64) {
	g.mu.Lock()
	var victim *guardedRun
	for r := range g.runs {
		if victim == nil || heavier(r, victim, g.limit) {
			victim = r
		}
	}
	g.mu.Unlock()
	if victim == nil {
		return
	}
	victim.stopped.Store(true)
	g.logger.Warn("memory_limit_reached", "function", victim.name, "memory_bytes", used, "limit_bytes", g.limit,
		"arrow_bytes", victim.arrow.Load(), "running_ms", time.Since(victim.started).Milliseconds())
	victim.stop(&MemoryError{Limit: g.limit})
}

// heavier reports whether a is a likelier culprit than b.
func heavier(a, b *guardedRun, limit int64) bool {
	aa, ba := a.arrow.Load(), b.arrow.Load()
	if max(aa, ba) >= limit/4 {
		return aa > ba
	}
	return a.started.Before(b.started)
}

// ProcessMemory returns the memory the Go runtime holds from the system:
// all it has mapped, less what it has returned. Close to the process's
// resident size, it includes free heap pages kept for reuse, which
// debug.FreeOSMemory returns.
func ProcessMemory() int64 {
	held, _ := memoryUse()
	return held
}

// memoryUse returns the memory held (see ProcessMemory) and the part of it
// in use: held less the free heap pages.
func memoryUse() (held, inUse int64) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	metrics.Read(samples)
	held = int64(samples[0].Value.Uint64() - samples[1].Value.Uint64())
	return held, held - int64(samples[2].Value.Uint64())
}

// countingAllocator counts the bytes its allocations hold.
type countingAllocator struct {
	memory.Allocator
	n *atomic.Int64
}

func (a *countingAllocator) Allocate(size int) []byte {
	a.n.Add(int64(size))
	return a.Allocator.Allocate(size)
}

func (a *countingAllocator) Reallocate(size int, b []byte) []byte {
	a.n.Add(int64(size - len(b)))
	return a.Allocator.Reallocate(size, b)
}

func (a *countingAllocator) Free(b []byte) {
	a.n.Add(-int64(len(b)))
	a.Allocator.Free(b)
}
