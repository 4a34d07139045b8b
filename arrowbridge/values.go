package arrowbridge

import (
	"bytes"
	"math"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ValueAt returns value i of arr as a Go value for scripts: nil for null,
// bool, int64 (a *big.Int for a uint64 beyond int64), float64, string,
// []byte, time.Time for dates (midnight UTC) and timestamps (in the
// column's zone, UTC without one), and a decimal as its exact string
// ("12.50"). Strings and bytes are copied: the result outlives arr.
// Types outside the contract are spelled as Arrow spells them.
func ValueAt(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Uint64:
		if v := a.Value(i); v > math.MaxInt64 {
			return new(big.Int).SetUint64(v)
		}
		return int64(a.Value(i))
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return strings.Clone(a.Value(i))
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	case *array.Binary:
		return bytes.Clone(a.Value(i))
	case *array.LargeBinary:
		return bytes.Clone(a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime()
	case *array.Date64:
		return a.Value(i).ToTime()
	case *array.Timestamp:
		return timestampTime(a, i)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Dictionary:
		return ValueAt(a.Dictionary(), a.GetValueIndex(i))
	}
	return arr.ValueStr(i)
}

// timestampTime returns value i of a timestamp array as a time in the
// column's zone (UTC without one, or with a zone Go does not know).
func timestampTime(a *array.Timestamp, i int) time.Time {
	t := a.DataType().(*arrow.TimestampType)
	v := a.Value(i).ToTime(t.Unit)
	if loc := location(t.TimeZone); loc != nil {
		return v.In(loc)
	}
	return v.UTC()
}

// zones caches time.LoadLocation, which reads the zone database each time.
var zones sync.Map // name → *time.Location (nil for an unknown zone)

// location returns the named zone, or nil for "" and unknown names.
func location(name string) *time.Location {
	if name == "" {
		return nil
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	zones.Store(name, loc)
	return loc
}
