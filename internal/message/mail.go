package message

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"portcullis/internal/approach"
)

// Mail is one parsed RFC 822 message.
type Mail struct {
	From         Address
	Sender       Address
	ReplyTo      []Address
	To           []Address
	Cc           []Address
	ReturnPath   string
	Subject      string
	Date         time.Time
	MessageID    string
	Header       textproto.MIMEHeader // the top-level header, decoded field by field on demand
	Auth         Auth
	Text         string // the body as text: text/plain, or HTML turned into text
	HTMLText     string // the HTML body turned into text, even when Text came from text/plain
	HTMLOnly     bool   // the body had no text/plain alternative
	Links        []Link // links found in HTML bodies, with their visible text
	RemoteImages int    // remote images in HTML bodies (never fetched)
	Attachments  []Attachment
	Attached     []*Mail // message/rfc822 parts
	ListMail     bool    // List-Id or List-Unsubscribe with Precedence: list/bulk
}

// Address is a mailbox: a display name and an address (lower-cased).
type Address struct {
	Name    string
	Address string
}

// String renders the address as "Name <addr>".
func (a Address) String() string {
	switch {
	case a.Name == "":
		return a.Address
	case a.Address == "":
		return a.Name
	}
	return a.Name + " <" + a.Address + ">"
}

// Domain returns the part of the address after the last @.
func (a Address) Domain() string {
	if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
		return a.Address[i+1:]
	}
	return ""
}

// Auth holds the results of SPF, DKIM and DMARC checks as the receiving
// server recorded them ("pass", "fail", "softfail", "neutral", "none",
// "temperror", "permerror"; empty when not recorded).
type Auth struct {
	SPF, DKIM, DMARC string
	Raw              string // the header the results came from
}

// Link is a hyperlink in an HTML body.
type Link struct {
	Href string
	Text string
}

// Attachment is a non-text part: hashed and typed, never opened.
type Attachment struct {
	Name         string
	DeclaredType string // Content-Type as sent
	TrueType     string // detected from the bytes, e.g. "pe-executable", "zip", "pdf"
	Size         int64
	SHA256       string
	Entries      []string // names inside an archive, when it could be listed
	Encrypted    bool     // an archive with encrypted entries
	Macros       bool     // an Office document that carries VBA macros
	Truncated    bool     // larger than the inspection limit: hashed, not inspected
}

var errTooManyParts = errors.New("too many MIME parts")

type mailParser struct {
	lim      Limits
	parts    int
	problems []string
	htmlSrc  map[*Mail]*textBody // when not nil, the HTML source of each mail's text/html parts (see HTMLBody)
}

func (p *mailParser) problem(format string, args ...any) {
	if len(p.problems) < 50 {
		p.problems = append(p.problems, fmt.Sprintf(format, args...))
	}
}

func parseMail(r *bufio.Reader, lim Limits) (*Parsed, error) {
	// Skip an mbox "From " separator line.
	if head, _ := r.Peek(5); string(head) == "From " {
		if _, err := r.ReadSlice('\n'); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("message: read mbox line: %w", err)
		}
	}
	p := &mailParser{lim: lim}
	m, err := p.readMail(r, 0)
	if err != nil {
		return nil, err
	}
	// Drain what is left so the size limit holds for the whole input.
	_, _ = io.Copy(io.Discard, r)
	return p.finish(m), nil
}

