package flightserver

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets of the wire's parsers. FuzzParseInvocation is in
// invocation_test.go. Seeds: testdata/fuzz/<FuzzName>.

// parseTicketReference reads a ticket the plain way: Unmarshal into a map,
// then the task id.
func parseTicketReference(tkt []byte) (string, string) {
	var payload map[string]any
	if !isObject(tkt) || json.Unmarshal(tkt, &payload) != nil {
		return "", msgTicketNotJSON
	}
	id, _ := payload["task_id"].(string)
	if id == "" {
		return "", msgTicketNoTaskID
	}
	return id, ""
}

// FuzzParseTicket compares parseTicket, with its fast path for the tickets
// this server hands out, with parseTicketReference.
func FuzzParseTicket(f *testing.F) {
	f.Fuzz(func(t *testing.T, tkt []byte) {
		id, err := parseTicket(tkt)
		wantID, wantMsg := parseTicketReference(tkt)
		switch {
		case err != nil && (wantMsg == "" || err.Info.Msg != wantMsg || err.Info.Code != CodeBadArgument):
			t.Fatalf("parseTicket(%q) = error %v; want %q %q", tkt, err, wantID, wantMsg)
		case err == nil && id != wantID:
			t.Fatalf("parseTicket(%q) = %q; want %q %q", tkt, id, wantID, wantMsg)
		}
	})
}

// FuzzErrorInfo encodes any ErrorInfo as it travels in the trailer and
// decodes it again: the JSON is valid, and the fields come back truncated
// as documented, with each byte of invalid UTF-8 replaced by U+FFFD.
func FuzzErrorInfo(f *testing.F) {
	f.Fuzz(func(t *testing.T, msg, detail string, code int, body []byte) {
		in := ErrorInfo{Msg: msg, Detail: detail, Code: Code(code), Body: body}
		js, err := in.MarshalJSON()
		if err != nil || !json.Valid(js) {
			t.Fatalf("MarshalJSON(%+v) = %q, %v: not valid JSON", in, js, err)
		}
		var out ErrorInfo
		if err := out.UnmarshalJSON(js); err != nil {
			t.Fatalf("UnmarshalJSON(%q): %v", js, err)
		}
		if want := replaceInvalid(in.WireMsg()); out.Msg != want {
			t.Fatalf("msg %q came back as %q, want %q", msg, out.Msg, want)
		}
		if want := replaceInvalid(in.WireDetail()); out.Detail != want {
			t.Fatalf("detail %q came back as %q, want %q", detail, out.Detail, want)
		}
		if out.Code != in.Code || !bytes.Equal(out.Body, in.Body) {
			t.Fatalf("code %d, body %q came back as %d, %q", in.Code, in.Body, out.Code, out.Body)
		}
		if n := utf8.RuneCountInString(out.Msg); n > maxMsgLen+utf8.RuneCountInString(truncMarker) {
			t.Fatalf("msg of %d characters on the wire", n)
		}
	})
}

// replaceInvalid replaces every byte of s that is not part of valid UTF-8
// with U+FFFD, as encoding/json does.
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
