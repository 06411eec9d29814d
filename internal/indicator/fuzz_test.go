package indicator

import (
	"testing"
)

// FuzzNormalize checks, for every type, that Normalize never panics and is
// idempotent: a normal form normalises to itself.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"Alice@Example.COM", "mailto:<bob@münchen.de>", "mailto:mailto:a@b.com", "Example.COM.", "münchen.de:443",
		"HTTPS://User@Example.COM:8443/Path?q=1#frag", "http://[::1]:80/", "http://192.0.2.1/",
		"https://uk.linkedin.com/in/Amanda-Qiu-123/?trk=x", "linkedin.com/comm/in/%E5%BC%A0%E4%BC%9F",
		"+44 (0)20 7946 0000", "0044 20 7946 0000", "020 7946 0000",
		"@Handle", "  Jane   Smith ", "2001:DB8::1", "fe80::1%eth0",
		"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"", "\xff", "a..b", "xn--", "İ",
		"linkedin.com/in/a%2Fb", "linkedin.com/in/a%20b", "linkedin.com/in/%3Fx", "linkedin.com/in/x%2E", "linkedin.com/in/a%2541",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, typ := range Types {
			n := Normalize(typ, v)
			if n == "" {
				continue
			}
			if n2 := Normalize(typ, n); n2 != n {
				t.Errorf("Normalize(%s, %q) = %q, but Normalize(%s, %q) = %q", typ, v, n, typ, n, n2)
			}
		}
	})
}

func TestNormalizeLinkedIn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"uk.linkedin.com/in/Amanda-Qiu-123/?trk=x", "https://www.linkedin.com/in/amanda-qiu-123"},
		{"https://uk.linkedin.com/in/Amanda-Qiu-123/?trk=x", "https://www.linkedin.com/in/amanda-qiu-123"},
		{"https://www.linkedin.com/comm/in/amanda-qiu-123?midToken=abc&trk=eml", "https://www.linkedin.com/in/amanda-qiu-123"},
		{"http://LinkedIn.com/in/Amanda-Qiu-123#about", "https://www.linkedin.com/in/amanda-qiu-123"},
		{"https://www.linkedin.com/in/%E5%BC%A0%E4%BC%9F-a1b2/", "https://www.linkedin.com/in/张伟-a1b2"},
		{"https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa", "https://www.linkedin.com/in/josé-garcía"},
		{"https://www.linkedin.com/pub/jane-doe/1/2/3", "https://www.linkedin.com/in/jane-doe"},
		{"https://www.linkedin.com/company/acme-search/", ""},
		{"https://www.linkedin.com/feed/", ""},
		{"https://www.linkedin.com/jobs/view/123", ""},
		{"https://example.com/in/amanda", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeLinkedIn(tt.in); got != tt.want {
			t.Errorf("NormalizeLinkedIn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+44 (0)20 7946 0000", "+442079460000"},
		{"+44 20 7946 0000", "+442079460000"},
		{"0044 20 7946 0000", "+442079460000"},
		{"0044 (0)20 7946 0000", "+442079460000"},
		{"+1 (202) 555-0143", "+12025550143"},
		{"+86 138.0013.8000", "+8613800138000"},
		{"020 7946 0000", ""},
		{"07700 900123", ""},
		{"+44 123", ""},
		{"+1234567890123456", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizePhone(tt.in); got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Example.COM", "example.com"},
		{"example.com.", "example.com"},
		{"example.com:8080", "example.com"},
		{" WWW.Parliament.UK. ", "www.parliament.uk"},
		{"münchen.de", "xn--mnchen-3ya.de"},
		{"MÜNCHEN.de:443", "xn--mnchen-3ya.de"},
		{"例え.テスト", "xn--r8jz45g.xn--zckzah"},
		{"xn--mnchen-3ya.de", "xn--mnchen-3ya.de"},
		{"localhost", ""},
		{"", ""},
		{".", ""},
	}
	for _, tt := range tests {
		if got := NormalizeDomain(tt.in); got != tt.want {
			t.Errorf("NormalizeDomain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRegistrable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"www.parliament.uk", "parliament.uk"},
		{"a.b.example.co.uk", "example.co.uk"},
		{"example.co.uk", "example.co.uk"},
		{"mail.google.com", "google.com"},
		{"foo.blogspot.com", "foo.blogspot.com"},
		{"co.uk", "co.uk"},
		{"192.0.2.1", "192.0.2.1"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Registrable(tt.in); got != tt.want {
			t.Errorf("Registrable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
