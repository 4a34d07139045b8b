package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Redactor replaces known secret values in strings with "[REDACTED:NAME]".
// Besides each value as it is, it replaces the forms a value takes in a
// URL's query or path (percent-encoded) and inside a JSON string (escaped),
// where those differ. Where values overlap, the longest is replaced.
//
// A Redactor is safe for concurrent use: Redact reads an immutable
// replacer that Add swaps atomically.
type Redactor struct {
	mu      sync.Mutex
	values  map[string]string // value → name, every form
	current atomic.Pointer[strings.Replacer]
}

// NewRedactor returns a Redactor that knows no secrets yet.
func NewRedactor() *Redactor { return &Redactor{values: map[string]string{}} }

// Add registers the value of the secret name. Empty values are ignored.
// Adding a value already known costs only a map lookup.
func (r *Redactor) Add(name, value string) {
	if value == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.values[value]; ok {
		return
	}
	for _, form := range forms(value) {
		if _, ok := r.values[form]; !ok {
			r.values[form] = name
		}
	}
	r.rebuild()
}

// forms returns value and its encodings that differ from it.
func forms(value string) []string {
	out := []string{value}
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	add(url.QueryEscape(value))
	add(url.PathEscape(value))
	if b, err := json.Marshal(value); err == nil {
		add(string(b[1 : len(b)-1]))
	}
	return out
}

// rebuild makes the replacer for the current values, longest first, so
// that a value that contains another is replaced whole.
func (r *Redactor) rebuild() {
	vals := make([]string, 0, len(r.values))
	for v := range r.values {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool {
		if len(vals[i]) != len(vals[j]) {
			return len(vals[i]) > len(vals[j])
		}
		return vals[i] < vals[j]
	})
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, "[REDACTED:"+r.values[v]+"]")
	}
	r.current.Store(strings.NewReplacer(pairs...))
}

// Redact returns s with every known secret value replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	rep := r.current.Load()
	if rep == nil || s == "" {
		return s
	}
	return rep.Replace(s)
}

// Error returns err with its message redacted, or err itself when the
// message holds no secret (so that errors.Is and errors.As still see
// through it). A redacted error unwraps to err as well, but its Error
// never shows a secret.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := r.Redact(msg)
	if red == msg {
		return err
	}
	return &redactedError{msg: red, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Handler returns a slog.Handler that redacts every record before next
// sees it: the message, and every attribute value, in groups too. String
// values are redacted as they are; errors, fmt.Stringers and other values
// are formatted first, and replaced by their redacted text only when it
// differs. Attributes added with WithAttrs are redacted with the secrets
// known at that time.
func (r *Redactor) Handler(next slog.Handler) slog.Handler {
	return &redactHandler{r: r, next: next}
}

type redactHandler struct {
	r    *Redactor
	next slog.Handler
}

func (h *redactHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &redactHandler{r: h.r, next: h.next.WithAttrs(red)}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{r: h.r, next: h.next.WithGroup(name)}
}

// attr redacts one attribute, resolving LogValuers first.
func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Redact(v.String()))
	case slog.KindGroup:
		group := v.Group()
		red := make([]slog.Attr, len(group))
		for i, g := range group {
			red[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(red...)}
	case slog.KindAny:
		var text string
		switch x := v.Any().(type) {
		case error:
			text = x.Error()
		case fmt.Stringer:
			text = x.String()
		default:
			text = fmt.Sprintf("%+v", x)
		}
		if red := h.r.Redact(text); red != text {
			return slog.String(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
