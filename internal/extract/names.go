package extract

import (
	"regexp"
	"strings"
)

var (
	// "My name is Anna Lee", "I am Anna Lee from", "This is Anna Lee, ..."
	introRE = regexp.MustCompile(`(?:[Mm]y name is|I am|I'm|[Tt]his is)\s+((?:[A-Z][a-z'’-]+|[A-Z]{2,})(?:\s(?:[A-Z][a-z'’-]+|[A-Z]{2,})){1,2})\b`)
	// "my colleague Dr Anna Lee" (a second persona joining the thread)
	colleagueRE = regexp.MustCompile(`(?i:colleague|associate|partner|assistant|secretary)(?:,)?\s+(?:(?:Dr|Prof|Mr|Mrs|Ms|Miss)\.?\s+)?((?:[A-Z][a-z'’-]+)(?:\s[A-Z][a-z'’-]+){1,2})\b`)
	// A sign-off followed by a name line.
	signoffRE = regexp.MustCompile(`(?im)^\s*(?:best|kind|warm|warmest|many)?\s*(?:regards|wishes|thanks|thank you|sincerely|cheers|yours(?: sincerely| faithfully)?|best)\s*,?\s*\n+\s*(?:(?:Dr|Prof|Mr|Mrs|Ms)\.?\s+)?([A-Z][a-z'’-]+(?:\s[A-Z][a-z'’-]+){1,2})\s*$`)

	orgSuffix = `(?:Ltd\.?|Limited|LLC|LLP|Inc\.?|GmbH|PLC|Co\.,? Ltd\.?|Group|Consulting|Consultancy|Consultants|Partners|Associates|Advisory|Advisors|Advisers|Capital|Holdings|Executive Search|Search|Headhunters?|Recruitment|Talent|Strategies|Strategy|Insights?|Intelligence|Analytics|Research|Institute|Foundation|Forum|Council|Association|Society|Union|Academy|Think Tank|Network|Agency|Solutions|Ventures|Innov)`
	orgRE     = regexp.MustCompile(`\b((?:[A-Z][A-Za-z0-9&'’.-]*\s){0,4}?(?:[A-Z][A-Za-z0-9&'’.-]*)\s` + orgSuffix + `)\b`)
	orgOfRE   = regexp.MustCompile(`\b((?:[A-Z][a-z]+\s)?(?:Center|Centre|Institute|Academy|Council|Association|Foundation|Society|Forum|Federation|Chamber|University|College|School|Bureau|Office|Committee|Commission|Agency|Ministry|Department) (?:for|of|on) (?:the )?(?:[A-Z][A-Za-z-]+(?:,?\s(?:and|&|of|for|the)\s|\s)?){1,6})`)
)

// nameStop are capitalised words that start sentences or titles, not names.
var nameStop = map[string]bool{"The": true, "This": true, "Dear": true, "Hello": true, "Hi": true, "Thank": true, "Thanks": true,
	"Best": true, "Kind": true, "Regards": true, "Please": true, "We": true, "Our": true, "Your": true, "I": true, "It": true,
	"In": true, "On": true, "At": true, "For": true, "And": true, "But": true, "If": true, "As": true, "My": true, "Sent": true,
	"From": true, "To": true, "Subject": true, "Date": true, "Re": true, "Fw": true, "Fwd": true, "Mr": true, "Ms": true, "Dr": true,
	"Senior": true, "Director": true, "Manager": true, "Head": true, "Partner": true, "Here": true, "There": true, "What": true,
	"When": true, "Where": true, "Who": true, "Why": true, "How": true, "Yes": true, "No": true, "All": true, "Any": true,
	"Sincerely": true, "Cheers": true, "Warm": true, "Yours": true, "Looking": true, "Let": true, "Would": true, "Could": true,
	"Can": true, "Will": true, "Just": true, "Also": true, "Sorry": true, "Great": true, "Good": true, "Many": true, "Some": true,
}

// personNames finds names people give for themselves or a colleague, and
// the name under a sign-off. It does not guess names from capitalisation
// alone.
func personNames(text string) []string {
	if len(text) > 64<<10 {
		text = text[:64<<10]
	}
	var out []string
	seen := map[string]bool{}
	low := strings.ToLower(text)
	keep := func(n string) {
		n = strings.TrimSpace(n)
		f := strings.Fields(n)
		if len(f) < 2 || nameStop[f[0]] || nameStop[f[len(f)-1]] || seen[n] {
			return
		}
		seen[n] = true
		out = append(out, n)
	}
	if strings.Contains(low, "name is") || strings.Contains(low, "i am") || strings.Contains(low, "i'm") || strings.Contains(low, "this is") {
		for _, m := range introRE.FindAllStringSubmatch(text, 5) {
			keep(m[1])
		}
	}
	if strings.Contains(low, "colleague") || strings.Contains(low, "associate") || strings.Contains(low, "partner") || strings.Contains(low, "assistant") || strings.Contains(low, "secretary") {
		for _, m := range colleagueRE.FindAllStringSubmatch(text, 5) {
			keep(m[1])
		}
	}
	// Sign-offs are near the end.
	tail := text[max(0, len(text)-1500):]
	for _, m := range signoffRE.FindAllStringSubmatch(tail, 3) {
		keep(m[1])
	}
	return out
}

// organizations finds organisation names: capitalised words ending in a
// legal form or an organisational word ("Smiao Intelligence", "BR-YR
// Executive Search"), and "Center for ... Studies" forms.
func organizations(text string) []string {
	if len(text) > 16<<10 {
		text = text[:16<<10]
	}
	var out []string
	seen := map[string]bool{}
	keep := func(o string) {
		o = strings.TrimSpace(strings.TrimRight(o, ",. "))
		f := strings.Fields(o)
		for len(f) > 0 && nameStop[f[0]] {
			f = f[1:]
		}
		if len(f) < 2 {
			return
		}
		o = strings.Join(f, " ")
		// Trailing joiners left by the "of the ..." pattern.
		for _, j := range []string{" and", " of", " for", " the", " &"} {
			o = strings.TrimSuffix(o, j)
		}
		if seen[o] || len(o) > 120 {
			return
		}
		seen[o] = true
		out = append(out, o)
	}
	// Run the patterns only on the lines that hold an organisational word.
	for _, line := range strings.Split(text, "\n") {
		if !hasOrgWord(line) {
			continue
		}
		for _, m := range orgRE.FindAllStringSubmatch(line, 10) {
			keep(m[1])
		}
		for _, m := range orgOfRE.FindAllStringSubmatch(line, 10) {
			keep(m[1])
		}
		if len(out) > 30 {
			break
		}
	}
	return out
}

var orgWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`Ltd Ltd. Limited LLC LLP Inc Inc. GmbH PLC Co. Group Consulting Consultancy Consultants
		Partners Associates Advisory Advisors Advisers Capital Holdings Search Headhunters Headhunter Recruitment Talent
		Strategies Strategy Insight Insights Intelligence Analytics Research Institute Foundation Forum Council
		Association Society Union Academy Tank Network Agency Solutions Ventures Innov Center Centre University
		College School Bureau Office Committee Commission Ministry Department Federation Chamber`) {
		orgWords[w] = true
	}
}

// hasOrgWord reports whether a line holds a word that ends or heads an
// organisation's name, so the patterns run only where they can match.
func hasOrgWord(line string) bool {
	for _, w := range strings.Fields(line) {
		if orgWords[strings.TrimRight(w, ",.;:)")] || orgWords[w] {
			return true
		}
	}
	return false
}