// readMail parses one message (header and body) from r.
func (p *mailParser) readMail(r io.Reader, depth int) (*Mail, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	hdr, err := readHeader(br, p.lim.MaxHeader)
	if err != nil && len(hdr) == 0 {
		return nil, fmt.Errorf("message: mail header: %w", err)
	}
	if err != nil {
		p.problem("header: %v", err)
	}
	m := &Mail{Header: hdr}
	m.From = firstAddress(hdr.Get("From"))
	m.Sender = firstAddress(hdr.Get("Sender"))
	m.ReplyTo = addressList(hdr.Get("Reply-To"))
	m.To = addressList(hdr.Get("To"))
	m.Cc = addressList(hdr.Get("Cc"))
	m.ReturnPath = strings.ToLower(strings.Trim(strings.TrimSpace(hdr.Get("Return-Path")), "<>"))
	m.Subject = decodeHeader(hdr.Get("Subject"))
	m.MessageID = strings.TrimSpace(hdr.Get("Message-Id"))
	if d := hdr.Get("Date"); d != "" {
		if t, err := mail.ParseDate(d); err == nil {
			m.Date = t
		}
	}
	m.Auth = parseAuth(hdr)
	prec := strings.ToLower(hdr.Get("Precedence"))
	m.ListMail = hdr.Get("List-Id") != "" || hdr.Get("List-Post") != "" ||
		(hdr.Get("List-Unsubscribe") != "" && (prec == "list" || prec == "bulk")) ||
		prec == "list"
	if m.From.Address == "" && m.Subject == "" && len(hdr) < 2 {
		p.problem("no usable header fields")
	}
	var text, html textBody
	if err := p.readBody(br, hdr, m, &text, &html, depth); err != nil {
		p.problem("%v", err)
	}
	m.HTMLText = html.s
	switch {
	case strings.TrimSpace(text.s) != "":
		m.Text = text.s
	case html.s != "":
		m.Text = html.s
		m.HTMLOnly = true
	}
	return m, nil
}

// textBody collects decoded text up to a limit.
type textBody struct {
	s   string
	max int
}

func (t *textBody) add(s string) {
	if t.s != "" {
		s = "\n\n" + s
	}
	if room := t.max - len(t.s); len(s) > room {
		s = cutUTF8(s, max(room, 0))
	}
	t.s += s
}

// readHeader reads an RFC 822 header block of at most max bytes.
func readHeader(r *bufio.Reader, max int) (textproto.MIMEHeader, error) {
	var buf bytes.Buffer
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// An over-long line: keep its start, skip the rest.
			buf.Write(line[:min(len(line), 998)])
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.ReadSlice('\n')
			}
			buf.WriteString("\r\n")
		} else {
			buf.Write(line)
		}
		if buf.Len() > max {
			return parseHeaderBytes(buf.Bytes()), fmt.Errorf("header block larger than %d KB; the rest was read as body", max>>10)
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 || err != nil {
			h := parseHeaderBytes(buf.Bytes())
			if err != nil && !errors.Is(err, io.EOF) {
				return h, err
			}
			return h, nil
		}
	}
}

// parseHeaderBytes parses header lines leniently: malformed lines are
// skipped rather than ending the header.
func parseHeaderBytes(b []byte) textproto.MIMEHeader {
	h := make(textproto.MIMEHeader)
	var name string
	var val []byte
	flush := func() {
		if name != "" {
			h[name] = append(h[name], strings.TrimSpace(string(val)))
		}
		name, val = "", nil
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if name != "" && len(val) < 64<<10 {
				val = append(val, ' ')
				val = append(val, bytes.TrimSpace(line)...)
			}
			continue
		}
		flush()
		k, v, ok := bytes.Cut(line, []byte(":"))
		k = bytes.TrimSpace(k)
		if !ok || len(k) == 0 || bytes.ContainsAny(k, " \t") {
			continue
		}
		name = textproto.CanonicalMIMEHeaderKey(string(k))
		val = append([]byte(nil), v...)
	}
	flush()
	return h
}

