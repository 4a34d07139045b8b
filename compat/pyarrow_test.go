//go:build compat

package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDifferentialPyarrowClient runs GoodData's call sequence with pyarrow's
// Flight client and gooddata-flight-server's ErrorInfo and RetryInfo
// helpers (compat/reference/client_check.py) against both servers, the
// Starlark and the JavaScript functions, and compares what it saw.
func TestDifferentialPyarrowClient(t *testing.T) {
	t.Parallel()
	ref, star := startPeer(t, reference, mainConfig), startPeer(t, ours, mainConfig)
	js := *star
	js.names = jsNames
	js.replace = []string{" (JavaScript)", ""}
	want := pyarrowClient(t, ref)
	known := []known{
		// D6: a script's failure names its file, line and column.
		differ("D6", lit("pyarrow.function raises.msg"), lit(`"There was an error while running task: something went wrong"`),
			lit(`"There was an error while running task: `)+`\S+\.(star|js):\d+:\d+: (fail|Error): something went wrong"`),
	}
	for _, p := range []*peer{star, &js} {
		compareRecords(t, ref, want, p, pyarrowClient(t, p), known)
	}
}

// pyarrowClient runs client_check.py against p and records its output.
func pyarrowClient(t *testing.T, p *peer) record {
	t.Helper()
	python := filepath.Join(compatDir, ".venv", "bin", "python")
	referenceCommand(t, ".venv") // skips (or fails under CI) without the venv
	names, _ := json.Marshal(p.names)
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join(compatDir, "reference", "client_check.py"),
		fmt.Sprintf("grpc://127.0.0.1:%d", p.port), string(names))
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("client_check.py against %s: %v\n%s\n%s", p.side, err, out, stderr)
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("client_check.py against %s printed %s: %v", p.side, out, err)
	}
	r := record{}
	flatten(r, "pyarrow", v)
	return r
}

// flatten records the JSON value v under prefix, one key per leaf.
func flatten(r record, prefix string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			flatten(r, prefix+"."+k, e)
		}
	case []any:
		r[prefix+".len"] = fmt.Sprint(len(v))
		for i, e := range v {
			flatten(r, fmt.Sprintf("%s[%d]", prefix, i), e)
		}
	case nil:
		r[prefix] = null
	default:
		b, _ := json.Marshal(v)
		r[prefix] = string(b)
	}
}
