package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/flexfun-script/flexfun-script/flightserver"
	"github.com/flexfun-script/flexfun-script/flightserver/flighttest"
)

// sleepScript busy-waits for parameters "for" (a duration such as "500ms")
// and returns one row. Starlark has no sleep; the server interrupts the
// loop when it cancels the call.
const sleepScript = `name = "Sleep"
schema = {"n": "int64"}

def cancel():
    print("sleep cancelled")

def call(parameters):
    end = time.now() + time.parse_duration(parameters.get("for", "0s"))
    while time.now() < end:
        pass
    emit(1)
`

// sleepDir writes sleepScript into a new directory and returns the
// environment variable that serves it.
func sleepDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "sleep.star", sleepScript)
	return `GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["` + dir + `"]`
}

func sleepCmd(d string) string { return `{"functionName":"Sleep","parameters":{"for":"` + d + `"}}` }

// freePort returns a TCP port that was free on the loopback interface a
// moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	return lis.Addr().(*net.TCPAddr).Port
}

// pollable returns a context carrying the polling header.
func pollable(t *testing.T) context.Context {
	return metadata.AppendToOutgoingContext(ctxT(t), flightserver.PollableHeader, "true")
}

// getInfo calls GetFlightInfo and returns the error's ErrorInfo code (or -1
// when it succeeded).
func getInfo(t *testing.T, ctx context.Context, c flight.Client, desc *flight.FlightDescriptor) (*flight.FlightInfo, codes.Code, *flightserver.ErrorInfo) {
	t.Helper()
	var md metadata.MD
	info, err := c.GetFlightInfo(ctx, desc, grpc.Trailer(&md))
	if err != nil {
		code, _, ei := wireError(t, err, md)
		return nil, code, ei
	}
	return info, codes.OK, nil
}

func cmdDesc(cmd string) *flight.FlightDescriptor {
	return &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(cmd)}
}

