package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		name       string
		remote     string
		xff        []string
		trustProxy bool
		want       string
	}{
		{"remote IPv4", "192.0.2.1:5555", nil, false, "192.0.2.1"},
		{"remote IPv6", "[2001:db8::1]:5555", nil, false, "2001:db8::1"},
		{"remote IPv6 zone", "[fe80::1%eth0]:5555", nil, false, "fe80::1"},
		{"remote mapped IPv4", "[::ffff:192.0.2.1]:5555", nil, false, "192.0.2.1"},
		{"remote no port", "192.0.2.1", nil, false, "192.0.2.1"},
		{"remote IPv6 no port", "2001:db8::1", nil, false, "2001:db8::1"},
		{"remote unix socket", "@", nil, false, "@"},
		{"remote empty", "", nil, false, ""},
		{"remote junk", "not an address:80", nil, false, "not an address"},
		{"XFF ignored without trust", "192.0.2.1:5555", []string{"198.51.100.7"}, false, "192.0.2.1"},
		{"XFF one", "10.0.0.1:5555", []string{"198.51.100.7"}, true, "198.51.100.7"},
		{"XFF rightmost", "10.0.0.1:5555", []string{"203.0.113.9, 198.51.100.7"}, true, "198.51.100.7"},
		{"XFF forged left", "10.0.0.1:5555", []string{"1.1.1.1, 2.2.2.2, 198.51.100.7"}, true, "198.51.100.7"},
		{"XFF several headers", "10.0.0.1:5555", []string{"203.0.113.9", "198.51.100.7"}, true, "198.51.100.7"},
		{"XFF junk rightmost", "10.0.0.1:5555", []string{"198.51.100.7, garbage"}, true, "198.51.100.7"},
		{"XFF junk later header", "10.0.0.1:5555", []string{"198.51.100.7", "unknown"}, true, "198.51.100.7"},
		{"XFF IPv6", "10.0.0.1:5555", []string{"2001:db8::7"}, true, "2001:db8::7"},
		{"XFF IPv6 bracketed port", "10.0.0.1:5555", []string{"[2001:db8::7]:443"}, true, "2001:db8::7"},
		{"XFF IPv6 bracketed", "10.0.0.1:5555", []string{"[2001:db8::7]"}, true, "2001:db8::7"},
		{"XFF IPv4 port", "10.0.0.1:5555", []string{"198.51.100.7:443"}, true, "198.51.100.7"},
		{"XFF mapped", "10.0.0.1:5555", []string{"::ffff:198.51.100.7"}, true, "198.51.100.7"},
		{"XFF spaces", "10.0.0.1:5555", []string{"  198.51.100.7  "}, true, "198.51.100.7"},
		{"XFF all junk", "10.0.0.1:5555", []string{"unknown, , ,,, [::1"}, true, "10.0.0.1"},
		{"XFF empty", "10.0.0.1:5555", []string{""}, true, "10.0.0.1"},
		{"XFF commas only", "10.0.0.1:5555", []string{",,,"}, true, "10.0.0.1"},
		{"XFF bracketed IPv4", "10.0.0.1:5555", []string{"[198.51.100.7]"}, true, "10.0.0.1"},
		{"XFF absent", "10.0.0.1:5555", nil, true, "10.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tc.trustProxy); got != tc.want {
				t.Errorf("ClientIP(RemoteAddr %q, X-Forwarded-For %q, trust %v) = %q, want %q",
					tc.remote, tc.xff, tc.trustProxy, got, tc.want)
			}
		})
	}
	if got := ClientIP(nil, true); got != "" {
		t.Errorf("ClientIP(nil) = %q, want \"\"", got)
	}
}
