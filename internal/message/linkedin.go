package message

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"portcullis/internal/approach"
	"portcullis/internal/indicator"
)

// LinkedIn notification mails carry someone else's approach: the person who
// wrote on LinkedIn is the sender, not linkedin.com. These patterns recover
// that person from the display name, the profile card in the body and the
// subject, and separate their message from LinkedIn's own text. See
// testdata/mail/LINKEDIN-FORMAT.md for the layouts they are based on.
var (
	liSubjectNameRE = []*regexp.Regexp{
		regexp.MustCompile(`(?i)^(?:re:\s*)?(.{2,80}?)\s+(?:has\s+)?(?:sent you (?:a new |an? )?(?:message|inmail)|wants to connect|would like to connect|invited you to connect|is waiting for your response|has invited you|just messaged you|wants to stay in touch|would like to stay in touch|sent you a connection request)`),
		regexp.MustCompile(`(?i)^(?:re:\s*)?(?:new message from|invitation from|inmail from|message from|reminder about your invitation from|you have an invitation from|you have a new message from|new inmail from)\s+(.{2,80}?)\s*$`),
	}
	// liProfileRE matches a profile link up to its slug; liProfileURLRE
	// also takes its query, whose trk parameter names the link's place in
	// the mail.
	liProfileRE    = regexp.MustCompile(`(?i)https?://(?:[a-z]{2,3}\.|www\.)?linkedin\.com/(?:comm/)?in/[^\s"'<>?#)\]]+`)
	liProfileURLRE = regexp.MustCompile(`(?i)https?://(?:[a-z]{2,3}\.|www\.)?linkedin\.com/(?:comm/)?in/[^\s"'<>?#)\]]+(?:[?#][^\s"'<>)\]]*)?`)
	liHostRE       = regexp.MustCompile(`(?i)^https?://(?:[a-z0-9-]+\.)*linkedin\.com(?:[/?#:]|$)`)
	// liLinkLineRE matches a link as Outlook ("text<url>") and Gmail
	// ("text <url>") render HTML into text/plain.
	liLinkLineRE = regexp.MustCompile(`^(.*?)\s*<(https?://[^\s<>]+)>$`)
	liIntendedRE = regexp.MustCompile(`(?i)^this (?:e-?mail|message) was intended for\s+(.{2,80}?)\s*(?:\(|\.?$)`)
	liNameSuffix = regexp.MustCompile(`(?i)\s+(?:via|through|on)\s+linkedin\s*$`)
	// liFooterRE starts LinkedIn's footer: the message ends before it.
	liFooterRE = regexp.MustCompile(`(?i)^(?:this (?:e-?mail|message) was intended for|learn why we included this|you(?: are|'re|’re) receiving |unsubscribe\b|help\s*:|©|\(c\)\s*(?:19|20)\d\d|.*\blinkedin corporation\b|linkedin and the linkedin logo|get the new linkedin|also available on mobile|\.{20,}$)`)
	// liButtonRE is a whole line that is one of LinkedIn's buttons, with
	// the link a text/plain part puts after it.
	liButtonRE = regexp.MustCompile(`(?i)^(?:view (?:message|messages|profile|inmail|invitation|conversation|full message|[^.!?:]{1,80}'s? profile)|reply(?: now)?|accept(?: invitation)?|ignore|see all(?: messages)?|connect|message|messaging|respond(?: to [^.!?:]{1,60})?|learn more)\s*(?::\s*(?:https?://\S*)?)?$`)
	// liChromeRE is a line of LinkedIn's own text around the message.
	liChromeRE         = regexp.MustCompile(`(?i)^(?:you have \d+ new messages?|\d+ new messages? awaits? your response|.*\b(?:is waiting|waits?) for your response|\d+ (?:mutual |shared )?connections? in common|learn about a new opportunity|notice:.*ai-assisted|-{5,}$|_{5,}$|manage your email|privacy policy|user agreement|if you don't want to receive|to help keep your account secure|linkedin ireland|more messages$)`)
	liHeadlineBoilerRE = regexp.MustCompile(`(?i)^(?:hi|hello|dear|https?://|view |reply|accept|\d+ (?:mutual|shared) connections?|.*(?:sent you|wants to connect|would like to connect))`)
	liGreetingRE       = regexp.MustCompile(`(?i)^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b`)
	urlOnlyRE          = regexp.MustCompile(`^\s*(?:<)?https?://\S+(?:>)?\s*$`)
)

