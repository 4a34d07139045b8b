package modules

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/flexfun"
	"github.com/flexfun-script/flexfun-script/gooddata"
)

// GoodDataOptions configure the GoodData extension ([flexfun.gooddata]).
type GoodDataOptions struct {
	// FiscalYearStartMonth is the month (1-12) fiscal years start in.
	FiscalYearStartMonth int
	// MaxMessageBytes bounds the data-source messages of one result.
	MaxMessageBytes int
	// Allocator allocates label-elements answers.
	Allocator memory.Allocator
}

// The declarations of the GoodData extension.
const (
	labelsDecl        = "labels"         // {"label.id": "column", ...}
	labelElementsDecl = "label_elements" // "auto" (default) or "script"
)

// execKey is the call-local key of the parsed execution context.
type execKey struct{}

// messagesKey is the call-local key of the call's data-source messages.
type messagesKey struct{}

// GoodData returns the extension that makes GoodData's execution context
// easy to use (docs/gooddata.md):
//
//	ctx.execution        the typed context: date_range(), attribute_filter(), matches(), ...
//	ctx.add_message(type, data=None, source=None, correlation_id=None)
//	labels = {...}       declares which column a label maps to
//	label_elements = "auto" | "script"
//
// Every call's executionContext is parsed before the script runs: a
// malformed one is a BAD_ARGUMENT error naming the field. A LABEL_ELEMENTS
// request to a function that does not answer it itself is answered from
// the function's result (see labelElementsHook).
func GoodData(opts GoodDataOptions) *engine.Extension {
	if opts.FiscalYearStartMonth == 0 {
		opts.FiscalYearStartMonth = 1
	}
	if opts.Allocator == nil {
		opts.Allocator = memory.DefaultAllocator
	}
	g := &goodData{opts: opts}
	return &engine.Extension{
		ContextAttrs: []*engine.ContextAttr{
			{Name: "execution", Value: g.execution},
			{Name: "add_message", Value: func(*engine.Thread) (engine.Value, error) { return g.addMessage(), nil }},
		},
		Declarations: []*engine.Declaration{
			{Name: labelsDecl, Check: checkLabels},
			{Name: labelElementsDecl, Check: checkLabelElements},
		},
		Hooks: []engine.CallHook{g.hook},
	}
}

type goodData struct {
	opts GoodDataOptions
}

func checkLabels(v engine.Value) error {
	m, ok := v.(*engine.Map)
	if !ok {
		return fmt.Errorf("want a mapping of label identifier → column name, got %s", engine.KindName(v))
	}
	for _, k := range m.Keys() {
		if c, _ := m.Get(k); !isString(c) {
			return fmt.Errorf("%q: the column must be a string, got %s", k, engine.KindName(c))
		}
	}
	return nil
}

func checkLabelElements(v engine.Value) error {
	if s, _ := v.(string); s != "auto" && s != "script" {
		return fmt.Errorf(`want "auto" or "script", got %s`, describeValue(v))
	}
	return nil
}

func isString(v engine.Value) bool {
	_, ok := v.(string)
	return ok
}

func describeValue(v engine.Value) string {
	if text, err := engine.AppendJSON(nil, v); err == nil {
		return string(text)
	}
	return engine.KindName(v)
}

// labels returns the function's labels declaration.
func labels(decl func(string) (engine.Value, bool)) map[string]string {
	v, ok := decl(labelsDecl)
	if !ok {
		return nil
	}
	m := v.(*engine.Map)
	out := make(map[string]string, m.Len())
	for _, k := range m.Keys() {
		c, _ := m.Get(k)
		out[k] = c.(string)
	}
	return out
}

// hook parses the call's execution context, once, for ctx.execution, and
// answers a label-elements request for functions that leave it to the
// server.
func (g *goodData) hook(c *engine.CallInfo, next func() (*arrowbridge.Table, error)) (*arrowbridge.Table, error) {
	ec, err := gooddata.Parse(c.Request.Parameters)
	if err != nil {
		return nil, err // a *gooddata.ContextError: BAD_ARGUMENT
	}
	c.SetLocal(execKey{}, ec)
	if ec == nil || ec.Type != gooddata.ExecutionLabelElements || ec.LabelElements == nil {
		return next()
	}
	if v, _ := c.Function.Declaration(labelElementsDecl); v == "script" {
		return next()
	}
	return g.answerLabelElements(c, ec, next)
}

