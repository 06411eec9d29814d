// Package notify sends Portcullis's own email (advisories, verdicts,
// "your report was received") through the organisation's mail relay.
//
// A Mailer builds a complete RFC 5322 message (Date, From, To, Subject,
// Message-ID, MIME-Version, a quoted-printable UTF-8 text/plain body and
// Auto-Submitted: auto-generated, so that auto-replies are not sent back)
// and hands it to the relay over SMTP, using STARTTLS when the relay offers
// it and AUTH PLAIN when credentials are configured. Anything that would
// let text escape its header (CR or LF in an address, the subject or an
// extra header) is refused, not cleaned up.
package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNotConfigured is returned by Send when the Mailer has no relay
// address: sending mail is switched off.
var ErrNotConfigured = errors.New("notify: mail relay not configured")

// DefaultTimeout bounds one Send when Mailer.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// StartTLSPolicy says when a Mailer encrypts the connection to the relay.
type StartTLSPolicy int

const (
	// StartTLSOpportunistic, the zero value, uses STARTTLS when the relay
	// offers it and sends in the clear when it does not.
	StartTLSOpportunistic StartTLSPolicy = iota
	// StartTLSRequired refuses to send unless STARTTLS succeeds.
	StartTLSRequired
	// StartTLSNever never starts TLS.
	StartTLSNever
)

// Mailer sends mail through one relay. The zero value is not configured:
// its Send returns ErrNotConfigured. A Mailer is safe for concurrent use
// once set up; each Send uses its own connection.
type Mailer struct {
	// Addr is the relay's host:port. Empty means not configured.
	Addr string
	// From is the sender, as an address with an optional display name:
	// "Portcullis <portcullis@security.parliament.uk>".
	From string
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN, which is only done over TLS or to a relay on localhost.
	Username, Password string
	// StartTLS says when to use STARTTLS; the zero value uses it whenever
	// the relay offers it.
	StartTLS StartTLSPolicy
	// TLSConfig is used for STARTTLS; its ServerName defaults to the host
	// in Addr.
	TLSConfig *tls.Config
	// Timeout bounds each Send, connection included; a context deadline
	// that comes sooner wins. Default DefaultTimeout.
	Timeout time.Duration
	// Hello is the name given in EHLO. Default: the domain of From.
	Hello string
	// Now is the clock for the Date header. Default time.Now.
	Now func() time.Time
}

// Message is one email. Each address in To sees all the others: send one
// Message per person to keep a list of recipients private.
type Message struct {
	// To holds the recipients, each an address with an optional display
	// name.
	To []string
	// Subject is plain text; it is RFC 2047 encoded when it needs to be.
	Subject string
	// Text is the body, plain UTF-8 text; line ends may be \n or \r\n.
	Text string
	// Headers are extra header fields, such as Auto-Submitted to override
	// the default or List-Unsubscribe. Values must be printable ASCII.
	// The fields the Mailer writes itself (From, To, Subject, Date...)
	// cannot be set here.
	Headers map[string]string
}

// reserved are the header fields that Message.Headers may not set.
var reserved = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Subject": true, "Date": true,
	"Message-Id": true, "Mime-Version": true, "Content-Type": true,
	"Content-Transfer-Encoding": true, "Sender": true, "Return-Path": true,
	"Received": true,
}

// Send builds msg and delivers it to the relay. It returns once the relay
// has accepted the message, or with an error; ctx (and Timeout) bound the
// whole conversation.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	if m == nil || m.Addr == "" {
		return ErrNotConfigured
	}
	from, err := parseAddress(m.From)
	if err != nil {
		return fmt.Errorf("notify: from: %w", err)
	}
	if len(msg.To) == 0 {
		return errors.New("notify: no recipients")
	}
	to := make([]*mail.Address, 0, len(msg.To))
	for _, s := range msg.To {
		a, err := parseAddress(s)
		if err != nil {
			return fmt.Errorf("notify: to: %w", err)
		}
		to = append(to, a)
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	data, err := build(from, to, msg, now())
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("notify: relay address %q: %w", m.Addr, err)
	}
	hello := m.Hello
	if hello == "" {
		hello = domainOf(from.Address)
	}
	if hello == "" || strings.ContainsAny(hello, "\r\n \t") {
		return fmt.Errorf("notify: bad EHLO name %q", hello)
	}

	timeout := m.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = m.deliver(ctx, host, hello, from.Address, to, data)
	if err == nil {
		return nil
	}
	cause := ctx.Err()
	var ne net.Error
	if dl, ok := ctx.Deadline(); cause == nil && ok && errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(dl) {
		// The connection's deadline is ctx's, and it can fire first.
		cause = context.DeadlineExceeded
	}
	if cause != nil {
		return fmt.Errorf("notify: send via %s: %w (%v)", m.Addr, cause, err)
	}
	return fmt.Errorf("notify: send via %s: %w", m.Addr, err)
}

// deliver runs the SMTP conversation.
func (m *Mailer) deliver(ctx context.Context, host, hello, from string, to []*mail.Address, data []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return err
	}
	// net/smtp has no deadlines of its own: one for the whole exchange,
	// and closing the connection if ctx is cancelled earlier.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(hello); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok && m.StartTLS != StartTLSNever {
		cfg := &tls.Config{}
		if m.TLSConfig != nil {
			cfg = m.TLSConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	} else if m.StartTLS == StartTLSRequired {
		return errors.New("relay does not offer STARTTLS")
	}
	if m.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("relay does not offer AUTH")
		}
		// PlainAuth refuses to send the password without TLS, except to
		// localhost.
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("rcpt %s: %w", a.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	// The relay has accepted the message; a failed QUIT changes nothing.
	c.Quit()
	return nil
}

