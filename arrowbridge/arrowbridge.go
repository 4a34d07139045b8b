// Package arrowbridge owns the boundary between script values and Arrow.
//
// It parses the column type strings of the FlexFun script contract
// ("int64", "timestamp[us, tz=UTC]", "decimal128(18, 2) not null", ...)
// into Arrow schemas, converts values into Arrow builders following the
// declared column type (never the script value's own type), and cuts the
// output into record batches small enough for any Flight client.
//
// The package knows nothing of Starlark or JavaScript: a runtime maps each
// of its values onto one of the Appender methods (AppendInt, AppendFloat,
// AppendString, ...), and the column decides whether it accepts it. The
// rules of each column type are listed in docs/types.md.
//
// Typical use by a runtime:
//
//	b := arrowbridge.NewBuilder(schema, memory.DefaultAllocator)
//	defer b.Release() // no-op after Finish
//	for each row {
//		for i := range b.NumColumns() {
//			if err := b.Column(i).AppendInt(v); err != nil {
//				return b.Locate(i, err) // row 17, column "units" (int64): got float 2.5
//			}
//		}
//		b.EndRow()
//	}
//	table := b.Finish()
package arrowbridge

import (
	"math/big"
	"time"
)

// Batch limits: every record batch holds at most MaxBatchRows rows and is
// cut once it holds about TargetBatchBytes of buffer data, so that a Flight
// client with gRPC's default 4 MiB message limit can read it.
const (
	MaxBatchRows     = 65536
	TargetBatchBytes = 2 << 20
)

// ColumnSpec is one declared column, as a script states it.
type ColumnSpec struct {
	Name     string
	Type     string            // contract type string, e.g. "int64 not null"
	Nullable *bool             // from the mapping form; nil means "decided by Type"
	Metadata map[string]string // field metadata from the mapping form
}

// Appender appends one value to a column. Each method converts its Go value
// to the column's declared type or returns a *ValueError saying why it
// cannot. A runtime calls the method that matches its own value's kind:
//
//   - AppendInt: an integer that fits int64 (Starlark int, JS BigInt).
//   - AppendBigInt: an integer outside int64.
//   - AppendFloat: a float that must not silently become an integer
//     (Starlark float: an int64 column rejects 2.0).
//   - AppendNumber: a JavaScript number: integer columns accept whole
//     numbers within ±2^53, float columns accept anything.
type Appender interface {
	AppendNull() error
	AppendBool(v bool) error
	AppendInt(v int64) error
	AppendBigInt(v *big.Int) error
	AppendFloat(v float64) error
	AppendNumber(v float64) error
	AppendString(v string) error
	AppendBytes(v []byte) error
	AppendTime(v time.Time) error
}

// ValueError reports a value that does not fit its column.
type ValueError struct {
	Type   string // declared type, in contract spelling ("int64", "decimal128(18, 2)")
	Got    string // the value received, e.g. "float 2.5", `string "abc"`
	Reason string // optional detail, e.g. "out of range", "more than 2 decimal places"
}

// ConversionError is a ValueError located in the output: which row (1-based)
// and which column.
type ConversionError struct {
	Row    int64
	Column string
	ValueError
}