// isLinkedInNotification reports whether m is a notification sent by
// LinkedIn: from LinkedIn's domain, without failed authentication. A mail
// that only claims to be LinkedIn (X-LinkedIn headers from another domain,
// or a linkedin.com From that fails SPF or DMARC) is analysed as email,
// because it is impersonating LinkedIn.
func isLinkedInNotification(m *Mail) bool {
	d := m.From.Domain()
	if d != "linkedin.com" && !strings.HasSuffix(d, ".linkedin.com") {
		return false
	}
	a := m.Auth
	return a.DMARC != "fail" && a.SPF != "fail" && a.SPF != "softfail"
}

// linkedInApproach recovers the LinkedIn sender and message from a
// notification mail; nil when m is not a LinkedIn notification.
func linkedInApproach(m *Mail) *approach.Approach {
	if !isLinkedInNotification(m) {
		return nil
	}
	a := &approach.Approach{Format: approach.Format, Platform: "linkedin", Kind: "message"}
	tmpl := strings.ToLower(m.Header.Get("X-Linkedin-Template") + " " + m.Header.Get("X-Linkedin-Class") + " " + m.Subject)
	if strings.Contains(tmpl, "invit") || strings.Contains(tmpl, "connect") || strings.Contains(tmpl, "add you") {
		a.Kind = "connection_request"
	}

	// The display name is the sender's, unless LinkedIn sent in its own name.
	name := strings.Trim(strings.TrimSpace(liNameSuffix.ReplaceAllString(m.From.Name, "")), `"' `)
	if strings.Contains(strings.ToLower(name), "linkedin") {
		name = ""
	}
	lines := strings.Split(m.Text, "\n")
	recipient := liRecipient(m, lines)
	profile, label := liSenderProfile(liProfileLinks(lines, m.Links), name, recipient)
	if name == "" && liNameLike(label) {
		name = label
	}
	for _, re := range liSubjectNameRE {
		if sm := re.FindStringSubmatch(m.Subject); sm != nil && name == "" {
			name = strings.Trim(strings.TrimSpace(sm[1]), `"' `)
		}
	}

	// The profile card (name, headline, location) sits between LinkedIn's
	// header and the message, or after the note of an invitation: the text
	// on both sides of it, less LinkedIn's own, is the sender's.
	var text []string
	headline := ""
	if start := liCardLine(lines, name); start >= 0 {
		var end int
		headline, end = liCard(lines, start)
		before, footer := messageLines(lines[:start], m.Subject)
		text = before
		if !footer {
			after, _ := messageLines(lines[end:], m.Subject)
			if len(text) > 0 && len(after) > 0 {
				text = append(text, "")
			}
			text = append(text, after...)
		}
	} else {
		text, _ = messageLines(lines, m.Subject)
	}
	// Some templates (InMail) have the headline only in the HTML card.
	if headline == "" && m.HTMLText != "" {
		hl := strings.Split(m.HTMLText, "\n")
		if start := liCardLine(hl, name); start >= 0 {
			headline, _ = liCard(hl, start)
		}
	}
	msgText := strings.TrimSpace(strings.Join(text, "\n"))

	if name != "" || headline != "" || profile != "" {
		a.Sender = &approach.Sender{Name: name, Headline: headline}
		if profile != "" {
			a.Sender.ProfileURL = indicator.NormalizeLinkedIn(profile)
		}
		if co := approach.HeadlineCompany(headline); co != "" {
			a.Sender.Company = co
		}
	}
	switch {
	case len(m.To) > 0 && m.To[0].Name != "":
		a.Recipient = &approach.Recipient{Name: m.To[0].Name}
	case recipient != "":
		a.Recipient = &approach.Recipient{Name: recipient}
	}
	msg := approach.Message{From: "sender", Text: msgText}
	if !m.Date.IsZero() {
		msg.SentAt = m.Date.UTC().Format(time.RFC3339)
	}
	if msgText != "" || a.Sender == nil {
		a.Messages = []approach.Message{msg}
	}
	return a
}

// liRecipient returns the name of the member the notification was sent to,
// from the footer line "This email was intended for <Name> (<headline>)",
// else from the To header.
func liRecipient(m *Mail, lines []string) string {
	for _, src := range [][]string{lines, strings.Split(m.HTMLText, "\n")} {
		for _, l := range src {
			if sm := liIntendedRE.FindStringSubmatch(liPlain(l)); sm != nil {
				return strings.TrimSpace(sm[1])
			}
		}
	}
	if len(m.To) > 0 {
		return m.To[0].Name
	}
	return ""
}