// answerLabelElements runs the function as for a report asking for the
// label's column (and the columns of its dependsOn filters), then answers
// the request from the result: see gooddata.AnswerLabelElements.
func (g *goodData) answerLabelElements(c *engine.CallInfo, ec *gooddata.ExecutionContext, next func() (*arrowbridge.Table, error)) (*arrowbridge.Table, error) {
	fn := c.Function
	schema := fn.Schema()
	has := func(name string) bool { return schema.HasField(name) }
	lbls := labels(fn.Declaration)
	column, ok := gooddata.ResolveColumn(ec.LabelElements.Label, lbls, has)
	if !ok {
		return nil, &flexfun.BadRequestError{Msg: fmt.Sprintf(
			"label elements: label %q maps to no column of function %q (columns: %s); declare labels = {%q: \"<column>\"} in the function",
			ec.LabelElements.Label, fn.Name(), strings.Join(fieldNames(fn), ", "), ec.LabelElements.Label)}
	}
	columns := []string{column}
	for _, d := range ec.LabelElements.DependsOn {
		id := d.Label
		if d.DateFilter != nil {
			id = d.DateFilter.Dataset
		}
		if col, ok := gooddata.ResolveColumn(id, lbls, has); ok && !slices.Contains(columns, col) {
			columns = append(columns, col)
		}
	}
	req := *c.Request
	req.Columns = columns
	c.Request = &req
	table, err := next()
	if err != nil {
		return nil, err
	}
	defer table.Release()
	elems, err := ec.AnswerLabelElements(g.opts.Allocator, column, table.Schema, table.Batches,
		gooddata.ElementsOptions{Labels: lbls, FiscalYearStartMonth: g.opts.FiscalYearStartMonth})
	if err != nil {
		return nil, &flexfun.ScriptError{Function: fn.Name(), Msg: err.Error()}
	}
	md := table.Schema.Metadata()
	out := arrowbridge.NewTable(elems.Schema, elems.Batches)
	if md.Len() > 0 {
		with := out.WithMetadata(md)
		out.Release()
		out = with
	}
	return out, nil
}

func fieldNames(fn *engine.Function) []string {
	var names []string
	for _, f := range fn.Schema().Fields() {
		names = append(names, f.Name)
	}
	return names
}

// execution is ctx.execution: None without an execution context.
func (g *goodData) execution(t *engine.Thread) (engine.Value, error) {
	ec, _ := t.Local(execKey{}).(*gooddata.ExecutionContext)
	if ec == nil {
		return nil, nil
	}
	return &executionObject{ec: ec, g: g, labels: labels(t.Declaration), logger: t.Logger()}, nil
}

// addMessage is ctx.add_message.
func (g *goodData) addMessage() *engine.Func {
	return &engine.Func{
		Name:    "ctx.add_message",
		Params:  []string{"type", "data?"},
		Options: []string{"source", "correlation_id"},
		Impl: func(t *engine.Thread, args *engine.Args) (engine.Value, error) {
			req := t.Request()
			if req == nil {
				return nil, errors.New("ctx.add_message: can only be used while call runs")
			}
			typ, err := args.String("type", "")
			if err != nil {
				return nil, err
			}
			source, err := args.String("source", t.Function())
			if err != nil {
				return nil, err
			}
			correlation, err := args.String("correlation_id", req.CallID)
			if err != nil {
				return nil, err
			}
			var data any
			if v, err := args.Value("data"); err != nil {
				return nil, err
			} else if v != nil {
				text, err := engine.AppendJSON(nil, v)
				if err != nil {
					return nil, fmt.Errorf("ctx.add_message: for parameter data: %v", err)
				}
				data = json.RawMessage(text)
			}
			msgs, _ := t.Local(messagesKey{}).(*gooddata.Messages)
			if msgs == nil {
				msgs = gooddata.NewMessages(g.opts.MaxMessageBytes)
				t.SetLocal(messagesKey{}, msgs)
			}
			if err := msgs.Add(typ, data, source, correlation); err != nil {
				return nil, fmt.Errorf("ctx.add_message: %w ([flexfun.gooddata] max_message_bytes)", err)
			}
			t.SetResultMetadata(gooddata.MessagesKey, string(msgs.JSON()))
			return nil, nil
		},
	}
}

// executionObject is ctx.execution.
type executionObject struct {
	ec      *gooddata.ExecutionContext
	g       *goodData
	labels  map[string]string
	logger  *slog.Logger
	matcher *gooddata.RowMatcher
}

var executionAttrs = []string{
	"type", "organization_id", "workspace_id", "user_id", "now", "timezone", "week_start",
	"attributes", "filters", "label_elements", "initiator", "raw",
	"date_range", "date_range_dates", "date_range_iso", "attribute_filter", "matches",
}

func (e *executionObject) TypeName() string    { return "execution" }
func (e *executionObject) AttrNames() []string { return executionAttrs }

