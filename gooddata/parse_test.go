package gooddata

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/flexfun"
)

const contexts = "../scripts/examples/contexts"

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(contexts, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// joinValues shows a value list with null as "<null>".
func joinValues(vs []*string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = "<null>"
		if v != nil {
			parts[i] = *v
		}
	}
	return strings.Join(parts, "|")
}

func TestParseReport(t *testing.T) {
	ec := mustParse(t, readSample(t, "report.json"))
	if ec.Type != ExecutionReport || ec.OrganizationID != "acme" || ec.WorkspaceID != "646937086c794101984a7adf99a4854b" || ec.UserID != "jane.doe" {
		t.Errorf("ids: %q %q %q %q", ec.Type, ec.OrganizationID, ec.WorkspaceID, ec.UserID)
	}
	if !ec.HasTimestamp || ec.Now.Format(time.RFC3339) != "2024-03-13T10:15:30+01:00" || ec.Timezone != "Europe/Prague" {
		t.Errorf("time: %v %v %q", ec.HasTimestamp, ec.Now, ec.Timezone)
	}
	if ws, ok := ec.StartOfWeek(); ec.WeekStart != "MONDAY" || ws != time.Monday || !ok {
		t.Errorf("week start %q → %v %v", ec.WeekStart, ws, ok)
	}
	if len(ec.Attributes) != 2 {
		t.Fatalf("%d attributes", len(ec.Attributes))
	}
	a0, a1 := ec.Attributes[0], ec.Attributes[1]
	if a0.AttributeID != "region" || a0.AttributeTitle != "Region" || a0.LabelID != "region.name" || a0.LabelTitle != "Region name" ||
		a0.DateGranularity != "" || a0.Sort == nil || a0.Sort.Column != "region.name" || a0.Sort.Direction != "ASC" {
		t.Errorf("attribute 0: %+v %+v", a0, a0.Sort)
	}
	if a1.DateGranularity != "MONTH" || a1.Sort != nil {
		t.Errorf("attribute 1: %+v", a1)
	}
	if len(ec.Filters) != 5 {
		t.Fatalf("%d filters", len(ec.Filters))
	}
	f := ec.Filters
	if f[0].Kind != KindPositive || f[0].Label != "region.name" || joinValues(f[0].Values) != "Europe|Asia|<null>" {
		t.Errorf("positive: %+v", f[0])
	}
	if f[1].Kind != KindNegative || f[1].Label != "product.category" || joinValues(f[1].Values) != "Discontinued" {
		t.Errorf("negative: %+v", f[1])
	}
	if f[2].Kind != KindMatch || f[2].MatchType != MatchContains || f[2].Literal != "gmbh" || f[2].Negate || f[2].CaseSensitive {
		t.Errorf("match: %+v", f[2])
	}
	if f[3].Kind != KindRelativeDate || f[3].Dataset != "order_date" || f[3].Granularity != "MONTH" || f[3].FromShift != -2 || f[3].ToShift != 0 {
		t.Errorf("relative: %+v", f[3])
	}
	if f[4].Kind != KindAbsoluteDate || f[4].From != "2024-1-15" || f[4].To != "2024-3-10 18:30" {
		t.Errorf("absolute: %+v", f[4])
	}
	if ec.LabelElements != nil {
		t.Errorf("label elements in a report: %+v", ec.LabelElements)
	}
	in := ec.Initiator
	if in == nil || in.Type != InitiatorDisplay || in.DashboardID != "b2f2d436-9831-4fe0-81df-8c59fd33242b" ||
		in.VisualizationID != "bf21d8ec-742c-48d7-8100-80663b43622b" || in.WidgetID != "453844a7-4aa8-4456-be23-ac62b9b3b98a" {
		t.Errorf("initiator: %+v", in)
	}
	r, ok, err := ec.DateRange("order_date", 0)
	if from, to := r.ISO(); err != nil || !ok || from != "2024-01-15T00:00:00+01:00" || to != "2024-03-10T18:31:00+01:00" {
		t.Errorf("date range: %v %v %v", r, ok, err)
	}
}