// liProfileLink is a link to a LinkedIn profile and the text it is shown
// with: the anchor text in HTML, the words before the URL in text/plain.
type liProfileLink struct {
	href, label string
}

// liProfileLinks collects the profile links of the text/plain body and of
// the HTML body, in that order.
func liProfileLinks(lines []string, links []Link) []liProfileLink {
	var out []liProfileLink
	for _, l := range lines {
		if len(out) >= 100 {
			break
		}
		if !strings.Contains(strings.ToLower(l), "linkedin.com/") {
			continue
		}
		prev := 0
		for _, loc := range liProfileURLRE.FindAllStringIndex(l, 10) {
			label := strings.Trim(l[prev:loc[0]], " \t*_>|:<[]()")
			out = append(out, liProfileLink{href: l[loc[0]:loc[1]], label: label})
			prev = loc[1]
		}
	}
	for _, k := range links {
		if len(out) >= 200 {
			break
		}
		if liProfileRE.MatchString(k.Href) {
			out = append(out, liProfileLink{href: k.Href, label: k.Text})
		}
	}
	return out
}

// liSenderProfile picks the sender's profile link. The first profile link
// of a notification is often the recipient's own (in the header), so links
// that LinkedIn's tracking parameter places in the header, or that show or
// are named for the recipient, are skipped. Of the rest, a link shown with
// the sender's name, then one from the profile card, then a "View profile"
// button wins; ties go to the earliest.
func liSenderProfile(links []liProfileLink, name, recipient string) (href, label string) {
	if strings.EqualFold(recipient, name) {
		recipient = "" // cannot tell them apart by name
	}
	best := -1
	for _, l := range links {
		low := strings.ToLower(l.href)
		if strings.Contains(low, "profile_glimmer") || strings.Contains(low, "header-0-profile") {
			continue
		}
		if recipient != "" && (liShowsName(l.label, recipient) || liSlugNames(l.href, recipient)) {
			continue
		}
		score := 0
		if name != "" && liShowsName(l.label, name) {
			score += 4
		}
		for _, t := range []string{"profilecard", "profile_name", "profile_image", "prof~cta", "prof%7ecta", "-hero-"} {
			if strings.Contains(low, t) {
				score += 2
				break
			}
		}
		if liButtonRE.MatchString(l.label) && strings.Contains(strings.ToLower(l.label), "profile") {
			score++
		}
		if name != "" && liSlugNames(l.href, name) {
			score++
		}
		if score > best {
			best, href, label = score, l.href, l.label
		}
	}
	return href, label
}

// liShowsName reports whether a link's text is who's name, or who's
// picture ("<Name> profile picture").
func liShowsName(text, who string) bool {
	t, w := strings.ToLower(strings.TrimSpace(text)), strings.ToLower(strings.TrimSpace(who))
	if w == "" || t == "" {
		return false
	}
	return t == w || strings.HasPrefix(t, w+" profile") || strings.HasPrefix(t, w+"'s profile")
}

// liSlugNames reports whether a profile's slug begins with who's name, as
// slugs made from a name do ("jane-smith-4b21a9173" for Jane Smith).
func liSlugNames(href, who string) bool {
	u := indicator.NormalizeLinkedIn(href)
	w := alnumKey(who)
	if u == "" || len([]rune(w)) < 4 {
		return false
	}
	return strings.HasPrefix(alnumKey(u[strings.LastIndexByte(u, '/')+1:]), w)
}

// alnumKey keeps only the letters and digits of s, lower-cased.
func alnumKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// liNameLike reports whether a link text can be a member's name.
func liNameLike(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 80 || liButtonRE.MatchString(s) || strings.ContainsAny(s, "[]<>@:/") {
		return false
	}
	return !strings.Contains(strings.ToLower(s), "profile") && !strings.Contains(strings.ToLower(s), "linkedin")
}

// liPlain is a line as it reads: markup leftovers trimmed, and a LinkedIn
// link that Outlook or Gmail wrote after its text ("Name<https://…>")
// reduced to that text.
func liPlain(l string) string {
	t, _ := liSplitLink(l)
	return t
}

// liSplitLink returns a line's text without markup leftovers and, when the
// line ends in a LinkedIn link rendered as text ("Name<https://…>"),
// without that link; linked reports whether it had one.
func liSplitLink(l string) (text string, linked bool) {
	t := strings.TrimSpace(l)
	if sm := liLinkLineRE.FindStringSubmatch(t); sm != nil && liHostRE.MatchString(sm[2]) {
		return strings.TrimSpace(cleanLine(sm[1])), true
	}
	return strings.TrimSpace(cleanLine(t)), false
}

