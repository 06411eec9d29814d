// Package indicator defines the typed values Portcullis extracts from
// approaches and keeps in its watchlist (emails, domains, URLs, LinkedIn
// profiles, phones, messaging handles, names, organisations, IPs, file
// hashes) and the one normal form of each, so that a value extracted from a
// report and a value on the watchlist compare equal when they name the same
// thing.
package indicator

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Type names a kind of indicator.
type Type string

// Indicator types.
const (
	Email        Type = "email"
	Domain       Type = "domain"
	URL          Type = "url"
	LinkedIn     Type = "linkedin_profile"
	Phone        Type = "phone"
	Handle       Type = "handle"
	Person       Type = "person"
	Organization Type = "organization"
	IP           Type = "ip"
	FileSHA256   Type = "file_sha256"
)

// Types lists every indicator type.
var Types = []Type{Email, Domain, URL, LinkedIn, Phone, Handle, Person, Organization, IP, FileSHA256}

// Indicator is one extracted value and where it was found.
type Indicator struct {
	Type  Type   `json:"type"`
	Value string `json:"value"`
	Field string `json:"field"`
}

var liSlugRE = regexp.MustCompile(`(?i)linkedin\.com/(?:comm/)?(in|pub)/([^/?#\s"'<>]+)`)

// NormalizeLinkedIn turns any LinkedIn profile link (country subdomains,
// /comm/ tracking paths, query strings, trailing slashes, percent-escapes,
// mixed case) into https://www.linkedin.com/in/<slug>. It returns "" for a
// link that is not a member profile.
func NormalizeLinkedIn(u string) string {
	m := liSlugRE.FindStringSubmatch(u)
	if m == nil {
		return ""
	}
	slug := m[2]
	if dec, err := url.PathUnescape(slug); err == nil {
		slug = dec
	}
	// An escaped delimiter ends the slug, as it would in a browser.
	if i := strings.IndexAny(slug, "/?#\"'<>% \t\n\r\f\v"); i >= 0 {
		slug = slug[:i]
	}
	slug = strings.ToLower(strings.TrimRight(slug, "/.,;:!"))
	if slug == "" || !utf8.ValidString(slug) {
		return ""
	}
	return "https://www.linkedin.com/in/" + slug
}

// NormalizeDomain lower-cases a host name, removes a trailing dot and a
// port, and converts IDN labels to their ASCII (punycode) form. It returns ""
// when s is not a plausible host name.
func NormalizeDomain(s string) string {
	s = strings.TrimSpace(strings.ToLower(s))
	s = strings.TrimSuffix(s, ".")
	if h, _, ok := strings.Cut(s, ":"); ok {
		s = h
	}
	if s == "" || len(s) > 253 {
		return ""
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil {
		// Keep a best effort: hostile senders use invalid IDNs on purpose.
		a, err = idna.Punycode.ToASCII(s)
		if err != nil {
			return ""
		}
	}
	a = strings.TrimSuffix(a, ".")
	if !validHost(a) {
		return ""
	}
	return a
}

// validHost reports whether h is a plain ASCII host name: at most 253
// bytes, at least two non-empty labels of letters, digits, '-' and '_'.
func validHost(h string) bool {
	if len(h) > 253 || !strings.Contains(h, ".") {
		return false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// Registrable returns the registrable domain (eTLD+1) of a normalised host
// name using the public suffix list, or the host itself when it has none.
func Registrable(host string) string {
	if host == "" {
		return ""
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	r, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return r
}

// UnicodeDomain renders a punycode host for people to read.
func UnicodeDomain(host string) string {
	u, err := idna.Display.ToUnicode(host)
	if err != nil {
		return host
	}
	return u
}

// NormalizeEmail lower-cases an address and its domain (IDN to ASCII).
func NormalizeEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for {
		t := strings.TrimSpace(strings.Trim(s, "<>\"' "))
		t = strings.TrimPrefix(t, "mailto:")
		if t == s {
			break
		}
		s = t
	}
	local, dom, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.ContainsAny(local, " \t\r\n<>\"'@,;:()[]\\") || !utf8.ValidString(local) {
		return ""
	}
	d := NormalizeDomain(dom)
	if d == "" {
		return ""
	}
	return local + "@" + d
}

// NormalizePhone returns the E.164 form (+ and digits) of an international
// number written with spaces, dots, dashes, brackets or a 00 prefix; "" when
// it is not one.
func NormalizePhone(s string) string {
	var b strings.Builder
	s = strings.TrimSpace(s)
	plus := strings.HasPrefix(s, "+")
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	default:
		return ""
	}
	// UK numbers are often written +44 (0)20 ...
	if strings.HasPrefix(d, "440") && strings.Contains(s, "(0)") {
		d = "44" + d[3:]
	}
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return ""
	}
	return "+" + d
}

// NormalizeURL lower-cases scheme and host, converts the host to ASCII and
// drops the fragment; the path and query are kept as sent.
func NormalizeURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	h := NormalizeDomain(u.Hostname())
	if h == "" {
		if a, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil {
			h = a.String()
			if a.Is6() && !a.Is4In6() {
				h = "[" + h + "]"
			}
		} else {
			return ""
		}
	}
	if p := u.Port(); p != "" {
		h += ":" + p
	}
	u.Host = h
	u.Fragment = ""
	u.RawFragment = ""
	u.User = nil
	return u.String()
}

// Normalize returns the normal form of v for type t, or "" if v is not a
// valid value of that type.
func Normalize(t Type, v string) string {
	switch t {
	case Email:
		return NormalizeEmail(v)
	case Domain:
		return NormalizeDomain(v)
	case URL:
		return NormalizeURL(v)
	case LinkedIn:
		return NormalizeLinkedIn(v)
	case Phone:
		return NormalizePhone(v)
	case IP:
		a, err := netip.ParseAddr(strings.TrimSpace(v))
		if err != nil {
			return ""
		}
		return a.String()
	case FileSHA256:
		v = strings.ToLower(strings.TrimSpace(v))
		if len(v) != 64 || strings.Trim(v, "0123456789abcdef") != "" {
			return ""
		}
		return v
	case Handle:
		return strings.ToLower(strings.TrimSpace(v))
	case Person, Organization:
		return strings.Join(strings.Fields(v), " ")
	}
	return ""
}
