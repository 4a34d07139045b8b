package jsrt

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/engine"
)

// TestTopLevelIsBoundedAtLoad: a runaway top level fails the load instead
// of hanging the server.
func TestTopLevelIsBoundedAtLoad(t *testing.T) {
	defer func(d time.Duration) { loadTimeout = d }(loadTimeout)
	loadTimeout = 100 * time.Millisecond
	path := filepath.Join(t.TempDir(), "main.js")
	if err := os.WriteFile(path, []byte("const schema = {a: \"int64\"};\nlet n = 0;\nwhile (true) { n++; }\nfunction call() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := &engine.Env{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Cache: engine.NewCache()}
	start := time.Now()
	_, err := New().Load(path, env)
	if err == nil || !strings.Contains(err.Error(), "main.js:3:") || !strings.Contains(err.Error(), "the top level did not finish within 100ms") {
		t.Errorf("got %v, want the top level interrupted at its loop", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("stopped only after %v", time.Since(start))
	}
}
