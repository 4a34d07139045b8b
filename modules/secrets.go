package modules

import (
	"errors"
	"fmt"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/flexfun"
	"github.com/flexfun-script/flexfun-script/secrets"
)

// Secrets returns the secrets extension over store:
//
//	secret("NAME")        the value of environment variable NAME, or of [flexfun.secrets] NAME
//	secrets = ["NAME"]    a declaration: the load fails when a secret it names is missing
//
// A secret's value never reaches a call's error: every error a call ends
// with is redacted (logs are redacted by store.Redactor().Handler, which
// the binary installs).
func Secrets(store *secrets.Store) *engine.Extension {
	return &engine.Extension{
		Functions: []*engine.Func{{
			Name:   "secret",
			Params: []string{"name"},
			Impl: func(_ *engine.Thread, args *engine.Args) (engine.Value, error) {
				name, err := args.String("name", "")
				if err != nil {
					return nil, err
				}
				v, err := store.Get(name)
				if err != nil {
					return nil, fmt.Errorf("secret: %w", err)
				}
				return v, nil
			},
		}},
		Declarations: []*engine.Declaration{{
			Name: "secrets",
			Check: func(v engine.Value) error {
				list, ok := v.([]engine.Value)
				if !ok {
					return fmt.Errorf("want a list of secret names, got %s", engine.KindName(v))
				}
				names := make([]string, len(list))
				for i, e := range list {
					s, ok := e.(string)
					if !ok {
						return fmt.Errorf("item %d: want a secret name, got %s", i, engine.KindName(e))
					}
					names[i] = s
				}
				return store.Require(names...)
			},
		}},
		Hooks: []engine.CallHook{redactErrors(store.Redactor())},
	}
}

// redactErrors returns a hook that takes every secret value out of the
// error a call ends with, keeping the error's type (GoodData's code).
func redactErrors(r *secrets.Redactor) engine.CallHook {
	return func(c *engine.CallInfo, next func() (*arrowbridge.Table, error)) (*arrowbridge.Table, error) {
		table, err := next()
		if err == nil {
			return table, nil
		}
		var se *flexfun.ScriptError
		var br *flexfun.BadRequestError
		switch {
		case errors.As(err, &se):
			return nil, &flexfun.ScriptError{Function: se.Function, Msg: r.Redact(se.Msg), Backtrace: r.Redact(se.Backtrace)}
		case errors.As(err, &br):
			return nil, &flexfun.BadRequestError{Msg: r.Redact(br.Msg)}
		case errors.As(err, new(*flexfun.CancelledError)):
			return nil, err
		}
		return nil, r.Error(err)
	}
}
