package engine

import (
	"slices"
	"time"
)

// ReloadResult says what a Reload did.
type ReloadResult struct {
	Loaded    []string  // files (re)loaded successfully, helpers included
	Removed   []string  // files that no longer exist or are no longer configured
	Failed    []Problem // files whose load failed in this reload
	Unchanged int       // files skipped because nothing they depend on changed
	Err       error     // the configured paths could not be searched; nothing changed
	Duration  time.Duration
}

// Changed reports whether the reload changed anything.
func (r ReloadResult) Changed() bool {
	return len(r.Loaded) > 0 || len(r.Removed) > 0 || len(r.Failed) > 0
}

// Reload searches the configured paths again and reloads what changed:
// a new file is loaded, a deleted one removed, and a function whose file or
// helpers changed (by content) is loaded again, off to the side, with its
// on_load. Files that failed before are retried whenever anything changed.
// With force, every file is reloaded.
//
// Reload is forgiving: a file that fails keeps its last good version
// serving, and the problem is kept for Problems until a later load of the
// file succeeds. The new set of functions replaces the old one atomically.
// Calls already running finish on the version they started with.
func (r *Registry) Reload(force bool) ReloadResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	prev := r.current.Load()
	files, err := FindScripts(r.paths, r.Extensions())
	if err != nil {
		return ReloadResult{Err: err, Duration: time.Since(start)}
	}
	stale := r.staleFiles(prev, files, force)
	var res ReloadResult
	next := newCatalog(files)
	fresh := map[string]fileState{}
	env := r.newEnv(r.paths)
	for _, path := range files {
		old, existed := prev.files[path]
		if existed && !stale[path] {
			next.files[path] = old
			res.Unchanged++
			continue
		}
		st := r.loadState(path, env, old)
		next.files[path] = st
		fresh[path] = old
	}
	next.index(fresh)
	for path := range fresh {
		if st := next.files[path]; st.err != nil {
			res.Failed = append(res.Failed, Problem{Path: path, Err: st.err, Since: st.since})
		} else {
			res.Loaded = append(res.Loaded, path)
		}
	}
	for _, path := range prev.order {
		if _, ok := next.files[path]; !ok {
			res.Removed = append(res.Removed, path)
		}
	}
	slices.Sort(res.Loaded)
	r.current.Store(next)
	res.Duration = time.Since(start)
	return res
}

// staleFiles returns the files to load: new ones, ones whose watched files
// changed, and, if anything changed at all, the ones that failed before.
func (r *Registry) staleFiles(prev *catalog, files []string, force bool) map[string]bool {
	stale := map[string]bool{}
	for _, path := range files {
		old, existed := prev.files[path]
		if force || !existed {
			stale[path] = true
			continue
		}
		if digestFiles(old.watchedFiles(path)) != old.digest {
			stale[path] = true
		}
	}
	if len(stale) > 0 || len(files) != len(prev.order) {
		for _, path := range files {
			if st, ok := prev.files[path]; ok && st.err != nil {
				stale[path] = true
			}
		}
	}
	return stale
}
