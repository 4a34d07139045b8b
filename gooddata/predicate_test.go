package gooddata

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// filterContext returns a parsed REPORT context with the given filters.
func filterContext(t *testing.T, filters ...string) *ExecutionContext {
	t.Helper()
	return mustParse(t, contextWith(utc, "2024-03-13T10:15:30Z", "MONDAY", filters...))
}

func positive(label string, values ...string) string {
	return fmt.Sprintf(`{"filterType":"positiveAttributeFilter","labelIdentifier":%q,"values":[%s]}`, label, strings.Join(values, ","))
}

func negative(label string, values ...string) string {
	return fmt.Sprintf(`{"filterType":"negativeAttributeFilter","labelIdentifier":%q,"values":[%s]}`, label, strings.Join(values, ","))
}

func match(label, typ, literal string, negate, caseSensitive bool) string {
	return fmt.Sprintf(`{"filterType":"matchAttributeFilter","labelIdentifier":%q,"matchType":%q,"literal":%q,"negate":%v,"caseSensitive":%v}`,
		label, typ, literal, negate, caseSensitive)
}

type probe struct {
	value any
	want  bool
}

func check(t *testing.T, name string, p *Predicate, probes []probe) {
	t.Helper()
	if p == nil {
		t.Fatalf("%s: no predicate", name)
	}
	for _, pr := range probes {
		if got := p.Matches(pr.value); got != pr.want {
			t.Errorf("%s: Matches(%#v) = %v, want %v", name, pr.value, got, pr.want)
		}
	}
}

func predicate(t *testing.T, filter string, label string) *Predicate {
	t.Helper()
	p, err := filterContext(t, filter).AttributeFilter(label)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPositiveAndNegative(t *testing.T) {
	p := predicate(t, positive("region.name", `"Europe"`, `"Asia"`, `null`), "region.name")
	if p.Kind != KindPositive || p.Negated || p.Label != "region.name" || joinValues(p.Values) != "Europe|Asia|<null>" {
		t.Errorf("parts: %+v", p)
	}
	check(t, "positive with null", p, []probe{{"Europe", true}, {"Asia", true}, {nil, true}, {"europe", false}, {"Africa", false}, {"", false}})

	p = predicate(t, positive("region.name", `"Europe"`), "region.name")
	check(t, "positive without null", p, []probe{{"Europe", true}, {nil, false}})

	p = predicate(t, negative("product.category", `"Discontinued"`), "product.category")
	if p.Kind != KindNegative || !p.Negated {
		t.Errorf("parts: %+v", p)
	}
	check(t, "negative", p, []probe{{"Discontinued", false}, {"Tools", true}, {nil, true}})

	p = predicate(t, negative("product.category", `null`), "product.category")
	check(t, "negative null", p, []probe{{nil, false}, {"Tools", true}, {"", true}})

	p = predicate(t, positive("l"), "l")
	check(t, "empty positive", p, []probe{{"x", false}, {nil, false}})
	p = predicate(t, negative("l"), "l")
	check(t, "empty negative", p, []probe{{"x", true}, {nil, true}})
}

func TestPositiveScalars(t *testing.T) {
	p := predicate(t, positive("l", `"42"`, `"3.0"`, `"true"`, `"2024-01-05"`, `"-7"`, `"0.1"`), "l")
	prague, _ := time.LoadLocation("Europe/Prague")
	check(t, "scalars", p, []probe{
		{42, true}, {int64(42), true}, {uint8(42), true}, {42.0, true}, {"42", true}, {43, false},
		{3, true}, {3.0, true}, {float32(3), true}, {"3", false}, {2.5, false},
		{true, true}, {false, false}, {"True", false},
		{time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2024, 1, 5, 0, 0, 0, 0, prague), true},
		{time.Date(2024, 1, 5, 0, 0, 1, 0, time.UTC), false},
		{Date{2024, 1, 5}, true}, {Date{2024, 1, 6}, false},
		{int8(-7), true}, {-7.0, true},
		{0.1, true}, {float32(0.1), true},
		{json.Number("42"), true},
	})
}

