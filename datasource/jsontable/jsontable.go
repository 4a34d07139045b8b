// Package jsontable decodes JSON records into Arrow tables: a JSON array of
// objects, an array inside an object at a dotted path ("data.items"), or a
// stream of objects (JSON lines). It serves an HTTP response's table() and
// the JSON file reader, so both convert values alike.
//
// With a schema, every object becomes a row: each key names a column (keys
// the schema lacks are skipped, missing keys are null) and each value is
// converted to its column's type by arrowbridge's appenders, with the
// contract's rules and errors:
//
//   - a number without fraction or exponent is an integer (AppendInt, or
//     AppendBigInt beyond int64); any other number is a JavaScript-style
//     number (AppendNumber: an int64 column accepts 2.0 but not 2.5); a
//     decimal128 column reads the number's text, so no digit is lost;
//   - strings, booleans and null are what they are (a date32 column
//     accepts "2024-01-31", a timestamp column ISO-8601 text);
//   - a nested object or array is accepted by string and binary columns,
//     as its compact JSON text.
//
// Without a schema, one is inferred from every row first (a second pass
// over the input, which is why Decode wants an io.ReadSeeker). Columns
// appear in the order their keys are first met; every column is
// nullable; a column's type is:
//
//	only integers (within int64)        int64
//	integers and other numbers          float64
//	only booleans                       bool
//	only strings                        string
//	only objects or arrays              string (compact JSON text)
//	only nulls, or any other mix        string (each value's JSON text;
//	                                    strings as they are)
//
// An integer beyond int64 is "another kind" of value: it turns an
// all-integer column into string, so that no digit is lost. Strings are
// never parsed as dates or numbers; declare the column's type instead.
//
// Errors name the source (a file or "GET https://...") and where in it:
// the line and column of invalid JSON, the element ("data.items[16]",
// with its line) or the JSON-lines line of a value its column rejects.
//
// Typical use:
//
//	t, err := jsontable.Decode(ctx, bytes.NewReader(body), jsontable.Options{
//		Path: "data.items", Source: "GET https://api.example.com/v1/sales",
//	})
//	if err != nil { return err }
//	defer t.Release()
package jsontable

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// Options says what to decode and how.
type Options struct {
	// Schema is the table's schema; nil infers one from the data.
	Schema *arrow.Schema
	// Path names the array of objects inside a top-level object, key by
	// key with dots: "data.items". Empty means the top level is the array
	// (or, with Lines, a stream of objects).
	Path string
	// Lines accepts a stream of objects at the top level (JSON lines), as
	// well as an array.
	Lines bool
	// Source names the input in errors: a file name, or a method and
	// (redacted) URL.
	Source string
	// Mem allocates the table; nil means memory.DefaultAllocator.
	Mem memory.Allocator
}

// Error is a decoding error located in the source.
type Error struct {
	Source string // Options.Source
	Where  string // "line 3, column 7", "data.items[16] (line 18)", "line 23"
	Err    error  // the cause; an *arrowbridge.ConversionError for a rejected value
}

func (e *Error) Error() string {
	if e.Where == "" {
		return e.Source + ": " + e.Err.Error()
	}
	return e.Source + ": " + e.Where + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// checkEvery is how many rows pass between two looks at the context.
const checkEvery = 1024

// Decode reads the records of r into a table. It infers the schema first
// when opts.Schema is nil, reading r twice. The caller releases the table.
// The context is checked every thousand rows or so.
func Decode(ctx context.Context, r io.ReadSeeker, opts Options) (*arrowbridge.Table, error) {
	if opts.Mem == nil {
		opts.Mem = memory.DefaultAllocator
	}
	schema, lenient := opts.Schema, false
	if schema == nil {
		var err error
		schema, err = infer(ctx, r, opts)
		if err != nil {
			return nil, err
		}
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, &Error{Source: opts.Source, Err: fmt.Errorf("rewind: %w", err)}
		}
		lenient = true
	}
	return build(ctx, r, schema, lenient, opts)
}

// pathKeys splits a dotted path; "" has no keys.
func pathKeys(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	keys := strings.Split(path, ".")
	for _, k := range keys {
		if k == "" {
			return nil, fmt.Errorf("path %q: empty key; write keys separated by single dots, such as \"data.items\"", path)
		}
	}
	return keys, nil
}
