// Package modules holds the host modules the flexfun-script binary offers
// to scripts, each written once for every language through the engine's
// host module interface (engine.Module, engine.Func):
//
//	log     debug, info, warning (warn), error: log.info("message", key=value, ...)
//
// Register them through engine.Options.Modules.
package modules

import (
	"context"
	"log/slog"
	"math"

	"github.com/flexfun-script/flexfun-script/engine"
)

// Log returns the log module: log.debug, log.info, log.warning (and its
// alias log.warn) and log.error write a structured event to the server
// log, tagged with the file, the function and the call's task_id:
//
//	log.warning("slow source", source="api", ms=1200)       # Starlark
//	log.warning("slow source", {source: "api", ms: 1200});  // JavaScript
//
// The message may be any value (it is printed as print would); each field
// is kept as a string, number, boolean or null, and anything else as its
// JSON text.
func Log() *engine.Module {
	return &engine.Module{Name: "log", Funcs: []*engine.Func{
		logFunc("debug", slog.LevelDebug),
		logFunc("info", slog.LevelInfo),
		logFunc("warning", slog.LevelWarn),
		logFunc("warn", slog.LevelWarn),
		logFunc("error", slog.LevelError),
	}}
}

func logFunc(name string, level slog.Level) *engine.Func {
	return &engine.Func{
		Name:       "log." + name,
		Params:     []string{"message"},
		AnyOptions: true,
		Impl: func(t *engine.Thread, args *engine.Args) (engine.Value, error) {
			names, vals, err := args.Extra()
			if err != nil {
				return nil, err
			}
			attrs := make([]any, 0, 2*len(names))
			for i, n := range names {
				attrs = append(attrs, n, logValue(vals[i]))
			}
			t.Logger().Log(context.Background(), level, args.Text(args.Raw("message")), attrs...)
			return nil, nil
		},
	}
}

// logValue converts a field for a structured log record.
func logValue(v engine.Value) any {
	switch v := v.(type) {
	case nil, bool, int64, string:
		return v
	case float64:
		if v == math.Trunc(v) && math.Abs(v) <= 1<<53 {
			return int64(v)
		}
		return v
	case engine.Foreign:
		return v.Text
	}
	if text, err := engine.AppendJSON(nil, v); err == nil {
		return string(text)
	}
	return engine.KindName(v)
}