func TestValueString(t *testing.T) {
	prague, _ := time.LoadLocation("Europe/Prague")
	cases := []struct {
		v    any
		want string
	}{
		{nil, ""}, {"x", "x"}, {true, "true"}, {false, "false"},
		{42, "42"}, {int8(-7), "-7"}, {uint64(18446744073709551615), "18446744073709551615"},
		{2.5, "2.5"}, {3.0, "3"}, {0.1, "0.1"}, {1e21, "1000000000000000000000"}, {float32(0.1), "0.1"},
		{time.Date(2024, 1, 5, 0, 0, 0, 0, prague), "2024-01-05"},
		{time.Date(2024, 1, 5, 10, 30, 0, 0, prague), "2024-01-05T10:30:00+01:00"},
		{time.Date(2024, 1, 5, 10, 30, 0, 500, time.UTC), "2024-01-05T10:30:00.0000005Z"},
		{Date{2024, 2, 29}, "2024-02-29"},
		{json.Number("1e3"), "1e3"},
		{[]int{1}, "[1]"},
	}
	for _, tc := range cases {
		if got := ValueString(tc.v); got != tc.want {
			t.Errorf("ValueString(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestMatchFilters(t *testing.T) {
	p := predicate(t, match("customer.name", MatchContains, "gmbh", false, false), "customer.name")
	if p.Kind != KindMatch || p.MatchType != MatchContains || p.Literal != "gmbh" || p.Negated || p.CaseSensitive {
		t.Errorf("parts: %+v", p)
	}
	check(t, "contains, any case", p, []probe{{"Müller GmbH", true}, {"GMBH", true}, {"gmbh & co", true}, {"Acme", false}, {nil, false}, {42, false}})

	p = predicate(t, match("customer.name", MatchContains, "gmbh", true, false), "customer.name")
	check(t, "contains, negated", p, []probe{{"Müller GmbH", false}, {"Acme", true}, {nil, true}})

	p = predicate(t, match("store.city", MatchStartsWith, "New", false, true), "store.city")
	check(t, "starts with, case-sensitive", p, []probe{{"New York", true}, {"new york", false}, {"Newark", true}, {"York New", false}, {nil, false}})

	p = predicate(t, match("store.city", MatchStartsWith, "New", true, true), "store.city")
	check(t, "starts with, case-sensitive, negated", p, []probe{{"New York", false}, {"new york", true}, {nil, true}})

	p = predicate(t, match("company", MatchEndsWith, "INC.", false, false), "company")
	check(t, "ends with, any case", p, []probe{{"Acme Inc.", true}, {"Inc. Acme", false}, {"acme inc.", true}})

	p = predicate(t, match("street", MatchContains, "STRASSE", false, false), "street")
	check(t, "full case folding", p, []probe{{"Hauptstraße 5", true}, {"HAUPTSTRASSE", true}, {"Hauptstrase", false}})

	p = predicate(t, match("street", MatchContains, "straße", false, true), "street")
	check(t, "case-sensitive does not fold", p, []probe{{"Hauptstraße", true}, {"HAUPTSTRASSE", false}, {"hauptstrasse", false}})

	p = predicate(t, match("name", MatchEndsWith, "ΣΟΦΙΑ", false, false), "name")
	check(t, "greek", p, []probe{{"σοφια", true}, {"Σοφία", false}, {"ΣΟΦΙΑ", true}})

	p = predicate(t, match("name", MatchContains, "", false, false), "name")
	check(t, "empty literal", p, []probe{{"", true}, {"x", true}, {nil, false}})

	p = predicate(t, match("n", MatchContains, "2.5", false, false), "n")
	check(t, "numbers by their text", p, []probe{{12.5, true}, {2.25, false}})
}

func TestAttributeFilterJoinsAndFails(t *testing.T) {
	ec := filterContext(t, positive("city", `"Prague"`, `"Brno"`, `"Praha"`), match("city", MatchStartsWith, "pra", false, false),
		positive("other", `"x"`))
	p, err := ec.AttributeFilter("city")
	if err != nil || p.Kind != KindAll || len(p.Parts) != 2 || p.Parts[0].Kind != KindPositive || p.Parts[1].Kind != KindMatch {
		t.Fatalf("joined: %+v %v", p, err)
	}
	check(t, "joined", p, []probe{{"Prague", true}, {"Praha", true}, {"Brno", false}, {"Pradubice", false}})
	if p, err := ec.AttributeFilter("nothing"); p != nil || err != nil {
		t.Errorf("absent label: %v %v", p, err)
	}
	if got := ec.AttributeLabels(); strings.Join(got, ",") != "city,other" {
		t.Errorf("AttributeLabels() = %v", got)
	}

	ec = filterContext(t, positive("x"), match("city", "REGEX", "a.*", false, false))
	_, err = ec.AttributeFilter("city")
	if err == nil || err.Error() != `executionContext.filters[1].matchType: "REGEX" is not CONTAINS, STARTS_WITH or ENDS_WITH` {
		t.Errorf("unknown match type: %v", err)
	}
	if _, err := NewPredicate(&ec.Filters[0]); err != nil {
		t.Error(err)
	}
	if _, err := NewPredicate(&Filter{Kind: KindRelativeDate, path: "p"}); err == nil {
		t.Error("a date filter made a predicate")
	}
}

func TestDependsOnPredicates(t *testing.T) {
	ec := mustParse(t, readSample(t, "label-elements.json"))
	p, err := ec.AttributeFilter("region.name")
	if err != nil || p.Kind != KindPositive || joinValues(p.Values) != "Europe|<null>" {
		t.Fatalf("region: %+v %v", p, err)
	}
	check(t, "dependsOn values", p, []probe{{"Europe", true}, {nil, true}, {"Asia", false}})
	p, err = ec.AttributeFilter("product.category")
	if err != nil || p.Kind != KindNegative || !p.Negated {
		t.Fatalf("category: %+v %v", p, err)
	}
	check(t, "dependsOn complement", p, []probe{{"Discontinued", false}, {"Tools", true}})
}

func TestPredicateConcurrent(t *testing.T) {
	p := predicate(t, match("n", MatchContains, "straße", false, false), "n")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if !p.Matches("HAUPTSTRASSE") || p.Matches("nope") {
					t.Error("wrong match")
					return
				}
			}
		})
	}
	wg.Wait()
}
