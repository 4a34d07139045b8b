package main

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
	"github.com/flexfun-script/flexfun-script/engine/starlarkrt"
	"github.com/flexfun-script/flexfun-script/modules"
	"github.com/flexfun-script/flexfun-script/scripts/examples"
	"github.com/flexfun-script/flexfun-script/settings"
)

// levelWarnOnly is the log level of the commands that print results:
// only warnings and errors reach stderr.
const levelWarnOnly = slog.LevelWarn

// newLogger returns the server logger: JSON lines, or readable text with dev.
func newLogger(w io.Writer, dev bool, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if dev {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// loadSettings reads the configuration files and the environment.
func loadSettings(files []string, environ []string) (*settings.Config, error) {
	cfg, err := settings.Load(files, environ)
	if err != nil {
		return nil, fmt.Errorf("reading settings: %w", err)
	}
	cfg.FlexFun.Limits = effectiveLimits(cfg, containerMemoryLimit)
	return cfg, nil
}

// newRegistry returns a registry with every runtime and host module the
// binary has.
func newRegistry(cfg *settings.Config, svc *services) *engine.Registry {
	limits := cfg.FlexFun.Limits
	return engine.NewRegistry(engine.Options{
		MemoryLimit:    limits.MemoryLimit,
		MaxResultRows:  limits.MaxResultRows,
		MaxResultBytes: limits.MaxResultBytes,
		Runtimes:       []engine.Runtime{starlarkrt.New(), jsrt.New()},
		Settings:       scriptSettings(cfg.Raw),
		Logger:         svc.logger,
		Redact:         svc.secrets.Redactor().Redact,
		LoadTimeout:    cfg.FlexFun.LoadTimeout,
		ModulePaths:    cfg.FlexFun.ModulePaths,
		MaxCallDepth:   cfg.FlexFun.MaxCallDepth,
		Modules:        []*engine.Module{modules.Log()},
		Extensions: []*engine.Extension{
			modules.GoodData(modules.GoodDataOptions{
				FiscalYearStartMonth: cfg.FlexFun.GoodData.FiscalYearStartMonth,
				MaxMessageBytes:      int(cfg.FlexFun.GoodData.MaxMessageBytes),
			}),
			svc.extension(),
		},
	})
}

// extractExamples writes the embedded example scripts into a new temporary
// directory and returns it; remove it when done.
func extractExamples() (string, error) {
	dir, err := os.MkdirTemp("", "flexfun-examples-")
	if err != nil {
		return "", fmt.Errorf("extract examples: %w", err)
	}
	err = fs.WalkDir(examples.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == "." {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := examples.FS.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("extract examples: %w", err)
	}
	return dir, nil
}

// functionPaths returns the configured function paths or, when none are
// configured and no config file was given, the bundled examples. cleanup
// removes what it extracted.
func functionPaths(cfg *settings.Config, configGiven bool, logger *slog.Logger) (paths []string, cleanup func(), err error) {
	if !servesExamples(cfg, configGiven) {
		return cfg.FlexFun.Functions, func() {}, nil
	}
	dir, err := extractExamples()
	if err != nil {
		return nil, nil, err
	}
	logger.Info("serving_bundled_examples", "dir", dir)
	return []string{dir}, func() { os.RemoveAll(dir) }, nil
}

// servesExamples reports whether the bundled examples are served: no
// functions are configured and no configuration file was given.
func servesExamples(cfg *settings.Config, configGiven bool) bool {
	return len(cfg.FlexFun.Functions) == 0 && !configGiven
}

// examplesDir returns the directory the bundled examples were extracted
// to (the one path functionPaths returned for them), or "".
func examplesDir(cfg *settings.Config, configGiven bool, paths []string) string {
	if servesExamples(cfg, configGiven) && len(paths) == 1 {
		return paths[0]
	}
	return ""
}

// scriptSettings is the configuration scripts see as ctx.settings: every
// section but the secrets the server itself uses ([enumerated_tokens] and
// the TLS private key).
func scriptSettings(raw map[string]any) map[string]any {
	out := make(map[string]any, len(raw))
	for section, v := range raw {
		if section == "enumerated_tokens" {
			continue
		}
		out[section] = v
	}
	if server, ok := raw["server"].(map[string]any); ok {
		copied := make(map[string]any, len(server))
		for k, v := range server {
			if k != "tls_private_key" {
				copied[k] = v
			}
		}
		out["server"] = copied
	}
	return out
}
