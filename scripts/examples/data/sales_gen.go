//go:build ignore

// sales_gen writes sales.sqlite, the example SQLite database: a year of
// made-up daily sales (day, region, product, units, revenue). The same
// seed gives the same rows every time. Run it from this directory:
//
//	go run sales_gen.go
package main

import (
	"database/sql"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"time"

	_ "modernc.org/sqlite"
)

const file = "sales.sqlite"

var (
	regions  = []string{"APAC", "EU", "LATAM", "US"}
	products = []struct {
		name  string
		price float64 // list price per unit
	}{
		{"Widget", 4.99}, {"Gadget", 12.50}, {"Gizmo", 7.25}, {"Doohickey", 2.10},
		{"Sprocket", 0.89}, {"Flux Capacitor", 199.00}, {"Thingamajig", 15.75}, {"Whatsit", 3.40},
	}
)

func main() {
	if err := os.Remove(file); err != nil && !os.IsNotExist(err) {
		log.Fatal(err)
	}
	db, err := sql.Open("sqlite", file)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	must := func(_ sql.Result, err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	must(db.Exec(`CREATE TABLE sales (
		id INTEGER PRIMARY KEY,
		day DATE NOT NULL,
		region TEXT NOT NULL,
		product TEXT NOT NULL,
		units INTEGER NOT NULL,
		revenue DECIMAL(12, 2) NOT NULL)`))
	tx, err := db.Begin()
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2024, 11))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	id := 0
	for d := 0; d < 366; d++ {
		day := start.AddDate(0, 0, d).Format("2006-01-02")
		for range 8 + rng.IntN(5) { // 8 to 12 sales a day
			id++
			p := products[rng.IntN(len(products))]
			units := 1 + rng.IntN(40)
			discount := 1 - float64(rng.IntN(16))/100 // up to 15% off
			cents := int64(float64(units)*p.price*discount*100 + 0.5)
			revenue := fmt.Sprintf("%d.%02d", cents/100, cents%100)
			must(tx.Exec("INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?)", id, day, regions[rng.IntN(len(regions))], p.name, units, revenue))
		}
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	must(db.Exec("CREATE INDEX sales_day ON sales (day)"))
	must(db.Exec("VACUUM"))
	fmt.Printf("%s: %d rows\n", file, id)
}
