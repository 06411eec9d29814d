package message

import (
	"regexp"
	"strings"

	"portcullis/internal/approach"
)

// Chat exports pasted from messaging apps put an author (and usually a
// time) at the start of each message. Recognising them turns a paste into
// a thread, so that rules can see how the conversation moved on.
var chatLineRes = []*regexp.Regexp{
	// WhatsApp: "[12/11/2025, 21:14] Name: text" or "12/11/2025, 21:14 - Name: text"
	regexp.MustCompile(`^\[?\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4},? \d{1,2}:\d{2}(?::\d{2})?(?:\s?[APap]\.?[Mm]\.?)?\]?(?: -)? ([^:\n]{1,60}?): (.*)$`),
	// Signal and others: "Name (10:12): text"
	regexp.MustCompile(`^([^:()\n]{1,60}) \(\d{1,2}:\d{2}(?::\d{2})?\): (.*)$`),
	// "Name: [04.03.25 19:02] text" is rare; Telegram desktop puts the header on its own line.
}

// telegramHeaderRE is Telegram desktop's "Name, [04.03.25 19:02]" line.
var telegramHeaderRE = regexp.MustCompile(`^(.{1,60}), \[\d{1,2}[./]\d{1,2}[./]\d{2,4} \d{1,2}:\d{2}(?::\d{2})?\]$`)

// chatThread splits a pasted chat into messages. The first author is taken
// as the sender of the approach and every other author as the recipient
// side. It returns nil when text is not a chat export (fewer than two
// message lines).
func chatThread(text string) ([]approach.Message, string) {
	lines := strings.Split(text, "\n")
	type msg struct{ author, text string }
	var msgs []msg
	var preface []string
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \r")
		matched := false
		for _, re := range chatLineRes {
			if m := re.FindStringSubmatch(l); m != nil {
				msgs = append(msgs, msg{strings.TrimSpace(m[1]), m[2]})
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if m := telegramHeaderRE.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			msgs = append(msgs, msg{strings.TrimSpace(m[1]), ""})
			continue
		}
		switch {
		case len(msgs) == 0:
			preface = append(preface, l)
		case strings.TrimSpace(l) == "" && msgs[len(msgs)-1].text == "":
		default:
			// A continuation line of the current message.
			last := &msgs[len(msgs)-1]
			if last.text == "" {
				last.text = l
			} else {
				last.text += "\n" + l
			}
		}
	}
	if len(msgs) < 2 {
		return nil, ""
	}
	sender := msgs[0].author
	var out []approach.Message
	for _, m := range msgs {
		t := strings.TrimSpace(m.text)
		if t == "" {
			continue
		}
		from := "sender"
		if m.author != sender {
			from = "recipient"
		}
		out = append(out, approach.Message{From: from, Text: t})
	}
	if len(out) == 0 {
		return nil, ""
	}
	return out, strings.TrimSpace(strings.Join(preface, "\n"))
}

// firstAuthor returns the author of the first message of a chat export.
func firstAuthor(text string) string {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimRight(l, " \r")
		for _, re := range chatLineRes {
			if m := re.FindStringSubmatch(l); m != nil {
				return strings.TrimSpace(m[1])
			}
		}
		if m := telegramHeaderRE.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			return strings.TrimSpace(m[1])
		}
	}
	return ""
}
