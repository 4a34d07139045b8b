//go:build ignore

// Command gen writes the examples' sales data: sales.csv and
// sales.parquet, the same rows in both. The data are made up but
// deterministic: running gen again writes the same files.
//
//	go run scripts/examples/data/gen/main.go [-out scripts/examples/data]
//
// Each day of 2024, each of four regions sells two of six products. Units
// follow the weekday and the season; revenue is units × list price less a
// regional discount, in whole cents.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

type sale struct {
	date            time.Time
	region, product string
	units           int64
	revenue         float64
}

var (
	regions  = []string{"EU", "US", "APAC", "LATAM"}
	discount = map[string]float64{"EU": 0.05, "US": 0, "APAC": 0.08, "LATAM": 0.12}
	products = []string{"Widget", "Gadget", "Gizmo", "Doohickey", "Sprocket", "Thingamajig"}
	price    = map[string]float64{"Widget": 19.99, "Gadget": 34.50, "Gizmo": 7.25, "Doohickey": 112.00, "Sprocket": 3.10, "Thingamajig": 58.75}
)

func main() {
	out := flag.String("out", "scripts/examples/data", "directory to write sales.csv and sales.parquet to")
	flag.Parse()
	sales := generate()
	if err := writeCSV(filepath.Join(*out, "sales.csv"), sales); err != nil {
		log.Fatal(err)
	}
	if err := writeParquet(filepath.Join(*out, "sales.parquet"), sales); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %d rows to %s/sales.csv and sales.parquet\n", len(sales), *out)
}

func generate() []sale {
	rng := rand.New(rand.NewPCG(2024, 11))
	var out []sale
	for d := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 2024; d = d.AddDate(0, 0, 1) {
		weekday := 1.0
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			weekday = 0.6
		}
		season := 1 + 0.3*math.Sin(2*math.Pi*float64(d.YearDay())/366)
		for _, region := range regions {
			perm := rng.Perm(len(products))
			for _, p := range perm[:2] {
				product := products[p]
				units := int64(math.Round((5 + rng.Float64()*35) * weekday * season))
				cents := math.Round(float64(units) * price[product] * (1 - discount[region]) * 100)
				out = append(out, sale{d, region, product, units, cents / 100})
			}
		}
	}
	return out
}

func writeCSV(path string, sales []sale) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"date", "region", "product", "units", "revenue"})
	for _, s := range sales {
		w.Write([]string{s.date.Format("2006-01-02"), s.region, s.product,
			strconv.FormatInt(s.units, 10), strconv.FormatFloat(s.revenue, 'f', 2, 64)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeParquet(path string, sales []sale) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "product", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "units", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "revenue", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, s := range sales {
		b.Field(0).(*array.Date32Builder).Append(arrow.Date32FromTime(s.date))
		b.Field(1).(*array.StringBuilder).Append(s.region)
		b.Field(2).(*array.StringBuilder).Append(s.product)
		b.Field(3).(*array.Int64Builder).Append(s.units)
		b.Field(4).(*array.Float64Builder).Append(s.revenue)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(true))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	if err := w.Write(rec); err != nil {
		w.Close()
		return err
	}
	return w.Close() // closes f too
}