func (e *executionObject) Attr(name string) (engine.Value, error) {
	ec := e.ec
	switch name {
	case "type":
		return ec.Type, nil
	case "organization_id":
		return ec.OrganizationID, nil
	case "workspace_id":
		return ec.WorkspaceID, nil
	case "user_id":
		return ec.UserID, nil
	case "now":
		return ec.Now, nil
	case "timezone":
		return ec.Timezone, nil
	case "week_start":
		return ec.WeekStart, nil
	case "attributes":
		return attributesValue(ec.Attributes), nil
	case "filters":
		out := make([]engine.Value, len(ec.Filters))
		for i := range ec.Filters {
			out[i] = filterValue(&ec.Filters[i])
		}
		return out, nil
	case "label_elements":
		return labelElementsValue(ec.LabelElements), nil
	case "initiator":
		return initiatorValue(ec.Initiator), nil
	case "raw":
		return engine.FromSettings(ec.Raw)
	case "date_range", "date_range_dates", "date_range_iso":
		return e.dateRangeFunc(name), nil
	case "attribute_filter":
		return &engine.Func{Name: "ctx.execution.attribute_filter", Attr: name, Params: []string{"label"}, Impl: e.attributeFilter}, nil
	case "matches":
		return &engine.Func{Name: "ctx.execution.matches", Attr: name, Params: []string{"row"}, Impl: e.matches}, nil
	}
	return nil, engine.ErrNoAttr
}

// dateRangeFunc returns date_range, date_range_dates or date_range_iso.
func (e *executionObject) dateRangeFunc(name string) *engine.Func {
	f := &engine.Func{Name: "ctx.execution." + name, Attr: name, Params: []string{"dataset?"}}
	if name == "date_range_dates" {
		f.Options = append(f.Options, "inclusive_end")
	}
	f.Impl = func(_ *engine.Thread, args *engine.Args) (engine.Value, error) {
		dataset, err := args.String("dataset", "")
		if err != nil {
			return nil, err
		}
		r, ok, err := e.ec.DateRange(dataset, e.g.opts.FiscalYearStartMonth)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if !ok {
			return nil, nil
		}
		switch name {
		case "date_range_iso":
			from, to := r.ISO()
			return []engine.Value{from, to}, nil
		case "date_range_dates":
			inclusive, err := args.Bool("inclusive_end", false)
			if err != nil {
				return nil, err
			}
			from, to := r.Dates()
			if inclusive && to != from {
				to = to.AddDays(-1)
			}
			return []engine.Value{from.String(), to.String()}, nil
		}
		return []engine.Value{r.From, r.To}, nil
	}
	return f
}

func (e *executionObject) attributeFilter(_ *engine.Thread, args *engine.Args) (engine.Value, error) {
	label, err := args.String("label", "")
	if err != nil {
		return nil, err
	}
	p, err := e.ec.AttributeFilter(label)
	if err != nil {
		return nil, fmt.Errorf("ctx.execution.attribute_filter: %w", err)
	}
	if p == nil {
		return nil, nil
	}
	return &predicateObject{p: p}, nil
}

func (e *executionObject) matches(_ *engine.Thread, args *engine.Args) (engine.Value, error) {
	row, err := args.Map("row")
	if err != nil {
		return nil, err
	}
	if row == nil {
		return nil, errors.New("ctx.execution.matches: missing argument for row")
	}
	if e.matcher == nil {
		m, err := e.ec.RowMatcher(gooddata.RowOptions{
			Labels:               e.labels,
			FiscalYearStartMonth: e.g.opts.FiscalYearStartMonth,
			OnIgnored: func(id string) {
				e.logger.Debug("filter_ignored", "filter", id, "reason", "no column of the row maps to it")
			},
		})
		if err != nil {
			return nil, fmt.Errorf("ctx.execution.matches: %w", err)
		}
		e.matcher = m
	}
	return e.matcher.MatchesRow(func(col string) (any, bool) { return row.Get(col) }), nil
}

// predicateObject is what ctx.execution.attribute_filter returns.
type predicateObject struct {
	p *gooddata.Predicate
}

var predicateAttrs = []string{"kind", "label", "values", "negated", "match_type", "literal", "case_sensitive", "parts", "matches"}

func (o *predicateObject) TypeName() string    { return "attribute_filter" }
func (o *predicateObject) AttrNames() []string { return predicateAttrs }

func (o *predicateObject) Attr(name string) (engine.Value, error) {
	p := o.p
	switch name {
	case "kind":
		return string(p.Kind), nil
	case "label":
		return p.Label, nil
	case "values":
		return nullableStrings(p.Values), nil
	case "negated":
		return p.Negated, nil
	case "match_type":
		return orNil(p.MatchType), nil
	case "literal":
		return orNil(p.Literal), nil
	case "case_sensitive":
		return p.CaseSensitive, nil
	case "parts":
		if p.Parts == nil {
			return nil, nil
		}
		parts := make([]engine.Value, len(p.Parts))
		for i, q := range p.Parts {
			parts[i] = &predicateObject{p: q}
		}
		return parts, nil
	case "matches":
		return &engine.Func{Name: "attribute_filter.matches", Attr: name, Params: []string{"value"},
			Impl: func(_ *engine.Thread, args *engine.Args) (engine.Value, error) {
				v, err := args.Value("value")
				if err != nil {
					return nil, err
				}
				return p.Matches(v), nil
			}}, nil
	}
	return nil, engine.ErrNoAttr
}

