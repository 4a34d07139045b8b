package settings

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ReadPEM returns the PEM data of a tls_certificate, tls_private_key or
// tls_root_certificate value. The value, with surrounding whitespace
// removed, is either the PEM text itself or "@" followed by the path of a
// file holding it ("@/etc/flexfun/tls/server.crt"; a relative path is
// relative to the working directory). Data that contains no PEM block is
// an error, which catches a path written without its "@".
func ReadPEM(value string) ([]byte, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, errors.New("empty PEM value")
	}
	if path, ok := strings.CutPrefix(value, "@"); ok {
		path = strings.TrimSpace(path)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read PEM file: %w", err)
		}
		if !bytes.Contains(data, []byte("-----BEGIN ")) {
			return nil, fmt.Errorf("file %s holds no PEM data (no \"-----BEGIN\" line)", path)
		}
		return data, nil
	}
	if !strings.Contains(value, "-----BEGIN ") {
		return nil, errors.New(`value is neither PEM data (no "-----BEGIN" line) nor "@" followed by a file path`)
	}
	return []byte(value), nil
}