// readBody reads the body of an entity with header h from r.
func (p *mailParser) readBody(r io.Reader, h textproto.MIMEHeader, m *Mail, text, html *textBody, depth int) error {
	if text.max == 0 {
		text.max = p.lim.MaxTextBytes
		html.max = p.lim.MaxTextBytes
	}
	p.parts++
	if p.parts > p.lim.MaxParts {
		return errTooManyParts
	}
	ctype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || ctype == "" {
		ctype, params = "text/plain", map[string]string{}
		if raw := h.Get("Content-Type"); raw != "" {
			// Salvage a charset or a boundary from a malformed Content-Type.
			if mt, rest, _ := strings.Cut(raw, ";"); strings.Contains(mt, "/") {
				ctype = strings.ToLower(strings.TrimSpace(mt))
				params = looseParams(rest)
			}
		}
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	filename := decodeHeader(dparams["filename"])
	if filename == "" {
		filename = decodeHeader(params["name"])
	}
	filename = path.Base(strings.ReplaceAll(filename, `\`, "/"))
	if filename == "." || filename == "/" {
		filename = ""
	}

	if strings.HasPrefix(ctype, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" {
			return fmt.Errorf("%s without a boundary", ctype)
		}
		if depth >= p.lim.MaxDepth {
			_, _ = io.Copy(io.Discard, r)
			return fmt.Errorf("MIME nesting deeper than %d levels; inner parts skipped", p.lim.MaxDepth)
		}
		mr := multipart.NewReader(r, boundary)
		var alt textBody
		for {
			part, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %v", ctype, err)
			}
			ph := textproto.MIMEHeader(part.Header)
			if ctype == "multipart/alternative" {
				// Prefer text/plain, but keep HTML links and text.
				var t textBody
				err = p.readBody(part, ph, m, &t, html, depth+1)
				if strings.TrimSpace(t.s) != "" && alt.s == "" {
					alt = t
				}
			} else {
				err = p.readBody(part, ph, m, text, html, depth+1)
			}
			if errors.Is(err, errTooManyParts) {
				return err
			}
			if err != nil {
				p.problem("%v", err)
			}
		}
		if alt.s != "" {
			text.add(alt.s)
		}
		return nil
	}

	body := decodeTransfer(r, h.Get("Content-Transfer-Encoding"))
	isAttachment := disp == "attachment" || (filename != "" && !strings.HasPrefix(ctype, "text/"))
	switch {
	case ctype == "message/rfc822" || ctype == "message/global":
		if depth >= p.lim.MaxDepth {
			_, _ = io.Copy(io.Discard, body)
			return fmt.Errorf("attached message nested deeper than %d levels; skipped", p.lim.MaxDepth)
		}
		inner, err := p.readMail(body, depth+1)
		if err != nil {
			return err
		}
		m.Attached = append(m.Attached, inner)
		return nil
	case isAttachment || !(strings.HasPrefix(ctype, "text/") || ctype == "application/xhtml+xml"):
		a, err := p.readAttachment(body, filename, ctype)
		m.Attachments = append(m.Attachments, a)
		return err
	}
	data, err := io.ReadAll(io.LimitReader(body, int64(p.lim.MaxTextBytes)))
	if err != nil {
		p.problem("%s body: %v", ctype, err)
	}
	if n, _ := io.Copy(io.Discard, body); n > 0 {
		p.problem("%s body truncated to %d KB", ctype, p.lim.MaxTextBytes>>10)
	}
	if len(data) == p.lim.MaxTextBytes {
		data = trimPartialRune(data) // the limit may split a character: drop its first bytes
	}
	s := decodeText(data, params["charset"])
	if ctype == "text/html" || ctype == "application/xhtml+xml" {
		if p.htmlSrc != nil {
			p.keepHTML(m, s)
		}
		hb := htmlToText(s)
		m.Links = append(m.Links, hb.links...)
		m.RemoteImages += hb.remoteImages
		html.add(hb.text)
		return nil
	}
	if strings.EqualFold(params["format"], "flowed") {
		s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
	}
	text.add(s)
	return nil
}

// unflow joins the soft line breaks of a format=flowed text/plain body
// (RFC 3676): a line that ends in a space continues on the next line of the
// same quote depth. Space-stuffing is undone, and with delSp the space that
// marks a soft break is removed as well. Quoted lines keep their "> " prefix
// so that quoted forwards are still recognised. An empty line always ends a
// paragraph and is kept, so that paragraph breaks survive a sender that
// leaves trailing spaces everywhere.
func unflow(s string, delSp bool) string {
	var b, para strings.Builder
	b.Grow(len(s))
	depth := -1 // quote depth of the paragraph in para; -1 when there is none
	flush := func() {
		if depth >= 0 {
			writeQuoted(&b, depth, para.String())
			para.Reset()
			depth = -1
		}
	}
	for _, line := range strings.Split(s, "\n") {
		d := 0
		for d < len(line) && line[d] == '>' {
			d++
		}
		content := strings.TrimPrefix(line[d:], " ") // undo space-stuffing
		if d != depth || content == "" {
			flush() // a change of quote depth or an empty line ends a paragraph
		}
		flowed := strings.HasSuffix(content, " ") && content != "-- "
		if flowed && delSp {
			content = content[:len(content)-1]
		}
		para.WriteString(content)
		depth = d
		if !flowed {
			flush()
		}
	}
	flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// writeQuoted writes one unflowed line with depth quote marks.
func writeQuoted(b *strings.Builder, depth int, line string) {
	if depth > 0 {
		b.WriteString(strings.Repeat(">", depth))
		b.WriteByte(' ')
	}
	b.WriteString(line)
	b.WriteByte('\n')
}

var looseParamRE = regexp.MustCompile(`(?i)(charset|boundary|name)\s*=\s*"?([^";]+)"?`)

func looseParams(s string) map[string]string {
	out := map[string]string{}
	for _, m := range looseParamRE.FindAllStringSubmatch(s, -1) {
		out[strings.ToLower(m[1])] = m[2]
	}
	return out
}

// decodeTransfer undoes a Content-Transfer-Encoding, leniently.
func decodeTransfer(r io.Reader, cte string) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Filter{r: r})
	case "quoted-printable":
		return &lenientReader{r: quotedprintable.NewReader(r)}
	}
	return r
}

