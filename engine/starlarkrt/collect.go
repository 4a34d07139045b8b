package starlarkrt

import (
	"fmt"

	"go.starlark.net/starlark"
)

// collect appends the value call returned: None (rows were emitted, or
// there are none), a list of rows, or a dict of columns.
func (s *script) collect(v starlark.Value, st *callState) error {
	if v == starlark.None {
		return nil
	}
	if st.emitted > 0 {
		return s.resultError("call emitted %d rows and also returned a %s: use one or the other", st.emitted, v.Type())
	}
	var err error
	switch v := v.(type) {
	case *starlark.List:
		err = appendRows(st, v)
	case starlark.Tuple:
		err = appendRows(st, v)
	case *starlark.Dict:
		err = appendColumns(st, v)
	default:
		return s.resultError("call returned a %s: want None (after emit), a list of rows or a dict of columns", v.Type())
	}
	if err != nil {
		return s.resultError("%v", err)
	}
	return nil
}

func (s *script) resultError(format string, args ...any) error {
	return fileError(s.mod.path, "", format, args...)
}

// appendRows appends a list of rows: each a tuple/list in schema order or a
// dict by column name.
func appendRows(st *callState, rows starlark.Indexable) error {
	for i := range rows.Len() {
		var err error
		switch row := rows.Index(i).(type) {
		case starlark.Tuple:
			err = st.appendRow(row)
		case *starlark.List:
			err = st.appendRow(listValues(row))
		case *starlark.Dict:
			err = st.appendDict(row)
		default:
			err = fmt.Errorf("row %d: a row must be a tuple, list or dict, got %s", st.builder.Rows()+1, row.Type())
		}
		if err != nil {
			return err
		}
		st.builder.EndRow()
	}
	return nil
}

func listValues(l *starlark.List) starlark.Tuple {
	t := make(starlark.Tuple, l.Len())
	for i := range t {
		t[i] = l.Index(i)
	}
	return t
}

// appendDict appends a row given as a dict of column → value.
func (st *callState) appendDict(d *starlark.Dict) error {
	pairs := make([]starlark.Tuple, 0, d.Len())
	for _, item := range d.Items() {
		if _, ok := item[0].(starlark.String); !ok {
			return fmt.Errorf("row %d: column names must be strings, got %s", st.builder.Rows()+1, item[0].Type())
		}
		pairs = append(pairs, item)
	}
	return st.appendNamed(pairs)
}

// appendColumns appends a dict of column → list of values; all lists have
// the same length and a missing column is all null.
func appendColumns(st *callState, d *starlark.Dict) error {
	cols := make([]starlark.Indexable, st.ncols)
	n := -1
	for _, item := range d.Items() {
		name, ok := starlark.AsString(item[0])
		if !ok {
			return fmt.Errorf("column names must be strings, got %s", item[0].Type())
		}
		i := st.builder.ColumnIndex(name)
		if i < 0 {
			return fmt.Errorf("unknown column %q", name)
		}
		seq, ok := item[1].(starlark.Indexable)
		if !ok {
			return fmt.Errorf("column %q: want a list of values, got %s", name, item[1].Type())
		}
		if n >= 0 && seq.Len() != n {
			return fmt.Errorf("column %q has %d values, other columns have %d", name, seq.Len(), n)
		}
		n = seq.Len()
		cols[i] = seq
	}
	for r := 0; r < n; r++ {
		for i, seq := range cols {
			v := starlark.Value(starlark.None)
			if seq != nil {
				v = seq.Index(r)
			}
			if err := appendValue(st.builder, i, v); err != nil {
				return err
			}
		}
		st.builder.EndRow()
	}
	return nil
}
