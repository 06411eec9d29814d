package correlate

import (
	"strings"
	"unicode/utf8"
)

// Word lists, lower-case and folded. Greetings open a message, fillers and
// titles may follow a greeting, and sign-offs close it.
var (
	greetings = phrases("dear", "hi", "hello", "hey", "hiya", "heya", "howdy", "greetings", "salutations",
		"good morning", "good afternoon", "good evening", "good day", "morning",
		"to whom it may concern", "bonjour", "hallo", "hola", "ciao", "guten tag", "ni hao")
	// informalGreetings are usually followed by the recipient's first name.
	informalGreetings = wordSet("dear", "hi", "hello", "hey", "hiya", "heya")
	greetingFillers   = wordSet("there", "all", "everyone", "everybody", "team", "colleagues", "colleague",
		"friends", "friend", "folks", "or", "and", "both", "again")
	titles = wordSet("mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "sir", "dame", "madam",
		"madame", "mme", "mlle", "lord", "lady", "baroness", "baron", "rt", "hon", "honourable", "honorable", "rev",
		"reverend", "herr", "frau", "councillor", "cllr", "senator", "minister", "ambassador",
		// post-nominals, not names
		"mp", "mep", "msp", "ms", "mla", "obe", "mbe", "cbe", "kc", "qc", "phd", "esq")
	signOffs = phrases("best regards", "kind regards", "warm regards", "warmest regards", "kindest regards",
		"many regards", "with regards", "with kind regards", "with best regards", "with warm regards", "regards",
		"best wishes", "warm wishes", "with best wishes", "all the best", "all best", "best", "cheers",
		"thanks", "thank you", "many thanks", "thanks again", "thanks in advance", "with thanks", "with many thanks",
		"thanks and regards", "thanks and best regards", "thanks for your time", "thank you for your time",
		"thanks for your consideration", "thank you for your consideration",
		"sincerely", "yours sincerely", "sincerely yours", "yours faithfully", "faithfully", "yours truly",
		"truly", "yours", "respectfully", "cordially", "take care", "talk soon", "speak soon", "warmly",
		"sent from my")
	// commonWordNames are names that are also everyday words: they are
	// replaced only where capitalised, so "I will" keeps its "will".
	commonWordNames = wordSet("will", "may", "mark", "grace", "hope", "bill", "rose", "faith", "joy", "june",
		"april", "august", "summer", "amber", "dawn", "rich", "frank", "sue", "pat", "art", "guy", "jack", "don",
		"ray", "gene", "max", "sky", "ruby", "pearl", "iris", "holly", "ivy", "daisy", "chase", "hunter", "rob",
		"sterling", "young", "long", "white", "black", "brown", "green", "king", "love", "wing", "new", "hall",
		"page", "price", "law", "rule", "lane", "field", "bell", "cook", "bishop", "hill", "wood", "ward", "major",
		"chance", "sunny", "penny", "bob", "nick", "drew", "angel", "august", "lee", "li", "an", "he", "ma", "hu",
		"yu", "so", "do", "to", "in", "on", "ho", "lo", "sun", "tan", "chan", "bird")
)

// phraseSet holds phrases split into words, by their first word, and
// longest first so that "best regards" is tried before "best".
type phraseSet map[string][][]string

func phrases(ps ...string) phraseSet {
	out := make([][]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, strings.Fields(p))
	}
	for i := 1; i < len(out); i++ { // insertion sort by length, descending, stable
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	set := phraseSet{}
	for _, p := range out {
		set[p[0]] = append(set[p[0]], p)
	}
	return set
}

func wordSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// isDateWord reports whether w is a month or weekday name that is not
// also an everyday word ("may", "march" and abbreviations count only
// beside a number).
func isDateWord(w string) bool {
	switch w {
	case "january", "february", "april", "june", "july", "august", "september", "october", "november", "december",
		"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday":
		return true
	}
	return false
}

// nameMatcher recognises the words of personal names: the given names and
// those found after greetings.
type nameMatcher struct {
	base  *nameSet
	found nameSet
}

func (m *nameMatcher) add(w string) { m.found.add(w) }

// match reports whether t is a name word. A name that is also an everyday
// word counts only where capitalised.
func (m *nameMatcher) match(t token) bool {
	if !m.base.has(t.low) && !m.found.has(t.low) {
		return false
	}
	return t.cap || !commonWordNames[t.low]
}

// nameSet is a set of name words, quick to ask about a word it does not
// hold: it is asked about every word of a text, and holds a few.
type nameSet struct {
	lens  uint64          // bit n is set when a word of n bytes (63 or more for bit 63) is held
	words []string        // the words, while there are at most maxListedNames
	m     map[string]bool // the words, once there are more
}

// maxListedNames is how many words a nameSet holds in a list, compared
// one by one, before it moves them to a map.
const maxListedNames = 8

func (s *nameSet) add(w string) {
	if s.has(w) {
		return
	}
	s.lens |= 1 << min(len(w), 63)
	switch {
	case s.m != nil:
		s.m[w] = true
	case len(s.words) < maxListedNames:
		if s.words == nil {
			s.words = make([]string, 0, maxListedNames)
		}
		s.words = append(s.words, w)
	default:
		s.m = make(map[string]bool, 2*maxListedNames)
		for _, x := range s.words {
			s.m[x] = true
		}
		s.m[w] = true
		s.words = nil
	}
}

