package engine

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// Converter converts a runtime's values for the engine; every Machine is
// one. Host function arguments arrive as the runtime's own values and are
// converted only when the function reads them.
type Converter interface {
	// ToValue converts a value of the runtime into the model. Values
	// without a counterpart become Foreign.
	ToValue(raw any) (Value, error)
	// TypeName names the type of a value as the language does: "int",
	// "number", "list", "array".
	TypeName(raw any) string
	// Format spells a value as the language's print does.
	Format(raw any) string
}

// NamedArg is a keyword argument (Starlark) or an options field (JavaScript).
type NamedArg struct {
	Name string
	Raw  any
}

// Args are the arguments of one call of a host function, bound to its
// parameters by name. Read them with the typed getters, which report a
// wrong type the same way in every language:
//
//	http.get: for parameter url: got int, want string
type Args struct {
	fn    *Func
	conv  Converter
	vocab *Vocabulary
	names []string // Params without "?", then Options in the order given
	raws  []any
	set   []bool
	rest  []any
	extra []NamedArg // options of any name, with AnyOptions
}

// BindArgs binds a call's positional and named arguments to fn's
// parameters. Runtimes call it; errors name the function.
func BindArgs(fn *Func, conv Converter, vocab *Vocabulary, positional []any, named []NamedArg) (*Args, error) {
	a := &Args{fn: fn, conv: conv, vocab: vocab}
	required := 0
	for _, p := range fn.Params {
		name, optional := strings.CutSuffix(p, "?")
		if !optional {
			required++
		}
		a.names = append(a.names, name)
	}
	a.names = append(a.names, fn.Options...)
	a.raws = make([]any, len(a.names))
	a.set = make([]bool, len(a.names))
	n := len(fn.Params)
	if len(positional) > n && !fn.Variadic {
		return nil, fmt.Errorf("%s: got %d arguments, want %s", fn.Name, len(positional), atMost(required, n))
	}
	for i, raw := range positional {
		if i < n {
			a.raws[i], a.set[i] = raw, true
		} else {
			a.rest = append(a.rest, raw)
		}
	}
	for _, kv := range named {
		i := a.index(kv.Name)
		switch {
		case i < 0 && fn.AnyOptions:
			a.extra = append(a.extra, kv)
			continue
		case i < 0:
			return nil, fmt.Errorf("%s: unexpected %s %q%s", fn.Name, vocab.Option, kv.Name, fn.validOptions())
		case a.set[i]:
			return nil, fmt.Errorf("%s: got two values for %s", fn.Name, kv.Name)
		}
		a.raws[i], a.set[i] = kv.Raw, true
	}
	for i := range required {
		if !a.set[i] {
			return nil, fmt.Errorf("%s: missing argument for %s", fn.Name, a.names[i])
		}
	}
	return a, nil
}

