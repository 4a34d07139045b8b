package tasks

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Result is a reader's reference to the result of a finished task.
//
// A Result returned by Wait holds a reference to the stored result: the
// Value stays valid until Release is called, even if the result is evicted
// meanwhile. A Result is safe for concurrent use; Value is read-only.
type Result[T Releaser] struct {
	Finished[T]

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
// reference while the entry is in store.results; each reader holds one.
type entry[T Releaser] struct {
	Finished[T]
	expires time.Time
	size    int64 // Bytes of the value (when T is a Sizer) and of the command
	read    bool  // MarkRead was called; guarded by store.mu
	removed bool  // out of the store, maybe still in store.expiry; guarded by store.mu
	refs    atomic.Int64
}

// unref drops one reference and releases the value with the last one.
func (en *entry[T]) unref() {
	if en.refs.Add(-1) == 0 && !isZero(en.Value) {
		en.Value.Release()
	}
}

// store keeps the results of finished tasks until they expire (the TTL
// after completion), are cancelled or the executor closes, and hands the
// evicted ones to its closers. It is safe for concurrent use. Its lock
// comes after the running tasks' lock in the lock order: it calls nothing
// outside the store while holding it.
type store[T Releaser] struct {
	ttl      time.Duration
	maxBytes int64 // Options.MaxStoredBytes
	now      func() time.Time
	log      *slog.Logger
	closer   *closer[T]

	mu      sync.Mutex
	results map[string]*entry[T]
	expiry  expiryQueue[T] // stored entries in expiry order
	unread  int            // stored entries with a value and not read
	bytes   int64          // sum of the stored entries' sizes
	// readBytes sums the sizes of the stored entries already read: what
	// makeRoomLocked can free. Without it, a store full of unread results
	// would be scanned at every submission it refuses.
	readBytes int64

	stopSweep chan struct{}
	sweepDone chan struct{}
}

// newStore returns a store and starts its sweeper and closers; close
// stops them.
func newStore[T Releaser](opts Options) *store[T] {
	s := &store[T]{
		ttl:       opts.ResultTTL,
		maxBytes:  opts.MaxStoredBytes,
		now:       opts.Now,
		log:       opts.Logger,
		closer:    newCloser[T](opts.CloseThreads, opts.Observer),
		results:   make(map[string]*entry[T]),
		stopSweep: make(chan struct{}),
		sweepDone: make(chan struct{}),
	}
	go s.sweep(opts.SweepInterval)
	return s
}

// put stores f, completed now, with the store's reference. Beyond
// Options.MaxStoredBytes it evicts results already read to make room.
func (s *store[T]) put(f Finished[T]) {
	// The command is kept with the result for its polls: it counts too.
	en := &entry[T]{Finished: f, size: sizeOf(f.Value) + int64(len(f.Cmd))}
	en.refs.Store(1)
	s.mu.Lock()
	// The time is taken under the lock, so that entries are pushed in the
	// order they expire in.
	en.Completed = s.now()
	en.expires = en.Completed.Add(s.ttl)
	s.results[f.ID] = en
	s.expiry.push(en)
	if !isZero(f.Value) {
		s.unread++
	}
	s.bytes += en.size
	evicted := s.makeRoomLocked()
	s.mu.Unlock()
	s.closeEvicted(evicted, "stored_bytes")
}

// sizeOf returns v's Bytes if T is a Sizer, else 0.
func sizeOf[T Releaser](v T) int64 {
	if sz, ok := any(v).(Sizer); ok && !isZero(v) {
		return sz.Bytes()
	}
	return 0
}

// makeRoomLocked evicts read results, oldest first, while the stored bytes
// exceed the limit, and returns them for closeEvicted. Unread results stay:
// their readers are yet to come. s.mu must be held.
func (s *store[T]) makeRoomLocked() []*entry[T] {
	if s.maxBytes <= 0 {
		return nil
	}
	return s.evictReadLocked(s.maxBytes)
}

// dropRead evicts every result already read and returns the bytes they
// held: memory the server can give back when the process passes its limit.
func (s *store[T]) dropRead() int64 {
	s.mu.Lock()
	before := s.readBytes
	evicted := s.evictReadLocked(0)
	freed := before - s.readBytes
	s.mu.Unlock()
	s.closeEvicted(evicted, "memory_limit")
	return freed
}

// evictReadLocked evicts read results, oldest first, while the stored
// bytes exceed target, and returns them for closeEvicted. s.mu must be
// held.
func (s *store[T]) evictReadLocked(target int64) []*entry[T] {
	if s.bytes <= target || s.readBytes == 0 {
		return nil
	}
	var evicted []*entry[T]
	for _, en := range s.expiry.entries[s.expiry.head:] {
		if s.bytes <= target || s.readBytes == 0 {
			break
		}
		if en != nil && !en.removed && en.read && en.size > 0 {
			s.removeLocked(en)
			evicted = append(evicted, en)
		}
	}
	return evicted
}

// closeEvicted logs evicted results and hands them to the closers. Call it
// without s.mu.
func (s *store[T]) closeEvicted(evicted []*entry[T], reason string) {
	for _, en := range evicted {
		s.log.Debug("result_evicted", "task_id", en.ID, "reason", reason)
		s.closer.add(en)
	}
}

// full makes room as put does and reports the stored bytes and whether
// they still reach the limit.
func (s *store[T]) full() (stored int64, full bool) {
	s.mu.Lock()
	evicted := s.makeRoomLocked()
	stored = s.bytes
	s.mu.Unlock()
	s.closeEvicted(evicted, "stored_bytes")
	return stored, s.maxBytes > 0 && stored >= s.maxBytes
}

// acquire returns a new reader reference to the stored result id, or nil.
func (s *store[T]) acquire(id string) *Result[T] {
	s.mu.Lock()
	defer s.mu.Unlock()
	en, ok := s.results[id]
	if !ok {
		return nil
	}
	en.refs.Add(1)
	return &Result[T]{Finished: en.Finished, entry: en}
}

// markRead marks the stored result id read.
func (s *store[T]) markRead(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if en, ok := s.results[id]; ok && !en.read {
		en.read = true
		s.readBytes += en.size
		if !isZero(en.Value) {
			s.unread--
		}
	}
}

// counts returns the numbers of stored and of unread results, and the
// stored bytes.
func (s *store[T]) counts() (stored, unread int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.results), s.unread, s.bytes
}

