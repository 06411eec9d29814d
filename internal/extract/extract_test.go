package extract

import (
	"strings"
	"testing"

	"portcullis/internal/message"
)

func extractText(t *testing.T, text string) *Result {
	t.Helper()
	p, err := message.Parse(strings.NewReader(text), message.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return New(nil, nil).Extract(p)
}

func has(r *Result, typ, value string) bool {
	for _, i := range r.Indicators {
		if string(i.Type) == typ && i.Value == value {
			return true
		}
	}
	return false
}

func TestExtractIndicators(t *testing.T) {
	tests := []struct {
		name, text string
		want       [][2]string
		not        [][2]string
	}{
		{"url and domain", "See https://Careers.Example.co.uk/jobs?id=3, thanks.",
			[][2]string{{"url", "https://careers.example.co.uk/jobs?id=3"}, {"domain", "example.co.uk"}}, nil},
		{"defanged", "Job description: hxxps://lockheed-careers[.]com/jd and evil[.]net",
			[][2]string{{"url", "https://lockheed-careers.com/jd"}, {"domain", "lockheed-careers.com"}, {"domain", "evil.net"}}, nil},
		{"www and bare", "visit www.example.org or baesystems-jobs.com/apply today.",
			[][2]string{{"domain", "example.org"}, {"domain", "baesystems-jobs.com"}}, nil},
		{"emails", "Write to Amy.Q@Gmail.com or hr@br-yr.example.cn.",
			[][2]string{{"email", "amy.q@gmail.com"}, {"email", "hr@br-yr.example.cn"}, {"domain", "example.cn"}}, [][2]string{{"domain", "gmail.com"}}},
		{"phones", "Call +44 (0)20 7946 0000 or 0086 138 0013 8000, not 020 7946 0000 at 10:00 2002",
			[][2]string{{"phone", "+442079460000"}, {"phone", "+8613800138000"}}, nil},
		{"handles", "Add me on WeChat: amyq2025. WhatsApp https://wa.me/447700900123, Telegram t.me/policy_desk, QQ: 12345678",
			[][2]string{{"handle", "wechat:amyq2025"}, {"handle", "whatsapp:+447700900123"}, {"handle", "telegram:policy_desk"}, {"handle", "qq:12345678"}}, nil},
		{"linkedin", "My profile: https://uk.linkedin.com/in/Amanda-Qiu-88/?trk=x",
			[][2]string{{"linkedin_profile", "https://www.linkedin.com/in/amanda-qiu-88"}}, nil},
		{"ip", "server at 203.0.113.9 and 10.0.0.1", [][2]string{{"ip", "203.0.113.9"}}, [][2]string{{"ip", "10.0.0.1"}}},
		{"not domains", "e.g. version 1.2.3 in file.txt and readme.md at 3.30pm", nil,
			[][2]string{{"domain", "file.txt"}, {"domain", "readme.md"}}},
		{"orgs and names", "My name is Amanda Qiu and I am a partner at BR-YR Executive Search. Our Center for Sino-Europe Development Studies helps.\n\nBest regards,\nAmanda Qiu",
			[][2]string{{"person", "Amanda Qiu"}, {"organization", "BR-YR Executive Search"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := extractText(t, tt.text)
			for _, w := range tt.want {
				if !has(r, w[0], w[1]) {
					t.Errorf("missing %s %q; got %v", w[0], w[1], r.Indicators)
				}
			}
			for _, w := range tt.not {
				if has(r, w[0], w[1]) {
					t.Errorf("unexpected %s %q", w[0], w[1])
				}
			}
		})
	}
}