func atMost(required, n int) string {
	if required == n {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d to %d", required, n)
}

func (fn *Func) validOptions() string {
	if len(fn.Options) == 0 {
		return " (it takes none)"
	}
	return " (want " + strings.Join(fn.Options, ", ") + ")"
}

func (a *Args) index(name string) int {
	for i, n := range a.names {
		if n == name {
			return i
		}
	}
	return -1
}

// Has reports whether the argument name was given, and not as null.
func (a *Args) Has(name string) bool {
	i := a.mustIndex(name)
	if !a.set[i] {
		return false
	}
	v, err := a.conv.ToValue(a.raws[i])
	return err != nil || v != nil
}

// Raw returns the runtime's own value of the argument name, nil if absent.
func (a *Args) Raw(name string) any { return a.raws[a.mustIndex(name)] }

// Rest returns the positional arguments beyond the parameters.
func (a *Args) Rest() []any { return a.rest }

// Extra returns the options of any name that a function with AnyOptions
// received, converted, in the order given.
func (a *Args) Extra() ([]string, []Value, error) {
	names := make([]string, len(a.extra))
	vals := make([]Value, len(a.extra))
	for i, kv := range a.extra {
		v, err := a.conv.ToValue(kv.Raw)
		if err != nil {
			return nil, nil, a.errorf(kv.Name, "%v", err)
		}
		names[i], vals[i] = kv.Name, v
	}
	return names, vals, nil
}

func (a *Args) mustIndex(name string) int {
	i := a.index(name)
	if i < 0 {
		panic(fmt.Sprintf("engine: %s has no parameter %q", a.fn.Name, name))
	}
	return i
}

// Value returns the argument converted to the model; nil when absent.
func (a *Args) Value(name string) (Value, error) {
	i := a.mustIndex(name)
	if !a.set[i] {
		return nil, nil
	}
	v, err := a.conv.ToValue(a.raws[i])
	if err != nil {
		return nil, a.errorf(name, "%v", err)
	}
	return v, nil
}

// Text returns the argument as text: a string as it is, anything else as
// the language prints it.
func (a *Args) Text(raw any) string {
	if v, err := a.conv.ToValue(raw); err == nil {
		if s, ok := v.(string); ok {
			return s
		}
	}
	return a.conv.Format(raw)
}

// errorf reports a problem with the argument name.
func (a *Args) errorf(name, format string, args ...any) error {
	return fmt.Errorf("%s: for parameter %s: %s", a.fn.Name, name, fmt.Sprintf(format, args...))
}

// wrongType reports an argument of the wrong type.
func (a *Args) wrongType(name string, want string) error {
	return a.errorf(name, "got %s, want %s", a.conv.TypeName(a.raws[a.mustIndex(name)]), want)
}

// String returns a string argument; def when absent or null.
func (a *Args) String(name, def string) (string, error) {
	v, err := a.Value(name)
	switch v := v.(type) {
	case nil:
		return def, err
	case string:
		return v, nil
	}
	return "", a.wrongType(name, a.vocab.String)
}

// Bool returns a boolean argument; def when absent or null.
func (a *Args) Bool(name string, def bool) (bool, error) {
	v, err := a.Value(name)
	switch v := v.(type) {
	case nil:
		return def, err
	case bool:
		return v, nil
	}
	return false, a.wrongType(name, a.vocab.Bool)
}

// Int returns an integer argument; def when absent or null.
func (a *Args) Int(name string, def int64) (int64, error) {
	v, err := a.Value(name)
	switch v := v.(type) {
	case nil:
		return def, err
	case int64:
		return v, nil
	case *big.Int:
		return 0, a.errorf(name, "%s out of range", v)
	}
	return 0, a.wrongType(name, a.vocab.Int)
}

// Float returns a number argument (an integer is accepted); def when
// absent or null.
func (a *Args) Float(name string, def float64) (float64, error) {
	v, err := a.Value(name)
	switch v := v.(type) {
	case nil:
		return def, err
	case float64:
		return v, nil
	case int64:
		return float64(v), nil
	case *big.Int:
		f, _ := new(big.Float).SetInt(v).Float64()
		return f, nil
	}
	return 0, a.wrongType(name, a.vocab.Float)
}

// Duration returns a duration argument: a string such as "5s" or "1m30s",
// or a number of seconds; def when absent or null. It must be positive.
func (a *Args) Duration(name string, def time.Duration) (time.Duration, error) {
	v, err := a.Value(name)
	var d time.Duration
	switch v := v.(type) {
	case nil:
		return def, err
	case string:
		if d, err = time.ParseDuration(v); err != nil {
			return 0, a.errorf(name, "%q is not a duration such as \"5s\" or \"1m30s\"", v)
		}
	case int64:
		d = time.Duration(v) * time.Second
	case float64:
		if math.IsNaN(v) || v > math.MaxInt64/float64(time.Second) {
			return 0, a.errorf(name, "%v seconds is out of range", v)
		}
		d = time.Duration(v * float64(time.Second))
	default:
		return 0, a.wrongType(name, "a duration string or a number of seconds")
	}
	if d <= 0 {
		return 0, a.errorf(name, "must be positive, got %v", d)
	}
	return d, nil
}

// Strings returns a list of strings; nil when absent or null. A single
// string is accepted as a list of one when single is set.
func (a *Args) Strings(name string, single bool) ([]string, error) {
	v, err := a.Value(name)
	switch v := v.(type) {
	case nil:
		return nil, err
	case string:
		if single {
			return []string{v}, nil
		}
	case []Value:
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, a.errorf(name, "item %d: got %s, want %s", i, a.vocab.KindName(e), a.vocab.String)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, a.wrongType(name, a.vocab.List+" of strings")
}

// Map returns a mapping argument; nil when absent or null.
func (a *Args) Map(name string) (*Map, error) {
	v, err := a.Value(name)
	switch v := v.(type) {
	case nil:
		return nil, err
	case *Map:
		return v, nil
	}
	return nil, a.wrongType(name, a.vocab.Map)
}

// StringMap returns a mapping of strings to strings; nil when absent.
func (a *Args) StringMap(name string) (map[string]string, []string, error) {
	m, err := a.Map(name)
	if m == nil || err != nil {
		return nil, nil, err
	}
	out := make(map[string]string, m.Len())
	for _, k := range m.Keys() {
		v, _ := m.Get(k)
		s, ok := v.(string)
		if !ok {
			return nil, nil, a.errorf(name, "%q: got %s, want %s", k, a.vocab.KindName(v), a.vocab.String)
		}
		out[k] = s
	}
	return out, m.Keys(), nil
}
