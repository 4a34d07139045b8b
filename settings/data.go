package settings

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HTTPConfig is [flexfun.http]: the policy of the scripts' HTTP client.
type HTTPConfig struct {
	// Timeout (timeout) bounds one request, from dialling to the last byte
	// of the body, unless the script passes its own. An integer or float is
	// seconds; a string is a Go duration such as "30s" or "1m30s".
	Timeout time.Duration
	// MaxResponseBytes (max_response_bytes) bounds a response body, after
	// decompression. An integer is bytes; a string may carry a unit, see
	// ParseSize.
	MaxResponseBytes int64
	// Allow (allow) lists the hosts scripts may reach: exact names or IP
	// addresses, or "*.example.com" for every name under example.com.
	// Empty means every host. Entries are lower-case, without brackets
	// around IPv6 addresses.
	Allow []string
	// AllowPrivate (allow_private) lets scripts reach private, loopback,
	// link-local and other non-public addresses.
	AllowPrivate bool
}

// Keys of the nested tables this file decodes.
var httpKeys = []string{"allow", "allow_private", "max_response_bytes", "timeout"}

// Defaults of [flexfun.http].
const (
	defaultHTTPTimeout      = 30 * time.Second
	defaultMaxResponseBytes = 64 << 20
)

// dataAccess decodes data_dirs, [flexfun.http] and [flexfun.secrets] into
// c, and removes the secrets from the raw tree that scripts see.
func (d *decoder) dataAccess(s *section, c *FlexFunConfig) {
	c.DataDirs = s.list("data_dirs")
	h := d.nested("http", httpKeys)
	c.HTTP = HTTPConfig{
		Timeout:          h.seconds("timeout", defaultHTTPTimeout),
		MaxResponseBytes: h.size("max_response_bytes", defaultMaxResponseBytes),
		Allow:            h.hostPatterns("allow"),
		AllowPrivate:     h.bool("allow_private", false),
	}
	c.Secrets = d.nested("secrets", nil).secrets()
	d.hide("secrets")
}

// hide removes a nested table of [flexfun] and [flexconnect] from the raw
// tree that scripts see as ctx.settings, once it is decoded: secrets and
// database connections (whose DSNs hold passwords) never reach scripts.
func (d *decoder) hide(key string) {
	for _, name := range []string{"flexfun", "flexconnect"} {
		if m, ok := d.t.root[name].(map[string]any); ok {
			delete(m, key)
		}
	}
}

// nested returns a reader for the table key of [flexfun] and [flexconnect]
// merged key by key, as the sections themselves are. known lists the valid
// keys; nil accepts any key.
func (d *decoder) nested(key string, known []string) *section {
	s := &section{d: d, parent: []string{key}, values: map[string]any{}, from: map[string]string{}}
	for _, name := range []string{"flexfun", "flexconnect"} {
		top, _ := d.t.root[name].(map[string]any)
		v, ok := top[key]
		if !ok {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			d.failf([]string{name, key}, "expected a table, got %s", describe(v))
			continue
		}
		for _, k := range sortedKeys(m) {
			if known != nil && !slices.Contains(known, k) {
				d.failf([]string{name, key, k}, "unknown key; valid keys are %s", strings.Join(known, ", "))
			}
		}
		s.add(name, m)
	}
	return s
}

// seconds reads a positive duration: an integer or float number of
// seconds, or a Go duration string ("30s", "1m30s", "500ms").
func (s *section) seconds(key string, def time.Duration) time.Duration {
	v, ok := s.value(key)
	if !ok {
		return def
	}
	const expected = `a positive number of seconds or a duration such as "30s"`
	var d time.Duration
	switch x := v.(type) {
	case int64:
		if x <= 0 || x > math.MaxInt64/int64(time.Second) {
			s.failf(key, "expected %s, got %s", expected, describe(v))
			return def
		}
		d = time.Duration(x) * time.Second
	case float64:
		if !(x > 0) || x > float64(math.MaxInt64/int64(time.Second)) {
			s.failf(key, "expected %s, got %s", expected, describe(v))
			return def
		}
		d = time.Duration(x * float64(time.Second))
	case string:
		var err error
		d, err = time.ParseDuration(strings.TrimSpace(x))
		if err != nil || d <= 0 {
			s.failf(key, "expected %s, got %s", expected, describe(v))
			return def
		}
	default:
		s.failf(key, "expected %s, got %s", expected, describe(v))
		return def
	}
	if d <= 0 {
		s.failf(key, "expected %s, got %s (less than a nanosecond)", expected, describe(v))
		return def
	}
	return d
}

