package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/flexfun-script/flexfun-script/engine"
)

const listSynopsis = `list [--config FILE ...] [--server URL [--token T] [--tls-root-cert FILE]] [--format table|json]

Lists the functions and the scripts that failed to load, with their errors.
Without --server it loads the configured functions itself (the bundled
examples when there is no configuration); with --server it asks a running
server (action flexfun.status). Exits 1 when any script has a problem.`

// StatusAction is the Flight action type that returns a server's status
// (engine.Status as JSON).
const StatusAction = "flexfun.status"

// errProblems makes list exit 1 after printing problems.
var errProblems = errors.New("some scripts failed to load")

type listOptions struct {
	configs configFiles
	server  string
	token   string
	rootCA  string
	format  string
}

func runList(args []string, stdout, stderr io.Writer) error {
	var opts listOptions
	fs := newFlagSet("list", listSynopsis, stderr)
	fs.Var(&opts.configs, "config", "configuration `FILE`s (TOML), several allowed")
	fs.StringVar(&opts.server, "server", "", "a running server's `URL`, e.g. grpc://127.0.0.1:17001 or grpc+tls://host:17001")
	fs.StringVar(&opts.token, "token", "", "token sent as \"authorization: Bearer <token>\" to --server")
	fs.StringVar(&opts.rootCA, "tls-root-cert", "", "PEM `FILE` of the CA that signed the server's certificate (grpc+tls)")
	fs.StringVar(&opts.format, "format", "table", "output format: table or json")
	positional, err := parseInterleaved(fs, expandConfigArgs(args))
	if err != nil {
		return err
	}
	if len(positional) > 0 || (opts.format != "table" && opts.format != "json") {
		fs.Usage()
		return errUsage
	}
	var st engine.Status
	if opts.server != "" {
		st, err = remoteStatus(opts)
	} else {
		st, err = localStatus(opts, stderr)
	}
	if err != nil {
		return err
	}
	if err := printStatus(stdout, st, opts.format); err != nil {
		return err
	}
	if len(st.Problems) > 0 {
		return errProblems
	}
	return nil
}

// localStatus loads the configured functions leniently and reports them.
func localStatus(opts listOptions, stderr io.Writer) (engine.Status, error) {
	logger := newLogger(stderr, true, levelWarnOnly)
	environ := os.Environ()
	cfg, err := loadSettings(opts.configs, environ)
	if err != nil {
		return engine.Status{}, err
	}
	configGiven := len(opts.configs) > 0
	paths, cleanup, err := functionPaths(cfg, configGiven, logger)
	if err != nil {
		return engine.Status{}, err
	}
	defer cleanup()
	svc, err := openServices(cfg, environ, examplesDir(cfg, configGiven, paths), logger)
	if err != nil {
		return engine.Status{}, err
	}
	defer svc.close()
	reg := newRegistry(cfg, svc)
	if res := reg.LoadLenient(paths); res.Err != nil {
		return engine.Status{}, res.Err
	}
	return reg.Status(), nil
}

// remoteStatus asks a running server for its status.
func remoteStatus(opts listOptions) (engine.Status, error) {
	var st engine.Status
	addr, creds, err := dialTarget(opts.server, opts.rootCA)
	if err != nil {
		return st, err
	}
	client, err := flight.NewClientWithMiddleware(addr, nil, nil, grpc.WithTransportCredentials(creds))
	if err != nil {
		return st, fmt.Errorf("connect %s: %w", opts.server, err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if opts.token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+opts.token)
	}
	stream, err := client.DoAction(ctx, &flight.Action{Type: StatusAction})
	if err != nil {
		return st, fmt.Errorf("%s: %w", opts.server, err)
	}
	res, err := stream.Recv()
	if err != nil {
		return st, fmt.Errorf("%s: %s: %w", opts.server, StatusAction, err)
	}
	if err := json.Unmarshal(res.Body, &st); err != nil {
		return st, fmt.Errorf("%s: bad status: %w", opts.server, err)
	}
	return st, nil
}

// dialTarget turns a grpc:// or grpc+tls:// URL into an address and
// transport credentials.
func dialTarget(url, rootCA string) (string, credentials.TransportCredentials, error) {
	if addr, ok := strings.CutPrefix(url, "grpc://"); ok {
		return addr, insecure.NewCredentials(), nil
	}
	addr, ok := strings.CutPrefix(url, "grpc+tls://")
	if !ok {
		return "", nil, fmt.Errorf("--server %q: want grpc://host:port or grpc+tls://host:port", url)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if rootCA != "" {
		pem, err := os.ReadFile(rootCA)
		if err != nil {
			return "", nil, fmt.Errorf("--tls-root-cert: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return "", nil, fmt.Errorf("--tls-root-cert %s: no PEM certificate found", rootCA)
		}
	}
	return addr, credentials.NewTLS(cfg), nil
}

func printStatus(w io.Writer, st engine.Status, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tFILE\tCOLUMNS")
	for _, f := range st.Functions {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, f.File, strings.Join(f.Columns, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(st.Problems) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\n%d script(s) failed to load:\n", len(st.Problems))
	for _, p := range st.Problems {
		serving := "not serving"
		if p.Serving != "" {
			serving = "previous version of " + p.Serving + " still serving"
		}
		fmt.Fprintf(w, "\n%s (since %s; %s)\n  %s\n", p.File, p.Since.Format(time.RFC3339), serving,
			strings.ReplaceAll(p.Error, "\n", "\n  "))
	}
	return nil
}
