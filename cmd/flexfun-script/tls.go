package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"time"

	"github.com/flexfun-script/flexfun-script/settings"
)

// tlsConfig is the server's TLS set-up.
type tlsConfig struct {
	config *tls.Config
	mtls   bool
}

// serverTLS builds the TLS configuration of [server] use_tls / use_mtls, or
// returns nil without TLS. Every problem names the key and where it was
// set, e.g. "config/prod.server.toml: [server] tls_certificate: read PEM
// file: open /etc/flexfun/tls/server.crt: no such file or directory".
func serverTLS(cfg *settings.Config, logger *slog.Logger) (*tlsConfig, error) {
	s := cfg.Server
	if !s.UseTLS {
		return nil, nil
	}
	certPEM, err := readPEM(cfg, "tls_certificate", s.TLSCertificate)
	if err != nil {
		return nil, err
	}
	keyPEM, err := readPEM(cfg, "tls_private_key", s.TLSPrivateKey)
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: [server] tls_certificate and %s: [server] tls_private_key: not a matching certificate and key: %w",
			origin(cfg, "tls_certificate"), origin(cfg, "tls_private_key"), err)
	}
	leaf := pair.Leaf // parsed by X509KeyPair
	conf := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	out := &tlsConfig{config: conf}
	if s.UseMTLS {
		caPEM, err := readPEM(cfg, "tls_root_certificate", s.TLSRootCertificate)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("%s: [server] tls_root_certificate: no valid CERTIFICATE block in the PEM data", origin(cfg, "tls_root_certificate"))
		}
		conf.ClientCAs = pool
		conf.ClientAuth = tls.RequireAndVerifyClientCert
		out.mtls = true
	}
	if leaf != nil {
		attrs := []any{"subject", leaf.Subject.String(), "dns_names", leaf.DNSNames, "not_after", leaf.NotAfter.UTC().Format(time.RFC3339), "mtls", out.mtls}
		if time.Now().After(leaf.NotAfter) {
			logger.Warn("tls_certificate_expired", attrs...)
		} else {
			logger.Info("tls_enabled", attrs...)
		}
	}
	return out, nil
}

// readPEM reads the PEM value of [server] key, naming key and origin in
// errors. The value itself is never part of an error.
func readPEM(cfg *settings.Config, key, value string) ([]byte, error) {
	data, err := settings.ReadPEM(value)
	if err != nil {
		return nil, fmt.Errorf("%s: [server] %s: %w", origin(cfg, key), key, err)
	}
	return data, nil
}

// origin names where [server] key was set.
func origin(cfg *settings.Config, key string) string {
	if o := cfg.Origin("server", key); o != "" {
		return o
	}
	return "configuration"
}