func TestParseReportSunday(t *testing.T) {
	ec := mustParse(t, readSample(t, "report-sunday.json"))
	if ws, ok := ec.StartOfWeek(); ec.WeekStart != "sunday" || ws != time.Sunday || !ok {
		t.Errorf("week start %q → %v", ec.WeekStart, ws)
	}
	if ec.Attributes[0].Sort.Direction != "DESC" || ec.Attributes[0].DateGranularity != "" {
		t.Errorf("attribute: %+v", ec.Attributes[0])
	}
	m := ec.Filters[3]
	if m.Kind != KindMatch || m.MatchType != MatchStartsWith || m.Literal != "New" || !m.Negate || !m.CaseSensitive {
		t.Errorf("match: %+v", m)
	}
	if n := ec.Filters[4]; n.Kind != KindNegative || len(n.Values) != 1 || n.Values[0] != nil {
		t.Errorf("negative null: %+v", n)
	}
	in := ec.Initiator
	if in.Type != InitiatorAdhocExport || in.ExportType != "CSV" || in.DashboardID != "sales-overview" || in.WidgetID != "w-7" {
		t.Errorf("initiator: %+v", in)
	}
	// now is 01:30 EDT on 2024-11-03, a Sunday, an hour before the clocks go back.
	r, _, err := ec.DateRange("sale_date", 0)
	if from, to := r.ISO(); err != nil || from != "2024-10-27T00:00:00-04:00" || to != "2024-11-10T00:00:00-05:00" {
		t.Errorf("sale_date: %s %s %v", from, to, err)
	}
	// FISCAL_QUARTER with an October start: Oct-Dec, intersected with Jul 1 - Dec 31.
	r, _, err = ec.DateRange("ship_date", 10)
	if from, to := r.ISO(); err != nil || from != "2024-10-01T00:00:00-04:00" || to != "2025-01-01T00:00:00-05:00" {
		t.Errorf("ship_date: %s %s %v", from, to, err)
	}
}

func TestParseReportAlert(t *testing.T) {
	ec := mustParse(t, readSample(t, "report-alert.json"))
	if ec.Initiator.Type != InitiatorAlert || ec.Initiator.VisualizationID != "errors-per-hour" {
		t.Errorf("initiator: %+v", ec.Initiator)
	}
	other := ec.Filters[2]
	if other.Kind != KindOther || other.FilterType != "rankingFilter" || other.Fields["value"] != int64(5) || other.Fields["operator"] != "TOP" {
		t.Errorf("unknown filter type not kept: %+v", other)
	}
	r, _, err := ec.DateRange("", 0)
	if from, to := r.ISO(); err != nil || from != "2024-02-29T20:00:00+05:30" || to != "2024-02-29T23:00:00+05:30" {
		t.Errorf("event_time: %s %s %v", from, to, err)
	}
}

func TestParseLabelElementsNested(t *testing.T) {
	ec := mustParse(t, readSample(t, "label-elements.json"))
	le := ec.LabelElements
	if ec.Type != ExecutionLabelElements || le == nil {
		t.Fatalf("type %q, request %v", ec.Type, le)
	}
	if le.Label != "customer.name" || !le.ExcludePrimaryLabel || le.FilterBy != "REQUESTED" || le.ComplementFilter ||
		le.PatternFilter != "gmbh" || le.ExactFilter != nil || le.Offset != 0 || le.Limit != 500 || le.SortOrder != "" {
		t.Errorf("request: %+v", le)
	}
	if len(le.DependsOn) != 4 || len(le.ValidateBy) != 1 || le.ValidateBy[0] != (ValidateBy{ID: "revenue", Type: "fact"}) {
		t.Fatalf("dependsOn %d, validateBy %+v", len(le.DependsOn), le.ValidateBy)
	}
	d := le.DependsOn
	if d[0].Label != "region.name" || joinValues(d[0].Values) != "Europe|<null>" || d[0].ComplementFilter || d[0].DateFilter != nil {
		t.Errorf("dependsOn[0]: %+v", d[0])
	}
	if d[1].Label != "product.category" || !d[1].ComplementFilter {
		t.Errorf("dependsOn[1]: %+v", d[1])
	}
	rf := d[2].DateFilter
	if d[2].Label != "" || rf == nil || rf.Kind != KindRelativeDate || rf.Dataset != "order_date" || rf.Granularity != "MONTH" || rf.FromShift != -1 || rf.ToShift != 0 {
		t.Errorf("dependsOn[2]: %+v", rf)
	}
	af := d[3].DateFilter
	if af == nil || af.Kind != KindAbsoluteDate || af.Dataset != "order_date" || af.From != "2024-2-10" || af.To != "2024-3-31" {
		t.Errorf("dependsOn[3]: %+v", af)
	}
	if ec.Initiator != nil {
		t.Errorf("initiator: %+v", ec.Initiator)
	}
	// dependsOn date filters count: last month and this one, from Feb 10.
	r, ok, err := ec.DateRange("", 0)
	if from, to := r.ISO(); err != nil || !ok || from != "2024-02-10T00:00:00+01:00" || to != "2024-04-01T00:00:00+02:00" {
		t.Errorf("date range: %s %s %v %v", from, to, ok, err)
	}
}

