package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
)

// TestE2EGoodDataContext calls the bundled GoodData-aware example in both
// languages as GoodData does: a REPORT execution filtered by its context,
// whose data-source message reaches the FlightInfo schema and the DoGet
// stream, and a LABEL_ELEMENTS execution answered from the result.
func TestE2EGoodDataContext(t *testing.T) {
	report, err := os.ReadFile("../../scripts/examples/contexts/sales-report.json")
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, nil)
	c := newClient(t, s.addr)
	for _, name := range []string{"SalesReport", "SalesReportJs"} {
		t.Run(name, func(t *testing.T) {
			info, recs, err := invoke(t, c, `{"functionName":"`+name+`","parameters":`+string(report)+`}`)
			if err != nil {
				t.Fatal(err)
			}
			var days []string
			for i := range int(numRows(recs)) {
				days = append(days, cell(t, recs, "region", i).(string)+" "+cell(t, recs, "day", i).(string))
			}
			// The week before 2024-03-13 (weeks start on Monday), Europe and Asia only.
			if got := strings.Join(days, ","); got != "Europe 2024-03-04,Asia 2024-03-05,Europe 2024-03-07,Asia 2024-03-08,Europe 2024-03-10" {
				t.Errorf("rows %s", got)
			}
			want := `[{"source":"` + name + `","correlation_id":"`
			schema, err := flight.DeserializeSchema(info.Schema, nil)
			if err != nil {
				t.Fatal(err)
			}
			fromInfo, _ := schema.Metadata().GetValue("x-gdc-data-source-messages")
			fromStream, _ := recs[0].Schema().Metadata().GetValue("x-gdc-data-source-messages")
			if !strings.HasPrefix(fromInfo, want) || !strings.Contains(fromInfo, `"type":"info","data":{"rows":5,"from":"2024-03-04T00:00:00+01:00","to":"2024-03-11T00:00:00+01:00","regions":["Europe","Asia"]}}]`) {
				t.Errorf("FlightInfo schema messages %s", fromInfo)
			}
			if fromStream != fromInfo {
				t.Errorf("DoGet schema messages %s, FlightInfo's %s", fromStream, fromInfo)
			}
			var msgs []map[string]any
			if err := json.Unmarshal([]byte(fromInfo), &msgs); err != nil || len(msgs) != 1 {
				t.Errorf("messages are not a JSON array of one: %v", err)
			}

			// The same context asking for the elements of region.name.
			var params map[string]map[string]any
			if err := json.Unmarshal(report, &params); err != nil {
				t.Fatal(err)
			}
			ec := params["executionContext"]
			ec["executionType"], ec["filters"] = "LABEL_ELEMENTS", []any{}
			ec["labelElementsExecutionRequest"] = map[string]any{"label": "region.name", "offset": 1, "limit": 5}
			elements, _ := json.Marshal(params)
			info, recs, err = invoke(t, c, `{"functionName":"`+name+`","parameters":`+string(elements)+`}`)
			if err != nil {
				t.Fatal(err)
			}
			schema, _ = flight.DeserializeSchema(info.Schema, nil)
			if schema.NumFields() != 1 || schema.Field(0).Name != "region" {
				t.Errorf("label elements schema %s", schema)
			}
			var regions []string
			for i := range int(numRows(recs)) {
				regions = append(regions, cell(t, recs, "region", i).(string))
			}
			// Distinct, sorted, after an offset of 1: America is skipped.
			if got := strings.Join(regions, ","); got != "Asia,Europe" {
				t.Errorf("label elements %s", got)
			}
		})
	}
}
