package clip

import (
	"context"
	"log/slog"
)

// Handler returns a slog.Handler that passes records to next with every
// string value, error and message longer than MaxRecord bytes cut by Cut,
// in groups too. Other values (numbers, durations, structs) pass
// unchanged. A record with nothing to cut is passed on as it is, so the
// cost on the usual record is one look at each attribute.
func Handler(next slog.Handler) slog.Handler { return &handler{next: next} }

type handler struct{ next slog.Handler }

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if !recordTooLong(r) {
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, Cut(r.Message, MaxRecord), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(clipAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clipped := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clipped[i] = clipAttr(a)
	}
	return &handler{next: h.next.WithAttrs(clipped)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(Cut(name, MaxRecord))}
}

// recordTooLong reports whether anything in r needs cutting.
func recordTooLong(r slog.Record) bool {
	long := len(r.Message) > MaxRecord
	r.Attrs(func(a slog.Attr) bool {
		long = long || valueTooLong(a.Value)
		return !long
	})
	return long
}

func valueTooLong(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindString:
		return len(v.String()) > MaxRecord
	case slog.KindGroup:
		for _, a := range v.Group() {
			if valueTooLong(a.Value) {
				return true
			}
		}
	case slog.KindAny:
		_, isErr := v.Any().(error) // its text is only known by formatting it: clipAttr decides
		return isErr
	case slog.KindLogValuer:
		return true
	}
	return false
}

// clipAttr cuts a's value if it is a long string or error, or does so
// inside a group.
func clipAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); len(s) > MaxRecord {
			return slog.String(a.Key, Cut(s, MaxRecord))
		}
	case slog.KindGroup:
		group := v.Group()
		clipped := make([]slog.Attr, len(group))
		for i, g := range group {
			clipped[i] = clipAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clipped...)}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			if s := err.Error(); len(s) > MaxRecord {
				return slog.String(a.Key, Cut(s, MaxRecord))
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
