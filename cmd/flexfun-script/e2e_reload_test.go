package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
)

// versioned is a script whose every row carries version v, so a result that
// mixed two versions would show it.
func versioned(name, v string) string {
	return fmt.Sprintf("name = %q\nschema = {\"version\": \"string\", \"i\": \"int64\"}\n"+
		"def call():\n    for i in range(50):\n        emit(%q, i)\n", name, v)
}

// versionOf calls function name and returns the version its rows carry,
// failing if they disagree.
func versionOf(t *testing.T, c flight.Client, name string) (string, error) {
	_, recs, err := invoke(t, c, `{"functionName":"`+name+`"}`)
	if err != nil {
		return "", err
	}
	return singleVersion(recs)
}

func singleVersion(recs []arrow.RecordBatch) (string, error) {
	seen := map[string]bool{}
	var v string
	for _, r := range recs {
		for i := range int(r.NumRows()) {
			v = r.Column(0).ValueStr(i)
			seen[v] = true
		}
	}
	if len(seen) != 1 {
		return "", fmt.Errorf("result mixes versions %v", seen)
	}
	return v, nil
}

// awaitVersion polls function name until it serves version want.
func awaitVersion(t *testing.T, c flight.Client, name, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got string
	var err error
	for time.Now().Before(deadline) {
		if got, err = versionOf(t, c, name); err == nil && got == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s serves %q (err %v), want %q", name, got, err, want)
}

func writeAtomically(t *testing.T, path, src string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestE2EReloadOnSave(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "v.star", versioned("V", "v1"))
	write(t, dir, "lib/word.star", "WORD = \"one\"\n")
	write(t, dir, "uses_helper.star", "load(\"./lib/word.star\", \"WORD\")\n"+
		"schema = {\"version\": \"string\"}\ndef call(): emit(WORD)\n")
	s := startServer(t, []string{`GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["` + dir + `"]`})
	c := newClient(t, s.addr)
	awaitVersion(t, c, "V", "v1")

	t.Run("plain save", func(t *testing.T) {
		os.WriteFile(path, []byte(versioned("V", "v2")), 0o644)
		awaitVersion(t, c, "V", "v2")
	})
	t.Run("atomic rename save", func(t *testing.T) {
		writeAtomically(t, path, versioned("V", "v3"))
		awaitVersion(t, c, "V", "v3")
	})
	t.Run("write in two steps", func(t *testing.T) {
		src := versioned("V", "v4")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(src[:20])
		time.Sleep(10 * time.Millisecond)
		f.WriteString(src[20:])
		f.Close()
		awaitVersion(t, c, "V", "v4")
	})
	t.Run("helper change", func(t *testing.T) {
		writeAtomically(t, filepath.Join(dir, "lib/word.star"), "WORD = \"two\"\n")
		awaitVersion(t, c, "uses_helper", "two")
	})
	t.Run("schema change is visible to ListFlights", func(t *testing.T) {
		src := "name = \"V\"\nschema = {\"version\": \"string\", \"i\": \"int64\", \"extra\": \"bool\"}\n" +
			"def call():\n    emit(\"v4s\", 0, True)\n"
		writeAtomically(t, path, src)
		awaitVersion(t, c, "V", "v4s")
		schemas, _ := listFlights(t, c)
		if s := schemas["V"]; s == nil || s.NumFields() != 3 || s.Field(2).Name != "extra" {
			t.Errorf("ListFlights schema of V after the change: %v", schemas["V"])
		}
		writeAtomically(t, path, versioned("V", "v4"))
		awaitVersion(t, c, "V", "v4")
	})
	t.Run("new and deleted files", func(t *testing.T) {
		added := write(t, dir, "sub/added.star", versioned("Added", "a1"))
		awaitVersion(t, c, "Added", "a1")
		os.Remove(added)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if schemas, _ := listFlights(t, c); schemas["Added"] == nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Error("a deleted script is still listed")
	})
	t.Run("broken save keeps serving, then fix", func(t *testing.T) {
		os.WriteFile(path, []byte("name = \"V\"\nschema = {\"version\": \"string\"}\ndef call(:\n"), 0o644)
		deadline := time.Now().Add(10 * time.Second)
		var out []byte
		for time.Now().Before(deadline) {
			out, _ = exec.Command(binary, "list", "--server", "grpc://"+s.addr).CombinedOutput()
			if strings.Contains(string(out), "v.star:3:11") {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.Contains(string(out), "v.star:3:11: got ':', want ')'") || !strings.Contains(string(out), "previous version of V still serving") {
			t.Fatalf("list --server does not show the problem:\n%s", out)
		}
		if v, err := versionOf(t, c, "V"); err != nil || v != "v4" {
			t.Errorf("while broken V serves %q, %v; want the last good v4", v, err)
		}
		if !strings.Contains(s.stderr.String(), "script_load_failed") {
			t.Errorf("no script_load_failed log event")
		}
		writeAtomically(t, path, versioned("V", "v5"))
		awaitVersion(t, c, "V", "v5")
		out, err := exec.Command(binary, "list", "--server", "grpc://"+s.addr).CombinedOutput()
		if err != nil || strings.Contains(string(out), "failed to load") {
			t.Errorf("problem not cleared after the fix (%v):\n%s", err, out)
		}
	})
}

func TestE2EReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "v.star", versioned("V", "v0"))
	s := startServer(t, []string{`GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["` + dir + `"]`})
	c := newClient(t, s.addr)
	var calls, failures atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := versionOf(t, c, "V")
				calls.Add(1)
				if err == nil && !strings.HasPrefix(v, "v") {
					err = fmt.Errorf("unexpected version %q", v)
				}
				if err != nil {
					failures.Add(1)
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for i := 1; i <= 15; i++ {
		writeAtomically(t, path, versioned("V", fmt.Sprintf("v%d", i)))
		time.Sleep(150 * time.Millisecond)
	}
	awaitVersion(t, c, "V", "v15")
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if failures.Load() != 0 || calls.Load() < 100 {
		t.Errorf("%d of %d calls failed (want 0 of at least 100)", failures.Load(), calls.Load())
	}
}

func TestE2EReloadSIGHUPWithoutWatching(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "v.star", versioned("V", "v1"))
	s := startServer(t, []string{`GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["` + dir + `"]`}, "--no-watch")
	c := newClient(t, s.addr)
	os.WriteFile(path, []byte(versioned("V", "v2")), 0o644)
	time.Sleep(500 * time.Millisecond)
	if v, err := versionOf(t, c, "V"); err != nil || v != "v1" {
		t.Fatalf("with --no-watch V serves %q, %v; want v1 until SIGHUP", v, err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	awaitVersion(t, c, "V", "v2")
}

func TestE2EListLocal(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.star", versioned("Good", "g"))
	write(t, dir, "bad.star", "schema = {\"a\": \"int65\"}\ndef call(): pass\n")
	cmd := exec.Command(binary, "list", "--format", "json")
	cmd.Env = append(os.Environ(), `GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["`+dir+`"]`)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("list exited with %v, want 1 (a script has a problem)", err)
	}
	for _, want := range []string{`"name": "Good"`, `"version string"`, `bad.star: schema: column \"a\": unknown type \"int65\"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("list output lacks %s:\n%s", want, out)
		}
	}
}
