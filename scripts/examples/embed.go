// Package examples holds the example FlexFun scripts, embedded so that the
// binary can serve them from any directory, with the data they read
// (data/) and sample GoodData execution contexts (contexts/).
package examples

import "embed"

// FS holds every example script and helper, and their data.
//
//go:embed *.star *.js lib/*.star lib/*.js data/*.csv data/*.parquet data/*.sqlite contexts/*.json
var FS embed.FS
