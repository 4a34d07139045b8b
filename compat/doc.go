// Package compat proves that flexfun-script is a drop-in replacement for
// GoodData's Python server (gooddata-flight-server with
// gooddata-flexconnect) by running the real thing beside it.
//
// The package has no API: it is a set of differential tests and
// side-by-side benchmarks behind the build tag compat. They start the
// reference, installed by compat/setup.sh into compat/.venv, and
// flexfun-script, built from this module, on free loopback ports with
// equivalent configurations (compat/config, compat/reference,
// compat/functions), run the same scenario against both with arrow-go's
// Flight client, and compare what reached the client field by field:
// descriptors, schemas, endpoints, every value, gRPC codes and messages,
// the x-arrow-status* trailers and GoodData's ErrorInfo. A difference must
// be listed, with its reason, in docs/compatibility.md and declared in the
// scenario; any other difference fails the test.
//
// Run them from the repository root:
//
//	compat/setup.sh
//	go test -race -tags compat ./compat/
//	go test -tags compat -run '^$' -bench . -benchtime 3x ./compat/
//
// Without compat/.venv the tests skip, except under CI=true, where they
// fail.
package compat
