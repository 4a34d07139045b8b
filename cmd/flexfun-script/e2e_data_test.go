package main

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	_ "modernc.org/sqlite" // the reference reading of the example database

	"github.com/flexfun-script/flexfun-script/flightserver"
)

// withContext returns an invocation of function with a sample execution
// context of scripts/examples/contexts.
func withContext(t *testing.T, function, context string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "scripts", "examples", "contexts", context))
	if err != nil {
		t.Fatal(err)
	}
	return `{"functionName":"` + function + `","parameters":` + string(data) + `}`
}

// rowsText returns the rows as "v1|v2|..." lines, in order.
func rowsText(t *testing.T, c flight.Client, cmd string) []string {
	t.Helper()
	_, recs, err := invoke(t, c, cmd)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, rec := range recs {
		for i := range int(rec.NumRows()) {
			var vals []string
			for _, col := range rec.Columns() {
				vals = append(vals, col.ValueStr(i))
			}
			rows = append(rows, strings.Join(vals, "|"))
		}
	}
	return rows
}

// TestE2EFileExamples serves the bundled examples (their data directory
// and SQLite database come with them) and reads the CSV, Parquet and
// SQLite datasets in both languages, checked against the files read here
// independently.
func TestE2EFileExamples(t *testing.T) {
	s := startServer(t, nil)
	c := newClient(t, s.addr)

	f, err := os.Open("../../scripts/examples/data/sales.csv")
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, 0, len(records)-1)
	for _, r := range records[1:] {
		// Arrow spells decimals without trailing zeros.
		r[4] = strings.TrimSuffix(strings.TrimRight(r[4], "0"), ".")
		want = append(want, strings.Join(r, "|"))
	}
	for _, name := range []string{"SalesCsv", "SalesCsvJs", "SalesParquet", "SalesParquetJs"} {
		t.Run(name, func(t *testing.T) {
			got := rowsText(t, c, `{"functionName":"`+name+`"}`)
			if len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
				t.Fatalf("%d rows, first %q, last %q; want %d, %q, %q", len(got), got[0], got[len(got)-1], len(want), want[0], want[len(want)-1])
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("row %d: %q, want %q", i+1, got[i], want[i])
				}
			}
		})
	}
	t.Run("Parquet reads the hinted columns", func(t *testing.T) {
		info, recs, err := invoke(t, c, `{"functionName":"SalesParquetJs","parameters":{"columns":["units","region"]}}`)
		if err != nil {
			t.Fatal(err)
		}
		schema, _ := flight.DeserializeSchema(info.Schema, nil)
		if schema.NumFields() != 2 || recs[0].NumCols() != 2 || schema.Field(0).Name != "region" {
			t.Errorf("schema %s", schema)
		}
	})

	// The SQLite dataset with GoodData's filters pushed down: EU and US,
	// the week before 2024-03-13, read here with literal SQL.
	db, err := sql.Open("sqlite", "file:../../scripts/examples/data/sales.sqlite?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var firstDay string
	err = db.QueryRow(`SELECT count(*), min(day) FROM sales WHERE region IN ('EU', 'US') AND day >= '2024-03-04' AND day < '2024-03-11'`).Scan(&n, &firstDay)
	if err != nil || n == 0 {
		t.Fatalf("reference query: %d rows, %v", n, err)
	}
	for _, name := range []string{"SalesSqlite", "SalesSqliteJs"} {
		t.Run(name, func(t *testing.T) {
			got := rowsText(t, c, withContext(t, name, "sales-eu-us.json"))
			if len(got) != n || !strings.HasPrefix(got[0], firstDay[:10]+"|") {
				t.Errorf("%d rows starting %q, want %d starting on %s", len(got), got[0], n, firstDay)
			}
			for _, row := range got {
				if region := strings.Split(row, "|")[1]; region != "EU" && region != "US" {
					t.Errorf("row %q: the region filter was not applied", row)
				}
			}
		})
	}
}

// apiFixture is a REST API on loopback that answers sales as JSON and
// records the query strings it receives.
type apiFixture struct {
	*httptest.Server
	mu      sync.Mutex
	queries []string
	headers []string
}

func newAPIFixture(t *testing.T) *apiFixture {
	f := &apiFixture{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.queries = append(f.queries, r.URL.RawQuery)
		f.headers = append(f.headers, r.Header.Get("X-Api-Key"))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{
			{"date": "2024-03-04", "region": "EU", "units": 3, "revenue": "10.50"},
			{"date": "2024-03-05", "region": "US", "units": 4, "revenue": "7.25"},
		}})
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *apiFixture) lastQuery() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		return ""
	}
	return f.queries[len(f.queries)-1]
}

