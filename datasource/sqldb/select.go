package sqldb

import (
	"fmt"
	"strconv"
	"strings"
)

// maxParams is the most parameters one built query may bind: SQLite's
// default limit, below PostgreSQL's and MySQL's 65,535.
const maxParams = 32766

// SelectSpec describes the common query on one table:
//
//	SELECT columns FROM table WHERE where[0] AND where[1] ... ORDER BY ... LIMIT n
//
// Every identifier is quoted by the dialect and every value is bound as a
// parameter.
type SelectSpec struct {
	Table   string      // a table or view, optionally schema-qualified ("sales.orders")
	Columns []string    // the SELECT list; empty means *
	Where   []Condition // joined with AND
	OrderBy []Order
	Limit   int64 // 0 means no LIMIT
}

// Order is one ORDER BY key.
type Order struct {
	Column string
	Desc   bool
}

// ParseOrder reads an ORDER BY key written "col", "col asc", "col desc" or
// "-col" (descending).
func ParseOrder(s string) (Order, error) {
	o := Order{Column: strings.TrimSpace(s)}
	lower := strings.ToLower(o.Column)
	switch {
	case strings.HasPrefix(o.Column, "-"):
		o.Column, o.Desc = strings.TrimSpace(o.Column[1:]), true
	case strings.HasSuffix(lower, " desc"):
		o.Column, o.Desc = strings.TrimSpace(o.Column[:len(o.Column)-5]), true
	case strings.HasSuffix(lower, " asc"):
		o.Column = strings.TrimSpace(o.Column[:len(o.Column)-4])
	}
	if err := checkIdent(o.Column); err != nil {
		return Order{}, fmt.Errorf("order by %q: %w", s, err)
	}
	return o, nil
}

// A Condition is one WHERE condition on one column: Compare, In, Like,
// Between, Range or IsNull. Script values (Equal, Op) and GoodData's
// filters are both turned into Conditions.
type Condition interface {
	render(w *sqlWriter) error
}

// Compare is column Op value, with Op one of = != < <= > >=. A nil value
// with = or != is IS NULL or IS NOT NULL. != matches NULL rows too (it means
// "is not this value"), like every negative condition here.
type Compare struct {
	Column string
	Op     string
	Value  any
}

// In matches rows whose column is one of Values. A nil among the values
// matches NULL (col IN (...) OR col IS NULL); an empty list matches no
// row. With Not, it matches every row whose column is not one of them,
// NULL included unless nil is listed; an empty list then matches every row.
type In struct {
	Column string
	Values []any
	Not    bool
}

// Match is how a Like condition's value matches.
type Match int

// The match types. MatchPattern uses the value as a LIKE pattern, with
// % and _ as wildcards; the others match it literally (%, _ and the escape
// character are escaped).
const (
	MatchPattern Match = iota
	MatchContains
	MatchStartsWith
	MatchEndsWith
	MatchEquals
)

// Like matches text. IgnoreCase uses ILIKE on PostgreSQL and
// LOWER(col) LIKE LOWER(value) elsewhere; without it PostgreSQL and SQLite
// (GLOB) compare case-sensitively and MySQL follows the column's collation,
// which is usually case-insensitive. Not matches every other row, NULL
// included.
type Like struct {
	Column     string
	Value      string
	Match      Match
	IgnoreCase bool
	Not        bool
}

// Between matches Low <= column <= High.
type Between struct {
	Column    string
	Low, High any
}

// Range matches the half-open range From <= column < To, the shape of a
// GoodData date filter. A nil bound is open; with both nil it matches every
// row.
type Range struct {
	Column   string
	From, To any
}

// IsNull matches rows whose column is NULL, or with Not is not.
type IsNull struct {
	Column string
	Not    bool
}

// Equal is the condition of a script's column → value entry: nil is
// IS NULL, a list ([]any) is In, anything else is =.
func Equal(column string, value any) Condition {
	switch v := value.(type) {
	case nil:
		return IsNull{Column: column}
	case []any:
		return In{Column: column, Values: v}
	}
	return Compare{Column: column, Op: "=", Value: value}
}

// Ops lists the operators Op accepts.
var Ops = []string{"=", "!=", "<", "<=", ">", ">=", "in", "not in", "like", "not like", "ilike", "not ilike", "is null", "is not null", "between"}

