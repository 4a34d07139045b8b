package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// writeFunc prints a result table.
type writeFunc func(w io.Writer, t *arrowbridge.Table) error

// formatter returns the writer for the --format name.
func formatter(name string) (writeFunc, error) {
	switch name {
	case "table":
		return writeTable, nil
	case "csv":
		return writeCSV, nil
	case "json":
		return writeJSON, nil
	}
	return nil, fmt.Errorf("--format: unknown format %q (want table, csv or json)", name)
}

// eachRow calls fn with every row's batch and index.
func eachRow(t *arrowbridge.Table, fn func(rec arrow.RecordBatch, i int) error) error {
	for _, rec := range t.Batches {
		for i := range int(rec.NumRows()) {
			if err := fn(rec, i); err != nil {
				return err
			}
		}
	}
	return nil
}

func columnNames(t *arrowbridge.Table) []string {
	names := make([]string, t.Schema.NumFields())
	for i, f := range t.Schema.Fields() {
		names[i] = f.Name
	}
	return names
}

// cellText returns a cell as text; null as nullText.
func cellText(col arrow.Array, i int, nullText string) string {
	if col.IsNull(i) {
		return nullText
	}
	if dec, ok := col.(*array.Decimal128); ok {
		// ValueStr drops trailing zeros; a decimal keeps its scale.
		scale := dec.DataType().(*arrow.Decimal128Type).Scale
		return dec.Value(i).ToString(scale)
	}
	return col.ValueStr(i)
}

func writeTable(w io.Writer, t *arrowbridge.Table) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	names := columnNames(t)
	writeTabbed(tw, names)
	err := eachRow(t, func(rec arrow.RecordBatch, i int) error {
		cells := make([]string, rec.NumCols())
		for c := range cells {
			cells[c] = cellText(rec.Column(c), i, "null")
		}
		writeTabbed(tw, cells)
		return nil
	})
	if err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	unit := "rows"
	if t.Rows == 1 {
		unit = "row"
	}
	_, err = fmt.Fprintf(w, "(%d %s)\n", t.Rows, unit)
	return err
}

func writeTabbed(w io.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(w, "\t")
		}
		io.WriteString(w, c)
	}
	io.WriteString(w, "\n")
}

func writeCSV(w io.Writer, t *arrowbridge.Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columnNames(t)); err != nil {
		return err
	}
	err := eachRow(t, func(rec arrow.RecordBatch, i int) error {
		cells := make([]string, rec.NumCols())
		for c := range cells {
			cells[c] = cellText(rec.Column(c), i, "")
		}
		return cw.Write(cells)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON prints one JSON object per row, in an array.
func writeJSON(w io.Writer, t *arrowbridge.Table) error {
	names := columnNames(t)
	rows := make([]json.RawMessage, 0, t.Rows)
	err := eachRow(t, func(rec arrow.RecordBatch, i int) error {
		row, err := jsonRow(names, rec, i)
		rows = append(rows, row)
		return err
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// jsonRow encodes one row as an object with keys in schema order.
func jsonRow(names []string, rec arrow.RecordBatch, i int) (json.RawMessage, error) {
	buf := []byte{'{'}
	for c, name := range names {
		if c > 0 {
			buf = append(buf, ',')
		}
		key, _ := json.Marshal(name)
		val, err := json.Marshal(rec.Column(c).GetOneForMarshal(i))
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", name, err)
		}
		buf = append(append(append(buf, key...), ':'), val...)
	}
	return append(buf, '}'), nil
}
