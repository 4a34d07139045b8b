// Package sqldb owns the server's SQL connections: the [flexfun.sql.NAME]
// pools of PostgreSQL (pgx), MySQL/MariaDB (go-sql-driver/mysql) and SQLite
// (modernc.org/sqlite, pure Go), and the reading of query results straight
// from the driver's rows into Arrow record batches. It is what the scripts'
// sql module is built on (sql.query, sql.select); it knows nothing of
// scripts.
//
// Open the pools once at start-up, share them between all calls, close them
// at shutdown (a reload keeps them):
//
//	pools, err := sqldb.Open(ctx, cfg.FlexFun.SQL, secrets.Lookup, logger)
//	if err != nil {
//		return err // names each connection that failed, never its DSN
//	}
//	defer pools.Close()
//
//	// sql.query("sales", "SELECT region, sum(units) AS units FROM sales WHERE day >= $1 GROUP BY 1", args=["2024-01-01"])
//	table, err := db.QueryTable(ctx, query, args, sqldb.QueryOptions{Allocator: mem, MaxRows: limit})
//
//	// sql.select("sales", "sales", columns=["region", "units"], where={"region": ["EU", "US"]}, limit=100)
//	reader, err := db.Select(ctx, sqldb.SelectSpec{
//		Table:   "sales",
//		Columns: []string{"region", "units"},
//		Where:   []sqldb.Condition{sqldb.Equal("region", []any{"EU", "US"})},
//		Limit:   100,
//	}, opts)
//
// What it guarantees:
//
//   - Parameters are bound by the driver ($1 for PostgreSQL, ? for MySQL
//     and SQLite); nothing is formatted into SQL. BuildSelect quotes every
//     identifier and binds every value of its Conditions (Compare, In,
//     Like, Between, Range, IsNull), which both a script's where dict
//     (Equal, Op) and GoodData's filters turn into.
//   - A read_only connection (the default) refuses a statement that is not
//     a query before sending it, and runs every query read-only on the
//     server too (PostgreSQL BEGIN READ ONLY, MySQL's read-only session,
//     SQLite mode=ro). A string with several statements is always refused.
//   - The context's deadline and cancellation, and query_timeout, cancel
//     the query on the server (PostgreSQL's cancel request, MySQL's KILL
//     QUERY, SQLite's interrupt) and free the connection.
//   - Column types come from the database (docs/sql.md has the tables); a
//     type with no Arrow mapping is a *TypeError naming the column and the
//     type, with a cast to write in the query.
//   - Results are built batch by batch (at most arrowbridge.MaxBatchRows
//     rows and about arrowbridge.TargetBatchBytes each) in the caller's
//     allocator; QueryOptions.MaxRows and MaxBytes stop a query while it is
//     read, with a *LimitError.
//   - No DSN, password or secret appears in an error, a log line or the
//     String of any type: driver messages are redacted.
//
// Pools and DB are safe for concurrent use; a Reader is used by one
// goroutine at a time and must be released.
package sqldb
