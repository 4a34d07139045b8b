package tasks

import (
	"context"
	"log/slog"
	"testing"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// BenchmarkSubmitWait is the executor's own cost for one call: a trivial
// task handed to a worker, waited for, its result read and dropped. The
// parallel variant runs 8 callers per CPU, as a busy server does.
func BenchmarkSubmitWait(b *testing.B) {
	nothing := func(context.Context) (*arrowbridge.Table, error) { return nil, nil }
	call := func(b *testing.B, e *Executor[*arrowbridge.Table]) {
		r, err := e.Wait(context.Background(), e.Submit(nothing), -1)
		if err != nil {
			b.Fatal(err)
		}
		r.Release()
		e.Cancel(r.ID) // keep the store small
	}
	b.Run("serial", func(b *testing.B) {
		e := New[*arrowbridge.Table](Options{Logger: slog.New(slog.DiscardHandler)})
		defer e.Close()
		for b.Loop() {
			call(b, e)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		e := New[*arrowbridge.Table](Options{Logger: slog.New(slog.DiscardHandler)})
		defer e.Close()
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				call(b, e)
			}
		})
	})
}
