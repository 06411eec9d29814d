package auth

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the IP address of the client that sent r, in canonical
// form (IPv4-mapped IPv6 addresses as IPv4, zones dropped), for logs and
// as a Limiter key.
//
// Without trustProxy it is the host of r.RemoteAddr. With trustProxy,
// which is right only when every request comes through a reverse proxy
// that appends the address it saw to X-Forwarded-For, it is the last
// (rightmost) entry of X-Forwarded-For that parses as an IP address: the
// entries to its left were sent by the client and can be forged. If there
// is none, it falls back to r.RemoteAddr. A RemoteAddr that is not an IP
// address is returned as it is (without a port), and a nil request gives
// "". It never panics.
func ClientIP(r *http.Request, trustProxy bool) string {
	if r == nil {
		return ""
	}
	if trustProxy {
		vals := r.Header.Values("X-Forwarded-For")
		for i := len(vals) - 1; i >= 0; i-- {
			v := vals[i]
			for {
				j := strings.LastIndexByte(v, ',')
				if ip, ok := parseIP(strings.TrimSpace(v[j+1:])); ok {
					return ip
				}
				if j < 0 {
					break
				}
				v = v[:j]
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip, ok := parseIP(host); ok {
		return ip
	}
	return host
}

// parseIP parses an address as a proxy may write it in X-Forwarded-For:
// "192.0.2.1", "2001:db8::1", "192.0.2.1:443", "[2001:db8::1]:443" or
// "[2001:db8::1]".
func parseIP(s string) (string, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err2 := netip.ParseAddrPort(s)
		if err2 != nil {
			inner, ok := strings.CutPrefix(s, "[")
			inner, ok2 := strings.CutSuffix(inner, "]")
			if !ok || !ok2 {
				return "", false
			}
			if a, err = netip.ParseAddr(inner); err != nil || !a.Is6() {
				return "", false
			}
		} else {
			a = ap.Addr()
		}
	}
	return a.Unmap().WithZone("").String(), true
}
