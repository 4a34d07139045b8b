package sqldb

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The statement check runs before a statement is sent. It is deliberately
// conservative: it refuses what it cannot read with certainty (an
// unterminated string or comment, MySQL's executable /*! */ comments). It
// is the first of two guards: read-only connections also run every query in
// a read-only transaction or session, so that a write the check cannot see
// (WITH x AS (DELETE ...) SELECT ...) still fails at the server.

// Keywords that begin a query, accepted on a read_only connection.
var queryKeywords = []string{"SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN"}

// Keywords that begin the statement after a WITH list or an EXPLAIN's
// options.
var statementKeywords = []string{"SELECT", "VALUES", "TABLE", "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "WITH"}

type tokenKind int

const (
	tokWord   tokenKind = iota + 1 // an unquoted word, upper-cased
	tokPunct                       // ( ) ; ,
	tokQuoted                      // a quoted identifier
	tokOther                       // a string, a number, an operator
)

type token struct {
	kind tokenKind
	text string
}

// checkStatement refuses a string with more than one statement and, if
// readOnly, a statement that is not a query.
func checkStatement(d Dialect, q string, readOnly bool) error {
	modes := []bool{false}
	if d != SQLite {
		// MySQL reads backslash escapes in strings unless sql_mode has
		// NO_BACKSLASH_ESCAPES, and PostgreSQL does when
		// standard_conforming_strings is off: read them both ways.
		modes = []bool{true, false}
	}
	for _, backslash := range modes {
		toks, err := lex(d, q, backslash)
		if err != nil {
			return err
		}
		if err := checkTokens(toks, readOnly); err != nil {
			return err
		}
	}
	return nil
}

func checkTokens(toks []token, readOnly bool) error {
	if i := slices.IndexFunc(toks, isPunct(";")); i >= 0 {
		for _, t := range toks[i:] {
			if t.text != ";" {
				return errors.New("a query string holds one statement; this one holds several (or text after ';')")
			}
		}
		toks = toks[:i]
	}
	if len(toks) == 0 {
		return errors.New("empty statement")
	}
	if !readOnly {
		return nil
	}
	first := firstWord(toks)
	if err := checkQuery(toks); err != nil {
		return fmt.Errorf("the connection is read_only: only queries are allowed (SELECT, WITH ... SELECT, VALUES, TABLE, SHOW, EXPLAIN); %w; set read_only = false on the connection to run %s", err, first)
	}
	return nil
}

func checkQuery(toks []token) error {
	i := 0
	for i < len(toks) && toks[i].text == "(" {
		i++
	}
	if i == len(toks) || toks[i].kind != tokWord {
		return errors.New("the statement does not start with a keyword")
	}
	kw := toks[i].text
	if !slices.Contains(queryKeywords, kw) {
		return fmt.Errorf("got %s", kw)
	}
	if slices.ContainsFunc(toks, isWord("INTO")) {
		return errors.New("got SELECT ... INTO, which writes")
	}
	switch kw {
	case "WITH", "EXPLAIN":
		main := mainStatement(toks[i+1:])
		switch main {
		case "SELECT", "VALUES", "TABLE":
			return nil
		case "":
			return fmt.Errorf("cannot find the statement after %s", kw)
		default:
			return fmt.Errorf("got %s ... %s", kw, main)
		}
	}
	return nil
}

// mainStatement returns the first statement keyword outside parentheses:
// the statement that a WITH list or EXPLAIN's options lead to. A WITH
// after EXPLAIN is followed to its own statement.
func mainStatement(toks []token) string {
	depth := 0
	for i, t := range toks {
		switch {
		case t.text == "(":
			depth++
		case t.text == ")":
			depth--
		case depth == 0 && t.kind == tokWord && slices.Contains(statementKeywords, t.text):
			if t.text == "WITH" {
				return mainStatement(toks[i+1:])
			}
			return t.text
		}
	}
	return ""
}

func firstWord(toks []token) string {
	if i := slices.IndexFunc(toks, func(t token) bool { return t.kind == tokWord }); i >= 0 {
		return toks[i].text
	}
	return "it"
}

func isPunct(s string) func(token) bool {
	return func(t token) bool { return t.kind == tokPunct && t.text == s }
}

func isWord(s string) func(token) bool {
	return func(t token) bool { return t.kind == tokWord && t.text == s }
}

// lex splits q into words, quoted identifiers, the punctuation that matters
// here, and other tokens (strings, numbers, operators), skipping comments.
func lex(d Dialect, q string, backslash bool) ([]token, error) {
	var toks []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '-' && strings.HasPrefix(q[i:], "--") && (d != MySQL || i+2 == len(q) || q[i+2] <= ' '):
			i = lineEnd(q, i)
		case c == '#' && d == MySQL:
			i = lineEnd(q, i)
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			if d == MySQL && strings.HasPrefix(q[i:], "/*!") {
				return nil, errors.New("MySQL executable comments (/*! ... */) are not allowed")
			}
			end, err := commentEnd(q, i, d == Postgres)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '\'':
			end, err := quoteEnd(q, i, '\'', backslash || escapeString(d, q, i))
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokOther, q[i:end]})
			i = end
		case c == '"' && d == MySQL:
			end, err := quoteEnd(q, i, '"', backslash)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokOther, q[i:end]})
			i = end
		case c == '"' || c == '`' && d != Postgres || c == '[' && d == SQLite:
			closer := c
			if c == '[' {
				closer = ']'
			}
			end, err := quoteEnd(q, i, closer, false)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokQuoted, q[i:end]})
			i = end
		case c == '$' && d == Postgres:
			end, err := dollarEnd(q, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokOther, q[i:end]})
			i = end
		case isWordStart(c):
			j := i + 1
			for j < len(q) && isWordPart(q[j]) {
				j++
			}
			// A word directly before a quote is a string prefix (E'', B'', X'', N'', U&''): the quote is read next.
			toks = append(toks, token{tokWord, strings.ToUpper(q[i:j])})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(q) && (isWordPart(q[j]) || q[j] == '.') {
				j++
			}
			toks = append(toks, token{tokOther, q[i:j]})
			i = j
		case c == '(' || c == ')' || c == ';' || c == ',':
			toks = append(toks, token{tokPunct, string(c)})
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		default:
			toks = append(toks, token{tokOther, q[i : i+1]})
			i++
		}
	}
	return toks, nil
}