func (s *nameSet) has(w string) bool {
	if s == nil || s.lens&(1<<min(len(w), 63)) == 0 {
		return false
	}
	if s.m != nil {
		return s.m[w]
	}
	for _, x := range s.words {
		if x == w {
			return true
		}
	}
	return false
}

// firstContent returns the index of the first token of line that is not
// punctuation, or len(line).
func firstContent(line []token) int {
	i := 0
	for i < len(line) && line[i].kind == kindPunct {
		i++
	}
	return i
}

// matchPhrase returns how many tokens of line from i spell one of ps, or 0.
func matchPhrase(line []token, i int, ps phraseSet) int {
	if i >= len(line) || line[i].kind != kindWord {
		return 0
	}
next:
	for _, p := range ps[line[i].low] {
		if i+len(p) > len(line) {
			continue
		}
		for k, w := range p {
			if t := line[i+k]; t.kind != kindWord || t.low != w {
				continue next
			}
		}
		return len(p)
	}
	return 0
}

// dropGreetings removes greetings from the start of line, with what
// follows them (fillers, titles, names and punctuation), and records the
// names it finds.
func dropGreetings(line []token, names *nameMatcher) []token {
	for {
		i := firstContent(line)
		n := matchPhrase(line, i, greetings)
		if n == 0 {
			return line
		}
		personal := n == 1 && informalGreetings[line[i].low]
		j := i + n
		titled := false
	fillers:
		for ; j < len(line); j++ {
			t := line[j]
			switch {
			case t.kind == kindWord && titles[t.low]:
				titled = true
			case t.kind == kindWord && greetingFillers[t.low]:
			case t.kind == kindPunct && (t.r == '/' || t.r == '&' || t.r == '.'):
			default:
				break fillers
			}
		}
		// Up to three capitalised words, joined by hyphens or dots.
		var found []int
		k := j
		for k < len(line) && len(found) < 3 {
			t := line[k]
			if t.kind != kindWord || !t.cap || t.low == "i" || utf8.RuneCountInString(t.low) < 2 || titles[t.low] {
				break
			}
			found = append(found, k)
			k++
			if k+1 < len(line) && line[k].kind == kindPunct && (line[k].r == '-' || line[k].r == '.') &&
				line[k+1].kind == kindWord && line[k+1].cap {
				k++
			}
		}
		ends := k == len(line) || (line[k].kind == kindPunct && strings.ContainsRune(",:;!.-–—", line[k].r))
		switch {
		case len(found) > 0 && (titled || ends):
		case len(found) > 0 && personal:
			// "Hi John I came across...": the first word only.
			found, k = found[:1], found[0]+1
		default:
			found, k = nil, j
		}
		for _, f := range found {
			names.add(line[f].low)
		}
		for k < len(line) && line[k].kind == kindPunct {
			k++
		}
		line = line[k:]
	}
}

// dropSignOff removes a sign-off and everything below it: among the last
// few lines, a line that opens with a sign-off phrase followed by at most a
// name ("Kind regards,", "Thanks, Amanda", "Sent from my iPhone"), or a
// sign-off phrase ending a line after a sentence ("...soon. Best, Amanda").
// It repeats until no sign-off is left, so "Thanks!\nBest regards," goes
// entirely. Each round removes words from the end, so the work stays
// linear in the text.
func dropSignOff(lines [][]token) [][]token {
	var some [64]int
	content := some[:0] // lines with a word or placeholder
	for i, l := range lines {
		if firstContent(l) < len(l) {
			content = append(content, i)
		}
	}
	for len(content) > 0 {
		cutLine, cutTok := -1, -1
		for _, li := range content[max(0, len(content)-signOffWindow):] {
			if cutTok = signOffIn(lines[li]); cutTok >= 0 {
				cutLine = li
				break
			}
		}
		if cutLine < 0 {
			break
		}
		lines[cutLine] = lines[cutLine][:cutTok]
		lines = lines[:cutLine+1]
		for len(content) > 0 && content[len(content)-1] >= cutLine {
			content = content[:len(content)-1]
		}
		if firstContent(lines[cutLine]) < cutTok {
			content = append(content, cutLine)
		}
	}
	return lines
}

// signOffIn returns where a sign-off starts in line, or -1: at the line's
// first word, or after a sentence's end among its last few words.
func signOffIn(line []token) int {
	if i := firstContent(line); signOffAt(line, i) {
		return i
	}
	// A sign-off is followed by at most maxSignOffNames words, so only the
	// last few words can start one.
	words := 0
	first := len(line)
	for i := len(line) - 1; i > 0 && words < maxSignOffNames+maxPhraseWords; i-- {
		if line[i].kind != kindPunct {
			words++
			first = i
		}
	}
	for i := max(first, 1); i < len(line); i++ {
		if p := line[i-1]; p.kind == kindPunct && (p.r == '.' || p.r == '!' || p.r == '?') && signOffAt(line, i) {
			return i
		}
	}
	return -1
}

// signOffAt reports whether line from i is a sign-off phrase followed by
// nothing but punctuation and at most a few name words.
func signOffAt(line []token, i int) bool {
	n := matchPhrase(line, i, signOffs)
	if n == 0 {
		return false
	}
	sent := line[i].low == "sent" // "Sent from my iPhone": any few words
	words := 0
	for _, t := range line[i+n:] {
		if t.kind == kindPunct {
			continue
		}
		if !sent && !t.nameLike() {
			return false
		}
		if words++; words > maxSignOffNames {
			return false
		}
	}
	return true
}
