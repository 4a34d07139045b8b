package conformance_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/flexfun-script/flexfun-script/engine"
)

// probe is a host module for the suite: it shows how host functions see
// their arguments, context and scope in every language.
//
//	probe.describe(a, b=None, x=..., y=...)  a text listing what it received
//	probe.seconds(d)                         a duration argument, in seconds
//	probe.wait(seconds)                      blocks until then or until the call is abandoned
//	probe.hold(name)                         registers a release in the run's scope, logged when it runs
var probe = &engine.Module{Name: "probe", Funcs: []*engine.Func{
	{
		Name:    "probe.describe",
		Params:  []string{"a", "b?"},
		Options: []string{"x", "y"},
		Impl: func(t *engine.Thread, args *engine.Args) (engine.Value, error) {
			var parts []string
			for _, name := range []string{"a", "b", "x", "y"} {
				v, err := args.Value(name)
				if err != nil {
					return nil, err
				}
				text, err := engine.AppendJSON(nil, v)
				if err != nil {
					text = []byte(engine.KindName(v))
				}
				parts = append(parts, fmt.Sprintf("%s=%s:%s", name, engine.KindName(v), text))
			}
			return strings.Join(parts, " "), nil
		},
	},
	{
		Name:   "probe.seconds",
		Params: []string{"d"},
		Impl: func(t *engine.Thread, args *engine.Args) (engine.Value, error) {
			d, err := args.Duration("d", 0)
			return d.Seconds(), err
		},
	},
	{
		Name:   "probe.wait",
		Params: []string{"seconds"},
		Impl: func(t *engine.Thread, args *engine.Args) (engine.Value, error) {
			d, err := args.Duration("seconds", 0)
			if err != nil {
				return nil, err
			}
			select {
			case <-time.After(d):
				return "waited", nil
			case <-t.Context().Done():
				return nil, fmt.Errorf("probe.wait: %w", t.Context().Err())
			}
		},
	},
	{
		Name:   "probe.hold",
		Params: []string{"name"},
		Impl: func(t *engine.Thread, args *engine.Args) (engine.Value, error) {
			name, err := args.String("name", "")
			if err != nil {
				return nil, err
			}
			logger := t.Logger()
			t.Scope().Defer(func() { logger.Info("probe released", "name", name) })
			return nil, nil
		},
	},
}}