// Op is the condition of a script's column → (op, value) entry. op is one
// of Ops (case and spacing do not matter); in and not in take a list,
// between a list of two, is null and is not null no value (nil), like a
// LIKE pattern string.
func Op(column, op string, value any) (Condition, error) {
	norm := strings.Join(strings.Fields(strings.ToLower(op)), " ")
	switch norm {
	case "=", "!=", "<", "<=", ">", ">=":
		return Compare{Column: column, Op: norm, Value: value}, nil
	case "in", "not in":
		list, ok := value.([]any)
		if !ok {
			return nil, fmt.Errorf("column %q: %s takes a list, got %T", column, norm, value)
		}
		return In{Column: column, Values: list, Not: norm == "not in"}, nil
	case "like", "not like", "ilike", "not ilike":
		s, ok := value.(string)
		if !ok {
			return nil, fmt.Errorf("column %q: %s takes a string pattern, got %T", column, norm, value)
		}
		return Like{Column: column, Value: s, Match: MatchPattern, IgnoreCase: strings.HasSuffix(norm, "ilike"), Not: strings.HasPrefix(norm, "not")}, nil
	case "is null", "is not null":
		if value != nil {
			return nil, fmt.Errorf("column %q: %s takes no value", column, norm)
		}
		return IsNull{Column: column, Not: norm == "is not null"}, nil
	case "between":
		list, ok := value.([]any)
		if !ok || len(list) != 2 {
			return nil, fmt.Errorf("column %q: between takes a list of two values [low, high]", column)
		}
		return Between{Column: column, Low: list[0], High: list[1]}, nil
	}
	return nil, fmt.Errorf("column %q: unknown operator %q; valid operators are %s", column, op, strings.Join(Ops, ", "))
}

// BuildSelect returns the SQL text of spec in dialect d and its parameters,
// in placeholder order.
func BuildSelect(d Dialect, spec SelectSpec) (string, []any, error) {
	w := &sqlWriter{d: d}
	w.WriteString("SELECT ")
	if len(spec.Columns) == 0 {
		w.WriteString("*")
	}
	for i, c := range spec.Columns {
		if i > 0 {
			w.WriteString(", ")
		}
		if err := w.ident(c); err != nil {
			return "", nil, fmt.Errorf("columns: %w", err)
		}
	}
	table, err := d.QuoteTable(spec.Table)
	if err != nil {
		return "", nil, err
	}
	w.WriteString(" FROM " + table)
	for i, c := range spec.Where {
		w.WriteString([]string{" WHERE ", " AND "}[min(i, 1)])
		if c == nil {
			return "", nil, fmt.Errorf("where[%d]: no condition", i)
		}
		if err := c.render(w); err != nil {
			return "", nil, fmt.Errorf("where: %w", err)
		}
	}
	for i, o := range spec.OrderBy {
		w.WriteString([]string{" ORDER BY ", ", "}[min(i, 1)])
		if err := w.ident(o.Column); err != nil {
			return "", nil, fmt.Errorf("order by: %w", err)
		}
		if o.Desc {
			w.WriteString(" DESC")
		}
	}
	switch {
	case spec.Limit < 0:
		return "", nil, fmt.Errorf("limit %d: want a positive number (0 for none)", spec.Limit)
	case spec.Limit > 0:
		// An integer of ours, not a user's text: written as a literal.
		w.WriteString(" LIMIT " + strconv.FormatInt(spec.Limit, 10))
	}
	if len(w.args) > maxParams {
		return "", nil, fmt.Errorf("the query binds %d values, more than the %d one query may have", len(w.args), maxParams)
	}
	return w.String(), w.args, nil
}

// A sqlWriter accumulates SQL text and its parameters.
type sqlWriter struct {
	strings.Builder
	d    Dialect
	args []any
}

// ident writes a quoted column name.
func (w *sqlWriter) ident(name string) error {
	q, err := w.d.QuoteIdent(name)
	if err != nil {
		return err
	}
	w.WriteString(q)
	return nil
}

// arg binds v and writes its placeholder.
func (w *sqlWriter) arg(v any) {
	w.args = append(w.args, v)
	w.WriteString(w.d.Placeholder(len(w.args)))
}

// col writes the quoted column, or returns why it cannot.
func (w *sqlWriter) col(name string) (string, error) {
	q, err := w.d.QuoteIdent(name)
	if err != nil {
		return "", fmt.Errorf("column: %w", err)
	}
	return q, nil
}

