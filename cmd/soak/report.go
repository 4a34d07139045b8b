package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// report prints the samples as a table, then the calls and errors, the
// hostile functions' answers and the RSS after warm-up.
func report(w io.Writer, l *load, samples []sample, srv *server) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "time\tsmall\tslowest small ms\tbig\thostile\tunexpected errors\tRSS MiB\tgoroutines\tversion served\t")
	for _, s := range samples {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%d\t\n", s.at.Round(time.Second), s.calls[smallKind], s.slowest.Milliseconds(),
			s.calls[bigKind], s.calls[hostileKind], s.unexpected, orUnknown(s.rss>>20, s.rss < 0), orUnknown(int64(s.goroutines), s.goroutines < 0), s.version)
	}
	tw.Flush()

	fmt.Fprintln(w)
	for k := range numKinds {
		fmt.Fprintf(w, "%-8s calls %6d  errors %d", kindNames[k], l.calls[k].Load(), l.failures[k].Load())
		if k == hostileKind {
			fmt.Fprint(w, " (expected)")
		} else {
			fmt.Fprintf(w, "  slowest %s", time.Duration(l.worst[k].Load()).Round(time.Millisecond))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "reloads  %d written, version %d served last\n", l.written.Load()-1, l.served.Load())
	if len(l.hostileErr) > 0 {
		fmt.Fprintln(w, "\nhostile functions, last answer and time to answer:")
		for _, name := range slices.Sorted(maps.Keys(l.hostileErr)) {
			fmt.Fprintf(w, "  %s (%s): %s\n", name, l.hostileDur[name].Round(time.Millisecond), l.hostileErr[name])
		}
	}
	if len(l.unexpected) > 0 {
		fmt.Fprintln(w, "\nunexpected errors (first 10):")
		for _, e := range l.unexpected {
			fmt.Fprintln(w, "  "+e)
		}
	}
	fmt.Fprintln(w)
	rssAfterWarmUp(w, samples)
	if !srv.alive() {
		fmt.Fprintf(w, "THE SERVER DIED: %v\nits last log lines:\n  %s\n", srv.exitErr, strings.Join(srv.logs(), "\n  "))
	}
	if l.passed() && srv.alive() {
		fmt.Fprintln(w, "PASS")
	} else {
		fmt.Fprintln(w, "FAIL")
	}
}

// rssAfterWarmUp prints the range of RSS over the samples of the second
// half of the run: a flat range means no growth once warm.
func rssAfterWarmUp(w io.Writer, samples []sample) {
	var rss []int64
	for _, s := range samples[len(samples)/2:] {
		if s.rss >= 0 {
			rss = append(rss, s.rss)
		}
	}
	if len(rss) == 0 {
		return
	}
	first, last := rss[0], rss[len(rss)-1]
	fmt.Fprintf(w, "RSS over the second half: min %d MiB, max %d MiB, %+d MiB from its first sample to the last\n",
		slices.Min(rss)>>20, slices.Max(rss)>>20, (last-first)>>20)
	if g := samples[len(samples)-1].goroutines; g >= 0 {
		fmt.Fprintf(w, "goroutines at the end: %d\n", g)
	}
}

func orUnknown(v int64, unknown bool) string {
	if unknown {
		return "?"
	}
	return fmt.Sprint(v)
}
