// Package gooddata owns GoodData's execution context: the
// parameters.executionContext every FlexConnect call carries, typed, and
// what a function needs from it, computed correctly once.
//
//   - Parse / ParseWithClock: the context as an *ExecutionContext (nil when
//     the call carries none); a malformed one is a *ContextError naming the
//     field, which servers report as BAD_ARGUMENT.
//   - (*ExecutionContext).DateRange: the half-open [From, To) the date
//     filters on a dataset select, resolved against the context's now, time
//     zone and week start; Range.Dates and Range.ISO for date32 columns and
//     for APIs.
//   - (*ExecutionContext).AttributeFilter: a label's filters as a
//     *Predicate with Matches and its parts (values, negated, match type,
//     literal, case sensitivity).
//   - (*ExecutionContext).RowMatcher: every attribute and date filter
//     applied to rows keyed by column name.
//   - (*ExecutionContext).AnswerLabelElements: a LABEL_ELEMENTS request
//     answered from a function's Arrow result.
//   - Messages: data-source messages for the x-gdc-data-source-messages
//     schema metadata.
//
// Labels and date datasets map to columns by name: an identifier, or its
// part after the last ".", unless the function maps it (ResolveColumn).
//
// Example:
//
//	ec, err := gooddata.Parse(req.Parameters)
//	if err != nil || ec == nil {
//		return err // no context: a plain Flight client
//	}
//	if r, ok, err := ec.DateRange("", 1); err == nil && ok {
//		from, to := r.ISO() // "2024-03-01T00:00:00+01:00", exclusive to
//		...
//	}
//	region, _ := ec.AttributeFilter("region.name")
//	if region != nil && !region.Matches("Europe") { ... }
//
// The script binding (ctx.execution, ctx.add_message) lives in the engine;
// the user documentation is docs/gooddata.md.
package gooddata