// escapeString reports whether the string at q[i] is PostgreSQL's E'...'
// form, where backslash escapes the quote.
func escapeString(d Dialect, q string, i int) bool {
	return d == Postgres && i > 0 && (q[i-1] == 'E' || q[i-1] == 'e') && (i == 1 || !isWordPart(q[i-2]))
}

func isWordStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isWordPart(c byte) bool { return isWordStart(c) || c >= '0' && c <= '9' || c == '$' }

func lineEnd(q string, i int) int {
	if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(q)
}

// commentEnd returns the end of the /* comment at i; PostgreSQL's nest.
func commentEnd(q string, i int, nested bool) (int, error) {
	depth := 0
	for j := i; j+1 < len(q); j++ {
		switch {
		case q[j] == '/' && q[j+1] == '*':
			if depth == 0 || nested {
				depth++
			}
			j++
		case q[j] == '*' && q[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, errors.New("unterminated /* comment")
}

// quoteEnd returns the end of the quoted text at i; a doubled closer is
// part of the text, and so is an escaped one when backslash is set.
func quoteEnd(q string, i int, closer byte, backslash bool) (int, error) {
	for j := i + 1; j < len(q); j++ {
		switch {
		case backslash && q[j] == '\\':
			j++
		case q[j] == closer:
			if j+1 < len(q) && q[j+1] == closer {
				j++
				continue
			}
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated %c quote", q[i])
}

// dollarEnd returns the end of a PostgreSQL dollar-quoted string at i, or
// of a $n parameter.
func dollarEnd(q string, i int) (int, error) {
	j := i + 1
	if j < len(q) && q[j] >= '0' && q[j] <= '9' {
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		return j, nil
	}
	for j < len(q) && q[j] != '$' && (isWordStart(q[j]) || q[j] >= '0' && q[j] <= '9') {
		j++
	}
	if j == len(q) || q[j] != '$' {
		return j, nil // a lone $ (an operator in some extensions)
	}
	tag := q[i : j+1]
	end := strings.Index(q[j+1:], tag)
	if end < 0 {
		return 0, fmt.Errorf("unterminated %s string", tag)
	}
	return j + 1 + end + len(tag), nil
}
