//go:build compat

package compat

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// A record is what a scenario observed on one server, flattened: key →
// value, e.g. "info.endpoint0.ticket" → `{"task_id":"<task-id>"}`. Two
// servers' records are compared key by key (see diff).
type record map[string]string

// Values with a meaning of their own in a record.
const (
	absent = "<absent>" // the trailer, field or key was not there
	null   = "<null>"   // a JSON null
)

// set stores value under prefix + "." + key (or key alone for an empty
// prefix).
func (r record) set(prefix, key, value string) {
	if prefix != "" {
		key = prefix + "." + key
	}
	r[key] = value
}

// The trailers of a failed call that Arrow C++ (pyarrow) writes.
var errorTrailers = []string{
	"x-arrow-status",
	"x-arrow-status-message-bin",
	"x-arrow-status-detail-bin",
	"grpc-status-details-bin",
}

// observeError records a failed call: gRPC code and message, every
// x-arrow-status* trailer, and the ErrorInfo of grpc-status-details-bin,
// decoded (with the RetryInfo of a POLL body). A nil err records "OK".
//
// Values that follow from others are recorded as the relation when it
// holds, so that a difference shows once, where it starts: the message as
// "<msg>. Detail: <status>" when it is the x-arrow-status-message-bin
// trailer plus the Flight status, that trailer as "<errorinfo.msg>" when it
// equals ErrorInfo's msg, and grpc-status-details-bin as
// "<canonical ErrorInfo>" when it is exactly the compact JSON of its fields
// in GoodData's key order.
func (r record) observeError(prefix string, err error, trailer metadata.MD) {
	st := status.Convert(err)
	r.set(prefix, "code", st.Code().String())
	if err == nil {
		return
	}
	get := func(k string) string {
		if v := trailer.Get(k); len(v) > 0 {
			return strings.Join(v, "|")
		}
		return absent
	}
	msg, detail, info := get("x-arrow-status-message-bin"), get("x-arrow-status-detail-bin"), get("grpc-status-details-bin")
	r.set(prefix, "trailer.x-arrow-status", get("x-arrow-status"))
	r.set(prefix, "trailer.x-arrow-status-detail-bin", detail)
	switch {
	case msg != absent && detail != absent && st.Message() == msg+". Detail: "+detail:
		r.set(prefix, "message", "<msg>. Detail: <status>")
	case msg != absent && st.Message() == msg:
		r.set(prefix, "message", "<msg>")
	default:
		r.set(prefix, "message", st.Message())
	}
	r.set(prefix, "trailer.x-arrow-status-message-bin", msg)
	if info == absent {
		r.set(prefix, "trailer.grpc-status-details-bin", absent)
		if msg != absent {
			r.set(prefix, "msg", msg)
		}
		return
	}
	ei := r.observeErrorInfo(prefix+".errorinfo", []byte(info))
	if ei != nil && msg == ei.msg {
		r.set(prefix, "trailer.x-arrow-status-message-bin", "<errorinfo.msg>")
	}
	if ei != nil && info == ei.canonical() {
		info = "<canonical ErrorInfo>"
	}
	r.set(prefix, "trailer.grpc-status-details-bin", info)
}

// errorInfo is a decoded ErrorInfo.
type errorInfo struct {
	msg    string
	detail *string
	code   int64
	body   *string
}

// canonical returns e as GoodData's server encodes it: compact JSON, keys
// msg, detail, code, body, no HTML escaping.
func (e *errorInfo) canonical() string {
	var b bytes.Buffer
	b.WriteString(`{"msg":`)
	b.WriteString(jsonString(e.msg))
	b.WriteString(`,"detail":`)
	b.WriteString(jsonStringOrNull(e.detail))
	b.WriteString(`,"code":` + strconv.FormatInt(e.code, 10))
	b.WriteString(`,"body":`)
	b.WriteString(jsonStringOrNull(e.body))
	b.WriteString("}")
	return b.String()
}

func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func jsonStringOrNull(s *string) string {
	if s == nil {
		return "null"
	}
	return jsonString(*s)
}