func TestE2EPolling(t *testing.T) {
	s := startServer(t, []string{sleepDir(t),
		"GOODDATA_FLIGHT_FLEXFUN__CALL_DEADLINE_MS=1200", "GOODDATA_FLIGHT_FLEXFUN__POLLING_INTERVAL_MS=500"})
	c := newClient(t, s.addr)

	t.Run("POLL, POLL, then the result", func(t *testing.T) {
		command := sleepCmd("1100ms")
		_, code, ei := getInfo(t, pollable(t), c, cmdDesc(command))
		var polls int
		var retry *flightserver.RetryInfo
		for code == codes.DeadlineExceeded && ei.Code == flightserver.CodePoll {
			polls++
			if ei.Msg != "Work in progress. Retry." || ei.Detail != "" {
				t.Errorf("POLL ErrorInfo %+v", ei)
			}
			ri, err := flighttest.ParseRetryInfo(ei.Body)
			if err != nil {
				t.Fatal(err)
			}
			id := strings.TrimPrefix(string(ri.RetryDescriptor.Cmd), "r:")
			if string(ei.Body) != string(flightserver.NewRetryInfo(id).JSON()) || len(id) != 32 {
				t.Errorf("RetryInfo %s", ei.Body)
			}
			retry = ri
			var info *flight.FlightInfo
			info, code, ei = getInfo(t, pollable(t), c, ri.RetryDescriptor)
			if code == codes.OK {
				if string(info.FlightDescriptor.Cmd) != command {
					t.Errorf("descriptor %s, want the original command", info.FlightDescriptor.Cmd)
				}
				if want := `{"task_id":"` + id + `"}`; string(info.Endpoint[0].Ticket.Ticket) != want {
					t.Errorf("ticket %s, want %s", info.Endpoint[0].Ticket.Ticket, want)
				}
				recs, err := doGet(t, c, info.Endpoint[0].Ticket)
				if err != nil || numRows(recs) != 1 {
					t.Fatalf("DoGet: %d rows, %v", numRows(recs), err)
				}
			}
		}
		if code != codes.OK {
			t.Fatalf("ended with %v %+v", code, ei)
		}
		if polls < 2 || retry == nil {
			t.Errorf("%d POLL answers, want at least 2", polls)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		_, code, ei := getInfo(t, pollable(t), c, cmdDesc(sleepCmd("10s")))
		if code != codes.DeadlineExceeded || ei.Code != flightserver.CodePoll {
			t.Fatalf("got %v %+v, want POLL", code, ei)
		}
		ri, err := flighttest.ParseRetryInfo(ei.Body)
		if err != nil {
			t.Fatal(err)
		}
		_, code, ei = getInfo(t, pollable(t), c, ri.CancelDescriptor)
		if code != codes.Canceled || ei.Code != flightserver.CodeCommandCancelled || ei.Msg != "FlexConnect function invocation was cancelled." {
			t.Errorf("cancel: %v %+v", code, ei)
		}
		waitFor(t, s, "sleep cancelled")
		id := strings.TrimPrefix(string(ri.RetryDescriptor.Cmd), "r:")
		_, code, ei = getInfo(t, pollable(t), c, ri.RetryDescriptor)
		if code != codes.Unknown || ei.Code != flightserver.CodeCommandCancelled ||
			ei.Msg != "FlexConnect function invocation was cancelled. Invocation task was: '"+id+"'." {
			t.Errorf("poll after cancel: %v %+v", code, ei)
		}
	})

	t.Run("deadline: POLL, POLL, TIMEOUT", func(t *testing.T) {
		// The reference's scenario: deadline 1200 ms, interval 500 ms, a call of 2 s.
		_, code, ei := getInfo(t, pollable(t), c, cmdDesc(sleepCmd("2s")))
		var seq []string
		var retry *flight.FlightDescriptor
		for {
			seq = append(seq, ei.Code.Name())
			if ei.Code != flightserver.CodePoll {
				break
			}
			ri, err := flighttest.ParseRetryInfo(ei.Body)
			if err != nil {
				t.Fatal(err)
			}
			retry = ri.RetryDescriptor
			_, code, ei = getInfo(t, pollable(t), c, retry)
			if code == codes.OK {
				t.Fatal("the call finished despite its deadline")
			}
		}
		if strings.Join(seq, ",") != "poll,poll,timeout" || code != codes.DeadlineExceeded {
			t.Errorf("answers %v (last %v), want poll,poll,timeout", seq, code)
		}
		id := strings.TrimPrefix(string(retry.Cmd), "r:")
		if ei.Msg != "GetFlightInfo timed out while waiting for task "+id+"." {
			t.Errorf("TIMEOUT msg %q", ei.Msg)
		}
	})

	t.Run("unknown task", func(t *testing.T) {
		const id = "0123456789abcdef0123456789abcdef"
		_, code, ei := getInfo(t, pollable(t), c, cmdDesc("r:"+id))
		if code != codes.Unknown || ei.Code != flightserver.CodeBadArgument || ei.Msg != "Task with id '"+id+"' does not exist." {
			t.Errorf("got %v %+v", code, ei)
		}
	})

	t.Run("without the header the call waits", func(t *testing.T) {
		info, code, ei := getInfo(t, ctxT(t), c, cmdDesc(sleepCmd("700ms")))
		if code != codes.OK {
			t.Fatalf("got %v %+v", code, ei)
		}
		if string(info.FlightDescriptor.Cmd) != sleepCmd("700ms") {
			t.Errorf("descriptor %s", info.FlightDescriptor.Cmd)
		}
		if recs, err := doGet(t, c, info.Endpoint[0].Ticket); err != nil || numRows(recs) != 1 {
			t.Errorf("DoGet: %d rows, %v", numRows(recs), err)
		}
	})
}

// waitFor waits until the server's log contains text.
func waitFor(t *testing.T, s *server, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.stderr.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never showed %q:\n%s", text, s.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestE2EResultExpiry(t *testing.T) {
	s := startServer(t, []string{sleepDir(t), "GOODDATA_FLIGHT_SERVER__TASK_RESULT_TTL_SEC=1"})
	c := newClient(t, s.addr)
	info, recs, err := invoke(t, c, sleepCmd("0s"))
	if err != nil || numRows(recs) != 1 {
		t.Fatalf("invoke: %d rows, %v", numRows(recs), err)
	}
	done := time.Now()
	tkt := info.Endpoint[0].Ticket
	for {
		_, err := doGet(t, c, tkt)
		if err != nil {
			var md metadata.MD
			stream, serr := c.DoGet(ctxT(t), tkt)
			if serr == nil {
				_, serr = stream.Recv()
				md = stream.Trailer()
			}
			code, _, ei := wireError(t, serr, md)
			if code != codes.Unknown || ei.Code != flightserver.CodeInvalidTicket ||
				!regexp.MustCompile(`^Unable to serve data for task '[0-9a-f]{32}'\. The task result is not present\.$`).MatchString(ei.Msg) {
				t.Fatalf("after expiry: %v %+v", code, ei)
			}
			break
		}
		if time.Since(done) > 10*time.Second {
			t.Fatal("the result never expired")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The sweep runs every second: expired between 1 s and about 2 s (+ slack) after completion.
	if d := time.Since(done); d < 900*time.Millisecond || d > 4*time.Second {
		t.Errorf("result expired after %v, want about 1-2 s", d)
	}
}

// scrape returns the metrics text of the server's metrics endpoint.
func scrape(t *testing.T, port int) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// metric returns the value of series in text, or -1.
func metric(text, series string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func httpStatus(t *testing.T, method, url string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestE2EQueueingHealthAndMetrics(t *testing.T) {
	hp, mp := freePort(t), freePort(t)
	s := startServer(t, []string{sleepDir(t), "GOODDATA_FLIGHT_SERVER__TASK_THREADS=2",
		"GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_HOST=127.0.0.1", "GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_PORT=" + strconv.Itoa(hp),
		"GOODDATA_FLIGHT_SERVER__METRICS_HOST=127.0.0.1", "GOODDATA_FLIGHT_SERVER__METRICS_PORT=" + strconv.Itoa(mp)})
	c := newClient(t, s.addr)
	healthURL := fmt.Sprintf("http://127.0.0.1:%d", hp)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/ready", 204}, {"GET", "/live", 204}, {"GET", "/other", 404}, {"POST", "/ready", 405},
	} {
		if got := httpStatus(t, tc.method, healthURL+tc.path); got != tc.want {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, got, tc.want)
		}
	}

	before := scrape(t, mp)
	for _, name := range []string{"gdfs_task_queue", "gdfs_close_queue", "gdfs_task_wait_count", "gdfs_task_duration_sum",
		"gdfs_task_e2e_duration_count", "gdfs_task_completed_total", "gdfs_task_error_total", "gdfs_task_cancelled_total",
		"flexfun_tasks_running", "flexfun_functions", "flexfun_script_load_errors", "go_goroutines", "process_resident_memory_bytes"} {
		if metric(before, name) < 0 {
			t.Errorf("metric %s missing", name)
		}
	}
	if metric(before, "flexfun_functions") != 1 {
		t.Errorf("flexfun_functions = %v", metric(before, "flexfun_functions"))
	}

	// Eight calls of 300 ms on two workers: they queue, and all complete.
	const calls = 8
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for range calls {
		wg.Go(func() {
			_, recs, err := invoke(t, c, sleepCmd("300ms"))
			if err == nil && numRows(recs) != 1 {
				err = fmt.Errorf("%d rows", numRows(recs))
			}
			errs <- err
		})
	}
	// While they run, the queue is visible.
	var sawQueue bool
	for i := 0; i < 50 && !sawQueue; i++ {
		text := scrape(t, mp)
		sawQueue = metric(text, "gdfs_task_queue") > 0 && metric(text, "flexfun_tasks_running") == 2
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if d := time.Since(start); d < 4*300*time.Millisecond {
		t.Errorf("%d calls of 300 ms on 2 workers took %v: more than 2 ran at once", calls, d)
	}
	if !sawQueue {
		t.Error("never saw calls waiting in gdfs_task_queue with 2 running")
	}
	_, _, _ = invoke(t, c, `{"functionName":"Sleep","parameters":{"for":"bad"}}`)

	after := scrape(t, mp)
	for series, want := range map[string]float64{
		"gdfs_task_completed_total":                      calls + 1,
		"gdfs_task_error_total":                          1,
		"gdfs_task_queue":                                0,
		"flexfun_tasks_running":                          0,
		`flexfun_function_calls_total{function="Sleep"}`: calls + 1,
		`flexfun_function_errors_total{code="command_failed",function="Sleep"}`: 1,
		`flexfun_function_duration_seconds_count{function="Sleep"}`:             calls + 1,
		`flexfun_function_rows_streamed_total{function="Sleep"}`:                calls,
		`flexfun_function_duration_seconds_bucket{function="Sleep",le="0.1"}`:   1, // the failed call
		`flexfun_function_duration_seconds_bucket{function="Sleep",le="+Inf"}`:  calls + 1,
	} {
		if got := metric(after, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if metric(after, `flexfun_function_bytes_streamed_total{function="Sleep"}`) < 100*calls {
		t.Errorf("bytes streamed %v", metric(after, `flexfun_function_bytes_streamed_total{function="Sleep"}`))
	}
	if metric(after, "gdfs_task_wait_sum") <= 0 || metric(after, "gdfs_task_e2e_duration_sum") < calls*0.3 {
		t.Errorf("wait sum %v, e2e sum %v", metric(after, "gdfs_task_wait_sum"), metric(after, "gdfs_task_e2e_duration_sum"))
	}
	// Prometheus' text format is served on any path, as by the Python server.
	if got := httpStatus(t, "GET", fmt.Sprintf("http://127.0.0.1:%d/", mp)); got != 200 {
		t.Errorf("GET / on the metrics port = %d", got)
	}
}

func TestE2EAuthentication(t *testing.T) {
	const tokenA, tokenB = "secret-token-A-0123456789", "secret-token-B-9876543210"
	tokens := `GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=["` + tokenA + `","` + tokenB + `"]`
	cases := []struct {
		name  string
		env   []string
		pairs []string
		ok    bool
		msg   string
	}{
		{"bearer: no header", nil, nil, false,
			"Authentication failed because the authentication header bearing the token was not included on the call."},
		{"bearer: valid", nil, []string{"authorization", "Bearer " + tokenA}, true, ""},
		{"bearer: second token", nil, []string{"authorization", "Bearer " + tokenB}, true, ""},
		{"bearer: wrong token", nil, []string{"authorization", "Bearer 123"}, false, "Authentication token is not valid."},
		{"bearer: no Bearer", nil, []string{"authorization", tokenA}, false,
			"Authentication failed because the 'Authorization' header does not start with 'Bearer '"},
		{"bearer: twice", nil, []string{"authorization", "Bearer " + tokenA, "authorization", "Bearer " + tokenA}, false,
			"Authentication failed because the authentication header 'Authorization' is specified multiple times."},
		{"custom: valid", []string{"GOODDATA_FLIGHT_SERVER__TOKEN_HEADER_NAME=x-custom-token-header"},
			[]string{"x-custom-token-header", tokenA}, true, ""},
		{"custom: token in authorization", []string{"GOODDATA_FLIGHT_SERVER__TOKEN_HEADER_NAME=x-custom-token-header"},
			[]string{"authorization", "Bearer " + tokenA}, false,
			"Authentication failed because the authentication header bearing the token was not included on the call."},
		{"custom: invalid", []string{"GOODDATA_FLIGHT_SERVER__TOKEN_HEADER_NAME=x-custom-token-header"},
			[]string{"x-custom-token-header", "invalid"}, false, "Authentication token is not valid."},
	}
	servers := map[string]*server{}
	for _, tc := range cases {
		key := strings.Join(tc.env, " ")
		if servers[key] == nil {
			servers[key] = startServer(t, append([]string{tokens, "GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD=token"}, tc.env...))
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := servers[strings.Join(tc.env, " ")]
			c := newClient(t, s.addr)
			ctx := metadata.AppendToOutgoingContext(ctxT(t), tc.pairs...)
			var md metadata.MD
			info, err := c.GetFlightInfo(ctx, cmdDesc(`{"functionName":"SampleFlexFunction"}`), grpc.Trailer(&md))
			stream, lerr := c.ListFlights(ctx, &flight.Criteria{})
			if lerr == nil {
				_, lerr = stream.Recv()
			}
			if tc.ok {
				if err != nil || lerr != nil {
					t.Fatalf("GetFlightInfo %v, ListFlights %v", err, lerr)
				}
				// DoGet needs the token too.
				dg, err := c.DoGet(ctx, info.Endpoint[0].Ticket)
				if err == nil {
					_, err = dg.Recv()
				}
				if err != nil {
					t.Errorf("DoGet: %v", err)
				}
				dg, err = c.DoGet(ctxT(t), info.Endpoint[0].Ticket)
				if err == nil {
					_, err = dg.Recv()
				}
				if status.Code(err) != codes.Unauthenticated {
					t.Errorf("DoGet without token: %v", err)
				}
				return
			}
			for _, e := range []error{err, lerr} {
				st, _ := status.FromError(e)
				if st.Code() != codes.Unauthenticated || st.Message() != tc.msg+". Detail: Unauthenticated" {
					t.Errorf("got %v %q, want Unauthenticated %q", st.Code(), st.Message(), tc.msg)
				}
			}
			if md.Get("grpc-status-details-bin") != nil || md.Get("x-arrow-status") == nil {
				t.Errorf("trailers %v: want x-arrow-status and no ErrorInfo", md)
			}
		})
	}
	for _, s := range servers {
		logs := s.stderr.String()
		if strings.Contains(logs, tokenA) || strings.Contains(logs, tokenB) {
			t.Errorf("a token appears in the server log:\n%s", logs)
		}
		if !strings.Contains(logs, "authentication_failed") {
			t.Errorf("no authentication_failed event:\n%s", logs)
		}
	}
}

// certs is a CA with a server and a client certificate, written as PEM
// files.
type certs struct {
	dir                         string
	ca, serverCert, serverKey   string // file paths
	clientCert, clientKey       string
	pool                        *x509.CertPool
	clientPair                  tls.Certificate
	serverKeyPEM, serverCertPEM []byte
}

// newCerts generates ECDSA certificates valid for localhost and 127.0.0.1.
func newCerts(t *testing.T) *certs {
	t.Helper()
	c := &certs{dir: t.TempDir(), pool: x509.NewCertPool()}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "flexfun test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	c.pool.AddCert(caCert)
	c.ca = c.writePEM(t, "ca.crt", "CERTIFICATE", caDER)

	issue := func(serial int64, cn string, usage x509.ExtKeyUsage) (certPEM, keyPEM []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	}
	c.serverCertPEM, c.serverKeyPEM = issue(2, "localhost", x509.ExtKeyUsageServerAuth)
	c.serverCert = c.writeFile(t, "server.crt", c.serverCertPEM)
	c.serverKey = c.writeFile(t, "server.key", c.serverKeyPEM)
	clientCertPEM, clientKeyPEM := issue(3, "testClient1", x509.ExtKeyUsageClientAuth)
	c.clientCert = c.writeFile(t, "client.crt", clientCertPEM)
	c.clientKey = c.writeFile(t, "client.key", clientKeyPEM)
	c.clientPair, err = tls.X509KeyPair(clientCertPEM, clientKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *certs) writePEM(t *testing.T, name, typ string, der []byte) string {
	return c.writeFile(t, name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func (c *certs) writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(c.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tlsClient connects with TLS, trusting the test CA, presenting the client
// certificate when withCert.
func (c *certs) tlsClient(t *testing.T, addr string, withCert bool) flight.Client {
	t.Helper()
	conf := &tls.Config{RootCAs: c.pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}
	if withCert {
		conf.Certificates = []tls.Certificate{c.clientPair}
	}
	client, err := flight.NewClientWithMiddleware(addr, nil, nil, grpc.WithTransportCredentials(credentials.NewTLS(conf)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

func TestE2ETLS(t *testing.T) {
	c := newCerts(t)
	conf := write(t, t.TempDir(), "server.toml", fmt.Sprintf(`[server]
use_tls = true
tls_certificate = "@%s"
`, c.serverCert))
	// The key inline, from the environment; the certificate from a file.
	s := startServer(t, []string{sleepDir(t), "GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY=" + string(c.serverKeyPEM)}, "--config", conf)
	port := s.addr[strings.LastIndex(s.addr, ":")+1:]

	client := c.tlsClient(t, s.addr, false)
	info, recs, err := invoke(t, client, sleepCmd("0s"))
	if err != nil || numRows(recs) != 1 {
		t.Fatalf("over TLS: %d rows, %v", numRows(recs), err)
	}
	if loc := info.Endpoint[0].Location[0].Uri; loc != "grpc+tls://127.0.0.1:"+port {
		t.Errorf("location %s, want grpc+tls://127.0.0.1:%s", loc, port)
	}
	if !strings.Contains(s.stderr.String(), `"tls_enabled"`) {
		t.Errorf("no tls_enabled event:\n%s", s.stderr.String())
	}
	// A plain-text client cannot talk to it.
	plain := newClient(t, s.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := plain.GetFlightInfo(ctx, cmdDesc(sleepCmd("0s"))); err == nil {
		t.Error("a plain-text client was served")
	}
}

func TestE2EMutualTLS(t *testing.T) {
	c := newCerts(t)
	s := startServer(t, []string{
		"GOODDATA_FLIGHT_SERVER__USE_TLS=true", "GOODDATA_FLIGHT_SERVER__USE_MTLS=true",
		"GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE=@" + c.serverCert,
		"GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY=@" + c.serverKey,
		"GOODDATA_FLIGHT_SERVER__TLS_ROOT_CERTIFICATE=@" + c.ca,
		"GOODDATA_FLIGHT_SERVER__LISTEN_HOST=0.0.0.0", // no banner: mTLS authenticates clients
	})
	if _, recs, err := invoke(t, c.tlsClient(t, s.addr, true), `{"functionName":"SampleFlexFunction"}`); err != nil || numRows(recs) != 6 {
		t.Fatalf("with a client certificate: %d rows, %v", numRows(recs), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.tlsClient(t, s.addr, false).GetFlightInfo(ctx, cmdDesc(`{"functionName":"SampleFlexFunction"}`))
	if err == nil {
		t.Fatal("a client without a certificate was served")
	}
	if strings.Contains(s.stderr.String(), "insecure_warning") {
		t.Error("insecure warning despite mTLS")
	}
}

// startFails runs "start" with env and args and returns its output after
// checking that it exited 1.
func startFails(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"start", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1; output:\n%s", err, out)
	}
	return string(out)
}

func TestE2EStartupConfigErrors(t *testing.T) {
	c := newCerts(t)
	hp := freePort(t)
	health := []string{"GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_HOST=127.0.0.1", "GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_PORT=" + strconv.Itoa(hp)}
	notPEM := write(t, t.TempDir(), "not.pem", "hello")
	cases := []struct {
		name string
		env  []string
		want []string
	}{
		{"missing certificate file", []string{"GOODDATA_FLIGHT_SERVER__USE_TLS=true",
			"GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE=@/nonexistent/server.crt", "GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY=@" + c.serverKey},
			[]string{"environment GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE: [server] tls_certificate:", "/nonexistent/server.crt"}},
		{"key file holds no PEM", []string{"GOODDATA_FLIGHT_SERVER__USE_TLS=true",
			"GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE=@" + c.serverCert, "GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY=@" + notPEM},
			[]string{"[server] tls_private_key:", "holds no PEM data"}},
		{"key does not match", []string{"GOODDATA_FLIGHT_SERVER__USE_TLS=true",
			"GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE=@" + c.serverCert, "GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY=@" + c.clientKey},
			[]string{"[server] tls_certificate and", "[server] tls_private_key: not a matching certificate and key"}},
		{"bad root certificate", []string{"GOODDATA_FLIGHT_SERVER__USE_TLS=true", "GOODDATA_FLIGHT_SERVER__USE_MTLS=true",
			"GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE=@" + c.serverCert, "GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY=@" + c.serverKey,
			"GOODDATA_FLIGHT_SERVER__TLS_ROOT_CERTIFICATE=-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"},
			[]string{"[server] tls_root_certificate: no valid CERTIFICATE block"}},
		{"unsupported token verification", []string{"GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD=token",
			"GOODDATA_FLIGHT_SERVER__TOKEN_VERIFICATION=my_pkg.verifier"},
			[]string{`[server] token_verification: "my_pkg.verifier" is not supported`}},
		{"token auth without tokens", []string{"GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD=token"},
			[]string{"[enumerated_tokens] tokens"}},
		{"wrong type", []string{"GOODDATA_FLIGHT_SERVER__TASK_THREADS=0"},
			[]string{"GOODDATA_FLIGHT_SERVER__TASK_THREADS: [server] task_threads: expected a positive integer"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := startFails(t, append(tc.env, health...))
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "server_started") || strings.Contains(out, "health_server_started") {
				t.Errorf("something listened before the error:\n%s", out)
			}
			if strings.Contains(out, "BEGIN EC PRIVATE KEY") || strings.Contains(out, "MHcCAQEE") {
				t.Errorf("key material in the output:\n%s", out)
			}
		})
	}
	t.Run("health port taken", func(t *testing.T) {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer lis.Close()
		port := strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)
		out := startFails(t, []string{"GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_HOST=127.0.0.1", "GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_PORT=" + port})
		if !strings.Contains(out, "[server] health_check_host/health_check_port:") || !strings.Contains(out, "address already in use") {
			t.Errorf("output:\n%s", out)
		}
	})
}

func TestE2EWarnings(t *testing.T) {
	s := startServer(t, nil, "--listen", "0.0.0.0:0")
	logs := s.stderr.String()
	for _, want := range []string{"!!  WARNING: the server listens on", `"event":"insecure_warning"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	// log_event_key_name renames the event key.
	s = startServer(t, []string{"GOODDATA_FLIGHT_SERVER__LOG_EVENT_KEY_NAME=evt"})
	if !strings.Contains(s.stderr.String(), `"evt":"server_started"`) || strings.Contains(s.stderr.String(), "WARNING") {
		t.Errorf("log:\n%s", s.stderr.String())
	}
}

func TestE2EGracefulShutdown(t *testing.T) {
	hp := freePort(t)
	s := startServer(t, []string{sleepDir(t),
		"GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_HOST=127.0.0.1", "GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_PORT=" + strconv.Itoa(hp)})
	c := newClient(t, s.addr)
	ready := fmt.Sprintf("http://127.0.0.1:%d/ready", hp)
	if got := httpStatus(t, "GET", ready); got != 204 {
		t.Fatalf("/ready = %d before shutdown", got)
	}

	type answer struct {
		info *flight.FlightInfo
		err  error
	}
	inFlight := make(chan answer, 1)
	go func() {
		info, err := c.GetFlightInfo(ctxT(t), cmdDesc(sleepCmd("1500ms")))
		inFlight <- answer{info, err}
	}()
	waitFor(t, s, "flexfun_task_created")
	stopAt := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "server_stopping")
	if got := httpStatus(t, "GET", ready); got != 500 {
		t.Errorf("/ready = %d during shutdown, want 500", got)
	}
	_, code, ei := getInfo(t, ctxT(t), c, cmdDesc(sleepCmd("0s")))
	if code != codes.Unavailable || ei.Code != flightserver.CodeShuttingDown || ei.Msg != "Server is shutting down." {
		t.Errorf("new call during shutdown: %v %+v", code, ei)
	}

	a := <-inFlight
	if a.err != nil {
		t.Fatalf("the call in flight failed: %v", a.err)
	}
	// Its result can still be read; only then does the server stop.
	select {
	case err := <-s.done:
		t.Fatalf("the server exited (%v) before the result was read", err)
	case <-time.After(100 * time.Millisecond):
	}
	recs, err := doGet(t, c, a.info.Endpoint[0].Ticket)
	if err != nil || numRows(recs) != 1 {
		t.Fatalf("DoGet during shutdown: %d rows, %v", numRows(recs), err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("exit: %v, want 0:\n%s", err, s.stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop after its work was done")
	}
	if d := time.Since(stopAt); d > 8*time.Second {
		t.Errorf("stopping took %v", d)
	}
	if !strings.Contains(s.stderr.String(), "server_stopped") || strings.Contains(s.stderr.String(), "shutdown_grace_expired") {
		t.Errorf("log:\n%s", s.stderr.String())
	}
}

func TestE2EShutdownGraceExpires(t *testing.T) {
	s := startServer(t, []string{sleepDir(t), "GOODDATA_FLIGHT_FLEXFUN__SHUTDOWN_GRACE_MS=300"})
	c := newClient(t, s.addr)
	inFlight := make(chan error, 1)
	go func() {
		var md metadata.MD
		_, err := c.GetFlightInfo(ctxT(t), cmdDesc(sleepCmd("30s")), grpc.Trailer(&md))
		if ei, ok := flighttest.ErrorInfoFromTrailer(md); ok && ei.Code != flightserver.CodeCommandCancelled {
			err = fmt.Errorf("ErrorInfo %+v, want COMMAND_CANCELLED", ei)
		}
		inFlight <- err
	}()
	waitFor(t, s, "flexfun_task_created")
	start := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("exit %v, want 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop after its grace period")
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 8*time.Second {
		t.Errorf("stopped after %v, want just over the 300 ms grace", d)
	}
	if err := <-inFlight; err == nil {
		t.Error("the abandoned call succeeded")
	}
	for _, want := range []string{"shutdown_grace_expired", "sleep cancelled", "server_stopped"} {
		if !strings.Contains(s.stderr.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, s.stderr.String())
		}
	}
}

// TestE2EProductionConfig runs config/prod.server.toml, the production
// configuration of docs/deployment.md, with the deployment-specific values
// in the environment: TLS, tokens, health and metrics.
func TestE2EProductionConfig(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	c := newCerts(t)
	hp, mp := freePort(t), freePort(t)
	const token = "prod-token-0123456789"
	s := startServerIn(t, root, []string{
		"GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE=@" + c.serverCert,
		"GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY=@" + c.serverKey,
		"GOODDATA_FLIGHT_SERVER__ADVERTISE_HOST=localhost",
		`GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=["` + token + `"]`,
		"GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_HOST=127.0.0.1", "GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_PORT=" + strconv.Itoa(hp),
		"GOODDATA_FLIGHT_SERVER__METRICS_HOST=127.0.0.1", "GOODDATA_FLIGHT_SERVER__METRICS_PORT=" + strconv.Itoa(mp),
	}, "--config", "config/prod.server.toml", "config/flexfun.config.toml")
	client := c.tlsClient(t, s.addr, false)
	ctx := metadata.AppendToOutgoingContext(ctxT(t), "authorization", "Bearer "+token)
	info, err := client.GetFlightInfo(ctx, cmdDesc(`{"functionName":"SampleFlexFunction"}`))
	if err != nil {
		t.Fatal(err)
	}
	port := s.addr[strings.LastIndex(s.addr, ":")+1:]
	if loc := info.Endpoint[0].Location[0].Uri; loc != "grpc+tls://localhost:"+port {
		t.Errorf("location %s", loc)
	}
	stream, err := client.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for rdr.Next() {
		rows += rdr.RecordBatch().NumRows()
	}
	rdr.Release()
	if rows != 6 {
		t.Errorf("%d rows", rows)
	}
	if _, err := client.GetFlightInfo(ctxT(t), cmdDesc(`{"functionName":"SampleFlexFunction"}`)); status.Code(err) != codes.Unauthenticated {
		t.Errorf("without a token: %v", err)
	}
	if got := httpStatus(t, "GET", fmt.Sprintf("http://127.0.0.1:%d/ready", hp)); got != 204 {
		t.Errorf("/ready = %d", got)
	}
	if v := metric(scrape(t, mp), `flexfun_function_calls_total{function="SampleFlexFunction"}`); v != 1 {
		t.Errorf("calls metric %v", v)
	}
	if strings.Contains(s.stderr.String(), token) || strings.Contains(s.stderr.String(), "insecure_warning") {
		t.Errorf("log:\n%s", s.stderr.String())
	}
}
