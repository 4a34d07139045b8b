package flightserver

import (
	"context"
	"runtime"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestStoredResultsAreFewObjects: every result stays in memory for the TTL
// after its call, and the garbage collector marks every object of every
// stored result on each cycle, which made the latency tail at 1,000 calls/s
// (docs/load-test.md). A stored small result must stay a handful of heap
// objects, not the dozens of a table of record batches.
func TestStoredResultsAreFewObjects(t *testing.T) {
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function { return []Function{simpleFun(mem)} })
	const calls = 2000
	ctx := context.Background()
	if _, _, err := e.getInfo(ctx, `{"functionName":"SimpleFun1"}`); err != nil { // warm up
		t.Fatal(err)
	}
	before := liveObjects()
	for range calls {
		if _, _, err := e.getInfo(ctx, `{"functionName":"SimpleFun1"}`); err != nil {
			t.Fatal(err)
		}
	}
	after := liveObjects()
	if st := e.exec.Stats(); st.Stored != calls+1 {
		t.Fatalf("%d results stored, want %d", st.Stored, calls+1)
	}
	perResult := float64(after-before) / calls
	t.Logf("%.1f live heap objects per stored result", perResult)
	if perResult > 12 {
		t.Errorf("a stored result is %.1f heap objects, want a handful (kept as record batches, it was about 60)", perResult)
	}
}

// liveObjects returns the number of heap objects alive after a full
// collection.
func liveObjects() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapObjects
}
