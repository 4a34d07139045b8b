package modules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/datasource/sqldb"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/gooddata"
)

// SQL returns the sql module over the connections of [flexfun.sql.NAME]
// (nil when none are configured: every function says how to add one):
//
//	sql.query(conn, query, args=None)
//	sql.select(conn, table, columns=None, where=None, filters=None, order_by=None, limit=None)
//
// Both return a table read straight from the driver into Arrow. Values are
// always bound parameters ($1 in PostgreSQL, ? in MySQL and SQLite);
// sql.select quotes identifiers by the dialect. The call's deadline and
// cancellation cancel the query on the server (docs/sql.md).
func SQL(pools *sqldb.Pools, mem memory.Allocator) *engine.Module {
	m := &sqlModule{pools: pools, mem: mem}
	return &engine.Module{Name: "sql", Funcs: []*engine.Func{
		{Name: "sql.query", Params: []string{"conn", "query"}, Options: []string{"args"}, Impl: m.query},
		{Name: "sql.select", Params: []string{"conn", "table"}, Options: []string{"columns", "where", "filters", "order_by", "limit"}, Impl: m.selectRows},
	}}
}

type sqlModule struct {
	pools *sqldb.Pools
	mem   memory.Allocator
}

// db returns the connection the argument conn names.
func (m *sqlModule) db(fn string, args *engine.Args) (*sqldb.DB, error) {
	name, err := args.String("conn", "")
	if err != nil {
		return nil, err
	}
	if m.pools == nil {
		return nil, fmt.Errorf("%s: no SQL connection %q: add a [flexfun.sql.%s] section with driver and dsn", fn, name, name)
	}
	db, err := m.pools.DB(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return db, nil
}

func (m *sqlModule) query(t *engine.Thread, args *engine.Args) (engine.Value, error) {
	db, err := m.db("sql.query", args)
	if err != nil {
		return nil, err
	}
	q, err := args.String("query", "")
	if err != nil {
		return nil, err
	}
	params, err := args.Value("args")
	if err != nil {
		return nil, err
	}
	list, ok := params.([]engine.Value)
	if params != nil && !ok {
		return nil, fmt.Errorf("sql.query: for parameter args: got %s, want %s", t.Vocabulary().KindName(params), engine.Article(t.Vocabulary().List))
	}
	tbl, err := db.QueryTable(t.Context(), q, list, sqldb.QueryOptions{Allocator: m.mem})
	if err != nil {
		return nil, fmt.Errorf("sql.query: %w", err)
	}
	return engine.NewTableValue(t, tbl), nil
}

func (m *sqlModule) selectRows(t *engine.Thread, args *engine.Args) (engine.Value, error) {
	db, err := m.db("sql.select", args)
	if err != nil {
		return nil, err
	}
	spec, err := m.spec(t, args)
	if err != nil {
		return nil, fmt.Errorf("sql.select: %w", err)
	}
	rdr, err := db.Select(t.Context(), spec, sqldb.QueryOptions{Allocator: m.mem})
	if err != nil {
		return nil, fmt.Errorf("sql.select: %w", err)
	}
	tbl, err := sqldb.ReadAll(rdr)
	if err != nil {
		return nil, fmt.Errorf("sql.select: %w", err)
	}
	return engine.NewTableValue(t, tbl), nil
}

// spec reads sql.select's arguments. Without columns, the SELECT list is
// the call's columns hint, or else the function's declared columns.
func (m *sqlModule) spec(t *engine.Thread, args *engine.Args) (sqldb.SelectSpec, error) {
	var spec sqldb.SelectSpec
	var err error
	if spec.Table, err = args.String("table", ""); err != nil {
		return spec, err
	}
	if spec.Columns, err = args.Strings("columns", true); err != nil {
		return spec, err
	}
	if spec.Columns == nil && t.Request() != nil {
		spec.Columns = t.Request().Columns
	}
	if spec.Columns == nil && t.Schema() != nil {
		for _, f := range t.Schema().Fields() {
			spec.Columns = append(spec.Columns, f.Name)
		}
	}
	if spec.Where, err = whereConditions(args); err != nil {
		return spec, err
	}
	pushed, err := filterConditions(t, args)
	if err != nil {
		return spec, err
	}
	spec.Where = append(spec.Where, pushed...)
	order, err := args.Strings("order_by", true)
	if err != nil {
		return spec, err
	}
	for _, o := range order {
		ord, err := sqldb.ParseOrder(o)
		if err != nil {
			return spec, err
		}
		spec.OrderBy = append(spec.OrderBy, ord)
	}
	spec.Limit, err = args.Int("limit", 0)
	return spec, err
}

// whereConditions reads where: column → value (=), None (IS NULL), a list
// (IN), an [operator, value] pair, or an attribute filter of
// ctx.execution.attribute_filter.
func whereConditions(args *engine.Args) ([]sqldb.Condition, error) {
	where, err := args.Map("where")
	if where == nil || err != nil {
		return nil, err
	}
	var out []sqldb.Condition
	for _, col := range where.Keys() {
		v, _ := where.Get(col)
		conds, err := condition(col, v)
		if err != nil {
			return nil, fmt.Errorf("where: %w", err)
		}
		out = append(out, conds...)
	}
	return out, nil
}

func condition(col string, v engine.Value) ([]sqldb.Condition, error) {
	switch v := v.(type) {
	case *predicateObject:
		return predicateConditions(col, v.p)
	case []engine.Value:
		if len(v) == 2 {
			if op, ok := v[0].(string); ok && isOperator(op) {
				c, err := sqldb.Op(col, op, v[1])
				return []sqldb.Condition{c}, err
			}
		}
	}
	return []sqldb.Condition{sqldb.Equal(col, v)}, nil
}

// isOperator reports whether op is one of sql.select's operators.
func isOperator(op string) bool {
	return slices.Contains(sqldb.Ops, strings.Join(strings.Fields(strings.ToLower(op)), " "))
}

// predicateConditions turns an attribute filter into conditions on col.
func predicateConditions(col string, p *gooddata.Predicate) ([]sqldb.Condition, error) {
	switch p.Kind {
	case gooddata.KindPositive, gooddata.KindNegative:
		vals := make([]any, len(p.Values))
		for i, v := range p.Values {
			if v != nil {
				vals[i] = *v
			}
		}
		return []sqldb.Condition{sqldb.In{Column: col, Values: vals, Not: p.Negated}}, nil
	case gooddata.KindMatch:
		match := map[string]sqldb.Match{
			gooddata.MatchContains: sqldb.MatchContains, gooddata.MatchStartsWith: sqldb.MatchStartsWith,
			gooddata.MatchEndsWith: sqldb.MatchEndsWith,
		}[p.MatchType]
		return []sqldb.Condition{sqldb.Like{Column: col, Value: p.Literal, Match: match, IgnoreCase: !p.CaseSensitive, Not: p.Negated}}, nil
	}
	var out []sqldb.Condition
	for _, part := range p.Parts {
		conds, err := predicateConditions(col, part)
		if err != nil {
			return nil, err
		}
		out = append(out, conds...)
	}
	return out, nil
}

// filterConditions pushes down every attribute and date filter of
// filters=ctx.execution: each label or date dataset maps to a column as
// for ctx.execution.matches (the function's labels declaration, else the
// identifier or its last part); filters that map to no column are left
// for the script.
func filterConditions(t *engine.Thread, args *engine.Args) ([]sqldb.Condition, error) {
	v, err := args.Value("filters")
	if v == nil || err != nil {
		return nil, err
	}
	e, ok := v.(*executionObject)
	if !ok {
		return nil, fmt.Errorf("filters: got %s, want ctx.execution", engine.KindName(v))
	}
	lbls := labels(t.Declaration)
	column := func(id string) string {
		if c, ok := lbls[id]; ok {
			return c
		}
		if i := strings.LastIndexByte(id, '.'); i >= 0 {
			return id[i+1:]
		}
		return id
	}
	var out []sqldb.Condition
	for _, label := range e.ec.AttributeLabels() {
		p, err := e.ec.AttributeFilter(label)
		if err != nil || p == nil {
			return nil, err
		}
		conds, err := predicateConditions(column(label), p)
		if err != nil {
			return nil, err
		}
		out = append(out, conds...)
	}
	for _, ds := range e.ec.DateDatasets() {
		r, ok, err := e.ec.DateRange(ds, e.g.opts.FiscalYearStartMonth)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		col := column(ds)
		if isDateColumn(t, col) {
			// A DATE column compares with dates: the days the range touches.
			from, to := r.Dates()
			out = append(out, sqldb.Range{Column: col, From: from.String(), To: to.String()})
		} else {
			out = append(out, sqldb.Range{Column: col, From: r.From, To: r.To})
		}
	}
	return out, nil
}

// isDateColumn reports whether the function declares col a date32 column.
func isDateColumn(t *engine.Thread, col string) bool {
	if t.Schema() == nil {
		return false
	}
	idx := t.Schema().FieldIndices(col)
	return len(idx) > 0 && t.Schema().Field(idx[0]).Type.ID() == arrow.DATE32
}