// observeErrorInfo records GoodData's ErrorInfo JSON: each field, the key
// order, and the body (base64) decoded. It returns the decoded ErrorInfo,
// or nil if raw is not one.
func (r record) observeErrorInfo(prefix string, raw []byte) *errorInfo {
	fields, order, err := jsonObject(raw)
	if err != nil {
		r.set(prefix, "error", err.Error())
		return nil
	}
	r.set(prefix, "keys", strings.Join(order, ","))
	for _, k := range order {
		r.set(prefix, k, jsonValue(fields[k]))
	}
	var ei errorInfo
	if json.Unmarshal(fields["msg"], &ei.msg) != nil || json.Unmarshal(fields["code"], &ei.code) != nil {
		return nil
	}
	_ = json.Unmarshal(fields["detail"], &ei.detail)
	_ = json.Unmarshal(fields["body"], &ei.body)
	if ei.body == nil {
		return &ei
	}
	r.set(prefix, "body", "<base64>")
	decoded, err := base64.StdEncoding.DecodeString(*ei.body)
	if err != nil {
		r.set(prefix, "body.error", "not standard base64: "+err.Error())
		return &ei
	}
	r.set(prefix, "body.canonical_base64", strconv.FormatBool(base64.StdEncoding.EncodeToString(decoded) == *ei.body))
	r.observeRetryInfo(prefix+".body", decoded)
	return &ei
}

// observeRetryInfo records the RetryInfo JSON of a POLL error: key order,
// flight_info, and each descriptor decoded from base64 protobuf.
func (r record) observeRetryInfo(prefix string, raw []byte) {
	fields, order, err := jsonObject(raw)
	if err != nil {
		r.set(prefix, "error", err.Error())
		return
	}
	r.set(prefix, "keys", strings.Join(order, ","))
	for _, k := range order {
		var b64 string
		if json.Unmarshal(fields[k], &b64) != nil {
			r.set(prefix, k, jsonValue(fields[k]))
			continue
		}
		pb, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			r.set(prefix, k, "not base64: "+err.Error())
			continue
		}
		var d flight.FlightDescriptor
		if err := proto.Unmarshal(pb, &d); err != nil {
			r.set(prefix, k, "not a FlightDescriptor: "+err.Error())
			continue
		}
		// The wire bytes, with the command shown as text: protobuf tag,
		// type, tag and length, then the command.
		head := pb[:len(pb)-len(d.Cmd)]
		r.set(prefix, k, fmt.Sprintf("%x %s cmd=%s", head, d.Type, d.Cmd))
	}
}

// jsonObject decodes a JSON object and returns its fields and their order.
func jsonObject(raw []byte) (map[string]json.RawMessage, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("not a JSON object: %.80q", raw)
	}
	fields := map[string]json.RawMessage{}
	var order []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("not a JSON object: %w", err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("not a JSON object: %w", err)
		}
		fields[key] = v
		order = append(order, key)
	}
	return fields, order, nil
}

