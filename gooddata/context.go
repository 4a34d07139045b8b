package gooddata

import (
	"strings"
	"time"
)

// Execution types (ExecutionContext.Type).
const (
	ExecutionReport        = "REPORT"
	ExecutionLabelElements = "LABEL_ELEMENTS"
)

// ExecutionContext is GoodData's parameters.executionContext, typed. Every
// field is read-only once Parse returns it, so an ExecutionContext is safe for
// concurrent use.
//
// The script-visible names (ctx.execution.<name>) are given in brackets.
type ExecutionContext struct {
	// Type is executionType as sent: ExecutionReport or
	// ExecutionLabelElements (another value is kept) [type].
	Type string
	// OrganizationID, WorkspaceID and UserID identify who asks; "" when
	// absent [organization_id, workspace_id, user_id].
	OrganizationID string
	WorkspaceID    string
	UserID         string
	// Now is "now" for relative date filters: the context's timestamp, or
	// the clock's time when the context has none, in Location [now].
	Now time.Time
	// HasTimestamp says whether Now came from the context's timestamp.
	HasTimestamp bool
	// Timezone is the IANA zone name as sent, "UTC" when absent [timezone].
	Timezone string
	// Location is Timezone loaded.
	Location *time.Location
	// WeekStart is weekStart as sent ("MONDAY", "sunday", ...); "" when
	// absent, which means Sunday (see StartOfWeek) [week_start].
	WeekStart string
	// Attributes are the report's attributes, in order [attributes].
	Attributes []Attribute
	// Filters are the report's filters, in order [filters].
	Filters []Filter
	// LabelElements is the label-elements request of a LABEL_ELEMENTS
	// execution, nil otherwise [label_elements].
	LabelElements *LabelElementsRequest
	// Initiator says what started the execution, nil when not sent [initiator].
	Initiator *Initiator
	// Raw is the context as sent, decoded: map[string]any, []any, string,
	// bool, nil, and numbers as int64 (when integral and in range) or
	// float64. It holds every field, known or not [raw].
	Raw map[string]any
}

// StartOfWeek returns the weekday weeks start on: the context's weekStart
// (any English weekday name, compared without case), Sunday when absent.
// ok is false for a weekStart that names no weekday.
func (c *ExecutionContext) StartOfWeek() (day time.Weekday, ok bool) {
	if c.WeekStart == "" {
		return time.Sunday, true
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(c.WeekStart, d.String()) {
			return d, true
		}
	}
	return time.Sunday, false
}

// Attribute is one of the report's attributes.
type Attribute struct {
	AttributeID     string // attributeIdentifier [attribute_id]
	AttributeTitle  string // [attribute_title]
	LabelID         string // labelIdentifier [label_id]
	LabelTitle      string // [label_title]
	DateGranularity string // "" when not a date attribute [date_granularity]
	Sort            *Sort  // nil when not sorted [sort]
}

// Sort is an attribute's sorting.
type Sort struct {
	Column    string // sortColumn [column]
	Direction string // sortDirection, "ASC" or "DESC" [direction]
}

// FilterKind classifies a filter (Filter.Kind).
type FilterKind string

// The filter kinds. A filterType this package does not know is KindOther:
// kept, shown to scripts, and ignored by predicates and date ranges.
const (
	KindPositive     FilterKind = "positive"      // positiveAttributeFilter
	KindNegative     FilterKind = "negative"      // negativeAttributeFilter
	KindMatch        FilterKind = "match"         // matchAttributeFilter
	KindRelativeDate FilterKind = "relative_date" // relativeDateFilter
	KindAbsoluteDate FilterKind = "absolute_date" // absoluteDateFilter
	KindOther        FilterKind = "other"
)

// Match types of a match filter (Filter.MatchType).
const (
	MatchContains   = "CONTAINS"
	MatchStartsWith = "STARTS_WITH"
	MatchEndsWith   = "ENDS_WITH"
)

