package sqldb

import (
	"slices"
	"strings"
	"testing"
)

func TestExpandDSN(t *testing.T) {
	secrets := map[string]string{"PW": "p@ss:/w%rd ü", "HOST": "db.internal"}
	lookup := func(name string) (string, bool) { v, ok := secrets[name]; return v, ok }
	cases := []struct{ in, want string }{
		// In a URL the value is percent-encoded, so that it stays one field.
		{"postgres://app:${PW}@${HOST}:5432/app", "postgres://app:p%40ss%3A%2Fw%25rd%20%C3%BC@db.internal:5432/app"},
		// Elsewhere it is inserted as is.
		{"app:${PW}@tcp(${HOST}:3306)/app", "app:p@ss:/w%rd ü@tcp(db.internal:3306)/app"},
		{"host=${HOST} password='${PW}'", "host=db.internal password='p@ss:/w%rd ü'"},
		{"no secrets", "no secrets"},
	}
	for _, tc := range cases {
		got, inserted, err := expandDSN(tc.in, lookup)
		if err != nil || got != tc.want {
			t.Errorf("expandDSN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if strings.Contains(tc.in, "${PW}") && !slices.Contains(inserted, secrets["PW"]) {
			t.Errorf("expandDSN(%q) reports inserted %q", tc.in, inserted)
		}
	}
	bad := []struct{ in, want string }{
		{"postgres://app:${MISSING}@db/hunter2", "dsn references secret MISSING, which is not set"},
		{"postgres://app:${PW@db/hunter2", "dsn has a ${ without its closing }"},
		{"postgres://app:${1X}@db/hunter2", "a secret name is letters, digits and '_'"},
	}
	for _, tc := range bad {
		_, _, err := expandDSN(tc.in, lookup)
		if err == nil {
			t.Errorf("expandDSN(%q): no error", tc.in)
			continue
		}
		wantContains(t, err.Error(), tc.want)
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error shows the DSN: %v", err)
		}
	}
	if _, _, err := expandDSN("x ${PW}", nil); err == nil || !strings.Contains(err.Error(), "secret PW, which is not set") {
		t.Errorf("nil lookup: %v", err)
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor("postgres://app:s3cret%2F@db/app", "s3cret/", "")
	msg := `cannot parse "postgres://app:s3cret%2F@db/app": password s3cret/ or s3cret%2F or s3cret%2f`
	got := r.clean(msg)
	for _, leak := range []string{"s3cret/", "s3cret%2F", "app:s3cret"} {
		if strings.Contains(got, leak) {
			t.Errorf("clean left %q in %q", leak, got)
		}
	}
	wantContains(t, got, `cannot parse "[redacted]": password [redacted] or [redacted]`)
}