func TestParseLabelElementsFlat(t *testing.T) {
	clock := func() time.Time { return time.Date(2024, 5, 20, 10, 0, 0, 0, time.UTC) }
	ec, err := ParseWithClock(readSample(t, "label-elements-flat.json"), clock)
	if err != nil {
		t.Fatal(err)
	}
	if ec.HasTimestamp || !ec.Now.Equal(clock()) || ec.Timezone != "UTC" || ec.Location != time.UTC {
		t.Errorf("empty timestamp/timezone: %v %v %q", ec.HasTimestamp, ec.Now, ec.Timezone)
	}
	le := ec.LabelElements
	if le.Offset != 1 || le.Limit != 2 || !le.ComplementFilter || le.SortOrder != "DESC" || joinValues(le.ExactFilter) != "Europe|Asia|Africa|<null>" {
		t.Errorf("request: %+v", le)
	}
	a, r := le.DependsOn[0].DateFilter, le.DependsOn[1].DateFilter
	if a.Kind != KindAbsoluteDate || a.Dataset != "order_date" || a.From != "2024-1-1" {
		t.Errorf("flat absolute: %+v", a)
	}
	if r.Kind != KindRelativeDate || r.Dataset != "order_date" || r.FromShift != -6 || r.Granularity != "MONTH" {
		t.Errorf("flat relative: %+v", r)
	}
	if ec.Initiator.Type != InitiatorAutomation || ec.Initiator.AutomationID != "weekly-digest" {
		t.Errorf("initiator: %+v", ec.Initiator)
	}
	rg, _, err := ec.DateRange("order_date", 0)
	if from, to := rg.ISO(); err != nil || from != "2024-01-01T00:00:00Z" || to != "2024-06-01T00:00:00Z" {
		t.Errorf("date range: %s %s %v", from, to, err)
	}
}

func TestParseAbsent(t *testing.T) {
	for _, p := range []string{"", "  ", "null", "{}", `{"executionContext":null}`, `{"columns":["a"]}`} {
		ec, err := Parse([]byte(p))
		if ec != nil || err != nil {
			t.Errorf("%q: %v, %v", p, ec, err)
		}
	}
}

func TestParseKeepsUnknown(t *testing.T) {
	ec := mustParse(t, readSample(t, "report.json"))
	future, ok := ec.Raw["someFutureField"].(map[string]any)
	if !ok || future["version"] != int64(2) || future["addedBy"] != "GoodData" {
		t.Errorf("someFutureField: %#v", ec.Raw["someFutureField"])
	}
	if _, ok := ec.Raw["reportExecutionRequest"].(map[string]any); !ok {
		t.Error("reportExecutionRequest not in Raw")
	}
	ec = mustParse(t, []byte(`{"executionContext":{"executionType":"REPORT","ratio":1.5,"big":1e3,"huge":1e300,
		"executionInitiator":{"type":"scheduledExport","scheduleId":"s1"},
		"attributes":[{"attributeIdentifier":"a","newThing":[1,{"x":null}]}]}}`))
	if ec.Raw["ratio"] != 1.5 || ec.Raw["big"] != int64(1000) || ec.Raw["huge"] != 1e300 {
		t.Errorf("numbers: %#v %#v %#v", ec.Raw["ratio"], ec.Raw["big"], ec.Raw["huge"])
	}
	if ec.Initiator.Type != "scheduledExport" || ec.Initiator.Fields["scheduleId"] != "s1" {
		t.Errorf("unknown initiator: %+v", ec.Initiator)
	}
	attr := ec.Raw["attributes"].([]any)[0].(map[string]any)
	if attr["newThing"].([]any)[0] != int64(1) {
		t.Errorf("nested number: %#v", attr["newThing"])
	}
}

func TestParseTimestampWithoutOffset(t *testing.T) {
	ec := mustParse(t, contextWith(prague, "2024-03-13T10:15:30", "MONDAY"))
	if got := ec.Now.Format(time.RFC3339); got != "2024-03-13T10:15:30+01:00" {
		t.Errorf("now = %s", got)
	}
	ec = mustParse(t, contextWith("Etc/UTC", "2024-03-13T10:15:30.5+01:00", "MONDAY"))
	if got := ec.Now.Format(time.RFC3339Nano); got != "2024-03-13T09:15:30.5Z" || ec.Timezone != "Etc/UTC" {
		t.Errorf("now = %s in %s", got, ec.Timezone)
	}
}

