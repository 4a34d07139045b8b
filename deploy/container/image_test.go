// Package container holds the configuration of the container image that the
// repository's Dockerfile builds, and the test that checks that image
// without a Docker engine.
//
// TestDockerfileImage reads the Dockerfile, runs its build stage's go build
// command as written, lays out the final stage's file system from its COPY
// instructions, and starts the ENTRYPOINT and CMD inside that file system
// (chroot, as the image's USER, in a user namespace), then talks to the
// server over loopback as GoodData and an orchestrator would. Only the base
// image's own files (distroless: CA certificates, /etc/passwd) are missing,
// and the server needs neither.
package container

import (
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// repoRoot is the build context of the Dockerfile.
const repoRoot = "../.."

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int    // where it starts, 1-based
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string
}

// stage is one FROM ... [AS name] stage.
type stage struct {
	base, name string
	body       []instruction
}

// parseDockerfile returns the stages of the Dockerfile at path, with
// ${ARG} references in FROM replaced by the ARG defaults declared before.
func parseDockerfile(path string) ([]stage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var (
		stages []stage
		args   = map[string]string{}
		cur    *instruction
		all    []instruction
	)
	for i, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == nil && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur == nil {
			cmd, rest, _ := strings.Cut(trimmed, " ")
			cur = &instruction{line: i + 1, cmd: strings.ToUpper(cmd)}
			trimmed = rest
		}
		more := strings.HasSuffix(trimmed, `\`)
		cur.args = strings.TrimSpace(cur.args + " " + strings.TrimSuffix(trimmed, `\`))
		if !more {
			all = append(all, *cur)
			cur = nil
		}
	}
	for _, in := range all {
		switch {
		case in.cmd == "ARG" && len(stages) == 0:
			name, def, _ := strings.Cut(in.args, "=")
			args[name] = def
		case in.cmd == "FROM":
			fields := strings.Fields(os.Expand(in.args, func(k string) string { return args[k] }))
			st := stage{base: fields[0]}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				st.name = fields[2]
			}
			stages = append(stages, st)
		case len(stages) == 0:
			return nil, fmt.Errorf("%s:%d: %s before FROM", path, in.line, in.cmd)
		default:
			stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
		}
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM", path)
	}
	return stages, nil
}

// only returns the single instruction cmd of st.
func (st stage) only(t *testing.T, cmd string) instruction {
	t.Helper()
	var found []instruction
	for _, in := range st.body {
		if in.cmd == cmd {
			found = append(found, in)
		}
	}
	if len(found) != 1 {
		t.Fatalf("stage %q has %d %s instructions, want 1", st.name, len(found), cmd)
	}
	return found[0]
}

// jsonArgs decodes an exec-form (JSON array) ENTRYPOINT or CMD.
func jsonArgs(t *testing.T, in instruction) []string {
	t.Helper()
	var v []string
	if err := json.Unmarshal([]byte(in.args), &v); err != nil || len(v) == 0 {
		t.Fatalf("Dockerfile:%d: %s is not in exec form (a JSON array): %s", in.line, in.cmd, in.args)
	}
	return v
}

func TestDockerfileImage(t *testing.T) {
	requireUserNamespaces(t)
	stages, err := parseDockerfile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	final := stages[len(stages)-1]
	if !strings.HasPrefix(final.base, "gcr.io/distroless/static") {
		t.Errorf("final stage is FROM %s, want a distroless static image", final.base)
	}

	outDir := t.TempDir()
	binPath := buildStage(t, stages, outDir)
	checkStatic(t, binPath)

	rootfs := t.TempDir()
	layOut(t, final, outDir, rootfs)
	size := treeSize(t, rootfs)
	t.Logf("image layer: %.1f MB over the base image", float64(size)/1e6)
	if size > 60<<20 {
		t.Errorf("the image's own layer is %d bytes, want it small (< 60 MiB)", size)
	}

	uid, gid := imageUser(t, final.only(t, "USER"))
	if uid == 0 {
		t.Errorf("the image runs as root; want a non-root USER")
	}
	argv := append(jsonArgs(t, final.only(t, "ENTRYPOINT")), jsonArgs(t, final.only(t, "CMD"))...)
	before := listTree(t, rootfs)
	runImage(t, rootfs, final.only(t, "WORKDIR").args, uid, gid, argv)
	// The deployment docs promise a read-only root file system works.
	if after := listTree(t, rootfs); after != before {
		t.Errorf("the server changed its file system:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// listTree lists every path under root with its size and modification
// time, one per line.
func listTree(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		fmt.Fprintf(&b, "%s %d %s\n", rel, fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// requireUserNamespaces skips the test where this process may not create
// a user namespace, which it needs to chroot without being root.
func requireUserNamespaces(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err == nil {
		if err := exec.Command("unshare", "--user", "--map-root-user", "true").Run(); err != nil {
			t.Skipf("user namespaces are not available here (%v): cannot run the image's file system", err)
		}
	}
}

// buildStage runs the go build command of the stage that the final stage
// copies from, as the Dockerfile writes it, with its output directory /out
// mapped to outDir. It returns the binary's path.
func buildStage(t *testing.T, stages []stage, outDir string) string {
	t.Helper()
	var build *stage
	for i := range stages[:len(stages)-1] {
		if stages[i].name == "build" {
			build = &stages[i]
		}
	}
	if build == nil {
		t.Fatal(`Dockerfile has no stage named "build"`)
	}
	var run string
	for _, in := range build.body {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			run = in.args
		}
	}
	// Drop the BuildKit flags (--mount=...) that precede the command.
	fields := strings.Fields(run)
	for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
		fields = fields[1:]
	}
	command := strings.Join(fields, " ")
	for _, want := range []string{"CGO_ENABLED=0", "-o /out/flexfun-script", "./cmd/flexfun-script"} {
		if !strings.Contains(command, want) {
			t.Fatalf("the build stage's go build command %q lacks %q", command, want)
		}
	}
	command = strings.ReplaceAll(command, "/out/", outDir+"/")
	cmd := exec.Command("sh", "-c", command)
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", command, err, out)
	}
	return filepath.Join(outDir, "flexfun-script")
}

// checkStatic fails unless path is an ELF executable with no dynamic
// loader and no shared libraries, so it runs on an image without libc.
func checkStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s asks for a dynamic loader: it is not static", path)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v", path, libs)
	}
}

// layOut carries out the COPY instructions of the final stage into rootfs:
// --from=build sources come from outDir (the build stage's /out), the
// others from the build context.
func layOut(t *testing.T, final stage, outDir, rootfs string) {
	t.Helper()
	for _, in := range final.body {
		if in.cmd != "COPY" {
			continue
		}
		fields := strings.Fields(in.args)
		from := ""
		for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
			if v, ok := strings.CutPrefix(fields[0], "--from="); ok {
				from = v
			}
			fields = fields[1:]
		}
		if len(fields) < 2 {
			t.Fatalf("Dockerfile:%d: COPY needs a source and a destination", in.line)
		}
		srcs, dst := fields[:len(fields)-1], fields[len(fields)-1]
		if from == "" {
			srcs = expandGlobs(t, srcs)
		}
		for _, src := range srcs {
			var hostSrc string
			switch from {
			case "":
				hostSrc = filepath.Join(repoRoot, src)
			case "build":
				rel, ok := strings.CutPrefix(src, "/out/")
				if !ok {
					t.Fatalf("Dockerfile:%d: copies %s from the build stage; only /out/ is known", in.line, src)
				}
				hostSrc = filepath.Join(outDir, rel)
			default:
				t.Fatalf("Dockerfile:%d: COPY --from=%s is not a known stage", in.line, from)
			}
			copyInto(t, hostSrc, filepath.Join(rootfs, dst), strings.HasSuffix(dst, "/") || len(srcs) > 1)
		}
	}
	for _, dir := range []string{"tmp"} { // distroless has a world-writable /tmp
		if err := os.MkdirAll(filepath.Join(rootfs, dir), 0o1777); err != nil {
			t.Fatal(err)
		}
	}
}

// expandGlobs expands the wildcards of COPY sources in the build context.
func expandGlobs(t *testing.T, srcs []string) []string {
	t.Helper()
	var out []string
	for _, src := range srcs {
		if !strings.ContainsAny(src, "*?[") {
			out = append(out, src)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(repoRoot, src))
		if err != nil || len(matches) == 0 {
			t.Fatalf("COPY source %s matches nothing", src)
		}
		for _, m := range matches {
			rel, _ := filepath.Rel(repoRoot, m)
			out = append(out, rel)
		}
	}
	return out
}

// copyInto copies src to dst as COPY does: a directory's contents go into
// dst; a file goes to dst, or into it when intoDir.
func copyInto(t *testing.T, src, dst string, intoDir bool) {
	t.Helper()
	info, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if !info.IsDir() {
		if intoDir {
			dst = filepath.Join(dst, filepath.Base(src))
		}
		copyFile(t, src, dst, info.Mode())
		return
	}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		copyFile(t, path, filepath.Join(dst, rel), fi.Mode())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string, mode fs.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	// Files in an image are readable by every user, as COPY makes them.
	if err := os.WriteFile(dst, data, mode.Perm()|0o444); err != nil {
		t.Fatal(err)
	}
}

func treeSize(t *testing.T, root string) int64 {
	t.Helper()
	var size int64
	err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		size += fi.Size()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return size
}

// imageUser parses a numeric USER uid[:gid].
func imageUser(t *testing.T, in instruction) (uid, gid int) {
	t.Helper()
	u, g, ok := strings.Cut(in.args, ":")
	if !ok {
		g = u
	}
	uid, err1 := strconv.Atoi(u)
	gid, err2 := strconv.Atoi(g)
	if err1 != nil || err2 != nil {
		t.Fatalf("Dockerfile:%d: USER %s is not numeric uid:gid (Kubernetes' runAsNonRoot needs numbers)", in.line, in.args)
	}
	return uid, gid
}

// freePorts returns n free loopback TCP ports.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer lis.Close()
		ports[i] = lis.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// runImage starts argv inside rootfs as uid:gid, the way "docker run -e"
// would with the ports moved to free loopback ones, and checks what
// GoodData and an orchestrator see: readiness, liveness, metrics, the
// bundled functions over Flight, and a clean exit on SIGTERM.
func runImage(t *testing.T, rootfs, workdir string, uid, gid int, argv []string) {
	t.Helper()
	ports := freePorts(t, 3)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = workdir
	cmd.Env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/home/nonroot",
		"GOODDATA_FLIGHT_SERVER__LISTEN_HOST=127.0.0.1",
		"GOODDATA_FLIGHT_SERVER__LISTEN_PORT=" + strconv.Itoa(ports[0]),
		"GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_HOST=127.0.0.1",
		"GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_PORT=" + strconv.Itoa(ports[1]),
		"GOODDATA_FLIGHT_SERVER__METRICS_HOST=127.0.0.1",
		"GOODDATA_FLIGHT_SERVER__METRICS_PORT=" + strconv.Itoa(ports[2]),
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:      rootfs,
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: uid, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: gid, HostID: os.Getgid(), Size: 1}},
		Credential:  &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true},
		Pdeathsig:   syscall.SIGKILL,
	}
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v in the image's file system: %v", argv, err)
	}
	logLines := make(chan []string, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		logLines <- lines
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()
	dumpLogs := func() {
		cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
		}
		select {
		case lines := <-logLines:
			t.Logf("server log:\n%s", strings.Join(lines, "\n"))
		case <-time.After(time.Second):
		}
	}

	health := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	if err := waitStatus(health+"/ready", http.StatusNoContent, 30*time.Second, exited); err != nil {
		dumpLogs()
		t.Fatalf("the image never became ready: %v", err)
	}
	if err := waitStatus(health+"/live", http.StatusNoContent, time.Second, exited); err != nil {
		t.Errorf("/live: %v", err)
	}
	checkFlight(t, fmt.Sprintf("127.0.0.1:%d", ports[0]))
	checkMetrics(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", ports[2]))

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM the server exited with %v, want 0", err)
		}
	case <-time.After(20 * time.Second):
		dumpLogs()
		t.Fatal("the server did not exit within 20 s of SIGTERM")
	}
	lines := <-logLines
	if !strings.Contains(strings.Join(lines, "\n"), `"server_stopped"`) {
		t.Errorf("the log has no server_stopped event:\n%s", strings.Join(lines, "\n"))
	}
}

// waitStatus polls url until it answers want, the process exits, or
// timeout passes.
func waitStatus(url string, want int, timeout time.Duration, exited <-chan error) error {
	deadline := time.Now().Add(timeout)
	last := errors.New("no answer")
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("the server exited: %v", err)
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return nil
			}
			err = fmt.Errorf("status %d, want %d", resp.StatusCode, want)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

// checkFlight lists the functions the image serves, expects the bundled
// Starlark and JavaScript examples, and calls one to the last row.
func checkFlight(t *testing.T, addr string) {
	t.Helper()
	client, err := flight.NewClientWithMiddleware(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := client.ListFlights(ctx, &flight.Criteria{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for {
		info, err := list.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var cmd struct{ FunctionName string }
		if err := json.Unmarshal(info.GetFlightDescriptor().GetCmd(), &cmd); err != nil {
			t.Fatal(err)
		}
		names[cmd.FunctionName] = true
	}
	for _, want := range bundledFunctions(t) {
		if !names[want] {
			t.Errorf("the image does not serve %s; it serves %v", want, names)
		}
	}

	cmd := `{"functionName":"SampleFlexFunction","parameters":{}}`
	info, err := client.GetFlightInfo(ctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(cmd)})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := client.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var rows int64
	for rdr.Next() {
		rows += rdr.RecordBatch().NumRows()
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	if rows == 0 {
		t.Error("SampleFlexFunction returned no rows")
	}
}

// bundledFunctions returns the names declared by the example scripts the
// Dockerfile copies into the image, read from their source.
func bundledFunctions(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, pattern := range []string{"*.star", "*.js"} {
		files, err := filepath.Glob(filepath.Join(repoRoot, "scripts", "examples", pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if name := declaredName(t, f); name != "" {
				names = append(names, name)
			}
		}
	}
	if len(names) < 2 {
		t.Fatalf("found %d example functions to look for, want several", len(names))
	}
	return names
}

// declaredName returns the string assigned to name at the start of a line
// of a .star file (name = "X") or a .js file (const name = "X" or
// exports.name = "X").
func declaredName(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		for _, prefix := range []string{"name = ", "const name = ", "exports.name = ", "module.exports.name = "} {
			if v, ok := strings.CutPrefix(line, prefix); ok {
				if s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(v), ";")); err == nil {
					return s
				}
			}
		}
	}
	return ""
}

// checkMetrics expects the Prometheus endpoint to count the call made.
func checkMetrics(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", url, resp.StatusCode)
	}
	if !strings.Contains(string(body), "gdfs_task_completed_total 1") {
		t.Errorf("%s does not count the completed call:\n%s", url, body)
	}
}