// Filter is one of the report's filters. Which fields are set depends on
// Kind; the script-visible names are in brackets.
type Filter struct {
	Kind       FilterKind // [kind]
	FilterType string     // filterType as sent [filter_type]

	// Attribute filters (positive, negative, match).
	Label string // labelIdentifier [label]
	// Values of a positive or negative filter; a nil element is GoodData's
	// null (empty) value [values].
	Values        []*string
	MatchType     string // CONTAINS, STARTS_WITH or ENDS_WITH [match_type]
	Literal       string // [literal]
	Negate        bool   // [negate]
	CaseSensitive bool   // [case_sensitive]

	// Date filters (relative_date, absolute_date).
	Dataset     string // datasetIdentifier [dataset]
	Granularity string // relative: DAY, WEEK, ... [granularity]
	// FromShift and ToShift are a relative filter's from and to: periods
	// from the current one (0), negative in the past [from_shift, to_shift].
	// (Starlark reserves "from", so scripts use the Python SDK's names.)
	FromShift, ToShift int
	// From and To are an absolute filter's from and to as sent,
	// "YYYY-M-D" with an optional " H:M"; both inclusive [from_date, to_date].
	From, To string

	absFrom, absTo civil  // From and To parsed
	path           string // "executionContext.filters[2]", for errors
	// Fields is the filter as sent [raw].
	Fields map[string]any
}

// IsDate reports whether f is a relative or absolute date filter.
func (f *Filter) IsDate() bool {
	return f.Kind == KindRelativeDate || f.Kind == KindAbsoluteDate
}

// IsAttribute reports whether f is a positive, negative or match filter.
func (f *Filter) IsAttribute() bool {
	return f.Kind == KindPositive || f.Kind == KindNegative || f.Kind == KindMatch
}

// LabelElementsRequest is labelElementsExecutionRequest: GoodData asks for
// the distinct values of a label, to fill a filter drop-down.
type LabelElementsRequest struct {
	Label               string    // [label]
	Offset              int       // 0 when absent [offset]
	Limit               int       // 0 when absent: no limit (None/null to scripts) [limit]
	ExcludePrimaryLabel bool      // [exclude_primary_label]
	ExactFilter         []*string // nil when absent; a nil element is null [exact_filter]
	PatternFilter       string    // "" when absent [pattern_filter]
	ComplementFilter    bool      // [complement_filter]
	FilterBy            string    // filterBy.labelType; "REQUESTED" when absent [filter_by]
	// SortOrder is "ASC" or "DESC" when sent (GoodData's elements API has
	// it; the FlexConnect schema does not yet) [sort_order].
	SortOrder  string
	DependsOn  []DependsOn  // [depends_on]
	ValidateBy []ValidateBy // [validate_by]
}

// DependsOn is one dependsOn item of a label-elements request: a value
// filter on another label, or a date filter.
type DependsOn struct {
	Label            string    // the other label; "" for a date filter [label]
	Values           []*string // [values]
	ComplementFilter bool      // true: the values are excluded [complement_filter]
	// DateFilter is set for a date filter (Kind relative_date or
	// absolute_date), from either of GoodData's two shapes [date_filter].
	DateFilter *Filter
}

// ValidateBy is one validateBy item of a label-elements request.
type ValidateBy struct {
	ID   string // [id]
	Type string // label, attribute, fact or metric [type]
}

// Initiator types (Initiator.Type) known in 2026; others are kept.
const (
	InitiatorDisplay     = "display"
	InitiatorAdhocExport = "adhocExport"
	InitiatorAutomation  = "automation"
	InitiatorAlert       = "alert"
)

// Initiator is executionInitiator: what started the execution. Every field
// is optional; an unknown Type is kept with its fields in Fields.
type Initiator struct {
	Type            string // [type]
	DashboardID     string // display, adhocExport, alert [dashboard_id]
	VisualizationID string // display, adhocExport, alert [visualization_id]
	WidgetID        string // display, adhocExport, alert [widget_id]
	ExportType      string // adhocExport [export_type]
	AutomationID    string // automation [automation_id]
	// Fields is the initiator as sent, every field [raw].
	Fields map[string]any
}
