package httpclient

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// BenchmarkJSONTable measures an HTTP response of 100k JSON objects
// (id, name, value, day) fetched over loopback and decoded into Arrow,
// with a declared schema and with an inferred one.
func BenchmarkJSONTable(b *testing.B) {
	const rows = 100_000
	var body bytes.Buffer
	body.WriteByte('[')
	for i := range rows {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":%d,"name":"name_%d","value":%g,"day":"2024-%02d-%02d"}`, i, i, float64(i)*0.5+0.25, 1+i%12, 1+i%28)
	}
	body.WriteByte(']')
	data := body.Bytes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(data)
	}))
	defer srv.Close()
	c, err := New(Config{Allow: []string{"127.0.0.1"}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	schema, err := arrowbridge.NewSchema([]arrowbridge.ColumnSpec{
		{Name: "id", Type: "int64"}, {Name: "name", Type: "string"},
		{Name: "value", Type: "float64"}, {Name: "day", Type: "date32"},
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts TableOptions
	}{{"schema", TableOptions{Schema: schema}}, {"inferred", TableOptions{}}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				resp, err := c.Do(context.Background(), Request{URL: srv.URL})
				if err != nil {
					b.Fatal(err)
				}
				t, err := resp.Table(context.Background(), tc.opts)
				if err != nil || t.Rows != rows {
					b.Fatalf("table: %v", err)
				}
				t.Release()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
