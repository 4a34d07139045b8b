package engine

import (
	"time"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// Status describes a registry for people: what it serves and what failed.
// It is what `flexfun-script list` prints, locally or from a running server.
type Status struct {
	Functions []FunctionStatus `json:"functions"`
	Problems  []ProblemStatus  `json:"problems"`
}

// FunctionStatus is one function being served.
type FunctionStatus struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Columns []string `json:"columns"` // "name type", in schema order
	Helpers []string `json:"helpers,omitempty"`
}

// ProblemStatus is one script file whose last load failed.
type ProblemStatus struct {
	File    string    `json:"file"`
	Error   string    `json:"error"`
	Since   time.Time `json:"since"`
	Serving string    `json:"serving,omitempty"` // the previous version still serving, if any
}

// Status returns the registry's current status.
func (r *Registry) Status() Status {
	st := Status{Functions: []FunctionStatus{}, Problems: []ProblemStatus{}}
	for _, f := range r.Functions() {
		fs := FunctionStatus{Name: f.name, File: f.path, Helpers: f.Files()[1:]}
		for _, fld := range f.schema.Fields() {
			col := fld.Name + " " + arrowbridge.TypeName(fld.Type)
			if !fld.Nullable {
				col += " not null"
			}
			fs.Columns = append(fs.Columns, col)
		}
		st.Functions = append(st.Functions, fs)
	}
	for _, p := range r.Problems() {
		msg := p.Err.Error()
		if r.opts.Redact != nil {
			msg = r.opts.Redact(msg)
		}
		st.Problems = append(st.Problems, ProblemStatus{File: p.Path, Error: msg, Since: p.Since, Serving: p.Serving})
	}
	return st
}

// LoadLenient loads every function found under paths like Reload does:
// files that fail are reported by Problems instead of failing the load.
// The paths are kept for later reloads.
func (r *Registry) LoadLenient(paths []string) ReloadResult {
	r.mu.Lock()
	r.paths = paths
	r.mu.Unlock()
	return r.Reload(true)
}
