package gooddata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/flexfun-script/flexfun-script/flexfun"
)

// ContextError reports a malformed execution context: a known field with
// the wrong JSON type or an impossible value. Path names the field the way
// a script author reads it, e.g. "executionContext.filters[2].from".
//
// It converts to *flexfun.BadRequestError with errors.As, so servers
// report it as GoodData's BAD_ARGUMENT.
type ContextError struct {
	Path    string // "executionContext.filters[2].from"
	Problem string // "want an integer, got string"
}

func (e *ContextError) Error() string { return e.Path + ": " + e.Problem }

// As makes errors.As(err, &badRequest) succeed for a
// *flexfun.BadRequestError carrying the same message.
func (e *ContextError) As(target any) bool {
	if t, ok := target.(**flexfun.BadRequestError); ok {
		*t = &flexfun.BadRequestError{Msg: e.Error()}
		return true
	}
	return false
}

// Parse reads parameters.executionContext from an invocation's parameters
// (a JSON object). It returns (nil, nil) when the context is absent or
// null, and a *ContextError when a known field is malformed. Fields it does
// not know are kept in Raw and never rejected. When the context carries no
// timestamp, Now is the server clock's time.
func Parse(parameters json.RawMessage) (*ExecutionContext, error) {
	return ParseWithClock(parameters, time.Now)
}

// ParseWithClock is Parse with the clock that gives Now when the context
// carries no timestamp.
func ParseWithClock(parameters json.RawMessage, clock func() time.Time) (*ExecutionContext, error) {
	top, err := decodeParameters(parameters)
	if err != nil || top == nil {
		return nil, err
	}
	v, ok := top["executionContext"]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, typeError("executionContext", "an object", v)
	}
	normalizeNumbers(m)
	return parseContext(obj{m: m, path: "executionContext"}, clock)
}

// decodeParameters decodes the parameters object; nil for empty input or
// a JSON null.
func decodeParameters(parameters []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(parameters)) == 0 {
		return nil, nil
	}
	var top any
	if err := json.Unmarshal(parameters, &top); err != nil {
		return nil, &ContextError{Path: "parameters", Problem: "invalid JSON: " + err.Error()}
	}
	if top == nil {
		return nil, nil
	}
	m, ok := top.(map[string]any)
	if !ok {
		return nil, typeError("parameters", "an object", top)
	}
	return m, nil
}

// maxExact bounds the integers a float64 holds exactly.
const maxExact = 1 << 53

// normalizeNumbers replaces, in place, every number under v that is
// integral and exact (|n| ≤ 2^53) by an int64; other numbers stay float64.
func normalizeNumbers(v any) any {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && math.Abs(v) <= maxExact {
			return int64(v)
		}
	case map[string]any:
		for k, e := range v {
			switch e.(type) {
			case float64, map[string]any, []any:
				v[k] = normalizeNumbers(e)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = normalizeNumbers(e)
		}
	}
	return v
}

func parseContext(o obj, clock func() time.Time) (*ExecutionContext, error) {
	c := &ExecutionContext{Raw: o.m}
	var err error
	if c.Type, err = o.str("executionType", true); err != nil {
		return nil, err
	}
	if err := parseIDs(o, c); err != nil {
		return nil, err
	}
	if err := parseTime(o, c, clock); err != nil {
		return nil, err
	}
	if c.Attributes, err = parseAttributes(o); err != nil {
		return nil, err
	}
	if c.Filters, err = parseFilters(o); err != nil {
		return nil, err
	}
	if c.LabelElements, err = parseLabelElements(o, c.Type); err != nil {
		return nil, err
	}
	if c.Initiator, err = parseInitiator(o); err != nil {
		return nil, err
	}
	return c, nil
}

func parseIDs(o obj, c *ExecutionContext) error {
	var err error
	if c.OrganizationID, err = o.str("organizationId", false); err != nil {
		return err
	}
	if c.WorkspaceID, err = o.str("workspaceId", false); err != nil {
		return err
	}
	c.UserID, err = o.str("userId", false)
	return err
}

// parseTime reads timezone, weekStart and timestamp. An empty string is
// the same as absent (GoodData's own fixtures send "").
func parseTime(o obj, c *ExecutionContext, clock func() time.Time) error {
	tz, err := o.str("timezone", false)
	if err != nil {
		return err
	}
	if tz == "" {
		tz = "UTC"
	}
	c.Timezone = tz
	if c.Location, err = loadZone(tz); err != nil {
		return &ContextError{Path: o.at("timezone"), Problem: err.Error()}
	}
	if c.WeekStart, err = o.str("weekStart", false); err != nil {
		return err
	}
	ts, err := o.str("timestamp", false)
	if err != nil {
		return err
	}
	if ts == "" {
		c.Now = clock().In(c.Location)
		return nil
	}
	now, err := parseTimestamp(ts, c.Location)
	if err != nil {
		return &ContextError{Path: o.at("timestamp"), Problem: err.Error()}
	}
	c.Now, c.HasTimestamp = now.In(c.Location), true
	return nil
}

