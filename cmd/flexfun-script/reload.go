package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/watch"
)

// reloader keeps the registry's functions in step with their files: it
// watches them (unless watching is off) and reloads everything on SIGHUP.
type reloader struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startReloader starts live reload for reg. onReload, if not nil, is called
// after every reload (metrics). Stop it with stop.
func startReloader(reg *engine.Registry, watching bool, logger *slog.Logger, onReload func(engine.ReloadResult)) (*reloader, error) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &reloader{cancel: cancel}
	var w *watch.Watcher
	if watching {
		var err error
		w, err = watch.New(reg, watch.Options{Logger: logger, OnReload: onReload})
		if err != nil {
			cancel()
			return nil, err
		}
		r.wg.Go(func() {
			if err := w.Run(ctx); err != nil {
				logger.Error("watch_stopped", "error", err)
			}
		})
		logger.Info("watching_scripts", "paths", reg.Paths())
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	r.wg.Go(func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				logger.Info("reload_requested", "signal", "SIGHUP")
				if w != nil {
					w.Trigger(true)
					continue
				}
				res := reg.Reload(true)
				watch.LogReload(logger, res)
				if onReload != nil {
					onReload(res)
				}
			}
		}
	})
	return r, nil
}

// stop stops watching and signal handling.
func (r *reloader) stop() {
	r.cancel()
	r.wg.Wait()
}
