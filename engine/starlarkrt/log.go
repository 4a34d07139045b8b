package starlarkrt

import (
	"context"
	"log/slog"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// logModule is the log module: log.info("msg", key=value, ...) writes a
// structured event to the server log, tagged with function and task_id.
var logModule = &starlarkstruct.Module{
	Name: "log",
	Members: starlark.StringDict{
		"debug":   logBuiltin("debug", slog.LevelDebug),
		"info":    logBuiltin("info", slog.LevelInfo),
		"warning": logBuiltin("warning", slog.LevelWarn),
		"error":   logBuiltin("error", slog.LevelError),
	},
}

func logBuiltin(name string, level slog.Level) *starlark.Builtin {
	return starlark.NewBuiltin("log."+name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var msg string
		if err := starlark.UnpackPositionalArgs(b.Name(), args, nil, 1, &msg); err != nil {
			return nil, err
		}
		attrs := make([]any, 0, 2*len(kwargs))
		for _, kv := range kwargs {
			attrs = append(attrs, string(kv[0].(starlark.String)), toGo(kv[1]))
		}
		logger, ok := thread.Local(localLogger).(*slog.Logger)
		if !ok {
			logger = slog.Default()
		}
		logger.Log(context.Background(), level, msg, attrs...)
		return starlark.None, nil
	})
}