// parseAddress parses one address, refusing line breaks, other control
// characters and addresses that are not ASCII.
func parseAddress(s string) (*mail.Address, error) {
	if hasControl(s) {
		return nil, fmt.Errorf("address %q: control character", s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", s, err)
	}
	if hasControl(a.Name) {
		return nil, fmt.Errorf("address %q: control character", s)
	}
	for i := 0; i < len(a.Address); i++ {
		if c := a.Address[i]; c <= ' ' || c >= 0x7f {
			return nil, fmt.Errorf("address %q: only ASCII addresses are supported", s)
		}
	}
	return a, nil
}

// hasControl reports whether s has a control character (tab included:
// none belongs in an address or a subject).
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// build writes the message: header fields folded to 78 characters where
// possible, then the quoted-printable body.
func build(from *mail.Address, to []*mail.Address, msg Message, now time.Time) ([]byte, error) {
	if hasControl(msg.Subject) {
		return nil, errors.New("notify: subject: control character (line breaks are not allowed)")
	}
	if !utf8.ValidString(msg.Subject) {
		return nil, errors.New("notify: subject: not UTF-8")
	}
	extra := make(map[string]string, len(msg.Headers))
	for k, v := range msg.Headers {
		if !validFieldName(k) {
			return nil, fmt.Errorf("notify: header name %q is not valid", k)
		}
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if reserved[ck] {
			return nil, fmt.Errorf("notify: header %s is set by the mailer", ck)
		}
		if _, dup := extra[ck]; dup {
			return nil, fmt.Errorf("notify: header %s given twice", ck)
		}
		for i := 0; i < len(v); i++ {
			if c := v[i]; (c < ' ' && c != '\t') || c >= 0x7f {
				return nil, fmt.Errorf("notify: header %s: value must be printable ASCII on one line", ck)
			}
		}
		extra[ck] = strings.TrimSpace(v)
	}
	if _, ok := extra["Auto-Submitted"]; !ok {
		extra["Auto-Submitted"] = "auto-generated"
	}

	var id [16]byte
	rand.Read(id[:])
	var b strings.Builder
	var ferr error
	field := func(name, value string) {
		if ferr == nil {
			ferr = writeField(&b, name, value)
		}
	}
	tos := make([]string, len(to))
	for i, a := range to {
		tos[i] = a.String()
	}
	field("Date", now.Format(time.RFC1123Z))
	field("From", from.String())
	field("To", strings.Join(tos, ", "))
	field("Subject", encodeText(msg.Subject))
	field("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domainOf(from.Address)+">")
	field("MIME-Version", "1.0")
	field("Content-Type", "text/plain; charset=utf-8")
	field("Content-Transfer-Encoding", "quoted-printable")
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		field(k, extra[k])
	}
	if ferr != nil {
		return nil, ferr
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ToValidUTF8(msg.Text, "\uFFFD")
	if _, err := qp.Write([]byte(text)); err != nil {
		return nil, fmt.Errorf("notify: body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("notify: body: %w", err)
	}
	if !strings.HasSuffix(b.String(), "\r\n") {
		b.WriteString("\r\n")
	}
	return []byte(b.String()), nil
}

// validFieldName accepts an RFC 5322 field name: printable ASCII other
// than the colon.
func validFieldName(k string) bool {
	if k == "" || len(k) > 76 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// maxLine is RFC 5322's hard limit on a line, without its CRLF.
const maxLine = 998

// writeField writes "Name: value" folded at spaces so that lines stay
// within 78 characters where the words allow, and refuses a field with a
// line over 998.
func writeField(b *strings.Builder, name, value string) error {
	line := name + ":"
	words := strings.Split(value, " ")
	for i, w := range words {
		piece := " " + w
		// Fold only before a word, so no line is blank.
		if i > 0 && w != "" && len(line)+len(piece) > 78 {
			if len(line) > maxLine {
				return fmt.Errorf("notify: header %s: line too long", name)
			}
			b.WriteString(line)
			b.WriteString("\r\n")
			line = ""
		}
		line += piece
	}
	if len(line) > maxLine {
		return fmt.Errorf("notify: header %s: line too long", name)
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return nil
}

// encodeText returns s as it may appear in an unstructured header field:
// unchanged when it is printable ASCII words of at most 76 characters
// with single spaces between them, otherwise as RFC 2047 "B"
// encoded-words, split between runes.
func encodeText(s string) string {
	// Folding and unfolding keep single spaces between words only, and a
	// reader would decode "=?" as the start of an encoded-word.
	plain := !strings.Contains(s, "=?") && !strings.Contains(s, "  ") &&
		!strings.HasPrefix(s, " ") && !strings.HasSuffix(s, " ")
	for _, w := range strings.Split(s, " ") {
		if len(w) > 76 {
			plain = false
		}
	}
	for i := 0; i < len(s) && plain; i++ {
		if c := s[i]; c < ' ' || c >= 0x7f {
			plain = false
		}
	}
	if plain {
		return s
	}
	const prefix, suffix = "=?utf-8?b?", "?="
	// 39 bytes make 52 characters of base64 and a 64-character word, so
	// that even the first, after "Subject: ", fits in 78.
	const chunk = 39
	var words []string
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > chunk {
				break
			}
			n += size
		}
		words = append(words, prefix+base64.StdEncoding.EncodeToString([]byte(s[:n]))+suffix)
		s = s[n:]
	}
	return strings.Join(words, " ")
}
