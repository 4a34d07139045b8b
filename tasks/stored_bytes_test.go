package tasks

import (
	"errors"
	"testing"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// TestStoredBytesEvictReadResultsFirst fills the store past MaxStoredBytes:
// the oldest results already read go first, unread results stay, and
// CheckCapacity refuses new work until reads make room.
func TestStoredBytesEvictReadResultsFirst(t *testing.T) {
	// One 1000-row int64 table holds 8000 bytes of values (plus its
	// validity bitmap, if any): three fit in 30000 bytes, four do not.
	h := start(t, Options{MaxStoredBytes: 30000})
	size := newTable(h.mem, 1000)
	one := size.Bytes()
	size.Release()
	if one < 8000 || one > 10000 {
		t.Fatalf("a 1000-row table takes %d bytes, want about 8000", one)
	}

	ids := make([]string, 3)
	for i := range ids {
		ids[i] = h.Submit(h.tableTask(1000))
		mustWait(t, h.Executor, ids[i]).Release()
	}
	if st := h.Stats(); st.StoredBytes != 3*one || st.Unread != 3 {
		t.Fatalf("stats %+v, want %d bytes in 3 unread results", st, 3*one)
	}
	if err := h.CheckCapacity(); err != nil {
		t.Fatalf("CheckCapacity below the limit: %v", err)
	}
	h.MarkRead(ids[1])
	h.MarkRead(ids[2])

	// The fourth result crosses the limit: the oldest read result (ids[1])
	// goes, the unread ids[0] stays although it is older.
	fourth := h.Submit(h.tableTask(1000))
	mustWait(t, h.Executor, fourth).Release()
	waitGone(t, h.Executor, ids[1])
	for _, id := range []string{ids[0], ids[2], fourth} {
		mustWait(t, h.Executor, id).Release()
	}
	if st := h.Stats(); st.StoredBytes != 3*one || st.Stored != 3 {
		t.Errorf("after eviction: stats %+v, want 3 results of %d bytes", st, 3*one)
	}
}

func TestStoreFullRefusesWork(t *testing.T) {
	h := start(t, Options{MaxStoredBytes: 10000})
	first := h.Submit(h.tableTask(1000))
	second := h.Submit(h.tableTask(1000))
	mustWait(t, h.Executor, first).Release()
	mustWait(t, h.Executor, second).Release()

	// Both unread: nothing can be evicted, the store is full.
	err := h.CheckCapacity()
	var full *StoreFullError
	if !errors.As(err, &full) || full.Limit != 10000 || full.Stored < 16000 {
		t.Fatalf("CheckCapacity = %v, want a StoreFullError over 10000 bytes", err)
	}
	// Reading one frees room: it is evicted at the next check.
	h.MarkRead(first)
	if err := h.CheckCapacity(); err != nil {
		t.Errorf("CheckCapacity after a read: %v", err)
	}
	waitGone(t, h.Executor, first)
	mustWait(t, h.Executor, second).Release()
	// Cancel (eviction) gives the bytes back.
	h.Cancel(second)
	if st := h.Stats(); st.StoredBytes != 0 {
		t.Errorf("after cancelling every result: %d bytes stored", st.StoredBytes)
	}
	waitFreed(t, h.mem)
}

func TestNoStoredBytesLimit(t *testing.T) {
	h := start(t, Options{})
	for range 3 {
		mustWait(t, h.Executor, h.Submit(h.tableTask(1000))).Release()
	}
	if err := h.CheckCapacity(); err != nil {
		t.Errorf("CheckCapacity without a limit: %v", err)
	}
	if st := h.Stats(); st.StoredBytes == 0 {
		t.Error("stored bytes are counted even without a limit")
	}
}

func TestStoredCommandsCount(t *testing.T) {
	h := start(t, Options{MaxStoredBytes: 1000})
	cmd := make([]byte, 2000)
	id := h.SubmitSpec(Spec[*arrowbridge.Table]{Cmd: cmd, Run: h.tableTask(1)})
	mustWait(t, h.Executor, id).Release()
	var full *StoreFullError
	if err := h.CheckCapacity(); !errors.As(err, &full) || full.Stored < 2000 {
		t.Errorf("CheckCapacity = %v, want a full store counting the 2000-byte command", err)
	}
}

// TestDropReadResults drops every result already read, whatever the
// limit, and keeps the unread ones: what the server gives back when the
// process passes its memory limit.
func TestDropReadResults(t *testing.T) {
	h := start(t, Options{})
	ids := make([]string, 3)
	for i := range ids {
		ids[i] = h.Submit(h.tableTask(1000))
		mustWait(t, h.Executor, ids[i]).Release()
	}
	one := h.Stats().StoredBytes / 3
	if n := h.DropReadResults(); n != 0 {
		t.Errorf("nothing read yet, DropReadResults freed %d bytes", n)
	}
	h.MarkRead(ids[0])
	h.MarkRead(ids[2])
	if n := h.DropReadResults(); n != 2*one {
		t.Errorf("DropReadResults freed %d bytes, want %d (two results)", n, 2*one)
	}
	waitGone(t, h.Executor, ids[0])
	waitGone(t, h.Executor, ids[2])
	mustWait(t, h.Executor, ids[1]).Release()
	if st := h.Stats(); st.Stored != 1 || st.StoredBytes != one {
		t.Errorf("after dropping: stats %+v, want the unread result alone", st)
	}
}
