package gooddata

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DefaultElementsBatchRows is the most rows AnswerLabelElements puts in one
// record batch when ElementsOptions.BatchRows is 0.
const DefaultElementsBatchRows = 65536

// ElementsOptions configure AnswerLabelElements.
type ElementsOptions struct {
	// Labels maps label and date dataset identifiers to column names (the
	// function's labels declaration); others map by name (ResolveColumn).
	Labels map[string]string
	// FiscalYearStartMonth is the month (1-12; 0 means 1) fiscal years
	// start in, for dependsOn date filters.
	FiscalYearStartMonth int
	// BatchRows bounds the rows of one result batch
	// (DefaultElementsBatchRows when 0).
	BatchRows int
}

// Elements is the answer to a label-elements request: one column, named
// after the label's column, of distinct values.
type Elements struct {
	Schema  *arrow.Schema
	Batches []arrow.RecordBatch
	// Total counts the distinct values that pass the filters, before
	// offset and limit.
	Total int
	// Ignored lists the dependsOn labels and datasets the result has no
	// column for (their filters were not applied).
	Ignored []string
}

// Release releases the batches.
func (e *Elements) Release() {
	for _, b := range e.Batches {
		b.Release()
	}
	e.Batches = nil
}

// element is one distinct value: where it first appears.
type element struct {
	batch, row int
	key        any // nil for null
}

// AnswerLabelElements answers the context's label-elements request from a
// function's result (batches, all of schema), column being the label's
// column. In order it:
//
//  1. drops rows that fail a dependsOn filter whose label or dataset maps
//     to a column of the result (Ignored lists the others);
//  2. keeps the distinct values of column, null once if present;
//  3. applies exactFilter (values equal to one listed; an empty list is no
//     filter) and patternFilter (values whose text holds it, Unicode case
//     folded); a value must pass both; complementFilter inverts that when
//     either is present;
//  4. sorts by value: ascending unless sortOrder, or else the label's
//     attribute sorting, says DESC; null last either way;
//  5. skips offset values and keeps at most limit.
//
// The result is allocated from mem; the caller releases it.
func (c *ExecutionContext) AnswerLabelElements(mem memory.Allocator, column string, schema *arrow.Schema,
	batches []arrow.RecordBatch, opts ElementsOptions) (*Elements, error) {
	req := c.LabelElements
	if req == nil {
		return nil, errors.New("label elements: the execution is not a LABEL_ELEMENTS request")
	}
	col, err := labelColumn(column, req.Label, schema, batches)
	if err != nil {
		return nil, err
	}
	deps, ignored, err := c.elementChecks(schema, opts)
	if err != nil {
		return nil, err
	}
	elems := distinct(batches, col, deps)
	elems = req.filterElements(elems, batches, col)
	c.sortElements(elems)
	total := len(elems)
	elems = req.page(elems)
	out, err := buildElements(mem, schema.Field(col), batches, col, elems, opts.BatchRows)
	if err != nil {
		return nil, err
	}
	out.Total, out.Ignored = total, ignored
	return out, nil
}

// labelColumn finds the label's column and checks that every batch has
// it with the same, supported type.
func labelColumn(column, label string, schema *arrow.Schema, batches []arrow.RecordBatch) (int, error) {
	idx := schema.FieldIndices(column)
	if len(idx) == 0 {
		return 0, fmt.Errorf("label elements: the result has no column %q (label %q)", column, label)
	}
	f := schema.Field(idx[0])
	if !labelType(f.Type) {
		return 0, fmt.Errorf("label elements: column %q has type %s, which cannot hold a label's values", column, f.Type)
	}
	for i, b := range batches {
		if int(b.NumCols()) <= idx[0] || !arrow.TypeEqual(b.Column(idx[0]).DataType(), f.Type) {
			return 0, fmt.Errorf("label elements: batch %d does not match the schema at column %q", i, column)
		}
	}
	return idx[0], nil
}

// elementCheck is one dependsOn filter bound to a column.
type elementCheck struct {
	col   int
	check *rowCheck
}

// elementChecks binds the dependsOn filters to the schema's columns.
func (c *ExecutionContext) elementChecks(schema *arrow.Schema, opts ElementsOptions) ([]elementCheck, []string, error) {
	has := func(name string) bool { return len(schema.FieldIndices(name)) > 0 }
	var out []elementCheck
	var ignored []string
	for i, d := range c.LabelElements.DependsOn {
		id, chk := d.Label, &rowCheck{}
		switch {
		case d.Label != "":
			chk.pred, _ = NewPredicate(dependsOnFilter(i, d)) // value filters cannot fail
		case d.DateFilter != nil:
			id = d.DateFilter.Dataset
			r, err := c.filterRange(d.DateFilter, opts.FiscalYearStartMonth)
			if err != nil {
				return nil, nil, err
			}
			chk.rng, chk.loc = r, c.Location
		default:
			continue
		}
		name, ok := ResolveColumn(id, opts.Labels, has)
		if !ok {
			if !contains(ignored, id) {
				ignored = append(ignored, id)
			}
			continue
		}
		out = append(out, elementCheck{col: schema.FieldIndices(name)[0], check: chk})
	}
	return out, ignored, nil
}

