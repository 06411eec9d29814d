// Package message turns what a member or staffer received into a parsed
// approach: it recognises approach JSON, raw RFC 822 mail (including mbox
// files, forwarded mail and LinkedIn notifications) and pasted text by their
// content, and parses each within fixed size, depth and part limits. Every
// byte it reads is treated as hostile: it never panics on bad input and
// reports parse problems beside a best-effort result.
package message

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"portcullis/internal/approach"
)

// Input kinds, as written in the analysis output.
const (
	KindApproach = "approach"
	KindEmail    = "email"
	KindLinkedIn = "linkedin_notification"
	KindText     = "text"
)

// Limits bound the work and memory spent on one input.
type Limits struct {
	MaxBytes     int64 // whole input; larger inputs are refused
	MaxTextBytes int   // decoded text kept per body part
	MaxDepth     int   // nesting of multiparts and attached messages
	MaxParts     int   // MIME parts in one message, all levels
	MaxHeader    int   // bytes of one header block
	MaxInspect   int   // attachment bytes kept for archive inspection
}

// DefaultLimits are generous for real mail and small enough that a hostile
// input cannot exhaust memory: at most a few tens of MB are held at once.
var DefaultLimits = Limits{
	MaxBytes:     64 << 20,
	MaxTextBytes: 1 << 20,
	MaxDepth:     12,
	MaxParts:     500,
	MaxHeader:    1 << 20,
	MaxInspect:   8 << 20,
}

// ErrTooLarge is returned when an input is larger than Limits.MaxBytes.
var ErrTooLarge = errors.New("input is larger than the size limit")

// Parsed is the result of parsing one input.
type Parsed struct {
	Kind     string             // KindApproach, KindEmail, KindLinkedIn or KindText
	Approach *approach.Approach // always set on success
	Mail     *Mail              // the analysed (original) mail; nil for approach JSON and text
	Reporter string             // address of whoever forwarded the approach, if it was forwarded
	Problems []string           // non-fatal parse problems, for the analyst
}

// readers reuses the 64 KB read buffers across inputs.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// Parse reads one input and recognises its kind by content.
func Parse(r io.Reader, lim Limits) (*Parsed, error) {
	lim = lim.withDefaults()
	cr := &countingReader{r: r, max: lim.MaxBytes}
	br := readers.Get().(*bufio.Reader)
	br.Reset(cr)
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	head, _ := br.Peek(8 << 10)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if cr.err != nil && !errors.Is(cr.err, io.EOF) && !errors.Is(cr.err, ErrTooLarge) {
		return nil, fmt.Errorf("message: read: %w", cr.err)
	}
	var p *Parsed
	var err error
	switch sniff(head) {
	case KindApproach:
		p, err = parseApproach(br)
	case KindEmail:
		p, err = parseMail(br, lim)
	default:
		p, err = parseText(br, lim)
	}
	if cr.over {
		return nil, fmt.Errorf("message: %w (%d MB); split it or raise the limit", ErrTooLarge, lim.MaxBytes>>20)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.MaxTextBytes > 0 {
		d.MaxTextBytes = l.MaxTextBytes
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxParts > 0 {
		d.MaxParts = l.MaxParts
	}
	if l.MaxHeader > 0 {
		d.MaxHeader = l.MaxHeader
	}
	if l.MaxInspect > 0 {
		d.MaxInspect = l.MaxInspect
	}
	return d
}

// countingReader refuses to read past max bytes.
type countingReader struct {
	r    io.Reader
	n    int64
	max  int64
	over bool
	err  error
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.over {
		return 0, ErrTooLarge
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		c.over = true
		return 0, ErrTooLarge
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// sniff decides the input kind from its first bytes.
func sniff(head []byte) string {
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) > 0 && t[0] == '{' {
		return KindApproach
	}
	if bytes.HasPrefix(t, []byte("From ")) && bytes.Equal(t, head) {
		// mbox separator: "From addr date" on the first line.
		line, _, _ := bytes.Cut(t, []byte("\n"))
		if bytes.Count(line, []byte(" ")) >= 2 && !bytes.Contains(line, []byte(":  ")) {
			return KindEmail
		}
	}
	if looksLikeHeader(head) {
		return KindEmail
	}
	return KindText
}

var knownHeaders = map[string]bool{
	"from": true, "to": true, "subject": true, "date": true, "received": true,
	"return-path": true, "message-id": true, "mime-version": true, "delivered-to": true,
	"content-type": true, "reply-to": true, "x-linkedin-class": true, "x-linkedin-template": true,
	"authentication-results": true, "arc-seal": true, "dkim-signature": true, "sender": true,
	"x-original-to": true, "cc": true, "x-mailer": true, "thread-topic": true, "in-reply-to": true,
	"references": true, "content-transfer-encoding": true, "x-received": true, "envelope-to": true,
}

// looksLikeHeader reports whether the input starts with an RFC 822 header
// block: its first line is a header field and at least two of its first
// fields have well-known names.
func looksLikeHeader(head []byte) bool {
	known, fields := 0, 0
	for i, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if i == 0 {
				return false
			}
			continue
		}
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			if i == 0 {
				return false
			}
			break
		}
		fields++
		if knownHeaders[strings.ToLower(string(name))] {
			known++
		}
		if fields > 40 {
			break
		}
	}
	return known >= 2 || (known == 1 && fields >= 3)
}

