package engine

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// TableObject is how scripts see a table: Arrow record batches behind an
// immutable value with the same attributes in both languages:
//
//	t.columns               the column names, in order
//	t.schema                column name → type string, in order
//	len(t), t.length        the number of rows
//	t.column(name)          the values of one column, as a list
//	t.rows()                the rows, as a list of dicts (objects)
//	t.select(name, ...)     a table of those columns, in that order
//	t.rename({old: new})    a table with columns renamed
//
// A table returned by call or passed to emit is appended to the result in
// bulk: see arrowbridge.Builder.AppendTable.
type TableObject struct {
	Table *arrowbridge.Table
}

// NewTableValue makes t a script value owned by t's run: the table is
// released when the run's scope closes (the call ends, or for a top level
// or on_load, when the loaded version goes). The caller's reference passes
// to the scope.
func NewTableValue(th *Thread, t *arrowbridge.Table) *TableObject {
	th.Scope().Defer(t.Release)
	return &TableObject{Table: t}
}

var tableAttrs = []string{"column", "columns", "length", "rename", "rows", "schema", "select"}

// TypeName implements Object.
func (o *TableObject) TypeName() string { return "table" }

// AttrNames implements Object.
func (o *TableObject) AttrNames() []string { return tableAttrs }

// Len implements Lener.
func (o *TableObject) Len() int { return int(o.Table.Rows) }

// Attr implements Object.
func (o *TableObject) Attr(name string) (Value, error) {
	switch name {
	case "columns":
		return StringList(o.Table.ColumnNames()), nil
	case "schema":
		m := NewMap(o.Table.Schema.NumFields())
		for _, f := range o.Table.Schema.Fields() {
			m.Set(f.Name, columnType(f))
		}
		return m, nil
	case "length":
		return o.Table.Rows, nil
	case "column":
		return &Func{Name: "table.column", Attr: name, Params: []string{"name"}, Impl: o.column}, nil
	case "rows":
		return &Func{Name: "table.rows", Attr: name, Impl: o.rows}, nil
	case "select":
		return &Func{Name: "table.select", Attr: name, Variadic: true, Impl: o.selectColumns}, nil
	case "rename":
		return &Func{Name: "table.rename", Attr: name, Params: []string{"names"}, Impl: o.rename}, nil
	}
	return nil, ErrNoAttr
}

// columnType spells a field's type as a schema declares it.
func columnType(f arrow.Field) string {
	s := arrowbridge.TypeName(f.Type)
	if !f.Nullable {
		s += " not null"
	}
	return s
}

func (o *TableObject) column(_ *Thread, args *Args) (Value, error) {
	name, err := args.String("name", "")
	if err != nil {
		return nil, err
	}
	vals, err := o.Table.ColumnValues(name)
	if err != nil {
		return nil, fmt.Errorf("table.column: %w", err)
	}
	return vals, nil
}

func (o *TableObject) rows(*Thread, *Args) (Value, error) { return o.RowValues(), nil }

// RowValues returns the rows as a list of maps, column name → value.
func (o *TableObject) RowValues() []Value {
	t := o.Table
	names := t.ColumnNames()
	out := make([]Value, 0, t.Rows)
	for _, rec := range t.Batches {
		for i := range int(rec.NumRows()) {
			row := NewMap(len(names))
			for c, name := range names {
				row.Set(name, arrowbridge.ValueAt(rec.Column(c), i))
			}
			out = append(out, row)
		}
	}
	return out
}

func (o *TableObject) selectColumns(th *Thread, args *Args) (Value, error) {
	names := make([]string, len(args.Rest()))
	for i, raw := range args.Rest() {
		v, err := args.conv.ToValue(raw)
		s, ok := v.(string)
		if err != nil || !ok {
			return nil, fmt.Errorf("table.select: column names must be strings, got %s", args.conv.TypeName(raw))
		}
		names[i] = s
	}
	t, err := o.Table.Select(names)
	if err != nil {
		return nil, fmt.Errorf("table.select: %w", err)
	}
	return NewTableValue(th, t), nil
}

func (o *TableObject) rename(th *Thread, args *Args) (Value, error) {
	m, _, err := args.StringMap("names")
	if err != nil {
		return nil, err
	}
	t, err := o.Table.Rename(m)
	if err != nil {
		return nil, fmt.Errorf("table.rename: %w", err)
	}
	return NewTableValue(th, t), nil
}

// tableModule returns the table module of a language: from_rows and
// from_columns read the script's rows and columns the way a returned
// result is read, with the same conversion rules and messages.
func tableModule[V any](vocab *Vocabulary, mem memory.Allocator) *Module {
	build := func(name, param string, fill func(r *Rows[V], v V) error, want Shape) *Func {
		return &Func{
			Name:   "table." + name,
			Params: []string{param, "schema"},
			Impl: func(th *Thread, args *Args) (Value, error) {
				vals := args.conv.(Values[V])
				raw, _ := args.Raw(param).(V)
				if vals.Shape(raw) != want {
					return nil, args.wrongType(param, Article(map[Shape]string{ShapeList: vocab.List, ShapeMap: vocab.Map}[want]))
				}
				sv, err := args.Value("schema")
				if err != nil {
					return nil, err
				}
				specs, err := ParseSchema(sv, vocab)
				if err != nil {
					return nil, fmt.Errorf("table.%s: schema: %w", name, err)
				}
				schema, err := arrowbridge.NewSchema(specs)
				if err != nil {
					return nil, fmt.Errorf("table.%s: schema: %w", name, err)
				}
				b := arrowbridge.NewBuilder(schema, mem)
				defer b.Release()
				r := newRows(vals, vocab, b, th)
				if err := fill(r, raw); err != nil {
					return nil, fmt.Errorf("table.%s: %w", name, err)
				}
				return NewTableValue(th, b.Finish()), nil
			},
		}
	}
	return &Module{Name: "table", Funcs: []*Func{
		build("from_rows", "rows", (*Rows[V]).appendList, ShapeList),
		build("from_columns", "columns", (*Rows[V]).appendColumns, ShapeMap),
	}}
}
