package message

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
)

// HTMLBody returns the HTML source, decoded to UTF-8, of the body of the
// message Parse analyses: the original of a forward when it is attached as
// message/rfc822, otherwise the top-level message (an inline forward's
// original is part of the forwarding message's own HTML). When the body has
// several text/html parts, as Apple Mail sends around inline images, they are
// joined in MIME order. The result is at most lim.MaxTextBytes long; it is ""
// with no error when the input is not mail or the message has no HTML body.
//
// The HTML is as the sender wrote it: pass it through a sanitiser before
// showing it to anyone. The input is read within lim as Parse reads it, and
// an input larger than lim.MaxBytes is refused with ErrTooLarge.
func HTMLBody(raw []byte, lim Limits) (string, error) {
	lim = lim.withDefaults()
	if int64(len(raw)) > lim.MaxBytes {
		return "", fmt.Errorf("message: %w (%d MB); split it or raise the limit", ErrTooLarge, lim.MaxBytes>>20)
	}
	head := bytes.TrimPrefix(raw[:min(len(raw), 8<<10)], []byte("\xef\xbb\xbf"))
	if sniff(head) != KindEmail {
		return "", nil
	}
	br := readers.Get().(*bufio.Reader)
	br.Reset(bytes.NewReader(raw))
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	// Skip an mbox "From " separator line, as parseMail does.
	if h, _ := br.Peek(5); string(h) == "From " {
		if _, err := br.ReadSlice('\n'); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return "", nil // the input is that one line
		}
	}
	p := &mailParser{lim: lim, htmlSrc: map[*Mail]*textBody{}}
	top, err := p.readMail(br, 0)
	if err != nil {
		return "", err
	}
	m := top
	if orig := forwardedOriginal(top); orig != nil && attachedWithin(top, orig) {
		m = orig
	}
	if b := p.htmlSrc[m]; b != nil {
		return b.s, nil
	}
	return "", nil
}

// keepHTML records s, the decoded source of a text/html part of m.
func (p *mailParser) keepHTML(m *Mail, s string) {
	b := p.htmlSrc[m]
	if b == nil {
		b = &textBody{max: p.lim.MaxTextBytes}
		p.htmlSrc[m] = b
	}
	b.add(s)
}

// attachedWithin reports whether m is one of top's attached messages, at
// any depth. An inline forward's original is not: it is made from top's text.
func attachedWithin(top, m *Mail) bool {
	for _, a := range top.Attached {
		if a == m || attachedWithin(a, m) {
			return true
		}
	}
	return false
}
