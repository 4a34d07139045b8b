package gooddata

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/cases"
)

// KindAll is the kind of a Predicate that joins several filters on one
// label: it matches when every part matches.
const KindAll FilterKind = "all"

// Predicate is an attribute filter as a test on values. Its exported
// fields are the filter's parts, for building a query elsewhere (an API's
// parameters, SQL IN or LIKE). A Predicate is immutable and safe for
// concurrent use.
//
// How values compare: a filter value is a string (or null), so Matches
// compares the value's string form:
//
//   - string: itself; nil: GoodData's null value
//   - bool: "true" or "false"
//   - integers: decimal ("42", "-7")
//   - floats: shortest decimal without exponent ("2.5", "3", "0.1");
//     a positive or negative filter value that parses as a number equal to
//     the value matches too ("3.0" matches 3)
//   - time.Time: "YYYY-MM-DD" when at midnight in its own location, RFC 3339
//     otherwise ("2024-01-05T10:30:00+01:00"); Date: "YYYY-MM-DD"
//   - fmt.Stringer: String(); anything else: fmt.Sprint
type Predicate struct {
	Kind  FilterKind // KindPositive, KindNegative, KindMatch or KindAll [kind]
	Label string     // [label]
	// Values of a positive or negative filter; nil is null [values].
	Values []*string
	// Negated is true for a negative filter and a negated match filter:
	// the values (or matches) are excluded [negated].
	Negated       bool
	MatchType     string // match: CONTAINS, STARTS_WITH or ENDS_WITH [match_type]
	Literal       string // match: the text to find [literal]
	CaseSensitive bool   // match [case_sensitive]
	// Parts are the joined predicates of a KindAll predicate [parts].
	Parts []*Predicate

	set     map[string]struct{} // Values, nulls left out
	nums    []float64           // Values that parse as numbers
	hasNull bool
	folded  string // Literal, case-folded unless CaseSensitive
}

// AttributeFilter returns the predicate of the attribute filters on label
// (its identifier), nil when there is none. Several filters on one label
// are joined into one KindAll predicate. It considers the context's
// positive, negative and match filters and the dependsOn value filters of a
// label-elements request. The error reports a match type this package does
// not know.
func (c *ExecutionContext) AttributeFilter(label string) (*Predicate, error) {
	var parts []*Predicate
	for _, f := range c.attributeFilters() {
		if f.Label != label {
			continue
		}
		p, err := NewPredicate(f)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	switch len(parts) {
	case 0:
		return nil, nil
	case 1:
		return parts[0], nil
	}
	return &Predicate{Kind: KindAll, Label: label, Parts: parts}, nil
}

// AttributeLabels returns the labels that attribute filters name, in order
// of first appearance.
func (c *ExecutionContext) AttributeLabels() []string {
	var out []string
	for _, f := range c.attributeFilters() {
		if !contains(out, f.Label) {
			out = append(out, f.Label)
		}
	}
	return out
}

// attributeFilters returns the context's attribute filters and the
// request's dependsOn value filters (as positive or negative filters).
func (c *ExecutionContext) attributeFilters() []*Filter {
	var out []*Filter
	for i := range c.Filters {
		if c.Filters[i].IsAttribute() {
			out = append(out, &c.Filters[i])
		}
	}
	if c.LabelElements != nil {
		for i, d := range c.LabelElements.DependsOn {
			if d.Label != "" {
				out = append(out, dependsOnFilter(i, d))
			}
		}
	}
	return out
}

// dependsOnFilter returns dependsOn value filter d, item i, as a positive
// filter, or a negative one when it is a complement.
func dependsOnFilter(i int, d DependsOn) *Filter {
	f := &Filter{Kind: KindPositive, FilterType: "dependsOn", Label: d.Label, Values: d.Values,
		path: "executionContext.labelElementsExecutionRequest.dependsOn[" + strconv.Itoa(i) + "]"}
	if d.ComplementFilter {
		f.Kind = KindNegative
	}
	return f
}

// NewPredicate returns the predicate of one positive, negative or match
// filter.
func NewPredicate(f *Filter) (*Predicate, error) {
	p := &Predicate{Kind: f.Kind, Label: f.Label}
	switch f.Kind {
	case KindPositive, KindNegative:
		p.Values, p.Negated = f.Values, f.Kind == KindNegative
		p.set = make(map[string]struct{}, len(f.Values))
		for _, v := range f.Values {
			if v == nil {
				p.hasNull = true
				continue
			}
			p.set[*v] = struct{}{}
			if n, err := strconv.ParseFloat(*v, 64); err == nil {
				p.nums = append(p.nums, n)
			}
		}
	case KindMatch:
		switch f.MatchType {
		case MatchContains, MatchStartsWith, MatchEndsWith:
		default:
			return nil, fmt.Errorf("%s.matchType: %q is not CONTAINS, STARTS_WITH or ENDS_WITH", f.path, f.MatchType)
		}
		p.MatchType, p.Literal, p.CaseSensitive, p.Negated = f.MatchType, f.Literal, f.CaseSensitive, f.Negate
		p.folded = p.Literal
		if !p.CaseSensitive {
			p.folded = fold(p.Literal)
		}
	default:
		return nil, fmt.Errorf("%s: a %s filter is not an attribute filter", f.path, f.Kind)
	}
	return p, nil
}

// Matches reports whether value passes the filter. Null (nil) is a value
// like any other for positive and negative filters: it passes a positive
// filter only when the filter lists null, a negative one unless it does.
// Null has no text, so it never matches a match filter: it passes a
// negated one.
func (p *Predicate) Matches(value any) bool {
	switch p.Kind {
	case KindAll:
		for _, q := range p.Parts {
			if !q.Matches(value) {
				return false
			}
		}
		return true
	case KindMatch:
		if value == nil {
			return p.Negated
		}
		return p.matchText(ValueString(value)) != p.Negated
	}
	return p.inValues(value) != p.Negated
}

// inValues reports whether value is one of Values.
func (p *Predicate) inValues(value any) bool {
	if value == nil {
		return p.hasNull
	}
	if _, ok := p.set[ValueString(value)]; ok {
		return true
	}
	if n, ok := number(value); ok {
		for _, x := range p.nums {
			if x == n {
				return true
			}
		}
	}
	return false
}

// matchText applies the match type to a value's text.
func (p *Predicate) matchText(s string) bool {
	if !p.CaseSensitive {
		s = fold(s)
	}
	switch p.MatchType {
	case MatchStartsWith:
		return strings.HasPrefix(s, p.folded)
	case MatchEndsWith:
		return strings.HasSuffix(s, p.folded)
	}
	return strings.Contains(s, p.folded)
}

// fold returns s with Unicode full case folding ("Straße" and "STRASSE"
// fold alike); ASCII text takes a fast path.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return cases.Fold().String(s)
		}
	}
	return strings.ToLower(s)
}

// ValueString returns the string form a value is compared through (see
// Predicate); "" for nil.
func ValueString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int8, int16, int32, int64:
		return fmt.Sprint(v)
	case uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	case json.Number:
		return string(v)
	case time.Time:
		if h, m, s := v.Clock(); h == 0 && m == 0 && s == 0 && v.Nanosecond() == 0 {
			return DateOf(v).String()
		}
		return v.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

// number returns a numeric value as a float64.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case int8:
		return float64(v), true
	case int16:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint8:
		return float64(v), true
	case uint16:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float32:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}
