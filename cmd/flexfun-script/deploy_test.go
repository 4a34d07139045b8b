package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flexfun-script/flexfun-script/settings"
)

// TestDeployConfigs checks that the configuration shipped with the
// container image and the Kubernetes manifests loads and validates.
func TestDeployConfigs(t *testing.T) {
	root := filepath.Join("..", "..")
	cfg, err := settings.Load([]string{
		filepath.Join(root, "deploy/container/server.toml"),
		filepath.Join(root, "deploy/container/flexfun.toml"),
	}, nil)
	if err != nil {
		t.Fatalf("container configuration: %v", err)
	}
	if cfg.Server.ListenHost != "0.0.0.0" || cfg.Server.HealthCheckHost == "" || cfg.FlexFun.Functions[0] != "/srv/flexfun/functions" {
		t.Errorf("container configuration: %+v %+v", cfg.Server, cfg.FlexFun)
	}

	// The TOML files embedded in the ConfigMap.
	data, err := os.ReadFile(filepath.Join(root, "deploy/kubernetes/configmap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"server.toml", "flexfun.toml"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(yamlBlock(string(data), name)), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	cfg, err = settings.Load(files, []string{`GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=["t"]`,
		"GOODDATA_FLIGHT_SERVER__ADVERTISE_HOST=flexfun-0.flexfun.example.com"})
	if err != nil {
		t.Fatalf("Kubernetes configuration: %v", err)
	}
	s := cfg.Server
	if !s.UseTLS || s.AuthenticationMethod != "token" || s.AdvertisePort != 443 || s.HealthCheckPort != 8877 || cfg.FlexFun.ShutdownGrace.Seconds() != 30 {
		t.Errorf("Kubernetes configuration: %+v %+v", s, cfg.FlexFun)
	}
}

// yamlBlock returns the literal block "key: |" of a YAML document,
// unindented.
func yamlBlock(doc, key string) string {
	var out []string
	in := false
	indent := ""
	for _, line := range strings.Split(doc, "\n") {
		if strings.TrimSpace(line) == key+": |" {
			in = true
			continue
		}
		if !in {
			continue
		}
		if indent == "" {
			indent = line[:len(line)-len(strings.TrimLeft(line, " "))]
		}
		if !strings.HasPrefix(line, indent) && strings.TrimSpace(line) != "" {
			break
		}
		out = append(out, strings.TrimPrefix(line, indent))
	}
	return strings.Join(out, "\n")
}