func parseApproach(r io.Reader) (*Parsed, error) {
	a, err := approach.Decode(r)
	if err != nil {
		return nil, err
	}
	return &Parsed{Kind: KindApproach, Approach: a}, nil
}

func parseText(r io.Reader, lim Limits) (*Parsed, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(lim.MaxTextBytes)*4))
	if err != nil && !errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("message: read text: %w", err)
	}
	var problems []string
	// Drain the rest so that the size limit is enforced, but keep only the start.
	if n, _ := io.Copy(io.Discard, r); n > 0 {
		problems = append(problems, fmt.Sprintf("text truncated to its first %d KB", lim.MaxTextBytes*4>>10))
	}
	text := decodeText(data, "")
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("message: the input is empty")
	}
	a := &approach.Approach{
		Format:   approach.Format,
		Platform: guessPlatform(text),
		Kind:     "message",
		Messages: []approach.Message{{From: "sender", Text: text}},
	}
	// A pasted chat export becomes a thread with the first author as sender.
	if msgs, preface := chatThread(text); msgs != nil {
		if preface != "" {
			msgs[0].Text = preface + "\n\n" + msgs[0].Text
		}
		a.Messages = msgs
		author := firstAuthor(text)
		if ph := strings.TrimSpace(author); strings.HasPrefix(ph, "+") {
			a.Sender = &approach.Sender{Phone: ph}
		} else if author != "" {
			a.Sender = &approach.Sender{Name: author}
		}
	}
	return &Parsed{Kind: KindText, Approach: a, Problems: problems}, nil
}

// guessPlatform names the platform a pasted text came from when it says so
// plainly; otherwise "other".
func guessPlatform(text string) string {
	head := strings.ToLower(text[:min(len(text), 400)])
	switch {
	case strings.Contains(head, "linkedin"):
		return "linkedin"
	case strings.Contains(head, "whatsapp"):
		return "whatsapp"
	case strings.Contains(head, "telegram"):
		return "telegram"
	case strings.Contains(head, "wechat") || strings.Contains(head, "微信"):
		return "wechat"
	}
	return "other"
}

// decodeText turns bytes in the named charset into valid UTF-8.
func decodeText(b []byte, charset string) string {
	if s, ok := decodeCharset(b, charset); ok {
		return clean(s)
	}
	if utf8.Valid(b) {
		return clean(string(b))
	}
	s, _ := decodeCharset(b, "windows-1252")
	return clean(s)
}

// clean makes text valid UTF-8 without NULs and with \n line ends.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}
