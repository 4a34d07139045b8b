package sqldb

import (
	"strings"
	"testing"
)

func TestCheckStatement(t *testing.T) {
	const (
		ok         = ""
		several    = "holds one statement; this one holds several"
		notQuery   = "the connection is read_only: only queries are allowed"
		unfinished = "unterminated"
	)
	cases := []struct {
		d        Dialect
		q        string
		readOnly bool
		want     string // "" for accepted, else a part of the error
	}{
		{Postgres, "SELECT 1", true, ok},
		{Postgres, "  -- a comment\n /* another */ select 1;  ", true, ok},
		{Postgres, "SELECT 1;;", true, ok},
		{Postgres, "(SELECT 1) UNION (SELECT 2)", true, ok},
		{Postgres, "WITH a AS (SELECT 1), b AS MATERIALIZED (SELECT 2) SELECT * FROM a, b", true, ok},
		{Postgres, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r", true, ok},
		{Postgres, "VALUES (1), (2)", true, ok},
		{Postgres, "TABLE sales", true, ok},
		{Postgres, "SHOW search_path", true, ok},
		{Postgres, "EXPLAIN SELECT 1", true, ok},
		{Postgres, "EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1", true, ok},
		{Postgres, "EXPLAIN ANALYZE WITH a AS (SELECT 1) SELECT * FROM a", true, ok},
		{Postgres, "SELECT ';' AS x, \"a;b\" FROM t", true, ok},
		{Postgres, "SELECT $$ ; $$, $tag$ ; $ $tag$, $1", true, ok},
		{Postgres, "SELECT E'\\';' AS x", true, ok},
		{Postgres, "SELECT 'it''s;' AS x", true, ok},
		{Postgres, "SELECT /* nested /* ; */ still ; */ 1", true, ok},
		{Postgres, "DELETE FROM t", true, "got DELETE; set read_only = false on the connection to run DELETE"},
		{Postgres, "delete from t", true, "got DELETE"},
		{Postgres, "/* SELECT */ DELETE FROM t", true, "got DELETE"},
		{Postgres, "WITH a AS (SELECT 1) DELETE FROM t", true, "got WITH ... DELETE"},
		{Postgres, "EXPLAIN ANALYZE DELETE FROM t", true, "got EXPLAIN ... DELETE"},
		{Postgres, "EXPLAIN ANALYZE WITH a AS (SELECT 1) UPDATE t SET x = 1", true, "got EXPLAIN ... UPDATE"},
		{Postgres, "SELECT * INTO copy FROM t", true, "got SELECT ... INTO, which writes"},
		{Postgres, "SET default_transaction_read_only = off", true, "got SET"},
		{Postgres, "COPY t TO '/tmp/x'", true, "got COPY"},
		{Postgres, "'x'", true, "does not start with a keyword"},
		{Postgres, "", true, "empty statement"},
		{Postgres, "  ; ", false, "empty statement"},
		{Postgres, "SELECT 1; DELETE FROM t", true, several},
		{Postgres, "SELECT 1; SELECT 2", false, several},
		{Postgres, "SELECT 1; -- trailing comment is fine\n", true, ok},
		{Postgres, "SELECT 1; x", false, several},
		// Whether a backslash escapes depends on a server setting: both ways are read.
		{Postgres, "SELECT 'a\\'; DELETE FROM t; --'", true, several},
		{Postgres, "SELECT 'abc", true, unfinished},
		{Postgres, "SELECT 1 /* never closed", true, unfinished},
		{Postgres, "SELECT $x$ never closed", true, unfinished},
		{Postgres, "DELETE FROM t", false, ok},
		{Postgres, "INSERT INTO t VALUES (1)", false, ok},

		{MySQL, "SELECT 1 # comment; DELETE FROM t", true, ok},
		{MySQL, "SELECT 1 -- comment; DELETE FROM t", true, ok},
		{MySQL, "SELECT 1--1; DELETE FROM t", true, several}, // "--1" is not a comment in MySQL
		{MySQL, "SELECT `a;b`, \"c;d\", 'e;f' FROM t", true, ok},
		{MySQL, "SELECT 'a\\'; DELETE FROM t; #'", true, several},
		{MySQL, "/*!50000 DELETE */ FROM t", true, "executable comments"},
		{MySQL, "SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1", true, ok},
		{MySQL, "SHOW PROCESSLIST", true, ok},
		{MySQL, "SELECT * FROM t INTO OUTFILE '/tmp/x'", true, "INTO, which writes"},
		{MySQL, "REPLACE INTO t VALUES (1)", true, "got REPLACE"},

		{SQLite, "SELECT [a;b] FROM t", true, ok},
		{SQLite, "SELECT /* /* */ ; */ 1", true, several}, // SQLite's comments do not nest
		{SQLite, "WITH c AS (SELECT 1) DELETE FROM t", true, "got WITH ... DELETE"},
		{SQLite, "PRAGMA query_only = 0", true, "got PRAGMA"},
		{SQLite, "ATTACH 'x.db' AS x", true, "got ATTACH"},
	}
	for _, tc := range cases {
		err := checkStatement(tc.d, tc.q, tc.readOnly)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %q (read_only %t): refused: %v", tc.d, tc.q, tc.readOnly, err)
		case tc.want != "" && err == nil:
			t.Errorf("%s %q (read_only %t): accepted, want an error with %q", tc.d, tc.q, tc.readOnly, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s %q: error %q\ndoes not contain %q", tc.d, tc.q, err, tc.want)
		}
	}
}
