package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// relay is a real SMTP server (go-smtp) that keeps what it is sent.
type relay struct {
	addr       string
	user, pass string // when set, AUTH PLAIN is required
	refuseRcpt string // RCPT TO this address is refused

	mu   sync.Mutex
	msgs []relayed
}

// relayed is one message the relay accepted.
type relayed struct {
	from   string
	to     []string
	data   []byte
	tls    bool
	authed bool
}

// startRelay starts a relay on 127.0.0.1; tlsConfig, when set, makes it
// offer STARTTLS.
func startRelay(t *testing.T, tlsConfig *tls.Config, configure func(*relay)) *relay {
	t.Helper()
	r := &relay{}
	if configure != nil {
		configure(r)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &relaySession{r: r, tls: isTLS}, nil
	}))
	srv.Domain = "relay.test"
	srv.TLSConfig = tlsConfig
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return r
}

func (r *relay) messages() []relayed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]relayed(nil), r.msgs...)
}

type relaySession struct {
	r      *relay
	tls    bool
	authed bool
	from   string
	to     []string
}

func (s *relaySession) AuthMechanisms() []string {
	if s.r.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *relaySession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.r.user || password != s.r.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	if s.r.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.r.refuseRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *relaySession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, relayed{from: s.from, to: s.to, data: data, tls: s.tls, authed: s.authed})
	s.r.mu.Unlock()
	return nil
}

func (s *relaySession) Reset()        { s.from, s.to = "", nil }
func (s *relaySession) Logout() error { return nil }

var fixedNow = time.Date(2026, 11, 18, 9, 30, 0, 0, time.FixedZone("GMT", 0))

func mailer(addr string) *Mailer {
	return &Mailer{
		Addr: addr,
		From: "Portcullis Alerts <alerts@security.parliament.uk>",
		Now:  func() time.Time { return fixedNow },
	}
}

