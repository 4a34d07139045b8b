package flightserver

import "testing"

func TestParseTicket(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct{ ticket, id string }{
		{`{"task_id":"` + id + `"}`, id},     // the fast path
		{`{ "task_id" : "` + id + `" }`, id}, // any JSON spelling
		{`{"task_id":"0123456789ABCDEF0123456789ABCDEF"}`, "0123456789ABCDEF0123456789ABCDEF"},
		{`{"task_id":"x","other":1}`, "x"},
		{`{"task_id":"\u0030123456789abcdef0123456789abcde"}`, "0123456789abcdef0123456789abcde"},
	} {
		got, err := parseTicket([]byte(tc.ticket))
		if err != nil || got != tc.id {
			t.Errorf("parseTicket(%s) = %q, %v; want %q", tc.ticket, got, err, tc.id)
		}
	}
}
