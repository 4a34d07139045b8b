package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/datasource/files"
	"github.com/flexfun-script/flexfun-script/datasource/httpclient"
	"github.com/flexfun-script/flexfun-script/datasource/sqldb"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/modules"
	"github.com/flexfun-script/flexfun-script/secrets"
	"github.com/flexfun-script/flexfun-script/settings"
)

// services are what the host modules use, opened once per process and
// kept across reloads: secrets, the HTTP client, the data directories and
// the database pools. The logger redacts every secret value.
type services struct {
	secrets *secrets.Store
	http    *httpclient.Client
	dirs    *files.Dirs
	pools   *sqldb.Pools
	logger  *slog.Logger
}

// examplesConnection is the SQL connection the bundled examples use: their
// SQLite database, opened when they are served.
const examplesConnection = "examples"

// openServices opens the services of cfg. environ is the process
// environment (with --env-file's variables); examplesDir is where the
// bundled examples were extracted when they are served, "" otherwise:
// their data directory and database then serve unless configured.
func openServices(cfg *settings.Config, environ []string, examplesDir string, logger *slog.Logger) (*services, error) {
	s := &services{secrets: secrets.NewStore(cfg.FlexFun.Secrets, environ)}
	red := s.secrets.Redactor()
	s.logger = slog.New(red.Handler(logger.Handler()))
	var err error
	s.http, err = httpclient.New(httpclient.Config{
		Timeout:          cfg.FlexFun.HTTP.Timeout,
		MaxResponseBytes: cfg.FlexFun.HTTP.MaxResponseBytes,
		Allow:            cfg.FlexFun.HTTP.Allow,
		AllowPrivate:     cfg.FlexFun.HTTP.AllowPrivate,
		Redact:           red.Redact,
	})
	if err != nil {
		return nil, fmt.Errorf("[flexfun.http]: %w", err)
	}
	dataDirs, conns := cfg.FlexFun.DataDirs, cfg.FlexFun.SQL
	if examplesDir != "" {
		dataDirs, conns = examplesServices(dataDirs, conns, examplesDir)
	}
	if len(dataDirs) > 0 {
		if s.dirs, err = files.New(dataDirs); err != nil {
			s.close()
			return nil, fmt.Errorf("[flexfun] data_dirs: %w", err)
		}
	}
	if len(conns) > 0 {
		lookup := func(name string) (string, bool) {
			v, err := s.secrets.Get(name)
			return v, err == nil
		}
		if s.pools, err = sqldb.Open(context.Background(), conns, lookup, s.logger); err != nil {
			s.close()
			return nil, fmt.Errorf("opening SQL connections: %w", red.Error(err))
		}
	}
	return s, nil
}

// examplesServices adds the bundled examples' data directory and SQLite
// database, unless the configuration sets its own.
func examplesServices(dirs []string, conns map[string]settings.SQLConnection, examplesDir string) ([]string, map[string]settings.SQLConnection) {
	data := filepath.Join(examplesDir, "data")
	if len(dirs) == 0 {
		dirs = []string{data}
	}
	if _, ok := conns[examplesConnection]; !ok {
		all := map[string]settings.SQLConnection{examplesConnection: {
			Name: examplesConnection, Driver: "sqlite", DSN: "file:" + filepath.Join(data, "sales.sqlite"),
			MaxOpen: 4, MaxIdle: 2, ConnMaxLifetime: 30 * time.Minute, QueryTimeout: time.Minute, ReadOnly: true,
		}}
		for k, v := range conns {
			all[k] = v
		}
		conns = all
	}
	return dirs, conns
}

// extension returns the host modules of the services, for the registry.
func (s *services) extension() *engine.Extension {
	mem := memory.DefaultAllocator
	x := modules.Secrets(s.secrets)
	x.Modules = append(x.Modules, modules.HTTP(s.http, mem))
	x.Modules = append(x.Modules, modules.Files(s.dirs, mem)...)
	x.Modules = append(x.Modules, modules.SQL(s.pools, mem))
	return x
}

// close closes what the services opened.
func (s *services) close() {
	if s.http != nil {
		s.http.Close()
	}
	if s.pools != nil {
		s.pools.Close()
	}
}

// environment returns the process environment with the variables of an
// --env-file (the process's own variables win).
func environment(envFile string) ([]string, error) {
	environ := os.Environ()
	if envFile == "" {
		return environ, nil
	}
	vars, err := secrets.ParseEnvFile(envFile)
	if err != nil {
		return nil, fmt.Errorf("--env-file: %w", err)
	}
	return secrets.MergeEnv(environ, vars), nil
}
