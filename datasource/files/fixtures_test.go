package files

import (
	"context"
	"reflect"
	"testing"
)

// The examples' sales data (scripts/examples/data, written by its gen
// program) holds the same rows as CSV and as Parquet, with the same types.
func TestSalesFixtures(t *testing.T) {
	d := newDirs(t, "../../scripts/examples/data")
	ctx := context.Background()
	mem := checked(t)
	csvTab, err := d.ReadCSV(ctx, "sales.csv", CSVOptions{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer csvTab.Release()
	pqTab, err := d.ReadParquet(ctx, "sales.parquet", nil, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer pqTab.Release()
	want := []string{"date:date32", "region:string", "product:string", "units:int64", "revenue:float64"}
	if got := schemaOf(csvTab.Schema); !reflect.DeepEqual(got, want) {
		t.Errorf("sales.csv schema %q, want %q", got, want)
	}
	if got := schemaOf(pqTab.Schema); !reflect.DeepEqual(got, want) {
		t.Errorf("sales.parquet schema %q, want %q", got, want)
	}
	if csvTab.Rows < 2000 || csvTab.Rows != pqTab.Rows {
		t.Fatalf("rows: csv %d, parquet %d", csvTab.Rows, pqTab.Rows)
	}
	if !reflect.DeepEqual(rowsOf(csvTab), rowsOf(pqTab)) {
		t.Error("sales.csv and sales.parquet hold different rows")
	}
}
