package sqldb

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Dialect is the SQL spelling of one kind of database: how identifiers are
// quoted and parameters written.
type Dialect int

// The dialects, one per driver.
const (
	Postgres Dialect = iota + 1
	MySQL
	SQLite
)

// String returns the driver's name: "postgres", "mysql" or "sqlite".
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case MySQL:
		return "mysql"
	case SQLite:
		return "sqlite"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// Placeholder returns the n-th (1-based) parameter's placeholder: $n for
// PostgreSQL, ? otherwise.
func (d Dialect) Placeholder(n int) string {
	if d == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// maxIdentLen is the longest identifier part accepted: PostgreSQL's limit
// (63 bytes); MySQL allows 64.
const maxIdentLen = 63

// QuoteIdent quotes a column name: "x" for PostgreSQL and SQLite, `x` for
// MySQL. A name is letters, digits, spaces and _ $ - # (any script); a
// quote, a dot, a control character, or an empty or overlong name is
// refused.
func (d Dialect) QuoteIdent(name string) (string, error) {
	if err := checkIdent(name); err != nil {
		return "", err
	}
	q := `"`
	if d == MySQL {
		q = "`"
	}
	return q + name + q, nil
}

// QuoteTable quotes a table name, which may be qualified by its schema
// (PostgreSQL) or database (MySQL, SQLite): "a.b" becomes "a"."b". Each
// part follows QuoteIdent's rules.
func (d Dialect) QuoteTable(name string) (string, error) {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return "", fmt.Errorf("table %q: at most one qualifier (schema.table)", name)
	}
	for i, p := range parts {
		q, err := d.QuoteIdent(p)
		if err != nil {
			return "", fmt.Errorf("table %q: %w", name, err)
		}
		parts[i] = q
	}
	return strings.Join(parts, "."), nil
}

func checkIdent(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty identifier")
	case len(name) > maxIdentLen:
		return fmt.Errorf("identifier %q is longer than %d bytes", name, maxIdentLen)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("identifier %q starts or ends with a space", name)
	}
	for _, r := range name {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$' || r == ' ' || r == '-' || r == '#'
		if !ok {
			return fmt.Errorf("identifier %q: %q is not allowed in a name (letters, digits, spaces and _ $ - #)", name, r)
		}
	}
	return nil
}