// orNil returns s, or nil for "".
func orNil(s string) engine.Value {
	if s == "" {
		return nil
	}
	return s
}

func nullableStrings(vals []*string) []engine.Value {
	if vals == nil {
		return nil
	}
	out := make([]engine.Value, len(vals))
	for i, v := range vals {
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

func attributesValue(attrs []gooddata.Attribute) []engine.Value {
	out := make([]engine.Value, len(attrs))
	for i, a := range attrs {
		m := engine.NewMap(6)
		m.Set("attribute_id", a.AttributeID)
		m.Set("attribute_title", a.AttributeTitle)
		m.Set("label_id", a.LabelID)
		m.Set("label_title", a.LabelTitle)
		m.Set("date_granularity", orNil(a.DateGranularity))
		var sort engine.Value
		if a.Sort != nil {
			s := engine.NewMap(2)
			s.Set("column", a.Sort.Column)
			s.Set("direction", a.Sort.Direction)
			sort = s
		}
		m.Set("sort", sort)
		out[i] = m
	}
	return out
}

// filterValue shows one filter: kind, then that kind's fields.
func filterValue(f *gooddata.Filter) *engine.Map {
	m := engine.NewMap(8)
	m.Set("kind", string(f.Kind))
	m.Set("filter_type", f.FilterType)
	switch f.Kind {
	case gooddata.KindPositive, gooddata.KindNegative:
		m.Set("label", f.Label)
		m.Set("values", nullableStrings(f.Values))
	case gooddata.KindMatch:
		m.Set("label", f.Label)
		m.Set("match_type", f.MatchType)
		m.Set("literal", f.Literal)
		m.Set("negate", f.Negate)
		m.Set("case_sensitive", f.CaseSensitive)
	case gooddata.KindRelativeDate:
		m.Set("dataset", f.Dataset)
		m.Set("granularity", f.Granularity)
		m.Set("from_shift", int64(f.FromShift))
		m.Set("to_shift", int64(f.ToShift))
	case gooddata.KindAbsoluteDate:
		m.Set("dataset", f.Dataset)
		m.Set("from_date", f.From)
		m.Set("to_date", f.To)
	}
	raw, _ := engine.FromSettings(f.Fields)
	m.Set("raw", raw)
	return m
}

func labelElementsValue(r *gooddata.LabelElementsRequest) engine.Value {
	if r == nil {
		return nil
	}
	m := engine.NewMap(12)
	m.Set("label", r.Label)
	m.Set("offset", int64(r.Offset))
	if r.Limit > 0 {
		m.Set("limit", int64(r.Limit))
	} else {
		m.Set("limit", nil)
	}
	m.Set("exclude_primary_label", r.ExcludePrimaryLabel)
	m.Set("exact_filter", nullableStrings(r.ExactFilter))
	m.Set("pattern_filter", orNil(r.PatternFilter))
	m.Set("complement_filter", r.ComplementFilter)
	m.Set("filter_by", r.FilterBy)
	m.Set("sort_order", orNil(r.SortOrder))
	deps := make([]engine.Value, len(r.DependsOn))
	for i, d := range r.DependsOn {
		dm := engine.NewMap(4)
		dm.Set("label", orNil(d.Label))
		dm.Set("values", nullableStrings(d.Values))
		dm.Set("complement_filter", d.ComplementFilter)
		var df engine.Value
		if d.DateFilter != nil {
			df = filterValue(d.DateFilter)
		}
		dm.Set("date_filter", df)
		deps[i] = dm
	}
	m.Set("depends_on", deps)
	vals := make([]engine.Value, len(r.ValidateBy))
	for i, v := range r.ValidateBy {
		vm := engine.NewMap(2)
		vm.Set("id", v.ID)
		vm.Set("type", v.Type)
		vals[i] = vm
	}
	m.Set("validate_by", vals)
	return m
}

func initiatorValue(in *gooddata.Initiator) engine.Value {
	if in == nil {
		return nil
	}
	m := engine.NewMap(8)
	m.Set("type", in.Type)
	for _, kv := range []struct{ k, v string }{
		{"dashboard_id", in.DashboardID}, {"visualization_id", in.VisualizationID},
		{"widget_id", in.WidgetID}, {"export_type", in.ExportType}, {"automation_id", in.AutomationID},
	} {
		if kv.v != "" {
			m.Set(kv.k, kv.v)
		}
	}
	raw, _ := engine.FromSettings(in.Fields)
	m.Set("raw", raw)
	return m
}
