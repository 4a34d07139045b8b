package httpclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// refusedMsg is the message of a refused non-public address.
func refusedMsg(what, class, host string) string {
	return fmt.Sprintf("refused: %s %s address; reaching it needs [flexfun.http] allow_private = true or %q listed in [flexfun.http] allow",
		what, class, host)
}

// hits counts the requests a server received.
func hits(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	n := new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, n
}

func TestDefaultPolicyRefusesLoopback(t *testing.T) {
	srv, n := hits(t, func(w http.ResponseWriter, r *http.Request) {})
	c := newClient(t, Config{})
	_, err := c.Do(context.Background(), Request{URL: srv.URL + "/health?k=v"})
	want := "GET " + srv.URL + "/health?k=REDACTED: " + refusedMsg("127.0.0.1 is", "a loopback", "127.0.0.1")
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	var re *RefusedError
	if !errors.As(err, &re) || !errors.Is(err, ErrPrivateAddress) || re.Class != "loopback" {
		t.Errorf("error %#v is not a RefusedError for a loopback address", err)
	}
	if n.Load() != 0 {
		t.Errorf("the server received %d requests", n.Load())
	}
}

// Addresses written in URLs are refused before anything is dialled.
func TestRefusedAddresses(t *testing.T) {
	c := newClient(t, Config{})
	for host, want := range map[string]string{
		"169.254.169.254":      refusedMsg("169.254.169.254 is", "a link-local", "169.254.169.254"),
		"0.0.0.0":              refusedMsg("0.0.0.0 is", "an unspecified", "0.0.0.0"),
		"10.1.2.3":             refusedMsg("10.1.2.3 is", "a private", "10.1.2.3"),
		"192.168.1.1":          refusedMsg("192.168.1.1 is", "a private", "192.168.1.1"),
		"172.31.0.1":           refusedMsg("172.31.0.1 is", "a private", "172.31.0.1"),
		"100.64.0.1":           refusedMsg("100.64.0.1 is", "a shared (carrier-grade NAT)", "100.64.0.1"),
		"[::1]":                refusedMsg("::1 is", "a loopback", "::1"),
		"[::ffff:127.0.0.1]":   refusedMsg("127.0.0.1 is", "a loopback", "127.0.0.1"),
		"[fe80::1]":            refusedMsg("fe80::1 is", "a link-local", "fe80::1"),
		"[fd00::1]":            refusedMsg("fd00::1 is", "a private", "fd00::1"),
		"[64:ff9b::a9fe:a9fe]": refusedMsg("64:ff9b::a9fe:a9fe is", "a link-local", "64:ff9b::a9fe:a9fe"),
		"224.0.0.1":            refusedMsg("224.0.0.1 is", "a multicast", "224.0.0.1"),
		"[::]":                 refusedMsg(":: is", "an unspecified", "::"),
	} {
		_, err := c.Do(context.Background(), Request{URL: "http://" + host + "/latest/meta-data/"})
		full := "GET http://" + host + "/latest/meta-data/: " + want
		if err == nil || err.Error() != full {
			t.Errorf("%s: %v\nwant %s", host, err, full)
		}
	}
}

func TestClassify(t *testing.T) {
	for addr, want := range map[string]string{
		"8.8.8.8":          "",
		"1.1.1.1":          "",
		"2606:4700::1111":  "",
		"127.8.9.10":       "loopback",
		"169.254.0.1":      "link-local",
		"192.0.2.5":        "documentation",
		"198.18.0.1":       "benchmarking",
		"255.255.255.255":  "reserved",
		"2001:db8::1":      "documentation",
		"2002:c0a8:101::1": "private", // 6to4 of 192.168.1.1
		"2002:808:808::1":  "",        // 6to4 of 8.8.8.8
		"fe80::1%eth0":     "zoned (\"eth0\")",
	} {
		if got := classify(netip.MustParseAddr(addr)); got != want {
			t.Errorf("classify(%s) = %q, want %q", addr, got, want)
		}
	}
}

