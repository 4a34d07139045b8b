package clip

import (
	"bytes"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789abc", 10, "0123456789…(+3 bytes)"},
		{"ab\u00e9cd", 3, "ab…(+4 bytes)"},                   // é is 2 bytes at 2..3: not split
		{"ab\u00e9cd", 4, "ab\u00e9…(+2 bytes)"},             // é ends at 4: kept
		{"\U0001F600\U0001F600", 5, "\U0001F600…(+4 bytes)"}, // 4-byte runes
		{"\U0001F600", 3, "…(+4 bytes)"},                     // found by FuzzCut
		{"\xff\xff\xff\xff\xff\xff", 3, "\xff\xff\xff…(+3 bytes)"},
		{"", 0, ""},
		{"x", 0, "…(+1 bytes)"},
	} {
		if got := Cut(tc.in, tc.n); got != tc.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestStringBytesError(t *testing.T) {
	huge := strings.Repeat("t", 20<<20) // a 20 MB ticket
	want := strings.Repeat("t", MaxValue) + "…(+" + strconv.Itoa(20<<20-MaxValue) + " bytes)"
	if got := String(huge); got != want {
		t.Errorf("String(20 MB) = %.40q... (%d bytes)", got, len(got))
	}
	if got := Bytes([]byte(huge)); got != want {
		t.Errorf("Bytes(20 MB) = %.40q... (%d bytes)", got, len(got))
	}
	if got := Bytes([]byte("abc")); got != "abc" {
		t.Errorf("Bytes(abc) = %q", got)
	}
	if got := Error(nil); got != "" {
		t.Errorf("Error(nil) = %q", got)
	}
	if got := Error(errors.New(huge)); len(got) > MaxError+32 || !strings.HasSuffix(got, " bytes)") {
		t.Errorf("Error(20 MB) is %d bytes", len(got))
	}
}

// TestHandler logs a 10 MB function name, a 20 MB error and a 20 MB value
// in a group and in WithAttrs: the line stays short, the short values stay
// as they are.
func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(Handler(slog.NewJSONHandler(&buf, nil)))
	big := strings.Repeat("f", 10<<20)
	logger.With("preset", big).Warn("get_flight_info_failed",
		"function", big, "error", errors.New(strings.Repeat("e", 20<<20)),
		slog.Group("request", "ticket", big, "rows", 3), "task_id", "abc")
	line := buf.String()
	if len(line) > 5*MaxRecord {
		t.Fatalf("log line of %d bytes", len(line))
	}
	for _, want := range []string{`"task_id":"abc"`, `"rows":3`, "…(+" + strconv.Itoa(10<<20-MaxRecord) + " bytes)",
		"…(+" + strconv.Itoa(20<<20-MaxRecord) + " bytes)", `"preset":"ffff`} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %s", want)
		}
	}

	buf.Reset()
	logger.Info("small", "function", "f", "error", errors.New("boom"), "n", 1)
	if want := `"msg":"small","function":"f","error":"boom","n":1}`; !strings.HasSuffix(strings.TrimSpace(buf.String()), want) {
		t.Errorf("small record changed: %s", buf.String())
	}
}

// FuzzCut: Cut keeps a prefix of at most n bytes, says exactly how many
// bytes it left out, and never makes valid UTF-8 invalid.
func FuzzCut(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, n uint16) {
		limit := int(n % 300)
		got := Cut(s, limit)
		if len(s) <= limit {
			if got != s {
				t.Fatalf("Cut(%q, %d) = %q, want it unchanged", s, limit, got)
			}
			return
		}
		i := strings.LastIndex(got, "…(+")
		if i < 0 || !strings.HasSuffix(got, " bytes)") {
			t.Fatalf("Cut(%q, %d) = %q: no marker", s, limit, got)
		}
		kept, marker := got[:i], got[i+len("…(+"):]
		left, err := strconv.Atoi(strings.TrimSuffix(marker, " bytes)"))
		switch {
		case err != nil || len(kept)+left != len(s) || !strings.HasPrefix(s, kept):
			t.Fatalf("Cut(%q, %d) = %q: not a prefix and the count of the rest", s, limit, got)
		case len(kept) > limit || len(kept) < limit-utf8.UTFMax+1:
			t.Fatalf("Cut(%q, %d) kept %d bytes", s, limit, len(kept))
		case utf8.ValidString(s) && !utf8.ValidString(got):
			t.Fatalf("Cut(%q, %d) = %q: invalid UTF-8", s, limit, got)
		}
	})
}