// ctx wraps context fields into parameters.
func ctx(fields string) string {
	return `{"executionContext":{"executionType":"REPORT",` + fields + `}}`
}

func le(fields string) string {
	return `{"executionContext":{"executionType":"LABEL_ELEMENTS","labelElementsExecutionRequest":{"label":"l",` + fields + `}}}`
}

func TestParseMalformed(t *testing.T) {
	cases := []struct{ params, want string }{
		{`[1]`, "parameters: want an object, got array"},
		{`{"executionContext":`, "parameters: invalid JSON: unexpected end of JSON input"},
		{`{} {}`, "parameters: invalid JSON: invalid character '{' after top-level value"},
		{`{"executionContext":[]}`, "executionContext: want an object, got array"},
		{`{"executionContext":7}`, "executionContext: want an object, got number"},
		{`{"executionContext":{}}`, "executionContext.executionType: missing"},
		{`{"executionContext":{"executionType":5}}`, "executionContext.executionType: want a string, got number"},
		{ctx(`"organizationId":true`), "executionContext.organizationId: want a string, got boolean"},
		{ctx(`"workspaceId":{}`), "executionContext.workspaceId: want a string, got object"},
		{ctx(`"userId":[]`), "executionContext.userId: want a string, got array"},
		{ctx(`"timezone":"Mars/Olympus"`), `executionContext.timezone: unknown time zone "Mars/Olympus"`},
		{ctx(`"timezone":"Local"`), `executionContext.timezone: unknown time zone "Local"`},
		{ctx(`"timezone":3`), "executionContext.timezone: want a string, got number"},
		{ctx(`"timestamp":"yesterday"`), `executionContext.timestamp: want an ISO 8601 date-time such as "2024-09-12T12:51:26+00:00", got "yesterday"`},
		{ctx(`"weekStart":1`), "executionContext.weekStart: want a string, got number"},
		{ctx(`"attributes":{}`), "executionContext.attributes: want an array, got object"},
		{ctx(`"attributes":["a"]`), "executionContext.attributes[0]: want an object, got string"},
		{ctx(`"attributes":[{},{"sorting":"ASC"}]`), "executionContext.attributes[1].sorting: want an object, got string"},
		{ctx(`"attributes":[{"sorting":{"sortDirection":1}}]`), "executionContext.attributes[0].sorting.sortDirection: want a string, got number"},
		{ctx(`"attributes":[{"labelIdentifier":null,"dateGranularity":4}]`), "executionContext.attributes[0].dateGranularity: want a string, got number"},
		{ctx(`"filters":[{}]`), "executionContext.filters[0].filterType: missing"},
		{ctx(`"filters":[{"filterType":"positiveAttributeFilter","values":[]}]`), "executionContext.filters[0].labelIdentifier: missing"},
		{ctx(`"filters":[{"filterType":"positiveAttributeFilter","labelIdentifier":"l"}]`), "executionContext.filters[0].values: missing"},
		{ctx(`"filters":[{"filterType":"negativeAttributeFilter","labelIdentifier":"l","values":["a",1]}]`), "executionContext.filters[0].values[1]: want a string or null, got number"},
		{ctx(`"filters":[{"filterType":"matchAttributeFilter","labelIdentifier":"l","matchType":"CONTAINS"}]`), "executionContext.filters[0].literal: missing"},
		{ctx(`"filters":[{"filterType":"matchAttributeFilter","labelIdentifier":"l","matchType":"CONTAINS","literal":"x","negate":"yes"}]`), "executionContext.filters[0].negate: want a boolean, got string"},
		{ctx(`"filters":[{"filterType":"matchAttributeFilter","labelIdentifier":"l","matchType":"CONTAINS","literal":"x","caseSensitive":1}]`), "executionContext.filters[0].caseSensitive: want a boolean, got number"},
		{ctx(`"filters":[{"filterType":"x"},{"filterType":"x"},{"filterType":"relativeDateFilter","datasetIdentifier":"d","granularity":"DAY","from":"x","to":0}]`), "executionContext.filters[2].from: want an integer, got string"},
		{ctx(`"filters":[{"filterType":"relativeDateFilter","datasetIdentifier":"d","granularity":"DAY","from":-1,"to":2.5}]`), "executionContext.filters[0].to: want an integer, got number 2.5"},
		{ctx(`"filters":[{"filterType":"relativeDateFilter","datasetIdentifier":"d","granularity":"DAY","from":1e10,"to":0}]`), "executionContext.filters[0].from: 10000000000 is out of range"},
		{ctx(`"filters":[{"filterType":"relativeDateFilter","datasetIdentifier":"d","granularity":"DAY","from":1e20,"to":0}]`), "executionContext.filters[0].from: want an integer, got number 1e+20"},
		{ctx(`"filters":[{"filterType":"relativeDateFilter","datasetIdentifier":"d","from":0,"to":0}]`), "executionContext.filters[0].granularity: missing"},
		{ctx(`"filters":[{"filterType":"relativeDateFilter","granularity":"DAY","from":0,"to":0}]`), "executionContext.filters[0].datasetIdentifier: missing"},
		{ctx(`"filters":[{"filterType":"absoluteDateFilter","datasetIdentifier":"d","from":"2024/01/01","to":"2024-1-2"}]`), `executionContext.filters[0].from: want a date "YYYY-M-D" with an optional time " H:M", got "2024/01/01"`},
		{ctx(`"filters":[{"filterType":"absoluteDateFilter","datasetIdentifier":"d","from":"2024-1-1","to":"2023-2-29"}]`), `executionContext.filters[0].to: "2023-2-29" is not a valid date and time`},
		{ctx(`"filters":[{"filterType":"absoluteDateFilter","datasetIdentifier":"d","from":"2024-1-1 24:00","to":"2024-1-2"}]`), `executionContext.filters[0].from: "2024-1-1 24:00" is not a valid date and time`},
		{ctx(`"filters":[{"filterType":"absoluteDateFilter","datasetIdentifier":"d","from":"2024-1-1","to":20240102}]`), "executionContext.filters[0].to: want a string, got number"},
		{ctx(`"executionInitiator":"display"`), "executionContext.executionInitiator: want an object, got string"},
		{ctx(`"executionInitiator":{"type":"display","dashboardId":5}`), "executionContext.executionInitiator.dashboardId: want a string, got number"},
		{ctx(`"labelElementsExecutionRequest":[]`), "executionContext.labelElementsExecutionRequest: want an object, got array"},
		{`{"executionContext":{"executionType":"LABEL_ELEMENTS"}}`, "executionContext.labelElementsExecutionRequest: missing (executionType is LABEL_ELEMENTS)"},
		{`{"executionContext":{"executionType":"LABEL_ELEMENTS","labelElementsExecutionRequest":{}}}`, "executionContext.labelElementsExecutionRequest.label: missing"},
		{le(`"limit":0`), "executionContext.labelElementsExecutionRequest.limit: want an integer ≥ 1, got 0"},
		{le(`"offset":-1`), "executionContext.labelElementsExecutionRequest.offset: want an integer ≥ 0, got -1"},
		{le(`"offset":"10"`), "executionContext.labelElementsExecutionRequest.offset: want an integer, got string"},
		{le(`"excludePrimaryLabel":"true"`), "executionContext.labelElementsExecutionRequest.excludePrimaryLabel: want a boolean, got string"},
		{le(`"exactFilter":"x"`), "executionContext.labelElementsExecutionRequest.exactFilter: want an array, got string"},
		{le(`"patternFilter":["x"]`), "executionContext.labelElementsExecutionRequest.patternFilter: want a string, got array"},
		{le(`"complementFilter":"no"`), "executionContext.labelElementsExecutionRequest.complementFilter: want a boolean, got string"},
		{le(`"sortOrder":"UP"`), `executionContext.labelElementsExecutionRequest.sortOrder: want "ASC" or "DESC", got "UP"`},
		{le(`"filterBy":{"labelType":1}`), "executionContext.labelElementsExecutionRequest.filterBy.labelType: want a string, got number"},
		{le(`"dependsOn":{}`), "executionContext.labelElementsExecutionRequest.dependsOn: want an array, got object"},
		{le(`"dependsOn":[{"label":"x","values":[3]}]`), "executionContext.labelElementsExecutionRequest.dependsOn[0].values[0]: want a string or null, got number"},
		{le(`"dependsOn":[{"label":"x","values":[],"complementFilter":0}]`), "executionContext.labelElementsExecutionRequest.dependsOn[0].complementFilter: want a boolean, got number"},
		{le(`"dependsOn":[{"label":"x"},{"dateFilter":{"relativeDateFilter":{"from":0,"to":0,"granularity":"DAY"}}}]`), "executionContext.labelElementsExecutionRequest.dependsOn[1].dateFilter.relativeDateFilter.dataset: missing"},
		{le(`"dependsOn":[{"dateFilter":{"absoluteDateFilter":{"from":"2024-1-1","to":"x","dataset":{"id":"d"}}}}]`), `executionContext.labelElementsExecutionRequest.dependsOn[0].dateFilter.absoluteDateFilter.to: want a date "YYYY-M-D" with an optional time " H:M", got "x"`},
		{le(`"dependsOn":[{"dateFilter":{"from":"2024-1-1","to":"2024-1-2","dataset":5}}]`), "executionContext.labelElementsExecutionRequest.dependsOn[0].dateFilter.dataset: want a string or an object with an id, got number"},
		{le(`"dependsOn":[{"dateFilter":{"from":0,"to":"1","granularity":"DAY","dataset":"d"}}]`), "executionContext.labelElementsExecutionRequest.dependsOn[0].dateFilter.to: want an integer, got string"},
		{le(`"dependsOn":[{"dateFilter":{"relativeDateFilter":{"from":0,"to":0,"granularity":"DAY","dataset":{"type":"dataset"}}}}]`), "executionContext.labelElementsExecutionRequest.dependsOn[0].dateFilter.relativeDateFilter.dataset.id: missing"},
		{le(`"dependsOn":[{"dateFilter":"x"}]`), "executionContext.labelElementsExecutionRequest.dependsOn[0].dateFilter: want an object, got string"},
		{le(`"validateBy":[{"id":1}]`), "executionContext.labelElementsExecutionRequest.validateBy[0].id: want a string, got number"},
	}
	for _, tc := range cases {
		ec, err := Parse([]byte(tc.params))
		if err == nil || err.Error() != tc.want || ec != nil {
			t.Errorf("%s\n got %v\nwant %s", tc.params, err, tc.want)
			continue
		}
		var ce *ContextError
		if !errors.As(err, &ce) || ce.Path+": "+ce.Problem != tc.want {
			t.Errorf("%s: not a *ContextError: %T", tc.params, err)
		}
		bad, ok := errors.AsType[*flexfun.BadRequestError](err)
		if !ok || bad.Msg != tc.want {
			t.Errorf("%s: not a BadRequestError: %v", tc.params, bad)
		}
	}
}

