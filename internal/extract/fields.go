// Package extract pulls indicators out of a parsed approach (URLs, domains,
// emails, phones, messaging handles, LinkedIn profiles, names, organisations,
// IPs, attachment hashes) and derives the structured facts that rules read:
// lookalike domains, free-mail reply-to pivots, authentication results,
// risky attachments and profile signals. It never contacts anything it finds.
package extract

import (
	"fmt"

	"portcullis/internal/approach"
)

// Field is a piece of reported text and the name of where it came from, in
// the form used by findings' evidence ("messages[1].text", "sender.headline").
type Field struct {
	Name string
	Text string
	// Message is the index of the message the field belongs to, or -1.
	Message int
}

// Fields lists the text fields of an approach that are scanned for signals
// and indicators, sender profile first, then messages in order.
func Fields(a *approach.Approach) []Field {
	var out []Field
	add := func(name, text string, msg int) {
		if text != "" {
			out = append(out, Field{Name: name, Text: text, Message: msg})
		}
	}
	if s := a.Sender; s != nil {
		add("sender.name", s.Name, -1)
		add("sender.headline", s.Headline, -1)
		add("sender.company", s.Company, -1)
		add("sender.location", s.Location, -1)
		for i, e := range s.Experience {
			add(fmt.Sprintf("sender.experience[%d].title", i), e.Title, -1)
			add(fmt.Sprintf("sender.experience[%d].organization", i), e.Organization, -1)
		}
	}
	for i, m := range a.Messages {
		if !m.FromSender() {
			continue
		}
		add(fmt.Sprintf("messages[%d].subject", i), m.Subject, i)
		add(fmt.Sprintf("messages[%d].text", i), m.Text, i)
	}
	return out
}
