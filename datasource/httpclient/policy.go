package httpclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// ErrNotAllowed is wrapped by errors for a host outside [flexfun.http]
// allow; ErrPrivateAddress by errors for a non-public address.
var (
	ErrNotAllowed     = errors.New("host not allowed")
	ErrPrivateAddress = errors.New("non-public address")
)

// RefusedError reports a request the policy does not let through.
type RefusedError struct {
	Host  string     // the host of the URL (or of a redirect)
	Addr  netip.Addr // the address refused; invalid for a refused host name
	Class string     // "loopback", "private", ...: why Addr is not public
	allow []string   // [flexfun.http] allow, for the message
	err   error      // ErrNotAllowed or ErrPrivateAddress
}

func (e *RefusedError) Error() string {
	if e.err == ErrNotAllowed {
		return fmt.Sprintf("refused: host %q is not in [flexfun.http] allow (%s)", e.Host, strings.Join(e.allow, ", "))
	}
	what := e.Addr.String() + " is"
	if e.Host != e.Addr.String() {
		what = e.Host + " resolves to " + e.Addr.String() + ","
	}
	return fmt.Sprintf("refused: %s %s %s address; reaching it needs [flexfun.http] allow_private = true or %q listed in [flexfun.http] allow",
		what, article(e.Class), e.Class, e.Host)
}

// Unwrap returns ErrNotAllowed or ErrPrivateAddress.
func (e *RefusedError) Unwrap() error { return e.err }

func article(s string) string {
	if strings.IndexByte("aeiou", s[0]) >= 0 {
		return "an"
	}
	return "a"
}

// A policy decides which hosts and addresses requests may reach.
type policy struct {
	allow        []string        // normalized patterns, as configured
	exact        map[string]bool // allow entries without a wildcard
	suffixes     []string        // ".example.com" for "*.example.com"
	allowPrivate bool
	proxies      map[string]bool // "host:port" of the configured proxies
}

func newPolicy(allow []string, allowPrivate bool) (*policy, error) {
	p := &policy{allowPrivate: allowPrivate, exact: map[string]bool{}, proxies: map[string]bool{}}
	for _, a := range allow {
		norm := normalizeHost(strings.TrimSpace(a))
		rest, wild := strings.CutPrefix(norm, "*.")
		if norm == "" || rest == "" || strings.ContainsAny(rest, "*/:@ ") && !isIP(rest) {
			return nil, fmt.Errorf("[flexfun.http] allow: %q is not a host name, an IP address or \"*.domain\"", a)
		}
		p.allow = append(p.allow, norm)
		if wild {
			p.suffixes = append(p.suffixes, "."+rest)
		} else {
			p.exact[norm] = true
		}
	}
	return p, nil
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// normalizeHost lower-cases a host, drops a trailing dot and IPv6
// brackets, and spells IP addresses canonically.
func normalizeHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().String()
	}
	return h
}

// allowed reports whether host (normalized) passes the allow list.
func (p *policy) allowed(host string) bool {
	if len(p.allow) == 0 || p.exact[host] {
		return true
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// privateOK reports whether host may reach non-public addresses.
func (p *policy) privateOK(host string) bool { return p.allowPrivate || p.exact[host] }

// checkURL applies the policy to a URL about to be requested (the first
// or a redirect): its scheme, its host against allow, and, for an IP
// address written in the URL, the address. Names are checked again when
// dialled, where DNS has answered.
func (p *policy) checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("unsupported scheme %q: want http or https", u.Scheme)
	}
	host := normalizeHost(u.Hostname())
	if host == "" {
		return errors.New("the URL has no host")
	}
	if !p.allowed(host) {
		return &RefusedError{Host: host, allow: p.allow, err: ErrNotAllowed}
	}
	if ip, err := netip.ParseAddr(host); err == nil && !p.privateOK(host) {
		if class := classify(ip); class != "" {
			return &RefusedError{Host: host, Addr: ip.Unmap(), Class: class, err: ErrPrivateAddress}
		}
	}
	return nil
}

// dialContext dials addr, refusing non-public addresses unless the host
// may reach them. The check runs on the address actually connected to
// (net.Dialer.Control), after DNS, so a name cannot smuggle one in.
// Connections to a configured proxy are not checked: the operator chose it.
func (p *policy) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{KeepAlive: 30e9}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	host = normalizeHost(host)
	if !p.proxies[addr] && !p.privateOK(host) {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("refused: cannot check address %q: %w", address, err)
			}
			if class := classify(ap.Addr()); class != "" {
				return &RefusedError{Host: host, Addr: ap.Addr().Unmap(), Class: class, err: ErrPrivateAddress}
			}
			return nil
		}
	}
	return d.DialContext(ctx, network, addr)
}

// addProxy records the address of a proxy URL (from HTTP_PROXY or
// HTTPS_PROXY) so that dialling it is not refused.
func (p *policy) addProxy(raw string) {
	if raw == "" {
		return
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
		if port == "" {
			port = "80"
		}
	}
	p.proxies[net.JoinHostPort(u.Hostname(), port)] = true
}

// A nonPublic range of addresses and what it is.
type nonPublic struct {
	prefix netip.Prefix
	class  string
}

var nonPublicRanges = func() []nonPublic {
	var out []nonPublic
	for _, r := range [][2]string{
		{"0.0.0.0/8", "unspecified"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "shared (carrier-grade NAT)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "reserved"},
		{"192.0.2.0/24", "documentation"},
		{"192.88.99.0/24", "reserved"},
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "reserved"},
		{"100::/64", "reserved"},
		{"2001::/32", "reserved"},
		{"2001:db8::/32", "documentation"},
		{"fc00::/7", "private"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "private"},
		{"ff00::/8", "multicast"},
	} {
		out = append(out, nonPublic{netip.MustParsePrefix(r[0]), r[1]})
	}
	return out
}()

// Ranges of IPv6 addresses that carry an IPv4 address.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// classify returns why ip is not a public unicast address, or "" if it
// is. IPv4 addresses inside IPv6 (mapped, NAT64 64:ff9b::/96, 6to4
// 2002::/16) are judged by the IPv4 address.
func classify(ip netip.Addr) string {
	ip = ip.Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			return classify(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip):
			return classify(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	class := ""
	bits := -1
	for _, r := range nonPublicRanges {
		if r.prefix.Contains(ip) && r.prefix.Bits() > bits {
			class, bits = r.class, r.prefix.Bits()
		}
	}
	if class == "" && ip.Zone() != "" {
		class = "zoned (" + strconv.Quote(ip.Zone()) + ")"
	}
	return class
}