// base64Filter drops everything that is not base64 alphabet, so that stray
// whitespace or junk does not end decoding, and pads a truncated tail.
type base64Filter struct {
	r    io.Reader
	done bool
	pend int // count of alphabet bytes seen, to pad a truncated tail
}

func (f *base64Filter) Read(p []byte) (int, error) {
	for {
		if f.done {
			return 0, io.EOF
		}
		n, err := f.r.Read(p)
		w := 0
		for _, c := range p[:n] {
			switch {
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
				p[w] = c
				w++
				f.pend++
			case c == '=':
				p[w] = c
				w++
				f.pend++
			}
		}
		if err != nil {
			// Pad a truncated final quantum so what arrived still decodes.
			f.done = true
			if rem := f.pend % 4; rem != 0 && w+4-rem <= len(p) {
				for i := 0; i < 4-rem; i++ {
					p[w] = '='
					w++
				}
			}
			if w > 0 {
				return w, nil
			}
			return 0, io.EOF
		}
		if w > 0 {
			return w, nil
		}
	}
}

// lenientReader turns decoding errors into an early end of data.
type lenientReader struct{ r io.Reader }

func (l *lenientReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, io.EOF
	}
	return n, err
}

// readAttachment hashes an attachment and inspects its first bytes.
func (p *mailParser) readAttachment(r io.Reader, name, ctype string) (Attachment, error) {
	a := Attachment{Name: name, DeclaredType: ctype}
	h := sha256.New()
	var keep bytes.Buffer
	lw := &limitedBuffer{buf: &keep, max: p.lim.MaxInspect}
	n, err := io.Copy(io.MultiWriter(h, lw), r)
	a.Size = n
	a.SHA256 = hex.EncodeToString(h.Sum(nil))
	a.Truncated = lw.full
	inspect(&a, keep.Bytes())
	if err != nil {
		return a, fmt.Errorf("attachment %q: %v", name, err)
	}
	return a, nil
}

