package message_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portcullis/internal/message"
)

// mailFixtureDir holds hand-built mails and what a correct parse of each
// must recover (see its README.md and LINKEDIN-FORMAT.md).
const mailFixtureDir = "../../testdata/mail"

// mailFixture is one entry of testdata/mail/expected.json.
type mailFixture struct {
	File           string   `json:"file"`
	Kind           string   `json:"kind"`
	SenderName     string   `json:"sender_name"`
	SenderHeadline string   `json:"sender_headline"`
	ProfileURL     string   `json:"profile_url"`
	SenderEmail    string   `json:"sender_email"`
	Reporter       string   `json:"reporter"`
	Subject        string   `json:"subject"`
	TextContains   []string `json:"text_contains"`
	TextExcludes   []string `json:"text_excludes"`
}

// TestMailFixtures parses every fixture mail and checks the kind, the
// original sender, the reporter of a forward, the subject and the
// recovered message text against expected.json.
func TestMailFixtures(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(mailFixtureDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fixtures []mailFixture
	if err := json.Unmarshal(data, &fixtures); err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	if len(fixtures) == 0 {
		t.Fatal("expected.json lists no fixtures")
	}
	for _, tc := range fixtures {
		t.Run(strings.TrimSuffix(tc.File, ".eml"), func(t *testing.T) {
			p := parseFixture(t, filepath.Join(mailFixtureDir, tc.File))
			if p.Kind != tc.Kind {
				t.Errorf("kind = %q, want %q", p.Kind, tc.Kind)
			}
			if p.Reporter != tc.Reporter {
				t.Errorf("reporter = %q, want %q", p.Reporter, tc.Reporter)
			}
			if p.Approach == nil {
				t.Fatal("no approach")
			}

			var name, headline, profile, email string
			if s := p.Approach.Sender; s != nil {
				name, headline, profile, email = s.Name, s.Headline, s.ProfileURL, s.Email
			}
			if name != tc.SenderName {
				t.Errorf("sender name = %q, want %q", name, tc.SenderName)
			}
			if headline != tc.SenderHeadline {
				t.Errorf("sender headline = %q, want %q", headline, tc.SenderHeadline)
			}
			if profile != tc.ProfileURL {
				t.Errorf("profile URL = %q, want %q", profile, tc.ProfileURL)
			}
			if tc.SenderEmail != "" && email != tc.SenderEmail {
				t.Errorf("sender email = %q, want %q", email, tc.SenderEmail)
			}

			var subject, text string
			if len(p.Approach.Messages) > 0 {
				subject, text = p.Approach.Messages[0].Subject, p.Approach.Messages[0].Text
			} else if len(tc.TextContains) > 0 {
				t.Errorf("no messages, want text containing %q", tc.TextContains)
			}
			// A LinkedIn approach may leave the subject to the notification mail.
			if subject == "" && p.Kind == message.KindLinkedIn && p.Mail != nil {
				subject = p.Mail.Subject
			}
			if subject != tc.Subject {
				t.Errorf("subject = %q, want %q", subject, tc.Subject)
			}

			flat := collapseSpace(text)
			for _, want := range tc.TextContains {
				if !strings.Contains(flat, collapseSpace(want)) {
					t.Errorf("text lacks %q; text:\n%s", want, text)
				}
			}
			for _, bad := range tc.TextExcludes {
				if strings.Contains(flat, collapseSpace(bad)) {
					t.Errorf("text contains %q; text:\n%s", bad, text)
				}
			}
		})
	}
}

// parseFixture parses one fixture file with the default limits.
func parseFixture(t *testing.T, path string) *message.Parsed {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := message.Parse(f, message.Limits{})
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return p
}

// collapseSpace turns every run of white space (NBSP included) into one
// space, so that phrases match across line breaks.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " ")
}

// TestFlowedText checks that the soft line breaks of format=flowed text
// (RFC 3676) are joined, and that other text keeps its lines.
func TestFlowedText(t *testing.T) {
	tests := []struct {
		name, params, body, want string
	}{
		{
			name:   "soft breaks",
			params: "; format=flowed",
			body:   "We would like to \r\ninvite you to \r\nspeak.\r\n\r\n-- \r\nAlex\r\n",
			want:   "We would like to invite you to speak.\n\n-- \nAlex",
		},
		{
			name:   "delsp",
			params: "; format=flowed; delsp=yes",
			body:   "a fully fun \r\nded study tour\r\n",
			want:   "a fully funded study tour",
		},
		{
			name:   "quote depth",
			params: `; format="flowed"`,
			body:   ">> deep quote that \r\n>> flows\r\n> shallow \r\nreply \r\nhere\r\n",
			// A change of depth makes the flowed "> shallow " fixed.
			want: ">> deep quote that flows\n> shallow \nreply here",
		},
		{
			name:   "space stuffing",
			params: "; format=flowed",
			body:   " From the start\r\n",
			want:   "From the start",
		},
		{
			name:   "empty line ends a paragraph",
			params: "; format=flowed",
			body:   "first \r\n\r\nsecond\r\n",
			want:   "first \n\nsecond",
		},
		{
			name: "not flowed",
			body: "line one \r\nline two\r\n",
			want: "line one \nline two",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := "From: Alex <alex@example.com>\r\nTo: jane@example.org\r\nSubject: Hello\r\n" +
				"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8" + tc.params + "\r\n\r\n" + tc.body
			p, err := message.Parse(strings.NewReader(raw), message.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Approach.Messages) == 0 {
				t.Fatal("no messages")
			}
			if got := strings.TrimRight(p.Approach.Messages[0].Text, "\n"); got != tc.want {
				t.Errorf("text = %q, want %q", got, tc.want)
			}
		})
	}
}
