package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
)

// BenchmarkReloadLatency measures, over b.N saves, the time from writing a
// new version of a script (atomic rename, as editors do) to the first
// GetFlightInfo + DoGet that returns the new version, with the default
// debounce. It reports the median and the 99th percentile.
func BenchmarkReloadLatency(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "v.star")
	save := func(v string) {
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(versioned("V", v)), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	save("v0")
	reg := benchRegistry(b, dir)
	rl, err := startReloader(reg, true, benchLogger, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer rl.stop()
	client := serveBench(b, reg)

	var latencies []time.Duration
	for i := 0; b.Loop(); i++ {
		want := fmt.Sprintf("v%d", i+1)
		start := time.Now()
		save(want)
		for {
			got, err := servedVersion(client)
			if err != nil {
				b.Fatal(err)
			}
			if got == want {
				break
			}
			time.Sleep(time.Millisecond)
		}
		latencies = append(latencies, time.Since(start))
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(percentile(latencies, 0.50).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(percentile(latencies, 0.99).Milliseconds()), "p99-ms")
}

// servedVersion calls V over Flight and returns the version its rows carry.
func servedVersion(client flight.Client) (string, error) {
	ctx := context.Background()
	info, err := client.GetFlightInfo(ctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"V"}`)})
	if err != nil {
		return "", err
	}
	stream, err := client.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		return "", err
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		return "", err
	}
	defer rdr.Release()
	var v string
	for rdr.Next() {
		rec := rdr.RecordBatch()
		v = rec.Column(0).ValueStr(int(rec.NumRows()) - 1)
	}
	return v, rdr.Err()
}
