package sqldb

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// SecretLookup returns the value of the secret NAME, and whether it is set.
type SecretLookup func(name string) (string, bool)

var secretRef = regexp.MustCompile(`\$\{([^}]*)\}`)
var secretName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expandDSN replaces each ${NAME} in dsn by the secret's value. In a URL
// DSN (one with "://") the value is percent-encoded, so that a password
// with '@', ':' or '/' stays one field; elsewhere it is inserted as is.
// It returns the expanded DSN and the values inserted, which must be
// redacted. Errors name the secret, never the DSN.
func expandDSN(dsn string, lookup SecretLookup) (string, []string, error) {
	if strings.Contains(dsn, "${") && !secretRef.MatchString(dsn) {
		return "", nil, fmt.Errorf("dsn has a ${ without its closing }")
	}
	isURL := strings.Contains(dsn, "://")
	var secrets []string
	var err error
	out := secretRef.ReplaceAllStringFunc(dsn, func(ref string) string {
		name := ref[2 : len(ref)-1]
		if err != nil {
			return ""
		}
		if !secretName.MatchString(name) {
			err = fmt.Errorf("dsn references ${%s}: a secret name is letters, digits and '_'", name)
			return ""
		}
		var value string
		var ok bool
		if lookup != nil {
			value, ok = lookup(name)
		}
		if !ok {
			err = fmt.Errorf("dsn references secret %s, which is not set", name)
			return ""
		}
		secrets = append(secrets, value)
		if isURL {
			return escapeAll(value)
		}
		return value
	})
	if err != nil {
		return "", nil, err
	}
	return out, secrets, nil
}

// escapeAll percent-encodes every byte outside RFC 3986's unreserved set.
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// A redactor removes a connection's secrets (the DSN, its password, every
// secret inserted into it, and their encoded forms) from driver messages.
// It is safe for concurrent use once built.
type redactor struct {
	secrets []string // longest first, so that a secret inside another goes with it
}

const redacted = "[redacted]"

func newRedactor(values ...string) *redactor {
	r := &redactor{}
	for _, v := range values {
		r.add(v)
	}
	return r
}

// add registers a value and its URL-encoded forms. Empty values are
// ignored.
func (r *redactor) add(v string) {
	for _, s := range []string{v, url.QueryEscape(v), url.PathEscape(v), escapeAll(v)} {
		if s != "" && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

// clean returns msg with every secret replaced by [redacted].
func (r *redactor) clean(msg string) string {
	for _, s := range r.secrets {
		msg = strings.ReplaceAll(msg, s, redacted)
	}
	return msg
}

// String hides the secrets.
func (r *redactor) String() string { return redacted }

// GoString hides the secrets from %#v.
func (r *redactor) GoString() string { return redacted }