// size reads a positive byte count: an integer, or a string with a unit
// (see ParseSize).
func (s *section) size(key string, def int64) int64 {
	v, ok := s.value(key)
	if !ok {
		return def
	}
	const expected = `a positive number of bytes, or a size such as "64MiB"`
	switch x := v.(type) {
	case int64:
		if x > 0 {
			return x
		}
	case string:
		n, err := ParseSize(x)
		if err != nil {
			s.failf(key, "%v", err)
			return def
		}
		if n > 0 {
			return n
		}
	}
	s.failf(key, "expected %s, got %s", expected, describe(v))
	return def
}

// hostPatterns reads a list of host patterns and normalizes them.
func (s *section) hostPatterns(key string) []string {
	list := s.list(key)
	out := make([]string, 0, len(list))
	for i, p := range list {
		norm, err := checkHostPattern(p)
		if err != nil {
			s.failf(key, "entry %d %q: %v", i, p, err)
			continue
		}
		out = append(out, norm)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// checkHostPattern validates one entry of allow and returns it
// lower-case, with IPv6 brackets removed.
func checkHostPattern(p string) (string, error) {
	p = strings.ToLower(strings.TrimSpace(p))
	switch {
	case strings.Contains(p, "://"):
		return "", errors.New("write a host name only, without scheme, port or path")
	case p == "*" || p == "*.":
		return "", errors.New("a pattern must name a domain: \"*.example.com\"; leave allow unset to allow every host")
	}
	if ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(p, "["), "]")); err == nil {
		return ip.String(), nil
	}
	name := strings.TrimSuffix(strings.TrimPrefix(p, "*."), ".")
	if strings.ContainsAny(name, ":/") {
		return "", errors.New("write a host name only, without scheme, port or path")
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return "", errors.New(`not a host name, an IP address or "*.domain"`)
		}
	}
	if strings.HasPrefix(p, "*.") {
		return "*." + name, nil
	}
	return name, nil
}

// secrets reads [flexfun.secrets]: every key is a secret's name, every
// value a non-empty string.
func (s *section) secrets() map[string]string {
	out := make(map[string]string, len(s.values))
	for _, k := range sortedKeys(s.values) {
		v, ok := s.values[k].(string)
		if !ok || v == "" {
			// Never show the value: it may be a secret of the wrong type.
			s.failf(k, "expected a non-empty string")
			continue
		}
		out[k] = v
	}
	return out
}

// sizeUnits maps the lower-case units ParseSize accepts to their bytes.
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// ParseSize parses a byte size: a number, optionally followed by a unit
// (B, kB, MB, GB, TB in powers of 1000; KiB, MiB, GiB, TiB in powers of
// 1024; case-insensitive, a space allowed before it): "67108864", "64MiB",
// "1.5 GiB", "500kB". The result must be a whole number of bytes that fits
// an int64.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	if num == "" {
		return 0, fmt.Errorf("size %q: want a number such as \"64MiB\"", s)
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q; use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB", s, strings.TrimSpace(t[i:]))
	}
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err == nil && int64(mult) > 0 && n <= math.MaxInt64/int64(mult) {
			return n * int64(mult), nil
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a number such as \"64MiB\"", s)
	}
	v := f * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	if v != math.Trunc(v) {
		return 0, fmt.Errorf("size %q is not a whole number of bytes", s)
	}
	return int64(v), nil
}
