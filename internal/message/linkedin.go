package message

import (
	"regexp"
	"strings"
	"time"

	"portcullis/internal/approach"
	"portcullis/internal/indicator"
)

// LinkedIn notification mails carry someone else's approach: the person who
// wrote on LinkedIn is the sender, not linkedin.com. These patterns recover
// that person from the subject, the display name and the body.
var (
	liSubjectNameRE = []*regexp.Regexp{
		regexp.MustCompile(`(?i)^(?:re:\s*)?(.{2,80}?)\s+(?:has\s+)?(?:sent you (?:a new |an? )?(?:message|inmail)|wants to connect|would like to connect|invited you to connect|is waiting for your response|has invited you|just messaged you|wants to stay in touch|would like to stay in touch|sent you a connection request)`),
		regexp.MustCompile(`(?i)^(?:re:\s*)?(?:new message from|invitation from|inmail from|message from|reminder about your invitation from|you have an invitation from|you have a new message from|new inmail from)\s+(.{2,80}?)\s*$`),
		regexp.MustCompile(`(?i)^(?:re:\s*)?(?:invitation to connect on linkedin|i'd like to add you to my professional network|i want to connect|join my network on linkedin)`),
	}
	liProfileRE        = regexp.MustCompile(`(?i)https?://(?:[a-z]{2,3}\.|www\.)?linkedin\.com/(?:comm/)?in/[^\s"'<>?#)\]]+`)
	liNameSuffix       = regexp.MustCompile(`(?i)\s+(?:via|through|on)\s+linkedin\s*$`)
	liBoilerRE         = regexp.MustCompile(`(?i)^(?:view (?:message|profile|inmail|invitation|conversation|full message|.* profile)|reply(?: now)?|accept(?: invitation)?|ignore|see all|unsubscribe|help:|learn why we included this|you are receiving|you're receiving|this email was intended for|this message was intended for|©|\(c\) ?20|linkedin corporation|linkedin and the linkedin logo|get the new linkedin|if you don't want to receive|to help keep your account secure|linkedin ireland|.*1000 w(?:est)? maude|sunnyvale|manage your email|privacy policy|user agreement|.*wait(?:s|ing) for your response|connect$|message$|respond to|more messages|you have \d+ new message|messaging$|-{5,}|_{5,})`)
	liHeadlineBoilerRE = regexp.MustCompile(`(?i)^(?:hi|hello|dear|https?://|view |reply|accept|\d+ (?:mutual|shared) connections?|.*(?:sent you|wants to connect|would like to connect))`)
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

	name := liNameSuffix.ReplaceAllString(m.From.Name, "")
	if strings.EqualFold(strings.TrimSpace(name), "linkedin") || strings.Contains(strings.ToLower(name), "linkedin") {
		name = ""
	}
	for _, re := range liSubjectNameRE[:2] {
		if sm := re.FindStringSubmatch(m.Subject); sm != nil && name == "" {
			name = strings.TrimSpace(sm[1])
		}
	}
	name = strings.Trim(name, `"' `)

	lines := strings.Split(m.Text, "\n")
	profile := ""
	if u := liProfileRE.FindString(m.Text); u != "" {
		profile = u
	}
	for _, l := range m.Links {
		if profile != "" {
			break
		}
		if u := liProfileRE.FindString(l.Href); u != "" {
			profile = u
			if name == "" && l.Text != "" && len(l.Text) < 80 && !strings.HasPrefix(strings.ToLower(l.Text), "view") {
				name = l.Text
			}
		}
	}

	// The sender's name on a line of its own, followed by their headline,
	// then the message; LinkedIn's own text surrounds it.
	headline, text := "", []string{}
	start := -1
	if name != "" {
		for i, l := range lines {
			if strings.EqualFold(strings.TrimSpace(cleanLine(l)), name) {
				start = i
				break
			}
		}
	}
	if start >= 0 {
		j := start + 1
		for j < len(lines) && strings.TrimSpace(cleanLine(lines[j])) == "" {
			j++
		}
		if j < len(lines) {
			h := strings.TrimSpace(cleanLine(lines[j]))
			if h != "" && len(h) < 220 && !liHeadlineBoilerRE.MatchString(h) && !liBoilerRE.MatchString(h) && !urlOnlyRE.MatchString(h) {
				headline = h
				j++
			}
		}
		text = messageLines(lines[j:])
	} else {
		text = messageLines(lines)
	}
	msgText := strings.TrimSpace(strings.Join(text, "\n"))

	if name != "" || headline != "" || profile != "" {
		a.Sender = &approach.Sender{Name: name, Headline: headline}
		if profile != "" {
			a.Sender.ProfileURL = indicator.NormalizeLinkedIn(profile)
		}
		if co := companyFromHeadline(headline); co != "" {
			a.Sender.Company = co
		}
	}
	if len(m.To) > 0 && m.To[0].Name != "" {
		a.Recipient = &approach.Recipient{Name: m.To[0].Name}
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

// cleanLine removes markup leftovers around a line of a text/plain part.
func cleanLine(l string) string {
	return strings.Trim(l, " \t*_>|")
}

// messageLines keeps the lines that belong to the sender's message and
// drops LinkedIn's buttons, links and footer.
func messageLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		t := strings.TrimSpace(cleanLine(l))
		if t == "" {
			if len(out) > 0 {
				out = append(out, "")
			}
			continue
		}
		if liBoilerRE.MatchString(t) {
			low := strings.ToLower(t)
			// The footer ends the message.
			if strings.HasPrefix(low, "this email was intended") || strings.HasPrefix(low, "you are receiving") ||
				strings.HasPrefix(low, "you're receiving") || strings.HasPrefix(low, "©") || strings.HasPrefix(low, "unsubscribe") ||
				strings.HasPrefix(low, "learn why we included this") || strings.HasPrefix(low, "help:") {
				break
			}
			continue
		}
		if urlOnlyRE.MatchString(t) {
			continue
		}
		out = append(out, t)
	}
	return out
}

var headlineAtRE = regexp.MustCompile(`(?i)\s(?:at|@|chez|bei|\|)\s+(.{2,80})$`)

// companyFromHeadline takes "Director at Acme Search" to "Acme Search".
func companyFromHeadline(h string) string {
	if m := headlineAtRE.FindStringSubmatch(h); m != nil {
		co := strings.TrimSpace(m[1])
		if i := strings.IndexAny(co, "|·•"); i > 0 {
			co = strings.TrimSpace(co[:i])
		}
		return co
	}
	return ""
}
