package message

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// mailWith builds a mail with a From and Subject, the given extra header
// lines and body, with CRLF line ends throughout.
func mailWith(subject, header, body string) string {
	s := "From: Sender <sender@example.com>\nTo: Member <member@parliament.example>\nSubject: " + subject + "\nMIME-Version: 1.0\n" + header + "\n" + body
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// nestedMultipart wraps an HTML part in depth levels of multipart/mixed.
func nestedMultipart(depth int, html string) string {
	body := "Content-Type: text/html; charset=utf-8\n\n" + html + "\n"
	for i := depth; i > 0; i-- {
		b := fmt.Sprintf("b%d", i)
		body = fmt.Sprintf("Content-Type: multipart/mixed; boundary=%q\n\n--%s\n%s--%s--\n", b, b, body, b)
	}
	head, rest, _ := strings.Cut(body, "\n\n")
	return mailWith("nested", head+"\n", rest)
}

// nestedRFC822 wraps a mail with an HTML body in depth attached messages.
func nestedRFC822(depth int, html string) string {
	m := mailWith("FW: inner", "Content-Type: text/html; charset=utf-8\n", html+"\n")
	for range depth {
		m = mailWith("FW: wrapper", "Content-Type: message/rfc822\n", m)
	}
	return m
}

func TestHTMLBody(t *testing.T) {
	const (
		altHead  = "Content-Type: multipart/alternative; boundary=\"alt\"\n"
		mixHead  = "Content-Type: multipart/mixed; boundary=\"mix\"\n"
		original = "From: Recruiter <hr@lookalike.example>\nTo: Owen <owen@parliament.example>\nSubject: Paid consultancy\nContent-Type: text/html; charset=utf-8\n\n<p>We offer <b>$15k</b> for a short report.</p>\n"
	)
	tests := []struct {
		name string
		raw  string
		lim  Limits
		want string
	}{
		{
			name: "multipart alternative",
			raw: mailWith("Hello", altHead,
				"--alt\nContent-Type: text/plain; charset=utf-8\n\nplain words\n--alt\nContent-Type: text/html; charset=utf-8\n\n<p>rich <a href=\"https://evil.example/\">words</a></p>\n--alt--\n"),
			want: "<p>rich <a href=\"https://evil.example/\">words</a></p>",
		},
		{
			name: "base64",
			raw: mailWith("b64", "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n",
				base64.StdEncoding.EncodeToString([]byte("<p>We pay \u00a3500</p>"))+"\n"),
			want: "<p>We pay \u00a3500</p>",
		},
		{
			name: "quoted-printable utf-8",
			raw: mailWith("qp", "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n",
				"<p style=3D\"x\">caf=C3=A9 soft=\nbreak</p>\n"),
			want: "<p style=\"x\">café softbreak</p>\n",
		},
		{
			name: "quoted-printable iso-8859-1",
			raw: mailWith("latin", "Content-Type: text/html; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: quoted-printable\n",
				"<p>caf=E9 =A3500</p>\n"),
			want: "<p>café £500</p>\n",
		},
		{
			name: "raw 8-bit windows-1252 without charset",
			raw:  mailWith("cp1252", "Content-Type: text/html\n", "<p>\x93quoted\x94</p>\n"),
			want: "<p>\u201cquoted\u201d</p>\n",
		},
		{
			name: "attached rfc822 original",
			raw: mailWith("FW: Paid consultancy", mixHead,
				"--mix\nContent-Type: text/html\n\n<p>See below, looks odd.</p>\n--mix\nContent-Type: message/rfc822\n\n"+original+"--mix--\n"),
			want: "<p>We offer <b>$15k</b> for a short report.</p>",
		},
		{
			name: "attached original without HTML",
			raw: mailWith("FW: Paid consultancy", mixHead,
				"--mix\nContent-Type: text/html\n\n<p>See below.</p>\n--mix\nContent-Type: message/rfc822\n\nFrom: hr@lookalike.example\nSubject: Paid\n\nplain offer\n--mix--\n"),
			want: "",
		},
		{
			name: "inline forward keeps the forwarding message's HTML",
			raw: mailWith("Fwd: catch up", altHead,
				"--alt\nContent-Type: text/plain\n\nLooks odd.\n\n---------- Forwarded message ---------\nFrom: Chen <chen@think.example>\nSubject: catch up\n\nPaid in USDT.\n--alt\nContent-Type: text/html\n\n<div>Looks odd.</div><div>---------- Forwarded message ---------<br>From: Chen</div>\n--alt--\n"),
			want: "<div>Looks odd.</div><div>---------- Forwarded message ---------<br>From: Chen</div>",
		},
		{
			name: "several HTML parts joined in order",
			raw: mailWith("apple", mixHead,
				"--mix\nContent-Type: text/html\n\n<p>one</p>\n--mix\nContent-Type: image/png\nContent-Disposition: inline; filename=\"a.png\"\n\nPNG\n--mix\nContent-Type: text/html\n\n<p>two</p>\n--mix--\n"),
			want: "<p>one</p>\n\n<p>two</p>",
		},
		{
			name: "xhtml",
			raw:  mailWith("x", "Content-Type: application/xhtml+xml\n", "<p>x</p>\n"),
			want: "<p>x</p>\n",
		},
		{
			name: "no HTML",
			raw:  mailWith("plain", "Content-Type: text/plain\n", "just text\n"),
			want: "",
		},
		{
			name: "HTML attachment is not the body",
			raw: mailWith("invoice", mixHead,
				"--mix\nContent-Type: text/plain\n\nsee attached\n--mix\nContent-Type: text/html; name=\"invoice.html\"\nContent-Disposition: attachment; filename=\"invoice.html\"\n\n<form action=\"https://evil.example\">\n--mix--\n"),
			want: "",
		},
		{
			name: "mbox separator",
			raw:  "From sender@example.com Mon Jan  2 15:04:05 2006\n" + mailWith("mbox", "Content-Type: text/html\n", "<p>m</p>\n"),
			want: "<p>m</p>\n",
		},
		{
			name: "pasted text",
			raw:  "<p>Hi, we pay \u00a3500 for a short paper.</p>",
			want: "",
		},
		{
			name: "approach JSON",
			raw:  `{"format":"portcullis.approach/v1","messages":[{"text":"<p>hi</p>"}]}`,
			want: "",
		},
		{
			name: "empty",
			raw:  "",
			want: "",
		},
		{
			name: "nesting within the depth limit",
			raw:  nestedMultipart(5, "<p>deep</p>"),
			want: "<p>deep</p>",
		},
		{
			name: "nesting beyond the depth limit",
			raw:  nestedMultipart(40, "<p>deep</p>"),
			want: "",
		},
		{
			name: "attached messages beyond the depth limit",
			raw:  nestedRFC822(30, "<p>deep</p>"),
			want: "",
		},
		{
			name: "attached messages within the depth limit",
			raw:  nestedRFC822(3, "<p>deep</p>"),
			want: "<p>deep</p>\n",
		},
		{
			name: "text limit",
			raw:  mailWith("big", "Content-Type: text/html; charset=utf-8\n", strings.Repeat("<p>é</p>", 100)+"\n"),
			lim:  Limits{MaxTextBytes: 90},
			want: strings.Repeat("<p>é</p>", 10),
		},
		{
			name: "part limit",
			raw: mailWith("parts", mixHead,
				strings.Repeat("--mix\nContent-Type: text/plain\n\nx\n", 10)+"--mix\nContent-Type: text/html\n\n<p>late</p>\n--mix--\n"),
			lim:  Limits{MaxParts: 5},
			want: "",
		},
		{
			name: "multipart without a boundary",
			raw:  mailWith("broken", "Content-Type: multipart/alternative\n", "<p>lost</p>\n"),
			want: "",
		},
		{
			name: "truncated base64 and no closing boundary",
			raw: mailWith("cut", mixHead,
				"--mix\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n"+base64.StdEncoding.EncodeToString([]byte("<p>cut short</p>"))[:15]),
			want: "<p>cut shor",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := HTMLBody([]byte(tc.raw), tc.lim)
			if err != nil {
				t.Fatalf("HTMLBody: %v", err)
			}
			if got != tc.want {
				t.Errorf("HTMLBody = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHTMLBodyTooLarge(t *testing.T) {
	raw := mailWith("big", "Content-Type: text/html\n", strings.Repeat("<p>x</p>\n", 1000))
	_, err := HTMLBody([]byte(raw), Limits{MaxBytes: 1 << 10})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("HTMLBody of %d bytes with MaxBytes 1 KB: err = %v, want ErrTooLarge", len(raw), err)
	}
}

func TestHTMLBodyGarbage(t *testing.T) {
	inputs := []string{
		"\x00\xff\xfe garbage",
		"From: a@b.example\r\nSubject: x\r\nContent-Type: text/html; charset=no-such-charset\r\n\r\n<p>\xff\xfe</p>",
		"From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n",
		"From: a@b.example\r\nSubject: x\r\nContent-Type: message/rfc822\r\n\r\n",
		"From: a@b.example\r\nSubject: x\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=",
		"From: a@b.example\r\nSubject: x\r\nContent-Type: text/html; charset=utf-16\r\n\r\n\xff\xfe<\x00p\x00>\x00",
		"From a\n",
		strings.Repeat("From: a@b.example\r\nSubject: x\r\n", 2000),
	}
	for i, in := range inputs {
		got, err := HTMLBody([]byte(in), tightLimits)
		if err != nil {
			continue
		}
		if !utf8.ValidString(got) {
			t.Errorf("input %d: HTMLBody = %q, not valid UTF-8", i, got)
		}
	}
}

// TestHTMLBodyFixtures checks that every fixture mail whose analysed message
// has HTML text gives its HTML source, and that HTMLBody agrees with Parse
// on which message that is.
func TestHTMLBodyFixtures(t *testing.T) {
	files, err := filepath.Glob("../../testdata/mail/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture mails: %v", err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(bytes.NewReader(data), Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := HTMLBody(data, Limits{})
			if err != nil {
				t.Fatalf("HTMLBody: %v", err)
			}
			if p.Mail == nil {
				if got != "" {
					t.Errorf("HTMLBody = %q for an input that is not mail", got)
				}
				return
			}
			if p.Mail.HTMLText != "" && got == "" {
				t.Errorf("HTMLBody = \"\", but the analysed message has HTML text %q", p.Mail.HTMLText)
			}
			if got != "" {
				if text := htmlToText(got).text; !strings.Contains(p.Mail.HTMLText, firstLine(text)) {
					t.Errorf("HTMLBody text starts %q, which is not in the analysed message's HTML text %q", firstLine(text), p.Mail.HTMLText)
				}
			}
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// FuzzHTMLBody checks that HTMLBody never panics, returns valid UTF-8
// within the text limit, refuses exactly the inputs over the size limit, and
// finds HTML whenever Parse found HTML text in the analysed message.
func FuzzHTMLBody(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(nestedMultipart(3, "<p>x</p>")))
	f.Add([]byte(nestedRFC822(2, "<p>x</p>")))
	files, _ := filepath.Glob("../../testdata/mail/*.eml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lim := range []Limits{{}, tightLimits} {
			got, err := HTMLBody(data, lim)
			full := lim.withDefaults()
			if gotLarge, want := errors.Is(err, ErrTooLarge), int64(len(data)) > full.MaxBytes; gotLarge != want {
				t.Fatalf("HTMLBody of %d bytes with MaxBytes %d: errors.Is(err, ErrTooLarge) = %v, want %v (err %v)", len(data), full.MaxBytes, gotLarge, want, err)
			}
			if err != nil {
				continue
			}
			if !utf8.ValidString(got) {
				t.Fatalf("HTMLBody = %q, not valid UTF-8", got)
			}
			if len(got) > full.MaxTextBytes {
				t.Fatalf("HTMLBody returned %d bytes, more than MaxTextBytes %d", len(got), full.MaxTextBytes)
			}
			p, perr := Parse(bytes.NewReader(data), lim)
			if perr == nil && p.Mail != nil && p.Mail.HTMLText != "" && got == "" {
				t.Fatalf("HTMLBody = \"\", but Parse found HTML text %q", p.Mail.HTMLText)
			}
		}
	})
}

// A UTF-8 body cut at the text limit in the middle of a character still
// decodes as UTF-8 (it used to fall back to Windows-1252 and garble).
func TestTextLimitKeepsUTF8(t *testing.T) {
	body := strings.Repeat("é", 40) // 80 bytes
	raw := "From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
	p, err := Parse(strings.NewReader(raw), Limits{MaxTextBytes: 51})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.Mail.Text, "Ã") || !strings.HasPrefix(p.Mail.Text, "éé") {
		t.Errorf("cut text = %q", p.Mail.Text)
	}
}
