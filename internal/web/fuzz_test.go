package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portcullis/internal/store"
)

// FuzzReportForm posts hostile report forms: the answer is a stored
// report (303) or a form error (400), never a server error, and reported
// markup never comes back unescaped.
func FuzzReportForm(f *testing.F) {
	f.Add("Dear colleague, our client pays 5,000 GBP per report.", "Amanda Qiu", "https://www.linkedin.com/in/x", "linkedin")
	f.Add("From: a@b.c\nSubject: x\n\nhello", "", "", "email")
	f.Add(`{"format":"portcullis.approach/v1","messages":[{"text":"x"}]}`, "", "", "other")
	f.Add("<script>alert(1)</script>\x00\xff\xfe", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "nope")
	f.Add("", "", "", "")
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, text, name, profile, platform string) {
		e.t = t
		form := url.Values{"text": {text}, "name": {name}, "profile_url": {profile}, "platform": {platform}, "intent": {"check"}}
		resp := e.do(store.RoleReporter, "POST", "/report", form, false)
		body := readBody(t, resp)
		switch resp.StatusCode {
		case http.StatusSeeOther, http.StatusBadRequest:
		default:
			t.Fatalf("status %d for %q / %q: %.300s", resp.StatusCode, text, name, body)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Fatalf("reported markup came back unescaped: %.300s", body)
		}
	})
}
