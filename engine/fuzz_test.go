package engine_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"testing"

	"github.com/flexfun-script/flexfun-script/engine"
)

// FuzzJSON checks ParseJSON against encoding/json and AppendJSON against
// ParseJSON. Seeds: testdata/fuzz/FuzzJSON.
//
//   - ParseJSON accepts exactly the texts json.Valid accepts (and empty
//     text, which is null), except that it refuses nesting deeper than
//     1,000 levels;
//   - what it accepts encodes with AppendJSON into valid JSON, unless it
//     holds a number too large for a float64, which ParseJSON reads as an
//     infinity that JSON cannot spell;
//   - that encoding reads back as the same value (numbers compared by
//     value: 1.0 comes back as the integer 1), and from then on encoding
//     and reading change nothing (-0.0 is the float -0, written "-0",
//     which reads back as the integer 0, written "0").
func FuzzJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, text []byte) {
		v, err := engine.ParseJSON(text)
		empty := len(bytes.TrimSpace(text)) == 0
		switch valid := json.Valid(text); {
		case err != nil && valid && jsonDepth(text) <= 1000:
			t.Fatalf("ParseJSON(%q) refuses valid JSON: %v", text, err)
		case err == nil && !valid && !empty:
			t.Fatalf("ParseJSON(%q) accepts invalid JSON: %#v", text, v)
		case err != nil:
			return
		}
		out, err := engine.AppendJSON(nil, v)
		if err != nil {
			if hasInfinity(v) {
				return
			}
			t.Fatalf("AppendJSON(ParseJSON(%q)): %v", text, err)
		}
		if !json.Valid(out) {
			t.Fatalf("AppendJSON(ParseJSON(%q)) = %q: not valid JSON", text, out)
		}
		back, err := engine.ParseJSON(out)
		if err != nil {
			t.Fatalf("ParseJSON(%q), the encoding of %q: %v", out, text, err)
		}
		if !sameJSON(v, back) {
			t.Fatalf("%q → %#v → %q → %#v: not the same value", text, v, out, back)
		}
		again, err := engine.AppendJSON(nil, back)
		if err != nil {
			t.Fatalf("AppendJSON(ParseJSON(%q)): %v", out, err)
		}
		third, err := engine.ParseJSON(again)
		if err != nil {
			t.Fatalf("ParseJSON(%q): %v", again, err)
		}
		if last, err := engine.AppendJSON(nil, third); err != nil || !bytes.Equal(last, again) {
			t.Fatalf("%q encodes as %q, then %q, then %q (%v): not stable", text, out, again, last, err)
		}
	})
}

// jsonDepth returns the deepest nesting of arrays and objects in the valid
// JSON text b.
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// hasInfinity reports whether v holds an infinite float.
func hasInfinity(v engine.Value) bool {
	switch v := v.(type) {
	case float64:
		return math.IsInf(v, 0)
	case []engine.Value:
		for _, e := range v {
			if hasInfinity(e) {
				return true
			}
		}
	case *engine.Map:
		for _, k := range v.Keys() {
			e, _ := v.Get(k)
			if hasInfinity(e) {
				return true
			}
		}
	}
	return false
}

// sameJSON compares two values as JSON does: numbers by value whatever
// their Go type, maps by their keys in order.
func sameJSON(a, b engine.Value) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x.Cmp(y) == 0
	}
	switch a := a.(type) {
	case []engine.Value:
		bl, ok := b.([]engine.Value)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !sameJSON(a[i], bl[i]) {
				return false
			}
		}
		return true
	case *engine.Map:
		bm, ok := b.(*engine.Map)
		if !ok || a.Len() != bm.Len() {
			return false
		}
		for i, k := range a.Keys() {
			if bm.Keys()[i] != k {
				return false
			}
			av, _ := a.Get(k)
			bv, _ := bm.Get(k)
			if !sameJSON(av, bv) {
				return false
			}
		}
		return true
	}
	return a == b
}

// number returns the exact value of a numeric Value.
func number(v engine.Value) (*big.Rat, bool) {
	switch v := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(v), true
	case *big.Int:
		return new(big.Rat).SetInt(v), true
	case float64:
		r, ok := new(big.Rat).SetString(big.NewFloat(v).Text('g', -1))
		return r, ok
	}
	return nil, false
}
