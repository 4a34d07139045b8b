package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestRedactForms(t *testing.T) {
	r := NewRedactor()
	r.Add("TOKEN", `a+b/c d"e`)
	for in, want := range map[string]string{
		`raw a+b/c d"e end`: `raw [REDACTED:TOKEN] end`,
		"https://x.test/?k=" + url.QueryEscape(`a+b/c d"e`): "https://x.test/?k=[REDACTED:TOKEN]",
		"https://x.test/" + url.PathEscape(`a+b/c d"e`):     "https://x.test/[REDACTED:TOKEN]",
		`{"token":"a+b/c d\"e"}`:                            `{"token":"[REDACTED:TOKEN]"}`,
		"nothing here":                                      "nothing here",
	} {
		if got := r.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactLongestFirst(t *testing.T) {
	r := NewRedactor()
	r.Add("SHORT", "abcd")
	r.Add("LONG", "abcdefgh")
	r.Add("EMPTY", "")
	if got, want := r.Redact("x abcdefgh y abcd z"), "x [REDACTED:LONG] y [REDACTED:SHORT] z"; got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	var nilR *Redactor
	if got := nilR.Redact("abcd"); got != "abcd" {
		t.Errorf("nil Redactor changed the string: %q", got)
	}
	if got := NewRedactor().Redact("abcd"); got != "abcd" {
		t.Errorf("empty Redactor changed the string: %q", got)
	}
}

func TestRedactError(t *testing.T) {
	r := NewRedactor()
	r.Add("KEY", "s3cr3t-value")
	base := fmt.Errorf("GET https://api.test/?key=s3cr3t-value: %w", fs.ErrNotExist)
	err := r.Error(base)
	if strings.Contains(err.Error(), "s3cr3t-value") || !strings.Contains(err.Error(), "key=[REDACTED:KEY]") {
		t.Errorf("Error() = %q", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("the redacted error no longer unwraps to its cause")
	}
	plain := errors.New("no secret")
	if r.Error(plain) != plain || r.Error(nil) != nil {
		t.Error("an error without secrets must pass through unchanged")
	}
}

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

type valuer struct{ s string }

func (v valuer) LogValue() slog.Value { return slog.StringValue(v.s) }

type config struct{ User, Password string }

// Every place a log line can carry a value is redacted: the message,
// string, error, Stringer, LogValuer and struct attributes, groups, and
// attributes added with WithAttrs, in text and JSON output.
func TestHandler(t *testing.T) {
	const secret = "pa55-w0rd-xyz"
	r := NewRedactor()
	r.Add("DB_PASSWORD", secret)
	for name, mk := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(r.Handler(mk(&buf)))
			log = log.With("conn", "postgres://u:"+secret+"@db").WithGroup("g")
			log.Info("login with "+secret,
				"password", secret,
				"err", fmt.Errorf("auth %s failed", secret),
				"stringer", stringer{"s=" + secret},
				"valuer", valuer{secret},
				"cfg", config{"u", secret},
				slog.Group("inner", "p", secret, "n", 3),
				"count", 42,
			)
			out := buf.String()
			if strings.Contains(out, secret) {
				t.Fatalf("log line carries the secret:\n%s", out)
			}
			if n := strings.Count(out, "[REDACTED:DB_PASSWORD]"); n != 8 {
				t.Errorf("%d redactions, want 8:\n%s", n, out)
			}
			if !strings.Contains(out, "42") {
				t.Errorf("other attributes were lost:\n%s", out)
			}
		})
	}
}

func TestHandlerEnabled(t *testing.T) {
	h := NewRedactor().Handler(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if h.Enabled(context.Background(), slog.LevelInfo) || !h.Enabled(context.Background(), slog.LevelError) {
		t.Error("Enabled does not follow the wrapped handler")
	}
}

// Add and Redact may run at once (go test -race).
func TestRedactConcurrent(t *testing.T) {
	r := NewRedactor()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 50 {
				r.Add(fmt.Sprintf("S%d_%d", i, j), fmt.Sprintf("value-%d-%d", i, j))
			}
		}()
		go func() {
			defer wg.Done()
			for range 200 {
				_ = r.Redact("value-1-1 and value-2-2")
			}
		}()
	}
	wg.Wait()
	if got := r.Redact("value-3-49"); got != "[REDACTED:S3_49]" {
		t.Errorf("after concurrent adds: %q", got)
	}
}
