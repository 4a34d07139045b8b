package settings

import "testing"

func TestMaxRequestBytes(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		value string
		want  int64
	}{
		{`"64KiB"`, 64 << 10},
		{`1048576`, 1 << 20},
		{`"1.5 MiB"`, 3 << 19},
		{`"1KiB"`, 1 << 10},
		{`2147483647`, 1<<31 - 1},
	} {
		c := load(t, []string{write(t, dir, "s.toml", "[server]\nmax_request_bytes = "+tc.value+"\n")})
		if c.Server.MaxRequestBytes != tc.want {
			t.Errorf("max_request_bytes = %s: got %d, want %d", tc.value, c.Server.MaxRequestBytes, tc.want)
		}
	}
	c := load(t, nil, "GOODDATA_FLIGHT_SERVER__MAX_REQUEST_BYTES=8MiB")
	if c.Server.MaxRequestBytes != 8<<20 {
		t.Errorf("from the environment: %d", c.Server.MaxRequestBytes)
	}

	for _, tc := range []struct{ value, msg string }{
		{`"1000 B"`, `[server] max_request_bytes: string "1000 B": expected a size from 1KiB to 2147483647 bytes`},
		{`"2GiB"`, `[server] max_request_bytes: string "2GiB": expected a size from 1KiB to 2147483647 bytes`},
		{`0`, `[server] max_request_bytes: expected a positive number of bytes, or a size such as "64MiB", got integer 0`},
		{`"4 MiBs"`, `[server] max_request_bytes: size "4 MiBs": unknown unit "MiBs"`},
		{`true`, `got boolean true`},
	} {
		path := write(t, dir, "s.toml", "[server]\nmax_request_bytes = "+tc.value+"\n")
		wantContains(t, loadErr(t, []string{path}), path+": [server] max_request_bytes: ", tc.msg)
	}
}