func TestSendBuildsMessage(t *testing.T) {
	r := startRelay(t, nil, nil)
	m := mailer(r.addr)
	subject := "Avertissement : « consultant » à Londres — trois profils LinkedIn signalés cette semaine"
	text := "Bonjour,\n\nA recruiter offering £3,000 for a \"report\" = a warning sign.\n" +
		".A line starting with a dot.\n" +
		strings.Repeat("long line ", 30) + "\n" +
		"trailing spaces   \n" +
		"Grüße, 你好\n"
	msg := Message{
		To:      []string{"Kate Jones <kate.jones@parliament.uk>", "ops@security.parliament.uk"},
		Subject: subject,
		Text:    text,
		Headers: map[string]string{"X-Portcullis-Advisory": "ADV-2026-001"},
	}
	if err := m.Send(t.Context(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := r.messages()
	if len(got) != 1 {
		t.Fatalf("relay got %d messages, want 1", len(got))
	}
	g := got[0]
	if g.from != "alerts@security.parliament.uk" {
		t.Errorf("envelope from = %q", g.from)
	}
	if want := []string{"kate.jones@parliament.uk", "ops@security.parliament.uk"}; !slices.Equal(g.to, want) {
		t.Errorf("envelope to = %q, want %q", g.to, want)
	}

	for i, line := range strings.Split(string(g.data), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d long: %q", i, len(line), line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 || c == '\r' || c == '\n' {
				t.Errorf("line %d has byte %#x: the message must be 7-bit with CRLF lines", i, c)
				break
			}
		}
	}

	parsed, err := mail.ReadMessage(bytes.NewReader(g.data))
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, g.data)
	}
	h := parsed.Header
	if d, err := h.Date(); err != nil || !d.Equal(fixedNow) {
		t.Errorf("Date = %q (%v), want %v", h.Get("Date"), err, fixedNow)
	}
	if from, err := mail.ParseAddress(h.Get("From")); err != nil || from.Name != "Portcullis Alerts" || from.Address != "alerts@security.parliament.uk" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Kate Jones" || to[0].Address != "kate.jones@parliament.uk" || to[1].Address != "ops@security.parliament.uk" {
		t.Errorf("To = %q (%v)", h.Get("To"), err)
	}
	var dec mime.WordDecoder
	if s, err := dec.DecodeHeader(h.Get("Subject")); err != nil || s != subject {
		t.Errorf("Subject decodes to %q (%v), want %q", s, err, subject)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@security\.parliament\.uk>$`).MatchString(id) {
		t.Errorf("Message-ID = %q", id)
	}
	for name, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted":            "auto-generated",
		"X-Portcullis-Advisory":     "ADV-2026-001",
	} {
		if got := h[textproto.CanonicalMIMEHeaderKey(name)]; len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want [%q]", name, got, want)
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(parsed.Body))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(text, "\n", "\r\n"); string(body) != want {
		t.Errorf("body decodes to\n%q\nwant\n%q", body, want)
	}
	if g.tls || g.authed {
		t.Errorf("tls %v, authed %v on a plain relay without credentials", g.tls, g.authed)
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	tests := []struct {
		name string
		from string
		msg  Message
	}{
		{name: "subject CRLF", msg: Message{Subject: "Weekly summary\r\nBcc: spy@evil.test"}},
		{name: "subject LF", msg: Message{Subject: "Weekly summary\nBcc: spy@evil.test"}},
		{name: "subject CR", msg: Message{Subject: "Weekly summary\rBcc: spy@evil.test"}},
		{name: "recipient CRLF", msg: Message{To: []string{"kate.jones@parliament.uk\r\nBcc: spy@evil.test"}}},
		{name: "recipient name CRLF", msg: Message{To: []string{"\"Kate\r\nBcc: spy@evil.test\" <kate.jones@parliament.uk>"}}},
		{name: "recipient encoded CRLF", msg: Message{To: []string{"=?utf-8?q?Kate=0D=0ABcc:_spy@evil.test?= <kate.jones@parliament.uk>"}}},
		{name: "two recipients in one", msg: Message{To: []string{"kate.jones@parliament.uk, spy@evil.test"}}},
		{name: "from CRLF", from: "alerts@security.parliament.uk\r\nBcc: spy@evil.test"},
		{name: "header value CRLF", msg: Message{Headers: map[string]string{"X-Advisory": "1\r\nBcc: spy@evil.test"}}},
		{name: "header name colon", msg: Message{Headers: map[string]string{"X-A: b\r\nBcc": "spy@evil.test"}}},
		{name: "header name space", msg: Message{Headers: map[string]string{"X A": "b"}}},
		{name: "reserved Bcc", msg: Message{Headers: map[string]string{"bcc": "spy@evil.test"}}},
		{name: "reserved From", msg: Message{Headers: map[string]string{"From": "ceo@parliament.uk"}}},
		{name: "duplicate header", msg: Message{Headers: map[string]string{"X-A": "1", "x-a": "2"}}},
		{name: "non-ASCII header value", msg: Message{Headers: map[string]string{"X-A": "é"}}},
		{name: "non-ASCII address", msg: Message{To: []string{"kät@parliament.uk"}}},
		{name: "no recipients", msg: Message{To: []string{}}},
	}
	r := startRelay(t, nil, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mailer(r.addr)
			if tt.from != "" {
				m.From = tt.from
			}
			msg := tt.msg
			if msg.To == nil {
				msg.To = []string{"kate.jones@parliament.uk"}
			}
			if msg.Subject == "" {
				msg.Subject = "Weekly summary"
			}
			err := m.Send(t.Context(), msg)
			if err == nil || errors.Is(err, ErrNotConfigured) {
				t.Errorf("Send = %v, want a refusal", err)
			}
		})
	}
	if n := len(r.messages()); n != 0 {
		t.Errorf("relay got %d messages", n)
	}
}

func TestNotConfigured(t *testing.T) {
	var nilMailer *Mailer
	for _, m := range []*Mailer{{}, {From: "a@b.test"}, nilMailer} {
		err := m.Send(t.Context(), Message{To: []string{"kate.jones@parliament.uk"}, Subject: "x"})
		if !errors.Is(err, ErrNotConfigured) {
			t.Errorf("Send = %v, want ErrNotConfigured", err)
		}
	}
}

func TestAutoSubmittedOverride(t *testing.T) {
	r := startRelay(t, nil, nil)
	err := mailer(r.addr).Send(t.Context(), Message{
		To: []string{"kate.jones@parliament.uk"}, Subject: "Re: your report", Text: "Thanks.",
		Headers: map[string]string{"auto-submitted": "auto-replied"},
	})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(r.messages()[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if got := parsed.Header["Auto-Submitted"]; len(got) != 1 || got[0] != "auto-replied" {
		t.Errorf("Auto-Submitted = %q", got)
	}
}

func TestSubjectEncoding(t *testing.T) {
	tests := []struct {
		subject string
		plain   bool
	}{
		{"Weekly summary", true},
		{"", true},
		{"Looks like =?utf-8?q?an_encoded_word?=", false},
		{"two  spaces", false},
		{" leading space", false},
		{"Réunion", false},
		{strings.Repeat("x", 100), false},
		{strings.Repeat("word ", 40) + "end", true},
	}
	var dec mime.WordDecoder
	for _, tt := range tests {
		enc := encodeText(tt.subject)
		if plain := enc == tt.subject; plain != tt.plain {
			t.Errorf("encodeText(%q) = %q; plain %v, want %v", tt.subject, enc, plain, tt.plain)
		}
		var b strings.Builder
		if err := writeField(&b, "Subject", enc); err != nil {
			t.Errorf("writeField(%q): %v", tt.subject, err)
			continue
		}
		msg, err := mail.ReadMessage(strings.NewReader(b.String() + "\r\n"))
		if err != nil {
			t.Fatalf("ReadMessage: %v", err)
		}
		got, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || got != tt.subject {
			t.Errorf("subject %q came back as %q (%v)", tt.subject, got, err)
		}
	}
}

func TestAuth(t *testing.T) {
	r := startRelay(t, nil, func(r *relay) { r.user, r.pass = "portcullis", "s3cret" })
	msg := Message{To: []string{"kate.jones@parliament.uk"}, Subject: "x", Text: "y"}

	m := mailer(r.addr)
	m.Username, m.Password = "portcullis", "s3cret"
	if err := m.Send(t.Context(), msg); err != nil {
		t.Fatalf("Send with credentials: %v", err)
	}
	if got := r.messages(); len(got) != 1 || !got[0].authed {
		t.Fatalf("relay got %+v, want one authenticated message", got)
	}

	m.Password = "wrong"
	if err := m.Send(t.Context(), msg); err == nil || !strings.Contains(err.Error(), "535") {
		t.Errorf("Send with a wrong password = %v, want a 535", err)
	}
	if err := mailer(r.addr).Send(t.Context(), msg); err == nil {
		t.Error("Send without credentials succeeded")
	}
	if n := len(r.messages()); n != 1 {
		t.Errorf("relay got %d messages, want 1", n)
	}
}

func TestStartTLS(t *testing.T) {
	cert, pool := testCert(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	msg := Message{To: []string{"kate.jones@parliament.uk"}, Subject: "x", Text: "y"}

	t.Run("used when offered", func(t *testing.T) {
		r := startRelay(t, serverTLS, func(r *relay) { r.user, r.pass = "u", "p" })
		m := mailer(r.addr)
		m.TLSConfig = &tls.Config{RootCAs: pool}
		m.Username, m.Password = "u", "p"
		if err := m.Send(t.Context(), msg); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if got := r.messages(); len(got) != 1 || !got[0].tls || !got[0].authed {
			t.Errorf("relay got %+v, want one message over TLS, authenticated", got)
		}
	})
	t.Run("certificate checked", func(t *testing.T) {
		r := startRelay(t, serverTLS, nil)
		if err := mailer(r.addr).Send(t.Context(), msg); err == nil {
			t.Error("Send trusted an unknown certificate")
		}
		if n := len(r.messages()); n != 0 {
			t.Errorf("relay got %d messages", n)
		}
	})
	t.Run("never", func(t *testing.T) {
		r := startRelay(t, serverTLS, nil)
		m := mailer(r.addr)
		m.StartTLS = StartTLSNever
		if err := m.Send(t.Context(), msg); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if got := r.messages(); len(got) != 1 || got[0].tls {
			t.Errorf("relay got %+v, want one message in the clear", got)
		}
	})
	t.Run("required but not offered", func(t *testing.T) {
		r := startRelay(t, nil, nil)
		m := mailer(r.addr)
		m.StartTLS = StartTLSRequired
		if err := m.Send(t.Context(), msg); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("Send = %v, want a STARTTLS error", err)
		}
		if n := len(r.messages()); n != 0 {
			t.Errorf("relay got %d messages", n)
		}
	})
}

func TestRelayRefusesRecipient(t *testing.T) {
	r := startRelay(t, nil, func(r *relay) { r.refuseRcpt = "gone@parliament.uk" })
	err := mailer(r.addr).Send(t.Context(), Message{To: []string{"kate.jones@parliament.uk", "gone@parliament.uk"}, Subject: "x"})
	if err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "gone@parliament.uk") {
		t.Errorf("Send = %v, want the relay's 550 for gone@", err)
	}
	if n := len(r.messages()); n != 0 {
		t.Errorf("relay got %d messages", n)
	}
}

func TestDeadlines(t *testing.T) {
	// A relay that accepts the connection and never says anything.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	msg := Message{To: []string{"kate.jones@parliament.uk"}, Subject: "x"}

	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := mailer(ln.Addr().String()).Send(ctx, msg)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send = %v, want a deadline error", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Send took %v", d)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		err := mailer(ln.Addr().String()).Send(ctx, msg)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Send = %v, want context.Canceled", err)
		}
	})
	t.Run("timeout field", func(t *testing.T) {
		m := mailer(ln.Addr().String())
		m.Timeout = 200 * time.Millisecond
		start := time.Now()
		if err := m.Send(context.Background(), msg); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send = %v, want a deadline error", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Send took %v", d)
		}
	})
}

// FuzzBuild checks that no subject, body, display name or extra header
// value gets a field into the header that the mailer did not write, and
// that subject and body come back as they went in.
func FuzzBuild(f *testing.F) {
	f.Add("Weekly summary", "Hello\nworld", "Kate Jones", "ADV-1")
	f.Add("Weekly summary\r\nBcc: spy@evil.test", "x", "Kate", "1")
	f.Add("Réunion « urgente » — 你好", ".\r\n.\r\nQUIT\r\n", "Jöns, K. \"KJ\"", "a\r\nb")
	f.Add("=?utf-8?b?QmNjOg==?=", "=\xff\xfe", "=?utf-8?q?a=0D=0Ab?=", "")
	f.Add(strings.Repeat("x", 1000), strings.Repeat("y ", 1000), strings.Repeat("z", 200), strings.Repeat("v", 900))
	from := &mail.Address{Name: "Portcullis", Address: "alerts@security.parliament.uk"}
	f.Fuzz(func(t *testing.T, subject, text, name, value string) {
		to, err := parseAddress((&mail.Address{Name: name, Address: "kate.jones@parliament.uk"}).String())
		if err != nil {
			return
		}
		data, err := build(from, []*mail.Address{to}, Message{
			Subject: subject, Text: text, Headers: map[string]string{"X-Portcullis-Advisory": value},
		}, fixedNow)
		if err != nil {
			return
		}
		msg, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("built message does not parse: %v\n%q", err, data)
		}
		want := []string{"Auto-Submitted", "Content-Transfer-Encoding", "Content-Type", "Date", "From",
			"Message-Id", "Mime-Version", "Subject", "To", "X-Portcullis-Advisory"}
		var got []string
		for k, v := range msg.Header {
			if len(v) != 1 {
				t.Errorf("header %s appears %d times", k, len(v))
			}
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("header fields %q, want %q\n%q", got, want, data)
		}
		var dec mime.WordDecoder
		if s, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || s != subject {
			t.Errorf("subject %q came back as %q (%v)", subject, s, err)
		}
		if list, err := msg.Header.AddressList("To"); err != nil || len(list) != 1 || list[0].Address != "kate.jones@parliament.uk" {
			t.Errorf("To %q parses to %v (%v)", msg.Header.Get("To"), list, err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatalf("body: %v", err)
		}
		wantBody := strings.ToValidUTF8(text, "\uFFFD")
		wantBody = strings.ReplaceAll(wantBody, "\r\n", "\n")
		wantBody = strings.ReplaceAll(wantBody, "\r", "\n")
		wantBody = strings.ReplaceAll(wantBody, "\n", "\r\n")
		if wantBody != "" && !strings.HasSuffix(wantBody, "\r\n") {
			wantBody += "\r\n"
		}
		if string(body) != wantBody {
			t.Errorf("body %q came back as %q", wantBody, body)
		}
		for i, line := range strings.Split(string(data), "\r\n") {
			if len(line) > maxLine {
				t.Errorf("line %d is %d long", i, len(line))
			}
			if strings.ContainsAny(line, "\r\n") || strings.IndexFunc(line, func(r rune) bool { return r >= 0x80 }) >= 0 {
				t.Errorf("line %d is not 7-bit text: %q", i, line)
			}
		}
	})
}

// testCert makes a self-signed certificate for 127.0.0.1.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
