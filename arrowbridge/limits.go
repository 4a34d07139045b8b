package arrowbridge

import (
	"fmt"
	"math"
)

// Limits bound what one Builder may hold, checked while rows are
// appended, not after: a call that produces too much stops at the row
// that crosses a limit. Zero means no limit.
type Limits struct {
	Rows  int64 // rows ended
	Bytes int64 // buffer bytes of the batches, as Builder counts them
}

// LimitError reports a result that crossed one of its Limits.
type LimitError struct {
	What    string // "rows" or "bytes"
	Limit   int64
	Setting string // the setting that raises it, e.g. "[flexfun] max_result_rows"
}

func (e *LimitError) Error() string {
	n := fmt.Sprint(e.Limit, " rows")
	if e.What == "bytes" {
		n = FormatBytes(e.Limit)
	}
	return fmt.Sprintf("the result exceeds its limit of %s (%s raises it)", n, e.Setting)
}

// FormatBytes spells a byte count with a binary unit: "512 MiB".
func FormatBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f, u := float64(n), 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	if f == math.Trunc(f) {
		return fmt.Sprintf("%.0f %s", f, units[u])
	}
	return fmt.Sprintf("%.1f %s", f, units[u])
}

// SetLimits sets the Builder's limits; Check reports crossing them.
func (b *Builder) SetLimits(l Limits, rowsSetting, bytesSetting string) {
	b.limits, b.rowsSetting, b.bytesSetting = l, rowsSetting, bytesSetting
}

// Check returns a *LimitError once the rows or bytes ended so far exceed
// the Builder's limits. Runtimes call it after each row or table.
func (b *Builder) Check() error {
	if b.limits.Rows > 0 && b.rows > b.limits.Rows {
		return &LimitError{What: "rows", Limit: b.limits.Rows, Setting: b.rowsSetting}
	}
	if b.limits.Bytes > 0 && b.doneBytes+b.batchBytes() > b.limits.Bytes {
		return &LimitError{What: "bytes", Limit: b.limits.Bytes, Setting: b.bytesSetting}
	}
	return nil
}
