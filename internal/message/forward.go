package message

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
)

var fwdSubjectRE = regexp.MustCompile(`(?i)^\s*(?:\[[^\]]{0,40}\]\s*)?(?:fwd?|fw|wg|tr|rv|enc|doorst|vs|i|转发|轉寄)\s*(?:\[\d+\])?\s*[:：]`)

// isForwardSubject reports whether a subject says the mail is a forward.
func isForwardSubject(s string) bool { return fwdSubjectRE.MatchString(s) }

// forwardedOriginal returns the original message inside a forward: an
// attached message/rfc822, or the inline-forwarded message in the body. It
// returns nil when top is not a forward.
func forwardedOriginal(top *Mail) *Mail {
	fwd := isForwardSubject(top.Subject)
	if len(top.Attached) > 0 && (fwd || len(top.Attached) == 1) {
		inner := top.Attached[0]
		if inner.From.Address != "" || strings.TrimSpace(inner.Text) != "" {
			if f := forwardedOriginal(inner); f != nil {
				return f
			}
			return inner
		}
	}
	if inner := inlineForward(top.Text, fwd); inner != nil {
		inner.Links = top.Links
		inner.HTMLText = top.HTMLText
		inner.RemoteImages = top.RemoteImages
		inner.Attachments = top.Attachments
		inner.Attached = top.Attached
		return inner
	}
	return nil
}

var (
	strongMarkerRE = regexp.MustCompile(`(?i)^[\s>*_-]*(?:-+\s*)?(?:forwarded message|begin forwarded message|forwarded message follows|weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado|doorgestuurd bericht|转发的邮件|---------- forwarded)`)
	weakMarkerRE   = regexp.MustCompile(`(?i)^[\s>*_-]*-{2,}\s*(?:original message|urspr[üu]ngliche nachricht|message d'origine|mensaje original)\s*-{2,}`)
	underscoreRE   = regexp.MustCompile(`^\s*_{20,}\s*$`)
	fwdHeaderRE    = regexp.MustCompile(`(?i)^[\s>]*\*?\s*(from|von|de|van|da|sent|date|datum|gesendet|envoy[ée]|enviado|verzonden|to|an|[àa]|para|aan|cc|subject|betreff|objet|asunto|onderwerp|oggetto|reply-to)\s*:\s*\*?\s*(.*)$`)
)

var fwdKey = map[string]string{
	"from": "from", "von": "from", "de": "from", "van": "from", "da": "from",
	"sent": "date", "date": "date", "datum": "date", "gesendet": "date", "envoyé": "date", "envoye": "date", "enviado": "date", "verzonden": "date",
	"to": "to", "an": "to", "à": "to", "a": "to", "para": "to", "aan": "to",
	"cc": "cc", "subject": "subject", "betreff": "subject", "objet": "subject", "asunto": "subject", "onderwerp": "subject", "oggetto": "subject",
	"reply-to": "reply-to",
}

// inlineForward finds an inline-forwarded message in text. A strong marker
// ("Forwarded message", "Begin forwarded message") is enough; a weak one
// ("Original Message", an Outlook rule of underscores, a bare header block)
// counts only when the subject says the mail is a forward.
func inlineForward(text string, fwdSubject bool) *Mail {
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	if len(lines) > 20000 {
		lines = lines[:20000]
	}
	for i, l := range lines {
		if i > 400 && !fwdSubject {
			break
		}
		start := -1
		switch {
		case strongMarkerRE.MatchString(l):
			start = i + 1
		case fwdSubject && (weakMarkerRE.MatchString(l) || underscoreRE.MatchString(l)):
			start = i + 1
		case fwdSubject && i < 60 && fwdHeaderRE.MatchString(l) && fwdKey[strings.ToLower(fwdHeaderRE.FindStringSubmatch(l)[1])] == "from":
			start = i
		}
		if start < 0 {
			continue
		}
		if m := parseForwardBlock(lines[start:]); m != nil {
			return m
		}
	}
	return nil
}

// parseForwardBlock reads "From: / Date: / To: / Subject:" lines and the
// body that follows them.
func parseForwardBlock(lines []string) *Mail {
	i := 0
	for i < len(lines) && strings.TrimSpace(strings.TrimLeft(lines[i], ">")) == "" && i < 5 {
		i++
	}
	fields := map[string]string{}
	last := ""
	for ; i < len(lines); i++ {
		l := lines[i]
		if m := fwdHeaderRE.FindStringSubmatch(l); m != nil {
			k := fwdKey[strings.ToLower(m[1])]
			if k == "" {
				k = strings.ToLower(m[1])
			}
			if _, dup := fields[k]; dup && k == "from" {
				break // a second From: starts another message
			}
			fields[k] = strings.TrimSpace(strings.Trim(m[2], "*"))
			last = k
			continue
		}
		t := strings.TrimSpace(strings.TrimLeft(l, ">"))
		if t == "" {
			break
		}
		// A wrapped header value (long To: lists in Outlook).
		if last == "to" || last == "cc" {
			fields[last] += " " + t
			continue
		}
		break
	}
	if fields["from"] == "" {
		return nil
	}
	body := lines[i:]
	body = unquote(body)
	m := &Mail{Subject: decodeHeader(fields["subject"])}
	m.From = forwardAddress(fields["from"])
	m.To = addressList(strings.NewReplacer("[mailto:", "<", "]", ">").Replace(fields["to"]))
	if rt := fields["reply-to"]; rt != "" {
		m.ReplyTo = []Address{forwardAddress(rt)}
	}
	m.Date = parseLooseDate(fields["date"])
	// Apple Mail can leave a byte order mark before the original body.
	m.Text = strings.TrimFunc(strings.Join(body, "\n"), func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' })
	return m
}

func forwardAddress(v string) Address {
	v = strings.NewReplacer("[mailto:", "<", "]", ">", "*", "").Replace(v)
	a := firstAddress(v)
	if a.Name == a.Address {
		a.Name = ""
	}
	return a
}

// unquote strips "> " quoting when most non-empty lines carry it.
func unquote(lines []string) []string {
	quoted, nonEmpty := 0, 0
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		nonEmpty++
		if strings.HasPrefix(l, ">") {
			quoted++
		}
	}
	if nonEmpty == 0 || quoted*10 < nonEmpty*8 {
		return lines
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		l = strings.TrimPrefix(l, ">")
		out[i] = strings.TrimPrefix(l, " ")
	}
	return out
}

var looseDateLayouts = []string{
	time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 at 15:04",
	"Mon, Jan 2, 2006 at 3:04 PM", "Monday, January 2, 2006 3:04 PM", "Monday, 2 January 2006 15:04",
	"2 January 2006 at 15:04:05 MST", "January 2, 2006 at 3:04:05 PM MST", "2 Jan 2006 15:04",
	"Mon 2 Jan 2006 15:04", "2006-01-02 15:04", "02/01/2006 15:04", "1/2/2006 3:04 PM",
}

func parseLooseDate(s string) time.Time {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\u202f", " ")), " ")
	if s == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(s); err == nil {
		return t
	}
	for _, l := range looseDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