func TestAllowPrivateAndByName(t *testing.T) {
	srv, _ := hits(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	for _, cfg := range []Config{
		{AllowPrivate: true},
		{Allow: []string{"127.0.0.1"}},
		{Allow: []string{"api.example.com", "127.0.0.1"}},
	} {
		c := newClient(t, cfg)
		resp, err := c.Do(context.Background(), Request{URL: srv.URL})
		if err != nil || resp.Text() != "ok" {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func TestHostNotAllowed(t *testing.T) {
	srv, n := hits(t, func(w http.ResponseWriter, r *http.Request) {})
	c := newClient(t, Config{Allow: []string{"api.example.com", "*.internal.example.com"}, AllowPrivate: true})
	_, err := c.Do(context.Background(), Request{URL: srv.URL + "/x"})
	want := "GET " + srv.URL + `/x: refused: host "127.0.0.1" is not in [flexfun.http] allow (api.example.com, *.internal.example.com)`
	if err == nil || err.Error() != want || !errors.Is(err, ErrNotAllowed) {
		t.Errorf("error %v\nwant %s", err, want)
	}
	if n.Load() != 0 {
		t.Errorf("the server received %d requests", n.Load())
	}
}

func TestAllowMatching(t *testing.T) {
	p, err := newPolicy([]string{"API.Example.com.", "*.internal.example.com", "[::1]"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"api.example.com":          true,
		"a.internal.example.com":   true,
		"a.b.internal.example.com": true,
		"internal.example.com":     false, // the wildcard needs a label
		"xinternal.example.com":    false,
		"example.com":              false,
		"api.example.com.evil.io":  false,
		"::1":                      true,
	} {
		if got := p.allowed(host); got != want {
			t.Errorf("allowed(%s) = %v, want %v", host, got, want)
		}
	}
	if p.privateOK("a.internal.example.com") || !p.privateOK("api.example.com") || !p.privateOK("::1") {
		t.Error("only exact entries may reach private addresses")
	}
	for _, bad := range []string{"", "*.", "https://x.com/a", "a b.com", "user@x.com"} {
		if _, err := New(Config{Allow: []string{bad}}); err == nil {
			t.Errorf("New accepted allow entry %q", bad)
		}
	}
}

// A name that resolves to a loopback address is refused when dialled: DNS
// cannot smuggle a private address past the policy. Listing the name in
// allow lets it through.
func TestNameResolvingToLoopback(t *testing.T) {
	srv, n := hits(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	c := newClient(t, Config{})
	_, err := c.Do(context.Background(), Request{URL: url})
	want := regexp.MustCompile(`^GET http://localhost:\d+: refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address; ` +
		`reaching it needs \[flexfun\.http\] allow_private = true or "localhost" listed in \[flexfun\.http\] allow$`)
	if err == nil || !want.MatchString(err.Error()) || !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("error %v\nwant %s", err, want)
	}
	if n.Load() != 0 {
		t.Errorf("the server received %d requests", n.Load())
	}

	c = newClient(t, Config{Allow: []string{"localhost"}})
	resp, err := c.Do(context.Background(), Request{URL: url})
	if err != nil || resp.Text() != "ok" {
		t.Errorf("with localhost allowed by name: %v", err)
	}
}

func TestRedirects(t *testing.T) {
	var target string
	srv, _ := hits(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/?token=abc", http.StatusFound)
		case "/to-other":
			http.Redirect(w, r, target, http.StatusFound)
		case "/to-self":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			fmt.Fprint(w, "final")
		}
	})
	target = strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/final"
	c := newClient(t, loopback)
	ctx := context.Background()

	resp, err := c.Do(ctx, Request{URL: srv.URL + "/to-self"})
	if err != nil || resp.Text() != "final" {
		t.Errorf("allowed redirect: %v", err)
	}
	for path, want := range map[string]string{
		"/to-metadata": "redirect to http://169.254.169.254/latest/meta-data/?token=REDACTED: " +
			`refused: host "169.254.169.254" is not in [flexfun.http] allow (127.0.0.1)`,
		"/to-other": "redirect to " + target + `: refused: host "localhost" is not in [flexfun.http] allow (127.0.0.1)`,
		"/loop":     "stopped after 10 redirects",
	} {
		_, err := c.Do(ctx, Request{URL: srv.URL + path, Retries: 2})
		full := "GET " + srv.URL + path + ": " + want
		if err == nil || err.Error() != full {
			t.Errorf("%s: %v\nwant %s", path, err, full)
		}
	}
}

// The proxy environment variables are honoured: requests go to the proxy,
// whose loopback address is not refused, while the allow list still
// applies to the URL's host and to addresses written in URLs.
func TestProxy(t *testing.T) {
	var seen atomic.Value
	proxy, _ := hits(t, func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.URL.String())
		fmt.Fprint(w, "via proxy")
	})
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	c := newClient(t, Config{Allow: []string{"api.example.test", "10.1.2.3"}})
	resp, err := c.Do(context.Background(), Request{URL: "http://api.example.test/v1?x=1"})
	if err != nil || resp.Text() != "via proxy" || seen.Load() != "http://api.example.test/v1?x=1" {
		t.Errorf("through the proxy: %v, proxy saw %v", err, seen.Load())
	}
	_, err = c.Do(context.Background(), Request{URL: "http://other.example.test/"})
	if !errors.Is(err, ErrNotAllowed) {
		t.Errorf("a host outside allow through the proxy: %v", err)
	}
	c = newClient(t, Config{Allow: []string{"api.example.test", "*.example.net"}})
	_, err = c.Do(context.Background(), Request{URL: "http://192.168.0.1.example.net/"})
	if err != nil {
		t.Errorf("a name is resolved by the proxy: %v", err)
	}
	c = newClient(t, Config{})
	_, err = c.Do(context.Background(), Request{URL: "http://10.1.2.3/"})
	if !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("a private address written in the URL, through the proxy: %v", err)
	}
}