// distinct returns the distinct values of column col in the rows that
// pass deps, in order of first appearance.
func distinct(batches []arrow.RecordBatch, col int, deps []elementCheck) []element {
	var out []element
	seen := map[any]struct{}{}
	hasNull := false
	for bi, b := range batches {
		arr := b.Column(col)
		for i := 0; i < int(b.NumRows()); i++ {
			if !passesChecks(b, i, deps) {
				continue
			}
			if arr.IsNull(i) {
				if !hasNull {
					hasNull = true
					out = append(out, element{batch: bi, row: i})
				}
				continue
			}
			k := keyAt(arr, i)
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
			out = append(out, element{batch: bi, row: i, key: k})
		}
	}
	return out
}

func passesChecks(b arrow.RecordBatch, row int, deps []elementCheck) bool {
	for _, d := range deps {
		if !d.check.passes(valueAt(b.Column(d.col), row)) {
			return false
		}
	}
	return true
}

// filterElements applies exactFilter, patternFilter and complementFilter.
func (r *LabelElementsRequest) filterElements(elems []element, batches []arrow.RecordBatch, col int) []element {
	if len(r.ExactFilter) == 0 && r.PatternFilter == "" {
		return elems
	}
	exact := &Predicate{Kind: KindPositive}
	if len(r.ExactFilter) > 0 {
		exact, _ = NewPredicate(&Filter{Kind: KindPositive, Values: r.ExactFilter})
	}
	pattern := fold(r.PatternFilter)
	out := elems[:0]
	for _, e := range elems {
		v := valueAt(batches[e.batch].Column(col), e.row)
		match := len(r.ExactFilter) == 0 || exact.Matches(v)
		if match && pattern != "" {
			match = v != nil && strings.Contains(fold(ValueString(v)), pattern)
		}
		if match != r.ComplementFilter {
			out = append(out, e)
		}
	}
	return out
}

// sortElements sorts by value, descending when asked, null last.
func (c *ExecutionContext) sortElements(elems []element) {
	desc := c.elementsDescending()
	sort.SliceStable(elems, func(i, j int) bool {
		a, b := elems[i].key, elems[j].key
		switch {
		case a == nil:
			return false
		case b == nil:
			return true
		case desc:
			return lessKey(b, a)
		}
		return lessKey(a, b)
	})
}

// elementsDescending reports whether elements sort descending: the
// request's sortOrder, else the requested label's attribute sorting.
func (c *ExecutionContext) elementsDescending() bool {
	r := c.LabelElements
	if r.SortOrder != "" {
		return r.SortOrder == "DESC"
	}
	for _, a := range c.Attributes {
		if a.LabelID == r.Label && a.Sort != nil {
			return strings.EqualFold(a.Sort.Direction, "DESC")
		}
	}
	return false
}

// page applies offset and limit.
func (r *LabelElementsRequest) page(elems []element) []element {
	if r.Offset >= len(elems) {
		return nil
	}
	elems = elems[r.Offset:]
	if r.Limit > 0 && r.Limit < len(elems) {
		elems = elems[:r.Limit]
	}
	return elems
}

// buildElements copies the chosen values into new batches of field's type.
func buildElements(mem memory.Allocator, field arrow.Field, batches []arrow.RecordBatch, col int,
	elems []element, batchRows int) (*Elements, error) {
	if batchRows <= 0 {
		batchRows = DefaultElementsBatchRows
	}
	field.Nullable = true
	out := &Elements{Schema: arrow.NewSchema([]arrow.Field{field}, nil)}
	for len(elems) > 0 {
		n := min(len(elems), batchRows)
		rec, err := buildBatch(mem, out.Schema, batches, col, elems[:n])
		if err != nil {
			out.Release()
			return nil, err
		}
		out.Batches = append(out.Batches, rec)
		elems = elems[n:]
	}
	return out, nil
}

func buildBatch(mem memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch, col int, elems []element) (arrow.RecordBatch, error) {
	b := array.NewBuilder(mem, schema.Field(0).Type)
	defer b.Release()
	b.Reserve(len(elems))
	for _, e := range elems {
		if e.key == nil {
			b.AppendNull()
			continue
		}
		if err := appendAt(b, batches[e.batch].Column(col), e.row); err != nil {
			return nil, fmt.Errorf("label elements: column %q: %w", schema.Field(0).Name, err)
		}
	}
	arr := b.NewArray()
	defer arr.Release()
	return array.NewRecordBatch(schema, []arrow.Array{arr}, int64(len(elems))), nil
}