func TestParseLenientValues(t *testing.T) {
	// Null and absent optional fields, unknown enum values and an unknown
	// dependsOn shape are accepted.
	ec := mustParse(t, []byte(le(`"offset":null,"limit":null,"filterBy":null,"exactFilter":null,"patternFilter":null,
		"dependsOn":[{"somethingNew":true}],"validateBy":null`)))
	r := ec.LabelElements
	if r.Offset != 0 || r.Limit != 0 || r.FilterBy != "REQUESTED" || len(r.DependsOn) != 1 || r.DependsOn[0].DateFilter != nil || r.DependsOn[0].Label != "" {
		t.Errorf("request: %+v", r)
	}
	ec = mustParse(t, []byte(`{"executionContext":{"executionType":"SOMETHING_NEW","weekStart":null,"attributes":null,"filters":null}}`))
	if ec.Type != "SOMETHING_NEW" || ec.WeekStart != "" || ec.Attributes != nil || ec.Filters != nil {
		t.Errorf("context: %+v", ec)
	}
	ec = mustParse(t, []byte(ctx(`"filters":[{"filterType":"matchAttributeFilter","labelIdentifier":"l","matchType":"REGEX","literal":"a.*"}]`)))
	if ec.Filters[0].MatchType != "REGEX" {
		t.Errorf("match type: %+v", ec.Filters[0])
	}
	// Seconds and a "T" are accepted in absolute bounds.
	ec = mustParse(t, []byte(ctx(`"filters":[{"filterType":"absoluteDateFilter","datasetIdentifier":"d","from":"2024-01-05T10:30:15","to":"2024-01-05 10:30:15"}]`)))
	rg, _, err := ec.DateRange("d", 0)
	if from, to := rg.ISO(); err != nil || from != "2024-01-05T10:30:15Z" || to != "2024-01-05T10:30:16Z" {
		t.Errorf("seconds: %s %s %v", from, to, err)
	}
}

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"report.json", "label-elements.json"} {
		params := readSample(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(params)))
			for b.Loop() {
				if _, err := Parse(params); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