var compareOps = map[string]string{"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

func (c Compare) render(w *sqlWriter) error {
	col, err := w.col(c.Column)
	if err != nil {
		return err
	}
	op, ok := compareOps[c.Op]
	if !ok {
		return fmt.Errorf("column %q: unknown comparison %q (want = != < <= > >=)", c.Column, c.Op)
	}
	switch {
	case c.Value == nil && c.Op == "=":
		return IsNull{Column: c.Column}.render(w)
	case c.Value == nil && c.Op == "!=":
		return IsNull{Column: c.Column, Not: true}.render(w)
	case c.Value == nil:
		return fmt.Errorf("column %q: %s null matches no row; use is null", c.Column, c.Op)
	case c.Op == "!=":
		w.WriteString("(" + col + " <> ")
		w.arg(c.Value)
		w.WriteString(" OR " + col + " IS NULL)")
	default:
		w.WriteString(col + " " + op + " ")
		w.arg(c.Value)
	}
	return nil
}

func (c In) render(w *sqlWriter) error {
	col, err := w.col(c.Column)
	if err != nil {
		return err
	}
	values, hasNull := make([]any, 0, len(c.Values)), false
	for _, v := range c.Values {
		if v == nil {
			hasNull = true
		} else {
			values = append(values, v)
		}
	}
	list := func() {
		w.WriteString(" (")
		for i, v := range values {
			if i > 0 {
				w.WriteString(", ")
			}
			w.arg(v)
		}
		w.WriteString(")")
	}
	switch {
	case len(values) == 0 && !hasNull:
		w.WriteString(map[bool]string{false: "1 = 0", true: "1 = 1"}[c.Not])
	case len(values) == 0:
		w.WriteString(col + map[bool]string{false: " IS NULL", true: " IS NOT NULL"}[c.Not])
	case !c.Not && !hasNull:
		w.WriteString(col + " IN")
		list()
	case !c.Not:
		w.WriteString("(" + col + " IN")
		list()
		w.WriteString(" OR " + col + " IS NULL)")
	case hasNull:
		// NOT IN is never true for NULL, which is what listing nil asks.
		w.WriteString(col + " NOT IN")
		list()
	default:
		w.WriteString("(" + col + " NOT IN")
		list()
		w.WriteString(" OR " + col + " IS NULL)")
	}
	return nil
}

// likeEscape is the LIKE escape character: not a backslash, which MySQL
// would read as an escape inside the ESCAPE '...' literal itself.
const likeEscape = '!'

// likePattern returns the LIKE pattern of a literal match.
func likePattern(s string, m Match) string {
	var b strings.Builder
	if m == MatchContains || m == MatchEndsWith {
		b.WriteByte('%')
	}
	for _, r := range s {
		if r == '%' || r == '_' || r == likeEscape {
			b.WriteByte(likeEscape)
		}
		b.WriteRune(r)
	}
	if m == MatchContains || m == MatchStartsWith {
		b.WriteByte('%')
	}
	return b.String()
}

// globPattern returns SQLite's case-sensitive GLOB pattern for a match; a
// MatchPattern value's % and _ become * and ?.
func globPattern(s string, m Match) string {
	var b strings.Builder
	if m == MatchContains || m == MatchEndsWith {
		b.WriteByte('*')
	}
	for _, r := range s {
		switch {
		case m == MatchPattern && r == '%':
			b.WriteByte('*')
		case m == MatchPattern && r == '_':
			b.WriteByte('?')
		case r == '*' || r == '?' || r == '[':
			b.WriteString("[" + string(r) + "]")
		default:
			b.WriteRune(r)
		}
	}
	if m == MatchContains || m == MatchStartsWith {
		b.WriteByte('*')
	}
	return b.String()
}

func (c Like) render(w *sqlWriter) error {
	col, err := w.col(c.Column)
	if err != nil {
		return err
	}
	if c.Match < MatchPattern || c.Match > MatchEquals {
		return fmt.Errorf("column %q: unknown match type %d", c.Column, c.Match)
	}
	if c.Not {
		w.WriteString("(NOT (")
	}
	escape := " ESCAPE '" + string(likeEscape) + "'"
	pattern := c.Value
	if c.Match == MatchPattern {
		escape = ""
	} else {
		pattern = likePattern(c.Value, c.Match)
	}
	switch {
	case w.d == SQLite && !c.IgnoreCase:
		w.WriteString(col + " GLOB ")
		w.arg(globPattern(c.Value, c.Match))
	case w.d == Postgres && c.IgnoreCase:
		w.WriteString(col + " ILIKE ")
		w.arg(pattern)
		w.WriteString(escape)
	case c.IgnoreCase:
		w.WriteString("LOWER(" + col + ") LIKE LOWER(")
		w.arg(pattern)
		w.WriteString(")" + escape)
	default:
		w.WriteString(col + " LIKE ")
		w.arg(pattern)
		w.WriteString(escape)
	}
	if c.Not {
		w.WriteString(") OR " + col + " IS NULL)")
	}
	return nil
}

func (c Between) render(w *sqlWriter) error {
	col, err := w.col(c.Column)
	if err != nil {
		return err
	}
	if c.Low == nil || c.High == nil {
		return fmt.Errorf("column %q: between needs two non-null bounds", c.Column)
	}
	w.WriteString(col + " BETWEEN ")
	w.arg(c.Low)
	w.WriteString(" AND ")
	w.arg(c.High)
	return nil
}

func (c Range) render(w *sqlWriter) error {
	col, err := w.col(c.Column)
	if err != nil {
		return err
	}
	switch {
	case c.From == nil && c.To == nil:
		w.WriteString("1 = 1")
	case c.To == nil:
		w.WriteString(col + " >= ")
		w.arg(c.From)
	case c.From == nil:
		w.WriteString(col + " < ")
		w.arg(c.To)
	default:
		w.WriteString("(" + col + " >= ")
		w.arg(c.From)
		w.WriteString(" AND " + col + " < ")
		w.arg(c.To)
		w.WriteString(")")
	}
	return nil
}

func (c IsNull) render(w *sqlWriter) error {
	col, err := w.col(c.Column)
	if err != nil {
		return err
	}
	if c.Not {
		w.WriteString(col + " IS NOT NULL")
	} else {
		w.WriteString(col + " IS NULL")
	}
	return nil
}
