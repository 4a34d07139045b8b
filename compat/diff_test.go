//go:build compat

package compat

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// known is a difference between the reference and ours that
// docs/compatibility.md lists: the record keys it concerns and what each
// server must show there. A scenario declares its known differences; the
// comparison then asserts both behaviours, fails on any other difference,
// and fails too when a declared difference is no longer seen (the table in
// docs/compatibility.md must then change).
type known struct {
	id   string         // the row in docs/compatibility.md, e.g. "D4"
	key  *regexp.Regexp // the keys it covers (whole key)
	ref  *regexp.Regexp // the reference's value there (whole value)
	ours *regexp.Regexp // ours' value there (whole value)
	// optional: the difference may or may not show in a scenario (it is
	// declared for all of them).
	optional bool
}

// differ declares the known difference id on the keys matching keyPattern,
// where the reference's value matches refPattern and ours' oursPattern.
// Patterns are regular expressions matched against the whole string; use
// regexp.QuoteMeta (or lit) for literal text and "<absent>" for a missing
// key.
func differ(id, keyPattern, refPattern, oursPattern string) known {
	whole := func(p string) *regexp.Regexp { return regexp.MustCompile(`^(?s:` + p + `)$`) }
	return known{id: id, key: whole(keyPattern), ref: whole(refPattern), ours: whole(oursPattern)}
}

// lit quotes s for use as a literal pattern in differ.
func lit(s string) string { return regexp.QuoteMeta(s) }

// everywhere are the known differences that can show in any scenario.
var everywhere = []known{
	// D1: Arrow C++ and arrow-go lay out the same schema's flatbuffer
	// differently, and arrow-go's flight.SerializeSchema ends it with the
	// 8-byte end-of-stream marker. Both decode to the same schema, which
	// the scenarios compare field by field.
	optional(differ("D1", `.*schema\.bytes`, `ffffffff[0-9a-f]+`, `ffffffff[0-9a-f]+ffffffff00000000`)),
}

// optional marks k as not necessarily seen in every scenario.
func optional(k known) known {
	k.optional = true
	return k
}

// scenario is one sequence of calls run against both servers. run records
// what the client saw into r; it must not fail the test for an error the
// server answers (that is an observation), only for a broken harness.
type scenario struct {
	name  string
	run   func(t *testing.T, p *peer, r record)
	known []known
}

// runBoth runs sc against ref and ours (in that order) and compares what
// they showed.
func runBoth(t *testing.T, ref, ours *peer, sc scenario) {
	t.Helper()
	t.Run(sc.name, func(t *testing.T) {
		rr, or := record{}, record{}
		sc.run(t, ref, rr)
		sc.run(t, ours, or)
		compareRecords(t, ref, rr, ours, or, sc.known)
	})
}

// compareRecords normalises what ref and ours recorded and compares it,
// with the known differences knowns and everywhere. With COMPAT_DUMP set it
// logs both records first.
func compareRecords(t *testing.T, ref *peer, rr record, ours *peer, or record, knowns []known) {
	t.Helper()
	rn, on := rr.normalize(ref), or.normalize(ours)
	if os.Getenv("COMPAT_DUMP") != "" {
		dump(t, "reference", rn)
		dump(t, "ours", on)
	}
	compare(t, rn, on, append(slices.Clone(knowns), everywhere...))
}

// compare fails t for every key where ref and ours differ without a known
// difference that expects exactly these values, and for every known
// difference that did not show.
func compare(t *testing.T, ref, ours record, knowns []known) {
	t.Helper()
	seen := make([]bool, len(knowns))
	var problems []string
	keys := slices.Sorted(maps.Keys(ref))
	for k := range ours {
		if _, ok := ref[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		rv, ok := ref[k]
		if !ok {
			rv = absent
		}
		ov, ok := ours[k]
		if !ok {
			ov = absent
		}
		if rv == ov {
			continue
		}
		accepted := false
		var rejected []string
		for i, kn := range knowns {
			if !kn.key.MatchString(k) {
				continue
			}
			if kn.ref.MatchString(rv) && kn.ours.MatchString(ov) {
				seen[i], accepted = true, true
				continue
			}
			rejected = append(rejected, fmt.Sprintf("\n\tknown difference %s expects reference %s, ours %s", kn.id, kn.ref, kn.ours))
		}
		if !accepted {
			problems = append(problems, fmt.Sprintf("%s: unexpected difference\n\treference %q\n\tours      %q%s", k, rv, ov, strings.Join(rejected, "")))
		}
	}
	for i, kn := range knowns {
		if !seen[i] && !kn.optional {
			problems = append(problems, fmt.Sprintf("known difference %s (keys %s) was not seen: update the scenario and docs/compatibility.md", kn.id, kn.key))
		}
	}
	if len(problems) > 0 {
		t.Errorf("%d problem(s) comparing the reference with ours:\n%s", len(problems), strings.Join(problems, "\n"))
	}
}

// dump logs every observation of r, for COMPAT_DUMP=1.
func dump(t *testing.T, name string, r record) {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(r)) {
		fmt.Fprintf(&b, "%s %s = %q\n", name, k, r[k])
	}
	t.Log("\n" + b.String())
}