// TestE2ERestExample serves the REST-backed example against a fixture API:
// GoodData's date and region filters become query parameters and the JSON
// answer the result; without the host allowed, the call is refused naming
// the host and the setting.
func TestE2ERestExample(t *testing.T) {
	api := newAPIFixture(t)
	dir := t.TempDir()
	for _, name := range []string{"sales_api.star", "sales_api.js"} {
		src, err := os.ReadFile(filepath.Join("..", "..", "scripts", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, dir, name, string(src))
	}
	config := write(t, dir, "flexfun.toml", `[flexfun]
functions = ["`+dir+`"]
[flexfun.http]
allow = ["127.0.0.1"]
[sales_api]
url = "`+api.URL+`/sales"
`)
	s := startServer(t, nil, "--config", config)
	c := newClient(t, s.addr)
	for _, name := range []string{"SalesApi", "SalesApiJs"} {
		t.Run(name, func(t *testing.T) {
			got := rowsText(t, c, withContext(t, name, "sales-eu-us.json"))
			if strings.Join(got, ",") != "2024-03-04|EU|3|10.5,2024-03-05|US|4|7.25" {
				t.Errorf("rows %v", got)
			}
			if q := api.lastQuery(); q != "from=2024-03-04&to=2024-03-10&region=EU&region=US" {
				t.Errorf("the API got %q", q)
			}
		})
	}

	t.Run("a host that is not allowed", func(t *testing.T) {
		config := write(t, dir, "refused.toml", `[flexfun]
functions = ["`+filepath.Join(dir, "sales_api.star")+`"]
[sales_api]
url = "`+api.URL+`/sales"
`)
		s := startServer(t, nil, "--config", config)
		c := newClient(t, s.addr)
		var md metadata.MD
		_, err := c.GetFlightInfo(ctxT(t), &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"SalesApi"}`)}, grpc.Trailer(&md))
		_, _, info := wireError(t, err, md)
		if info.Code != flightserver.CodeCommandFailed || !strings.Contains(info.Msg, "127.0.0.1") || !strings.Contains(info.Msg, "[flexfun.http]") {
			t.Errorf("got %v %q, want COMMAND_FAILED naming the host and [flexfun.http]", info.Code, info.Msg)
		}
	})
}

// TestE2ESecrets: a secret reaches the script (and the API it calls), but
// never a client's error, a log line or ctx.settings; a function that
// declares a secret the server lacks does not start.
func TestE2ESecrets(t *testing.T) {
	const key = "sk-live-5f9c2e7a"
	api := newAPIFixture(t)
	dir := t.TempDir()
	write(t, dir, "leaky.star", `secrets = ["API_KEY"]
schema = {"v": "string"}
def call(p, c, h, ctx):
    resp = http.get("`+api.URL+`", headers = {"X-Api-Key": secret("API_KEY")})
    print("fetched with", secret("API_KEY"), resp.status)
    log.info("key", value = secret("API_KEY"), settings = str(ctx.settings))
    fail("the key is " + secret("API_KEY"))
`)
	config := write(t, dir, "flexfun.toml", `[flexfun]
functions = ["`+dir+`"]
[flexfun.http]
allow = ["127.0.0.1"]
[flexfun.secrets]
API_KEY = "`+key+`"
`)
	s := startServer(t, nil, "--config", config, "--dev-log")
	c := newClient(t, s.addr)
	var md metadata.MD
	_, err := c.GetFlightInfo(ctxT(t), &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"leaky"}`)}, grpc.Trailer(&md))
	_, msg, info := wireError(t, err, md)
	if info.Code != flightserver.CodeCommandFailed || !strings.Contains(info.Msg, "the key is ") {
		t.Errorf("got %v %q", info.Code, info.Msg)
	}
	api.mu.Lock()
	sent := strings.Join(api.headers, ",")
	api.mu.Unlock()
	if sent != key {
		t.Errorf("the API got key %q, want the secret", sent)
	}
	s.stop(t)
	for what, text := range map[string]string{"error message": info.Msg, "error detail": info.Detail, "gRPC message": msg, "log": s.stderr.String()} {
		if strings.Contains(text, key) {
			t.Errorf("the secret reached the %s:\n%s", what, text)
		}
	}
	if !strings.Contains(s.stderr.String(), "fetched with") {
		t.Errorf("the script's log lines are missing:\n%s", s.stderr.String())
	}

	t.Run("a declared secret that is missing fails the start", func(t *testing.T) {
		write(t, dir, "needy.js", "const secrets = [\"NOT_SET_ANYWHERE\"];\nconst schema = {v: \"string\"};\nfunction call() {}\n")
		cmd := execStart(t, "--config", config)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), `needy.js: secrets: secret "NOT_SET_ANYWHERE" is not set`) {
			t.Errorf("exit %v, output:\n%s", err, out)
		}
	})
}

// execStart returns the command "flexfun-script start --listen 127.0.0.1:0 args...".
func execStart(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	return exec.Command(binary, append([]string{"start", "--listen", "127.0.0.1:0"}, args...)...)
}