// evict takes the stored result id out of the store and hands it to a
// closer. It reports false if there is no such result.
func (s *store[T]) evict(id string) bool {
	s.mu.Lock()
	en, ok := s.results[id]
	if ok {
		s.removeLocked(en)
	}
	s.mu.Unlock()
	if ok {
		s.closer.add(en)
	}
	return ok
}

// removeLocked takes en out of the store. s.mu must be held.
func (s *store[T]) removeLocked(en *entry[T]) {
	delete(s.results, en.ID)
	en.removed = true // s.expiry drops it when it reaches the front
	s.bytes -= en.size
	if en.read {
		s.readBytes -= en.size
	}
	if !isZero(en.Value) && !en.read {
		s.unread--
	}
}

// sweep evicts expired results every interval until close.
func (s *store[T]) sweep(interval time.Duration) {
	defer close(s.sweepDone)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-s.stopSweep:
			return
		case <-ticker.C:
			s.evictExpired()
		}
	}
}

// evictExpired removes every result whose TTL has passed and drops the
// store's reference to it. Results expire in the order they were stored,
// so it only looks at the expired ones: a sweep costs nothing however many
// results are stored.
func (s *store[T]) evictExpired() {
	now := s.now()
	var expired []*entry[T]
	s.mu.Lock()
	for en := s.expiry.front(); en != nil && !now.Before(en.expires); en = s.expiry.front() {
		s.removeLocked(en)
		expired = append(expired, en)
	}
	s.mu.Unlock()
	s.closeEvicted(expired, "expired")
}

// close stops the sweeper, evicts every result and stops the closers once
// they have closed them all. Results put afterwards stay stored, holding
// no value (only a closed executor's cancelled tasks are).
func (s *store[T]) close() {
	close(s.stopSweep)
	<-s.sweepDone
	s.mu.Lock()
	stored := s.results
	s.results = make(map[string]*entry[T])
	s.expiry = expiryQueue[T]{}
	s.unread, s.bytes, s.readBytes = 0, 0, 0
	s.mu.Unlock()
	for _, en := range stored {
		s.closer.add(en)
	}
	s.closer.stop()
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