// liCardLine returns the line where the profile card shows the sender's
// name, or -1. Of the lines that are just the name, it prefers the first
// with more of the card (a headline, a button) below it, since the name may
// also sign an invitation's note.
func liCardLine(lines []string, name string) int {
	if name == "" {
		return -1
	}
	first := -1
	for i, l := range lines {
		if !strings.EqualFold(liPlain(l), name) {
			continue
		}
		if first < 0 {
			first = i
		}
		// The next line, or the one after a blank line (HTML tables).
		next := ""
		for j := i + 1; j < len(lines) && j <= i+2 && next == ""; j++ {
			next = liPlain(lines[j])
		}
		if next != "" && !strings.EqualFold(next, name) &&
			(liIsHeadline(next) || liButtonRE.MatchString(next) || urlOnlyRE.MatchString(next)) {
			return i
		}
	}
	return first
}

// liCard reads the profile card whose name is on line start: it returns
// the headline below the name and the index of the first line after the
// card (after a location, "N connections in common" and buttons).
func liCard(lines []string, start int) (headline string, end int) {
	j := start + 1
	for j < len(lines) && liPlain(lines[j]) == "" {
		j++
	}
	if j < len(lines) {
		if h := liPlain(lines[j]); liIsHeadline(h) {
			headline = h
			j++
		} else {
			j = start + 1
		}
	}
	for k := 0; k < 4 && j < len(lines); k++ {
		t := liPlain(lines[j])
		if t == "" || !(liButtonRE.MatchString(t) || liChromeRE.MatchString(t) || urlOnlyRE.MatchString(t) || (k < 2 && liIsPlace(t))) {
			break
		}
		j++
	}
	return headline, j
}

// liIsHeadline reports whether a line can be a member's headline rather
// than LinkedIn's text or the start of the message.
func liIsHeadline(h string) bool {
	return h != "" && len(h) < 220 && !liHeadlineBoilerRE.MatchString(h) && !liButtonRE.MatchString(h) &&
		!liChromeRE.MatchString(h) && !liFooterRE.MatchString(h) && !urlOnlyRE.MatchString(h) && !strings.HasPrefix(h, "[")
}

// liIsPlace reports whether a line of the profile card reads like a
// location ("London, England, United Kingdom", "Washington DC-Baltimore
// Area"): short, capitalised, not a sentence and not a greeting.
func liIsPlace(t string) bool {
	if len(t) > 60 || liGreetingRE.MatchString(t) || strings.ContainsAny(t, ".!?:;@/") || strings.HasSuffix(t, ",") {
		return false
	}
	words := strings.Fields(t)
	upper := 0
	for _, w := range words {
		if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) {
			upper++
		}
	}
	return len(words) > 0 && upper*2 >= len(words)
}

// cleanLine removes markup leftovers around a line of a text/plain part.
func cleanLine(l string) string {
	return strings.Trim(l, " \t*_>|")
}

// messageLines keeps the lines that belong to the sender's message and
// drops LinkedIn's buttons, links, images, repeated subject and chrome. It
// stops at LinkedIn's footer and reports whether it met it.
func messageLines(lines []string, subject string) (out []string, footer bool) {
	subject = strings.Join(strings.Fields(subject), " ")
	for _, l := range lines {
		p, linked := liSplitLink(l)
		t := p
		if linked {
			// A LinkedIn link rendered as text: an image ("[alt]<url>"),
			// a button, or a link the sender wrote, which is kept whole.
			if p == "" || strings.HasPrefix(p, "[") && strings.HasSuffix(p, "]") {
				continue
			}
			t = strings.TrimLeft(strings.TrimSpace(l), " \t*_>|")
		}
		if t == "" {
			if len(out) > 0 && out[len(out)-1] != "" {
				out = append(out, "")
			}
			continue
		}
		switch {
		case liFooterRE.MatchString(p):
			return trimBlank(out), true
		case liButtonRE.MatchString(p), liChromeRE.MatchString(p), urlOnlyRE.MatchString(p):
			continue
		case subject != "" && strings.EqualFold(strings.Join(strings.Fields(p), " "), subject):
			continue // an InMail repeats its subject above the message
		}
		out = append(out, t)
	}
	return trimBlank(out), false
}

// trimBlank drops a trailing empty line.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