type limitedBuffer struct {
	buf  *bytes.Buffer
	max  int
	full bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room < len(p) {
		l.full = true
		l.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return l.buf.Write(p)
}

func firstAddress(v string) Address {
	list := addressList(v)
	if len(list) == 0 {
		return Address{}
	}
	return list[0]
}

var addrRE = regexp.MustCompile(`[A-Za-z0-9._%+\-'=]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)

// addressList parses an address header, falling back to pulling out
// anything shaped like an address when the header is malformed.
func addressList(v string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if list, err := (&mail.AddressParser{WordDecoder: wordDecoder}).ParseList(v); err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: decodeHeader(a.Name), Address: strings.ToLower(a.Address)})
		}
		return out
	}
	dec := decodeHeader(v)
	addrs := addrRE.FindAllString(dec, 10)
	if len(addrs) == 0 {
		return []Address{{Name: strings.Trim(dec, `" `)}}
	}
	name := ""
	if i := strings.Index(dec, addrs[0]); i > 0 {
		name = strings.Trim(dec[:i], `"<> `)
	}
	out := []Address{{Name: name, Address: strings.ToLower(addrs[0])}}
	for _, a := range addrs[1:] {
		out = append(out, Address{Address: strings.ToLower(a)})
	}
	return out
}

var authRE = regexp.MustCompile(`(?i)\b(spf|dkim|dmarc)\s*=\s*([a-z]+)`)

// parseAuth reads SPF, DKIM and DMARC results from the topmost
// Authentication-Results header (the one the receiving server added), with
// Received-SPF as a fallback for SPF.
func parseAuth(h textproto.MIMEHeader) Auth {
	var a Auth
	for _, raw := range h.Values("Authentication-Results") {
		got := false
		for _, m := range authRE.FindAllStringSubmatch(raw, -1) {
			v := strings.ToLower(m[2])
			switch strings.ToLower(m[1]) {
			case "spf":
				if a.SPF == "" {
					a.SPF, got = v, true
				}
			case "dkim":
				// Any failing signature counts against; pass wins only alone.
				if a.DKIM == "" || v == "pass" && a.DKIM != "fail" {
					a.DKIM, got = v, true
				}
			case "dmarc":
				if a.DMARC == "" {
					a.DMARC, got = v, true
				}
			}
		}
		if got && a.Raw == "" {
			a.Raw = strings.Join(strings.Fields(raw), " ")
		}
		if a.SPF != "" && a.DKIM != "" && a.DMARC != "" {
			break
		}
	}
	if a.SPF == "" {
		if r := strings.TrimSpace(h.Get("Received-Spf")); r != "" {
			f := strings.Fields(strings.ToLower(r))
			if len(f) > 0 {
				a.SPF = strings.Trim(f[0], ";:")
				if a.Raw == "" {
					a.Raw = "Received-SPF: " + strings.Join(strings.Fields(r), " ")
				}
			}
		}
	}
	return a
}

// finish picks the message to analyse (the original of a forward) and
// builds the approach from it.
func (p *mailParser) finish(top *Mail) *Parsed {
	out := &Parsed{Kind: KindEmail, Mail: top}
	orig := top
	if inner := forwardedOriginal(top); inner != nil {
		orig = inner
		out.Reporter = top.From.Address
		out.Mail = inner
	}
	if li := linkedInApproach(orig); li != nil {
		out.Kind = KindLinkedIn
		out.Approach = li
	} else {
		out.Approach = mailApproach(orig)
	}
	if out.Reporter != "" && out.Approach.Recipient == nil {
		out.Approach.Recipient = &approach.Recipient{Name: top.From.Name}
	}
	out.Problems = p.problems
	return out
}

// mailApproach turns a mail into an approach by email.
func mailApproach(m *Mail) *approach.Approach {
	a := &approach.Approach{Format: approach.Format, Platform: "email", Kind: "message"}
	if m.From.Address != "" || m.From.Name != "" {
		a.Sender = &approach.Sender{Name: m.From.Name, Email: m.From.Address}
	}
	if len(m.To) > 0 && (m.To[0].Name != "" || m.To[0].Address != "") {
		a.Recipient = &approach.Recipient{Name: m.To[0].Name}
	}
	msg := approach.Message{From: "sender", Subject: m.Subject, Text: m.Text}
	if !m.Date.IsZero() {
		msg.SentAt = m.Date.UTC().Format(time.RFC3339)
	}
	a.Messages = []approach.Message{msg}
	return a
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b, so
// that a body cut at a size limit still decodes as UTF-8.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			return b
		}
	}
	return b
}

// cutUTF8 returns s cut to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
