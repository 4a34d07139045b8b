// Package secrets resolves the secrets scripts ask for with secret("NAME"),
// and keeps their values out of everything the server writes.
//
// A Store answers secret("NAME") from two places, in this order:
//
//  1. the environment variable NAME (exactly that name);
//  2. the key NAME of [flexfun.secrets] in the configuration (names there
//     match without regard to case, because GOODDATA_FLIGHT_FLEXFUN__SECRETS__NAME
//     overrides arrive lower-cased).
//
// The environment wins, as it does for every other setting, so a value
// committed in a configuration file is a default that a deployment
// overrides. A name found in neither is an error naming it
// (*MissingError).
//
// Every value the Store resolves, and every value configured in
// [flexfun.secrets] from the start, is known to its Redactor, which
// replaces them in any string and wraps a slog.Handler so that no log line
// carries them:
//
//	store := secrets.NewStore(cfg.FlexFun.Secrets, environ)
//	logger := slog.New(store.Redactor().Handler(slog.NewJSONHandler(os.Stderr, nil)))
//	if err := store.Require("WEATHER_API_KEY"); err != nil { ... } // a declared secret
//	key, err := store.Get("WEATHER_API_KEY")                         // secret("WEATHER_API_KEY")
//
// ParseEnvFile reads the .env file of `start --env-file FILE`; MergeEnv
// adds its variables to an environment without overriding what is set.
//
// A Store and its Redactor are safe for concurrent use.
package secrets

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Store resolves secrets from the environment and the configuration.
type Store struct {
	env        map[string]string
	configured map[string]string // as in [flexfun.secrets]
	red        *Redactor
}

// NewStore returns a Store over the secrets of [flexfun.secrets]
// (configured) and the environment (environ, in os.Environ form). Every
// configured value is registered with the Store's Redactor at once, so
// that it is redacted even before a script asks for it.
func NewStore(configured map[string]string, environ []string) *Store {
	s := &Store{env: make(map[string]string, len(environ)), configured: configured, red: NewRedactor()}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			s.env[k] = v
		}
	}
	for name, v := range configured {
		s.red.Add(name, v)
	}
	return s
}

// Redactor returns the Redactor that knows the Store's secret values.
func (s *Store) Redactor() *Redactor { return s.red }

// Get returns the value of the secret name: the environment variable
// name if it is set and not empty, else [flexfun.secrets] name. The value
// is registered with the Redactor before it is returned.
func (s *Store) Get(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	v, ok := s.lookup(name)
	if !ok {
		return "", &MissingError{Names: []string{name}}
	}
	s.red.Add(name, v)
	return v, nil
}

// Require checks that every named secret resolves, registering each value
// with the Redactor; it returns one *MissingError naming every secret that
// does not. A function's `secrets = [...]` declaration is checked with it
// when the function loads.
func (s *Store) Require(names ...string) error {
	var missing []string
	for _, name := range names {
		_, err := s.Get(name)
		var me *MissingError
		switch {
		case errors.As(err, &me):
			missing = append(missing, name)
		case err != nil:
			return err
		}
	}
	if len(missing) > 0 {
		return &MissingError{Names: missing}
	}
	return nil
}

func (s *Store) lookup(name string) (string, bool) {
	if v := s.env[name]; v != "" {
		return v, true
	}
	if v, ok := s.configured[name]; ok && v != "" {
		return v, true
	}
	// Keys set through GOODDATA_FLIGHT_FLEXFUN__SECRETS__NAME are lower
	// case; match them, and any other spelling, without regard to case.
	// Sorted, so that two spellings of one name resolve the same way
	// every time.
	keys := make([]string, 0, len(s.configured))
	for k := range s.configured {
		if strings.EqualFold(k, name) && s.configured[k] != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "", false
	}
	sort.Strings(keys)
	return s.configured[keys[0]], true
}

// checkName rejects names no environment variable can have.
func checkName(name string) error {
	if name == "" {
		return errors.New("secret: empty name")
	}
	if strings.ContainsAny(name, "=\x00") {
		return fmt.Errorf("secret %q: a name cannot contain \"=\" or NUL", name)
	}
	return nil
}

// MissingError reports secrets found neither in the environment nor in
// [flexfun.secrets].
type MissingError struct {
	Names []string
}

func (e *MissingError) Error() string {
	if len(e.Names) == 1 {
		n := e.Names[0]
		return fmt.Sprintf("secret %q is not set: set the environment variable %s or add %s to [flexfun.secrets]", n, n, n)
	}
	quoted := make([]string, len(e.Names))
	for i, n := range e.Names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return fmt.Sprintf("secrets %s are not set: set them as environment variables or in [flexfun.secrets]", strings.Join(quoted, ", "))
}