// jsonValue renders a JSON value: strings unquoted, null as null.
func jsonValue(raw json.RawMessage) string {
	if string(raw) == "null" {
		return null
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// observeInfo records a FlightInfo: its schema (decoded, and the bytes),
// descriptor, endpoints with tickets and locations, and totals.
func (r record) observeInfo(prefix string, info *flight.FlightInfo) {
	r.observeSchemaBytes(prefix+".schema", info.GetSchema())
	d := info.GetFlightDescriptor()
	r.set(prefix, "descriptor.type", d.GetType().String())
	r.set(prefix, "descriptor.cmd", string(d.GetCmd()))
	r.set(prefix, "descriptor.path", strings.Join(d.GetPath(), "/"))
	r.set(prefix, "endpoints", strconv.Itoa(len(info.GetEndpoint())))
	for i, ep := range info.GetEndpoint() {
		p := fmt.Sprintf("%s.endpoint%d", prefix, i)
		r.set(p, "ticket", string(ep.GetTicket().GetTicket()))
		var locs []string
		for _, l := range ep.GetLocation() {
			locs = append(locs, l.GetUri())
		}
		r.set(p, "locations", strings.Join(locs, " "))
		r.set(p, "expiration_time", ep.GetExpirationTime().String())
		r.set(p, "app_metadata", hex.EncodeToString(ep.GetAppMetadata()))
	}
	r.set(prefix, "total_records", strconv.FormatInt(info.GetTotalRecords(), 10))
	r.set(prefix, "total_bytes", strconv.FormatInt(info.GetTotalBytes(), 10))
	r.set(prefix, "ordered", strconv.FormatBool(info.GetOrdered()))
	r.set(prefix, "app_metadata", hex.EncodeToString(info.GetAppMetadata()))
}

// observeSchemaBytes records an IPC-encoded schema: decoded, and its bytes.
func (r record) observeSchemaBytes(prefix string, b []byte) {
	r.set(prefix, "bytes", hex.EncodeToString(b))
	s, err := flight.DeserializeSchema(b, nil)
	if err != nil {
		r.set(prefix, "error", err.Error())
		return
	}
	r.observeSchema(prefix, s)
}

// observeSchema records every field's type, nullability and metadata, and
// the schema's metadata.
func (r record) observeSchema(prefix string, s *arrow.Schema) {
	var names []string
	for _, f := range s.Fields() {
		names = append(names, f.Name)
		r.set(prefix, "field."+f.Name, fmt.Sprintf("%s nullable=%t metadata=%s", f.Type, f.Nullable, metadataString(f.Metadata)))
	}
	r.set(prefix, "fields", strings.Join(names, ","))
	r.set(prefix, "metadata", metadataString(s.Metadata()))
}

func metadataString(md arrow.Metadata) string {
	var kv []string
	for i, k := range md.Keys() {
		kv = append(kv, k+"="+md.Values()[i])
	}
	return "{" + strings.Join(kv, ", ") + "}"
}

// maxCells bounds the values a record keeps of one DoGet: beyond it only
// row counts and a digest of the values are compared.
const maxCells = 2000

// observeStream reads a DoGet stream to its end and records the schema of
// the stream, the row count of every batch and every value (rendered by
// arrow-go, the same way for both servers); or the error.
func (r record) observeStream(prefix string, stream flight.FlightService_DoGetClient, openErr error) {
	if openErr != nil {
		r.observeError(prefix, openErr, nil)
		return
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		r.observeError(prefix, err, stream.Trailer())
		return
	}
	defer rdr.Release()
	r.observeSchema(prefix+".schema", rdr.Schema())
	var batches []string
	var cells int
	digest := newDigest()
	row := 0
	for rdr.Next() {
		rec := rdr.RecordBatch()
		batches = append(batches, strconv.FormatInt(rec.NumRows(), 10))
		for c, col := range rec.Columns() {
			name := rec.Schema().Field(c).Name
			for i := 0; i < col.Len(); i++ {
				v := cellString(col, i)
				digest.add(name, v)
				if cells < maxCells {
					r.set(prefix, fmt.Sprintf("row%d.%s", row+i, name), v)
					cells++
				}
			}
		}
		row += int(rec.NumRows())
	}
	if err := rdr.Err(); err != nil && !errors.Is(err, io.EOF) {
		r.observeError(prefix, err, stream.Trailer())
	} else {
		r.set(prefix, "code", "OK")
	}
	r.set(prefix, "rows", strconv.Itoa(row))
	r.set(prefix, "batches", strings.Join(batches, ","))
	r.set(prefix, "digest", digest.String())
}

// cellString renders value i of col: JSON of arrow-go's marshalling form,
// "null" for a null.
func cellString(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "null"
	}
	if ts, ok := col.(*array.Timestamp); ok { // the raw value and unit: exact, zone-free
		return fmt.Sprintf("%d %s", ts.Value(i), ts.DataType().(*arrow.TimestampType).Unit)
	}
	b, err := json.Marshal(col.GetOneForMarshal(i))
	if err != nil {
		return col.ValueStr(i)
	}
	return string(b)
}

// Normalisation: what legitimately differs between two runs of the same
// server (task ids, ports, names of JavaScript twins) is replaced before
// records are compared.
var taskIDPattern = regexp.MustCompile(`[0-9a-f]{32}`)

// normalize rewrites every value of r for comparison: task ids become
// <task-id>, the peer's own ports <port>, and the peer's function names the
// scenario's.
func (r record) normalize(p *peer) record {
	repl := []string{}
	for _, port := range []int{p.port, p.healthPort, p.metricsPort} {
		repl = append(repl, ":"+strconv.Itoa(port), ":<port>")
	}
	for canonical, name := range p.names {
		repl = append(repl, name, canonical)
	}
	repl = append(repl, p.replace...)
	rp := strings.NewReplacer(repl...)
	out := record{}
	for k, v := range r {
		if strings.HasSuffix(k, ".bytes") || strings.HasSuffix(k, ".digest") { // hex: no ids, ports or names
			out[k] = v
			continue
		}
		out[rp.Replace(k)] = taskIDPattern.ReplaceAllString(rp.Replace(v), "<task-id>")
	}
	return out
}

// digest is a SHA-256 of every value of a result, column by column, for
// results too large to keep value by value. It does not depend on where
// batches start and end.
type digest struct {
	order   []string
	columns map[string]hash.Hash
}

func newDigest() *digest { return &digest{columns: map[string]hash.Hash{}} }

func (d *digest) add(column, value string) {
	h, ok := d.columns[column]
	if !ok {
		h = sha256.New()
		d.columns[column] = h
		d.order = append(d.order, column)
	}
	h.Write([]byte(value))
	h.Write([]byte{0})
}

func (d *digest) String() string {
	all := sha256.New()
	for _, c := range d.order {
		all.Write([]byte(c))
		all.Write(d.columns[c].Sum(nil))
	}
	return hex.EncodeToString(all.Sum(nil))
}
