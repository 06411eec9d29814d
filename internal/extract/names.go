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
	// A name on its own line: two or three capitalised words.
	nameLineRE = regexp.MustCompile(`^(?:(?:Dr|Prof|Mr|Mrs|Ms)\.?\s+)?[A-Z][a-z'’-]+(?:\s[A-Z][a-z'’-]+){1,2}$`)

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
	keep := func(n string) {
		n = strings.TrimSpace(n)
		f := strings.Fields(n)
		if len(f) < 2 || nameStop[f[0]] || nameStop[f[len(f)-1]] || seen[n] {
			return
		}
		seen[n] = true
		out = append(out, n)
	}
	// Run the patterns only on short windows that start at a trigger word.
	windows := func(triggers []string, re *regexp.Regexp) {
		for _, t := range triggers {
			for i, n := 0, 0; n < 5; n++ {
				j := strings.Index(text[i:], t)
				if j < 0 {
					break
				}
				at := i + j
				w := text[at:min(len(text), at+120)]
				if m := re.FindStringSubmatch(w); m != nil {
					keep(m[1])
				}
				i = at + len(t)
			}
		}
	}
	windows([]string{"My name is", "my name is", "I am ", "I'm ", "This is ", "this is "}, introRE)
	windows([]string{"colleague", "Colleague", "associate", "Associate", "partner", "Partner", "assistant", "Assistant", "secretary", "Secretary"}, colleagueRE)
	// Sign-offs are near the end: the name on the line after one.
	lines := strings.Split(text[max(0, len(text)-1500):], "\n")
	for i := 0; i+1 < len(lines); i++ {
		if !signoffs[strings.Trim(strings.ToLower(strings.TrimSpace(lines[i])), ",.!")] {
			continue
		}
		for j := i + 1; j < len(lines) && j < i+3; j++ {
			if n := strings.TrimSpace(lines[j]); n != "" {
				if nameLineRE.MatchString(n) {
					f := strings.Fields(n)
					if t := strings.TrimSuffix(f[0], "."); t == "Dr" || t == "Prof" || t == "Mr" || t == "Mrs" || t == "Ms" {
						f = f[1:]
					}
					keep(strings.Join(f, " "))
				}
				break
			}
		}
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
	for i := 0; i < len(line); {
		// Organisational words start with a capital letter.
		if c := line[i]; c < 'A' || c > 'Z' || i > 0 && line[i-1] != ' ' && line[i-1] != '(' && line[i-1] != '"' {
			i++
			continue
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		w := line[i:j]
		if orgWords[w] || orgWords[strings.TrimRight(w, ",.;:)")] {
			return true
		}
		i = j
	}
	return false
}

var signoffs = map[string]bool{"regards": true, "best regards": true, "kind regards": true, "warm regards": true,
	"warmest regards": true, "many thanks": true, "thanks": true, "thank you": true, "best": true, "best wishes": true,
	"kind wishes": true, "sincerely": true, "yours sincerely": true, "yours faithfully": true, "yours": true, "cheers": true,
	"with best wishes": true, "all the best": true}