// parseTimestamp reads an ISO 8601 date-time: with an offset (RFC 3339),
// or without one, then taken as wall-clock time in loc.
func parseTimestamp(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want an ISO 8601 date-time such as \"2024-09-12T12:51:26+00:00\", got %q", s)
}

func parseAttributes(o obj) ([]Attribute, error) {
	items, err := o.objects("attributes")
	if err != nil || len(items) == 0 {
		return nil, err
	}
	out := make([]Attribute, len(items))
	for i, it := range items {
		if err := parseAttribute(it, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseAttribute(o obj, a *Attribute) error {
	var err error
	if a.AttributeID, err = o.str("attributeIdentifier", false); err != nil {
		return err
	}
	if a.AttributeTitle, err = o.str("attributeTitle", false); err != nil {
		return err
	}
	if a.LabelID, err = o.str("labelIdentifier", false); err != nil {
		return err
	}
	if a.LabelTitle, err = o.str("labelTitle", false); err != nil {
		return err
	}
	if a.DateGranularity, err = o.str("dateGranularity", false); err != nil {
		return err
	}
	s, ok, err := o.object("sorting")
	if err != nil || !ok {
		return err
	}
	a.Sort = &Sort{}
	if a.Sort.Column, err = s.str("sortColumn", false); err != nil {
		return err
	}
	a.Sort.Direction, err = s.str("sortDirection", false)
	return err
}

func parseFilters(o obj) ([]Filter, error) {
	items, err := o.objects("filters")
	if err != nil || len(items) == 0 {
		return nil, err
	}
	out := make([]Filter, len(items))
	for i, it := range items {
		if err := parseFilter(it, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseFilter(o obj, f *Filter) error {
	var err error
	f.Fields, f.path = o.m, o.path
	if f.FilterType, err = o.str("filterType", true); err != nil {
		return err
	}
	switch f.FilterType {
	case "positiveAttributeFilter", "negativeAttributeFilter":
		f.Kind = KindPositive
		if f.FilterType == "negativeAttributeFilter" {
			f.Kind = KindNegative
		}
		if f.Label, err = o.str("labelIdentifier", true); err != nil {
			return err
		}
		f.Values, err = o.nullableStrings("values", true)
		return err
	case "matchAttributeFilter":
		f.Kind = KindMatch
		return parseMatch(o, f)
	case "relativeDateFilter":
		f.Kind = KindRelativeDate
		if f.Dataset, err = o.str("datasetIdentifier", true); err != nil {
			return err
		}
		return parseRelative(o, f)
	case "absoluteDateFilter":
		f.Kind = KindAbsoluteDate
		if f.Dataset, err = o.str("datasetIdentifier", true); err != nil {
			return err
		}
		return parseAbsolute(o, f)
	}
	f.Kind = KindOther
	return nil
}

func parseMatch(o obj, f *Filter) error {
	var err error
	if f.Label, err = o.str("labelIdentifier", true); err != nil {
		return err
	}
	if f.MatchType, err = o.str("matchType", true); err != nil {
		return err
	}
	if f.Literal, err = o.str("literal", true); err != nil {
		return err
	}
	if f.Negate, err = o.boolean("negate"); err != nil {
		return err
	}
	f.CaseSensitive, err = o.boolean("caseSensitive")
	return err
}

// parseRelative reads granularity, from and to of a relative date filter.
func parseRelative(o obj, f *Filter) error {
	var err error
	if f.Granularity, err = o.str("granularity", true); err != nil {
		return err
	}
	if f.FromShift, err = o.integer("from"); err != nil {
		return err
	}
	f.ToShift, err = o.integer("to")
	return err
}

// parseAbsolute reads from and to of an absolute date filter.
func parseAbsolute(o obj, f *Filter) error {
	var err error
	if f.From, err = o.str("from", true); err != nil {
		return err
	}
	if f.absFrom, err = parseCivil(f.From); err != nil {
		return &ContextError{Path: o.at("from"), Problem: err.Error()}
	}
	if f.To, err = o.str("to", true); err != nil {
		return err
	}
	if f.absTo, err = parseCivil(f.To); err != nil {
		return &ContextError{Path: o.at("to"), Problem: err.Error()}
	}
	return nil
}

func parseLabelElements(o obj, typ string) (*LabelElementsRequest, error) {
	l, ok, err := o.object("labelElementsExecutionRequest")
	if err != nil {
		return nil, err
	}
	if !ok {
		if typ == ExecutionLabelElements {
			return nil, &ContextError{Path: o.at("labelElementsExecutionRequest"), Problem: "missing (executionType is LABEL_ELEMENTS)"}
		}
		return nil, nil
	}
	r := &LabelElementsRequest{}
	if err := parseElementsPaging(l, r); err != nil {
		return nil, err
	}
	if err := parseElementsFilters(l, r); err != nil {
		return nil, err
	}
	if r.DependsOn, err = parseDependsOn(l); err != nil {
		return nil, err
	}
	if r.ValidateBy, err = parseValidateBy(l); err != nil {
		return nil, err
	}
	return r, nil
}

func parseElementsPaging(l obj, r *LabelElementsRequest) error {
	var err error
	if r.Label, err = l.str("label", true); err != nil {
		return err
	}
	if r.Offset, err = l.optInteger("offset", 0); err != nil {
		return err
	}
	if r.Limit, err = l.optInteger("limit", 1); err != nil {
		return err
	}
	if r.SortOrder, err = l.str("sortOrder", false); err != nil {
		return err
	}
	if r.SortOrder != "" && r.SortOrder != "ASC" && r.SortOrder != "DESC" {
		return &ContextError{Path: l.at("sortOrder"), Problem: fmt.Sprintf("want \"ASC\" or \"DESC\", got %q", r.SortOrder)}
	}
	r.ExcludePrimaryLabel, err = l.boolean("excludePrimaryLabel")
	return err
}

func parseElementsFilters(l obj, r *LabelElementsRequest) error {
	var err error
	if r.ExactFilter, err = l.nullableStrings("exactFilter", false); err != nil {
		return err
	}
	if r.PatternFilter, err = l.str("patternFilter", false); err != nil {
		return err
	}
	if r.ComplementFilter, err = l.boolean("complementFilter"); err != nil {
		return err
	}
	r.FilterBy = "REQUESTED"
	fb, ok, err := l.object("filterBy")
	if err != nil || !ok {
		return err
	}
	lt, err := fb.str("labelType", false)
	if lt != "" {
		r.FilterBy = lt
	}
	return err
}

func parseDependsOn(l obj) ([]DependsOn, error) {
	items, err := l.objects("dependsOn")
	if err != nil || len(items) == 0 {
		return nil, err
	}
	out := make([]DependsOn, len(items))
	for i, it := range items {
		if err := parseDependsOnItem(it, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseDependsOnItem reads a value filter ({label, values,
// complementFilter}) or a date filter. GoodData's JSON schema nests a date
// filter ({"dateFilter": {"relativeDateFilter": {..., "dataset": {"id"}}}})
// while the Python SDK reads it flat ({"dateFilter": {"from", "to",
// "dataset", "granularity"}}): both are accepted. An item of neither shape
// is kept empty and has no effect.
func parseDependsOnItem(o obj, d *DependsOn) error {
	var err error
	if _, ok := o.m["label"]; ok {
		if d.Label, err = o.str("label", true); err != nil {
			return err
		}
		if d.Values, err = o.nullableStrings("values", false); err != nil {
			return err
		}
		d.ComplementFilter, err = o.boolean("complementFilter")
		return err
	}
	df, ok, err := o.object("dateFilter")
	if err != nil || !ok {
		return err
	}
	d.DateFilter, err = parseDependsOnDate(df)
	return err
}

func parseDependsOnDate(df obj) (*Filter, error) {
	f := &Filter{Fields: df.m, path: df.path}
	if rel, ok, err := df.object("relativeDateFilter"); err != nil {
		return nil, err
	} else if ok {
		f.Kind, f.FilterType, f.Fields = KindRelativeDate, "relativeDateFilter", rel.m
		return f, parseDependsOnDateBody(rel, f)
	}
	if abs, ok, err := df.object("absoluteDateFilter"); err != nil {
		return nil, err
	} else if ok {
		f.Kind, f.FilterType, f.Fields = KindAbsoluteDate, "absoluteDateFilter", abs.m
		return f, parseDependsOnDateBody(abs, f)
	}
	f.Kind, f.FilterType = KindAbsoluteDate, "absoluteDateFilter"
	_, isNumber := df.m["from"].(int64)
	if _, ok := df.m["granularity"]; ok || isNumber {
		f.Kind, f.FilterType = KindRelativeDate, "relativeDateFilter"
	}
	return f, parseDependsOnDateBody(df, f)
}

func parseDependsOnDateBody(o obj, f *Filter) error {
	var err error
	if f.Dataset, err = o.datasetID("dataset"); err != nil {
		return err
	}
	if f.Kind == KindRelativeDate {
		return parseRelative(o, f)
	}
	return parseAbsolute(o, f)
}

func parseValidateBy(l obj) ([]ValidateBy, error) {
	items, err := l.objects("validateBy")
	if err != nil || len(items) == 0 {
		return nil, err
	}
	out := make([]ValidateBy, len(items))
	for i, it := range items {
		if out[i].ID, err = it.str("id", false); err != nil {
			return nil, err
		}
		if out[i].Type, err = it.str("type", false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseInitiator(o obj) (*Initiator, error) {
	in, ok, err := o.object("executionInitiator")
	if err != nil || !ok {
		return nil, err
	}
	x := &Initiator{Fields: in.m}
	fields := []struct {
		key string
		dst *string
	}{
		{"type", &x.Type}, {"dashboardId", &x.DashboardID}, {"visualizationId", &x.VisualizationID},
		{"widgetId", &x.WidgetID}, {"exportType", &x.ExportType}, {"automationId", &x.AutomationID},
	}
	for _, f := range fields {
		if *f.dst, err = in.str(f.key, false); err != nil {
			return nil, err
		}
	}
	return x, nil
}
