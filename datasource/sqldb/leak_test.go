package sqldb

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// After queries, a cancelled one included, and Close, no goroutine of the
// package or its drivers is left.
func TestNoGoroutineLeak(t *testing.T) {
	for _, driver := range []string{pg, my} {
		t.Run(driver, func(t *testing.T) {
			before := runtime.NumGoroutine()
			db := openServer(t, driver) // closed again at cleanup: a no-op
			query(t, db, checkedMem(t), "SELECT 1")
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			sleep := map[string]string{pg: "SELECT pg_sleep(5)", my: "SELECT SLEEP(5)"}[driver]
			if _, err := db.Query(ctx, sleep, nil, QueryOptions{}); err == nil {
				t.Error("the query was not cancelled")
			}
			cancel()
			db.Close()
			eventually(t, 5*time.Second, func() string {
				if n := runtime.NumGoroutine(); n > before {
					return fmt.Sprintf("%d goroutines, %d before", n, before)
				}
				return ""
			})
		})
	}
}
