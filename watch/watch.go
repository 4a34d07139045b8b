// Package watch reloads an engine.Registry when its script files change.
//
// A Watcher watches directories, not single files: editors that save by
// writing a temporary file and renaming it over the original would lose a
// single-file watch. It watches every directory under the configured
// function paths (new subdirectories included, hidden ones and
// node_modules skipped) and the directory of every helper a function loads.
// Bursts of events are debounced into one reload, and the registry itself
// skips files whose content did not change.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/flexfun-script/flexfun-script/engine"
)

// DefaultDebounce is how long a Watcher waits after the last event of a
// burst before it reloads.
const DefaultDebounce = 100 * time.Millisecond

// maxDelay bounds how long a steady stream of events can postpone a reload.
const maxDelay = time.Second

// Options configure a Watcher.
type Options struct {
	Debounce time.Duration             // quiet period before a reload; 0: DefaultDebounce
	Logger   *slog.Logger              // nil: slog.Default()
	OnReload func(engine.ReloadResult) // called after every reload, e.g. to update metrics
}

// A Watcher reloads a registry when its files change.
// Run it once; Trigger is safe to call from any goroutine.
type Watcher struct {
	reg     *engine.Registry
	opts    Options
	fsw     *fsnotify.Watcher
	exts    []string
	watched map[string]bool
	trigger chan bool
}

// New returns a Watcher for reg, which must already have loaded its paths.
func New(reg *engine.Registry, opts Options) (*Watcher, error) {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &Watcher{
		reg:     reg,
		opts:    opts,
		fsw:     fsw,
		exts:    reg.Extensions(),
		watched: map[string]bool{},
		trigger: make(chan bool, 1),
	}
	w.refreshWatches()
	return w, nil
}

// Trigger asks for a reload now; with force every file is reloaded, changed
// or not (SIGHUP).
func (w *Watcher) Trigger(force bool) {
	select {
	case w.trigger <- force:
	default: // a reload is already pending
	}
}

// Run watches until ctx is done, then closes the Watcher.
func (w *Watcher) Run(ctx context.Context) error {
	defer w.fsw.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var first time.Time // first event of the pending burst; zero when none
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return errors.New("watch: event channel closed")
			}
			if !w.relevant(ev) {
				continue
			}
			if first.IsZero() {
				first = time.Now()
			}
			wait := min(w.opts.Debounce, time.Until(first.Add(maxDelay)))
			timer.Reset(max(wait, 0))
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return errors.New("watch: error channel closed")
			}
			w.opts.Logger.Warn("watch_error", "error", err)
		case <-timer.C:
			first = time.Time{}
			w.reload(false)
		case force := <-w.trigger:
			timer.Stop()
			first = time.Time{}
			w.reload(force)
		}
	}
}

// relevant reports whether ev may change a script: a script file, or a
// directory. A new directory is watched at once.
func (w *Watcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	if ev.Has(fsnotify.Create) {
		if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
			w.watchTree(ev.Name)
			return true
		}
	}
	ext := filepath.Ext(ev.Name)
	return slices.Contains(w.exts, ext) || (ext == "" && !ev.Has(fsnotify.Write))
}

// reload reloads the registry, reports what changed and watches any new
// directory.
func (w *Watcher) reload(force bool) {
	res := w.reg.Reload(force)
	LogReload(w.opts.Logger, res)
	if w.opts.OnReload != nil {
		w.opts.OnReload(res)
	}
	w.refreshWatches()
}

// LogReload writes one log event per file whose state a reload changed:
// script_reloaded, script_removed, script_load_failed (with the error), or
// reload_failed when the configured paths could not be searched.
func LogReload(logger *slog.Logger, res engine.ReloadResult) {
	if res.Err != nil {
		logger.Error("reload_failed", "error", res.Err)
		return
	}
	for _, path := range res.Loaded {
		logger.Info("script_reloaded", "file", path, "duration_ms", res.Duration.Milliseconds())
	}
	for _, path := range res.Removed {
		logger.Info("script_removed", "file", path)
	}
	for _, p := range res.Failed {
		logger.Error("script_load_failed", "file", p.Path, "error", p.Err.Error(), "serving_previous", p.Serving)
	}
}

// refreshWatches watches every directory the registry's files live in.
func (w *Watcher) refreshWatches() {
	for _, p := range w.reg.Paths() {
		w.watchPath(p)
	}
	for _, f := range w.reg.Files() {
		w.watchDir(filepath.Dir(f))
	}
}

// watchPath watches a configured path: a directory tree, the directory of
// a file, or the fixed leading directory of a glob.
func (w *Watcher) watchPath(p string) {
	if i := strings.IndexAny(p, "*?["); i >= 0 {
		w.watchDir(filepath.Dir(p[:i] + "x"))
		return
	}
	info, err := os.Stat(p)
	switch {
	case err != nil:
		w.watchDir(filepath.Dir(p))
	case info.IsDir():
		w.watchTree(p)
	default:
		w.watchDir(filepath.Dir(p))
	}
}

// watchTree watches root and every directory below it, but hidden ones and
// node_modules.
func (w *Watcher) watchTree(root string) {
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if path != root && engine.SkipDir(d.Name()) {
			return filepath.SkipDir
		}
		w.watchDir(path)
		return nil
	})
}

func (w *Watcher) watchDir(dir string) {
	dir = filepath.Clean(dir)
	if w.watched[dir] {
		return
	}
	if err := w.fsw.Add(dir); err != nil {
		w.opts.Logger.Warn("watch_failed", "dir", dir, "error", err)
		return
	}
	w.watched[dir] = true
}
