package modules

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/datasource/httpclient"
	"github.com/flexfun-script/flexfun-script/engine"
)

// HTTP returns the http module over client, whose policy ([flexfun.http])
// decides which hosts scripts reach (docs/data-access.md):
//
//	http.get(url, headers=None, params=None, timeout=None, retries=0)
//	http.post(url, headers=None, params=None, json=None, body=None, timeout=None, retries=0)
//	http.request(method, url, headers=None, params=None, json=None, body=None, timeout=None, retries=0)
//
// Each returns a response with status, ok, headers, text(), bytes(),
// json(), table(schema=None, path=None) and raise_for_status(). A non-2xx
// status is not an error by itself. The call's deadline and cancellation
// abort a request in flight.
func HTTP(client *httpclient.Client, mem memory.Allocator) *engine.Module {
	h := &httpModule{client: client, mem: mem}
	common := []string{"headers", "params", "timeout", "retries"}
	withBody := append(append([]string{}, common...), "json", "body")
	return &engine.Module{Name: "http", Funcs: []*engine.Func{
		{Name: "http.get", Params: []string{"url"}, Options: common, Impl: h.do("GET")},
		{Name: "http.post", Params: []string{"url"}, Options: withBody, Impl: h.do("POST")},
		{Name: "http.request", Params: []string{"method", "url"}, Options: withBody, Impl: h.do("")},
	}}
}

type httpModule struct {
	client *httpclient.Client
	mem    memory.Allocator
}

// do returns the function of one method ("" reads it from the arguments).
func (h *httpModule) do(method string) func(*engine.Thread, *engine.Args) (engine.Value, error) {
	return func(t *engine.Thread, args *engine.Args) (engine.Value, error) {
		name := "http." + strings.ToLower(method)
		if method == "" {
			name = "http.request"
		}
		req, err := h.request(method, args)
		if err != nil {
			return nil, err
		}
		resp, err := h.client.Do(t.Context(), req)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return &responseObject{resp: resp, mem: h.mem}, nil
	}
}

// request reads a request from the arguments.
func (h *httpModule) request(method string, args *engine.Args) (httpclient.Request, error) {
	var req httpclient.Request
	var err error
	if method == "" {
		if method, err = args.String("method", ""); err != nil {
			return req, err
		}
	}
	req.Method = method
	if req.URL, err = args.String("url", ""); err != nil {
		return req, err
	}
	if req.Headers, _, err = args.StringMap("headers"); err != nil {
		return req, err
	}
	if req.Params, err = queryParams(args); err != nil {
		return req, err
	}
	if req.Timeout, err = args.Duration("timeout", 0); err != nil {
		return req, err
	}
	retries, err := args.Int("retries", 0)
	if err != nil {
		return req, err
	}
	req.Retries = int(retries)
	if method == "GET" {
		return req, nil
	}
	return req, requestBody(&req, args)
}

// queryParams reads params: a mapping of name to a string, a number, a
// boolean or a list of them (the name repeated).
func queryParams(args *engine.Args) ([]httpclient.Param, error) {
	m, err := args.Map("params")
	if m == nil || err != nil {
		return nil, err
	}
	var out []httpclient.Param
	for _, k := range m.Keys() {
		v, _ := m.Get(k)
		vals, ok := v.([]engine.Value)
		if !ok {
			vals = []engine.Value{v}
		}
		for _, e := range vals {
			s, ok := paramText(e)
			if !ok {
				return nil, fmt.Errorf("for parameter params: %q: got %s, want a string, a number, a boolean or a list of them", k, engine.KindName(e))
			}
			out = append(out, httpclient.Param{Name: k, Value: s})
		}
	}
	return out, nil
}

func paramText(v engine.Value) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// requestBody reads json= or body=.
func requestBody(req *httpclient.Request, args *engine.Args) error {
	if args.Has("json") {
		v, err := args.Value("json")
		if err != nil {
			return err
		}
		text, err := engine.AppendJSON(nil, v)
		if err != nil {
			return fmt.Errorf("for parameter json: %v", err)
		}
		req.JSON = json.RawMessage(text)
	}
	if args.Has("body") {
		v, err := args.Value("body")
		if err != nil {
			return err
		}
		switch b := v.(type) {
		case string:
			req.Body = []byte(b)
		case []byte:
			req.Body = b
		default:
			return fmt.Errorf("for parameter body: got %s, want a string or bytes", engine.KindName(v))
		}
	}
	return nil
}

// responseObject is an HTTP response as scripts see it.
type responseObject struct {
	resp *httpclient.Response
	mem  memory.Allocator
}

var responseAttrs = []string{"bytes", "headers", "json", "ok", "raise_for_status", "status", "table", "text"}

func (r *responseObject) TypeName() string    { return "response" }
func (r *responseObject) AttrNames() []string { return responseAttrs }

func (r *responseObject) String() string {
	return fmt.Sprintf("<response %d, %d bytes>", r.resp.Status, len(r.resp.Body))
}

func (r *responseObject) Attr(name string) (engine.Value, error) {
	switch name {
	case "status":
		return int64(r.resp.Status), nil
	case "ok":
		return r.resp.OK(), nil
	case "headers":
		return engine.HeadersValue(r.resp.Headers), nil
	case "text":
		return r.method(name, nil, func(*engine.Thread, *engine.Args) (engine.Value, error) { return r.resp.Text(), nil }), nil
	case "bytes":
		return r.method(name, nil, func(*engine.Thread, *engine.Args) (engine.Value, error) { return r.resp.Body, nil }), nil
	case "json":
		return r.method(name, nil, r.json), nil
	case "raise_for_status":
		return r.method(name, nil, func(*engine.Thread, *engine.Args) (engine.Value, error) {
			return nil, r.resp.RaiseForStatus()
		}), nil
	case "table":
		return r.method(name, []string{"schema", "path"}, r.table), nil
	}
	return nil, engine.ErrNoAttr
}

func (r *responseObject) method(name string, options []string, impl func(*engine.Thread, *engine.Args) (engine.Value, error)) *engine.Func {
	return &engine.Func{Name: "response." + name, Attr: name, Options: options, Impl: impl}
}

func (r *responseObject) json(*engine.Thread, *engine.Args) (engine.Value, error) {
	v, err := engine.ParseJSON(r.resp.Body)
	if err != nil {
		var probe any
		return nil, fmt.Errorf("response.json: %w", r.resp.DecodeJSON(&probe))
	}
	return v, nil
}

func (r *responseObject) table(t *engine.Thread, args *engine.Args) (engine.Value, error) {
	schema, err := schemaArg(args, "schema", t.Vocabulary())
	if err != nil {
		return nil, fmt.Errorf("response.table: %w", err)
	}
	path, err := args.String("path", "")
	if err != nil {
		return nil, err
	}
	tbl, err := r.resp.Table(t.Context(), httpclient.TableOptions{Schema: schema, Path: path, Mem: r.mem})
	if err != nil {
		return nil, fmt.Errorf("response.table: %w", err)
	}
	return engine.NewTableValue(t, tbl), nil
}

// schemaArg reads an optional schema argument written as a function's
// schema is.
func schemaArg(args *engine.Args, name string, vocab *engine.Vocabulary) (*arrow.Schema, error) {
	v, err := args.Value(name)
	if v == nil || err != nil {
		return nil, err
	}
	specs, err := engine.ParseSchema(v, vocab)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return arrowbridge.NewSchema(specs)
}
