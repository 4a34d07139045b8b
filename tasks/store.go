package tasks

import (
	"sync/atomic"
	"time"
)

// Result is the outcome of a finished task: at most one of Value
// (success), Err (failure) and Cancelled is set; none is when the task
// returned neither a value nor an error.
//
// A Result returned by Wait holds a reference to the stored result: the
// Value stays valid until Release is called, even if the result is evicted
// meanwhile. A Result is safe for concurrent use; Value is read-only.
type Result[T Releaser] struct {
	ID        string
	Name      string // Spec.Name
	Cmd       []byte // Spec.Cmd; read-only
	Value     T
	Err       error
	Cancelled bool
	Created   time.Time // when the task was submitted
	Completed time.Time // when it finished (or was cancelled)

	entry    *entry[T]
	released atomic.Bool
}

// Release gives up this reader's reference. It is safe to call more than
// once; only the first call counts.
func (r *Result[T]) Release() {
	if r == nil || r.entry == nil || !r.released.CompareAndSwap(false, true) {
		return
	}
	r.entry.unref()
}

// entry is a stored result and its reference count. The store holds one
// reference while the entry is in Executor.results; each reader holds one.
type entry[T Releaser] struct {
	id        string
	name      string
	cmd       []byte
	read      bool // MarkRead was called; guarded by Executor.mu
	removed   bool // out of the store, maybe still in Executor.expiry; guarded by Executor.mu
	value     T
	err       error
	cancelled bool
	created   time.Time
	completed time.Time
	expires   time.Time
	refs      atomic.Int64
}

// unref drops one reference and releases the value with the last one.
func (e *entry[T]) unref() {
	if e.refs.Add(-1) == 0 && !isZero(e.value) {
		e.value.Release()
	}
}

// acquireLocked returns a new reader reference to the stored result id, or
// nil. e.mu must be held.
func (e *Executor[T]) acquireLocked(id string) *Result[T] {
	en, ok := e.results[id]
	if !ok {
		return nil
	}
	en.refs.Add(1)
	return &Result[T]{
		ID:        en.id,
		Name:      en.name,
		Cmd:       en.cmd,
		Value:     en.value,
		Err:       en.err,
		Cancelled: en.cancelled,
		Created:   en.created,
		Completed: en.completed,
		entry:     en,
	}
}

// removeLocked takes en out of the store. e.mu must be held.
func (e *Executor[T]) removeLocked(en *entry[T]) {
	delete(e.results, en.id)
	en.removed = true // e.expiry drops it when it reaches the front
	if !isZero(en.value) && !en.read {
		e.unread--
	}
}

// storeLocked stores the outcome of t and removes it from the pending
// tasks. The caller then closes t.done to wake its waiters. e.mu must be
// held.
func (e *Executor[T]) storeLocked(t *task[T], value T, err error, cancelled bool) {
	now := e.now()
	en := &entry[T]{
		id:        t.id,
		name:      t.name,
		cmd:       t.cmd,
		value:     value,
		err:       err,
		cancelled: cancelled,
		created:   t.created,
		completed: now,
		expires:   now.Add(e.ttl),
	}
	if cancelled {
		en.err = nil
	}
	en.refs.Store(1)
	e.results[t.id] = en
	e.expiry.push(en)
	if !isZero(value) {
		e.unread++
	}
	delete(e.pending, t.id)
}

// sweep evicts expired results every sweep interval until Close.
func (e *Executor[T]) sweep() {
	defer close(e.sweepDone)
	ticker := time.NewTicker(e.sweepInt)
	defer ticker.Stop()
	for {
		select {
		case <-e.stopSweep:
			return
		case <-ticker.C:
			e.evictExpired()
		}
	}
}

// evictExpired removes every result whose TTL has passed and drops the
// store's reference to it. Results expire in the order they were stored,
// so it only looks at the expired ones: a sweep costs nothing however many
// results are stored.
func (e *Executor[T]) evictExpired() {
	now := e.now()
	var expired []*entry[T]
	e.mu.Lock()
	for en := e.expiry.front(); en != nil && !now.Before(en.expires); en = e.expiry.front() {
		e.removeLocked(en)
		expired = append(expired, en)
	}
	e.mu.Unlock()
	for _, en := range expired {
		e.log.Debug("result_evicted", "task_id", en.id, "reason", "expired")
		e.closer.add(en)
	}
}

// expiryQueue holds stored entries in the order they were stored, which is
// the order they expire in: the TTL is the same for all. An entry removed
// early (Cancel) stays in it, marked removed, until it reaches the front.
// It is a slice rather than a list so that a stored result costs the
// garbage collector no list element.
type expiryQueue[T Releaser] struct {
	entries []*entry[T]
	head    int // entries[:head] are gone
}

func (q *expiryQueue[T]) push(en *entry[T]) { q.entries = append(q.entries, en) }

// front returns the oldest entry still stored, or nil, dropping the removed
// ones it passes.
func (q *expiryQueue[T]) front() *entry[T] {
	for q.head < len(q.entries) && q.entries[q.head].removed {
		q.entries[q.head] = nil
		q.head++
	}
	if q.head >= 64 && q.head*2 >= len(q.entries) {
		// Most of the array is gone: move the rest to its start, so that
		// appends reuse the space instead of growing the array forever.
		n := copy(q.entries, q.entries[q.head:])
		clear(q.entries[n:])
		q.entries, q.head = q.entries[:n], 0
	}
	if q.head == len(q.entries) {
		return nil
	}
	return q.entries[q.head]
}
