package correlate

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Limits on the work Normalize does for one text. Reported text is hostile;
// these keep time and memory bounded whatever arrives.
const (
	// maxInputBytes is how much of a text Normalize reads; the rest is
	// ignored. A lure is a few kilobytes, a newsletter a few tens; the
	// first 256 KiB say whether two texts are one message, and bound the
	// time spent on a hostile one to well under a second.
	maxInputBytes = 256 << 10
	// maxWords is how many words Normalize keeps.
	maxWords = 10000
	// maxWordBytes is how long one kept word may be; longer runs of letters
	// (encoded blobs, run-together text) are cut.
	maxWordBytes = 64
	// maxPasses bounds the passes Normalize makes to reach a fixed point;
	// real text needs two (the second confirms the first).
	maxPasses = 4
	// signOffWindow is how many lines from the end a sign-off may start.
	signOffWindow = 8
	// maxSignOffNames is how many name words may follow a sign-off phrase.
	maxSignOffNames = 4
	// maxPhraseWords is the length of the longest greeting or sign-off.
	maxPhraseWords = 5
)

// Placeholder tokens put in place of what changes from one copy of a
// campaign message to the next.
const (
	tokNum   = "<num>"
	tokMoney = "<money>"
	tokDate  = "<date>"
	tokURL   = "<url>"
	tokEmail = "<email>"
	tokPhone = "<phone>"
	tokName  = "<name>"
)

var placeholders = []string{tokNum, tokMoney, tokDate, tokURL, tokEmail, tokPhone, tokName}

// Pieces of the patterns for the variable parts of a message. The patterns
// run on a copy of the text with ASCII letters lower-cased.
const (
	amount    = `(?:\d{1,3}(?:[,. ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)`
	magnitude = `(?:[ \t]?(?:k|m|mn|bn|million|thousand|billion|grand)\b)?`
	currency  = `(?:usd|gbp|eur|rmb|cny|jpy|chf|aud|cad|hkd|sgd|nzd|inr|rub|krw|twd)`
	money     = `(?:` + currency + `|pounds?|dollars?|euros?|yuan|renminbi|sterling|quid|bucks)`
	month     = `(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`
	ordinal   = `(?:st|nd|rd|th)?`
)

// pattern is one kind of variable part: where it matches (and keep
// allows), the text is replaced by token. Patterns are tried in order, on
// text the earlier ones have already replaced; any word in cues (or any
// rune in runes) must appear for the pattern to be tried, which saves
// running Go's regular expressions, linear but slow, on most lines.
type pattern struct {
	token  string
	re     *regexp.Regexp
	digits bool   // only where the text has a digit
	runes  string // any of these
	cues   []string
	keep   func(match string) bool
}

var currencyCues = []string{"usd", "gbp", "eur", "rmb", "cny", "jpy", "chf", "aud", "cad", "hkd", "sgd", "nzd",
	"inr", "rub", "krw", "twd"}

var patterns = []pattern{
	{token: tokURL, cues: []string{"/", "www."},
		re: regexp.MustCompile(`(?:\b(?:https?|hxxps?|ftp)://|\bwww\.)[^\s<>"'()\[\]{}]+|\b[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/[^\s<>"'()\[\]{}]*`)},
	{token: tokEmail, cues: []string{"@"},
		re: regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`)},
	// "£5,000", "US$ 7.5k", "USD 3,000"
	{token: tokMoney, digits: true, runes: "$£€¥₹₽₩", cues: currencyCues,
		re: regexp.MustCompile(`(?:(?:\b(?:us|au|ca|hk|nz|s))?[$£€¥₹₽₩]|\b` + currency + `\b)[ \t]?` + amount + magnitude)},
	// "3,000 euros", "10k GBP"
	{token: tokMoney, digits: true, cues: append([]string{"pound", "dollar", "euro", "yuan", "renminbi", "sterling", "quid", "buck"}, currencyCues...),
		re: regexp.MustCompile(`\b` + amount + magnitude + `[ \t]?` + money + `\b`)},
	// "14 March 2025", "12th of May", "April 2nd, 2025", "Sept 2025"
	{token: tokDate, digits: true, cues: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"},
		re: regexp.MustCompile(`\b\d{1,2}` + ordinal + `(?:[ \t]+of)?[ \t]+` + month + `\b\.?(?:,?[ \t]+\d{4}\b)?` +
			`|\b` + month + `\b\.?[ \t]+\d{1,2}` + ordinal + `\b(?:,?[ \t]+\d{4}\b)?` +
			`|\b` + month + `\b\.?,?[ \t]+\d{4}\b`)},
	// "2025-04-07T10:00Z", "21/03/2025", "9.30am", "10:30 GMT"
	{token: tokDate, digits: true,
		re: regexp.MustCompile(`\b\d{4}-\d{1,2}-\d{1,2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?)?\b` +
			`|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b` +
			`|\b\d{1,2}(?:[:.]\d{2})?[ \t]?(?:(?:am|pm)\b|a\.m\.|p\.m\.)` +
			`|\b\d{1,2}:\d{2}(?::\d{2})?\b(?:[ \t]?(?:gmt|bst|utc|cet|cest|est|edt|pst|pdt|hkt|cst)\b)?`)},
	// "+44 20 7946 0958", "(020) 7946 0958": seven to fifteen digits
	{token: tokPhone, digits: true, keep: phoneDigits,
		re: regexp.MustCompile(`(?:\+|\b)\(?\d[\d \t().-]{5,20}\d\b`)},
}

func phoneDigits(m string) bool {
	digits := 0
	for i := 0; i < len(m); i++ {
		if m[i] >= '0' && m[i] <= '9' {
			digits++
		}
	}
	return digits >= 7 && digits <= 15
}

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
	// dateWords are month and weekday names that are not also everyday
	// words ("may", "march" and abbreviations count only beside a number).
	dateWords = wordSet("january", "february", "april", "june", "july", "august", "september", "october",
		"november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
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

// phrases splits each phrase into words, longest first, so that "best
// regards" is tried before "best".
func phrases(ps ...string) [][]string {
	out := make([][]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, strings.Fields(p))
	}
	for i := 1; i < len(out); i++ { // insertion sort by length, descending, stable
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func wordSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// Normalize reduces a message to what stays the same across a campaign.
// The text is Unicode-folded (NFKC, accents and invisible format characters
// removed) and lower-cased; a greeting at the start of a line ("Dear Ms
// Patel,", "Hi John,") and a sign-off with the signature below it ("Kind
// regards, Amanda") are dropped; the given names (the recipient's and the
// sender's, with or without titles) and capitalised words right after a
// greeting are replaced by <name>; amounts become <money>, dates, weekdays
// and times <date>, links <url>, mail addresses <email>, phone numbers
// <phone> and any other word with a digit <num>; punctuation is stripped
// and whitespace collapsed to single spaces, and a run of one placeholder
// becomes one. Words of scripts written without spaces (Chinese, Japanese,
// Thai...) are taken a character at a time.
//
// Normalize reads at most the first 256 KiB of text and keeps at most
// 10,000 words. Its result is a fixed point: normalizing it again with the
// same names gives it back unchanged. (Removing a greeting or a sign-off
// can expose another, so Normalize repeats its pass until the text stops
// changing; real text settles after one.)
func Normalize(text string, names ...string) string {
	if len(text) > maxInputBytes {
		n := maxInputBytes
		for n > maxInputBytes-utf8.UTFMax && !utf8.RuneStart(text[n]) {
			n--
		}
		text = text[:n]
	}
	base := foldNames(names)
	out := normalizeOnce(text, base)
	for range maxPasses - 1 {
		next := normalizeOnce(out, base)
		if next == out {
			break
		}
		out = next
	}
	return out
}

// foldNames turns the given names into the set of words to replace,
// dropping titles, initials and anything with a digit.
func foldNames(names []string) map[string]bool {
	set := map[string]bool{}
	for _, n := range names {
		for _, line := range tokenize(fold(n)) {
			for _, t := range line {
				if t.kind == kindWord && !titles[t.low] && utf8.RuneCountInString(t.low) >= 2 {
					set[t.low] = true
				}
			}
		}
	}
	return set
}

// normalizeOnce is one pass of Normalize.
func normalizeOnce(text string, base map[string]bool) string {
	lines := tokenize(replaceVariable(fold(text)))
	names := nameMatcher{base: base}
	for i, line := range lines {
		lines[i] = dropGreetings(line, &names)
	}
	for _, line := range lines {
		for j, t := range line {
			switch {
			case t.kind != kindWord:
			case names.match(t):
				line[j] = token{kind: kindPlaceholder, low: tokName}
			case dateWords[t.low]:
				line[j] = token{kind: kindPlaceholder, low: tokDate}
			}
		}
	}
	lines = dropSignOff(lines)
	return render(lines)
}

// maxChunk is the longest piece of text the patterns for variable parts
// run over at once: lines longer than that are cut at a space. Go's
// regular expressions take a faster path on short inputs, and a match
// longer than this is not a date, an amount or a phone number.
const maxChunk = 1024

// replaceVariable replaces links, addresses, amounts, dates, times and
// phone numbers in s by placeholders, a line or chunk at a time, running
// only the patterns a chunk could match.
func replaceVariable(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for len(s) > 0 {
		n := chunkLen(s)
		b.WriteString(replaceChunk(s[:n]))
		s = s[n:]
	}
	return b.String()
}

// chunkLen returns the length of the first chunk of s: its first line, or
// if that is longer than maxChunk, as much of it as ends at a space.
func chunkLen(s string) int {
	if i := strings.IndexByte(s[:min(len(s), maxChunk)], '\n'); i >= 0 {
		return i + 1
	}
	if len(s) <= maxChunk {
		return len(s)
	}
	if i := strings.LastIndexAny(s[:maxChunk], " \t"); i > 0 {
		return i + 1
	}
	n := maxChunk
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	if n == 0 {
		n = maxChunk
	}
	return n
}

func replaceChunk(c string) string {
	lc := asciiLower(c)
	hasDigit := strings.ContainsAny(c, "0123456789")
	for _, p := range patterns {
		if p.digits && !hasDigit || !p.cued(lc) {
			continue
		}
		c, lc = p.replace(c, lc)
	}
	return c
}

// cued reports whether lc holds one of p's cues, or p needs none.
func (p *pattern) cued(lc string) bool {
	if p.runes == "" && len(p.cues) == 0 {
		return true
	}
	if p.runes != "" && strings.ContainsAny(lc, p.runes) {
		return true
	}
	for _, c := range p.cues {
		if strings.Contains(lc, c) {
			return true
		}
	}
	return false
}

// replace replaces p's matches in c, found in its lower-cased copy lc,
// and returns both texts with the same replacements.
func (p *pattern) replace(c, lc string) (string, string) {
	ms := p.re.FindAllStringIndex(lc, -1)
	if len(ms) == 0 {
		return c, lc
	}
	var b, lb strings.Builder
	last := 0
	for _, m := range ms {
		if p.keep != nil && !p.keep(lc[m[0]:m[1]]) {
			continue
		}
		b.WriteString(c[last:m[0]])
		lb.WriteString(lc[last:m[0]])
		for _, w := range []*strings.Builder{&b, &lb} {
			w.WriteByte(' ')
			w.WriteString(p.token)
			w.WriteByte(' ')
		}
		last = m[1]
	}
	b.WriteString(c[last:])
	lb.WriteString(lc[last:])
	return b.String(), lb.String()
}

// asciiLower lower-cases the ASCII letters of s, leaving every byte where
// it was.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// fold applies compatibility decomposition, removes combining marks and
// invisible format characters (zero-width spaces, soft hyphens, direction
// marks) and recomposes: "Ｃａｆé\u200b" becomes "Cafe". Case is kept, since
// names are found by their capitals. Invalid UTF-8 becomes U+FFFD.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	t := transform.Chain(norm.NFKD, runes.Remove(runes.Predicate(invisible)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

// invisible reports whether r is a combining mark or format character.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf)
}

type tokenKind uint8

const (
	kindWord        tokenKind = iota // letters and digits
	kindPlaceholder                  // one of placeholders
	kindPunct                        // anything else that is not space
)

// token is one word, placeholder or punctuation mark of a line.
type token struct {
	kind tokenKind
	low  string // the folded, lower-cased word, or the placeholder
	cap  bool   // the word began with a capital letter
	r    rune   // the mark, for kindPunct
}

// nameLike reports whether t could be a word of a name: a capitalised word
// or a name already replaced.
func (t token) nameLike() bool {
	return (t.kind == kindWord && t.cap && t.low != "i") || (t.kind == kindPlaceholder && t.low == tokName)
}

// tokenize splits folded text into lines of tokens.
func tokenize(s string) [][]token {
	var lines [][]token
	var cur []token
	start := -1 // start of the word being read
	flush := func(end int) {
		if start >= 0 {
			cur = append(cur, wordToken(s[start:end]))
			start = -1
		}
	}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf && c != '<' && c != '\'' { // fast path for ASCII
			switch {
			case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
				if start < 0 {
					start = i
				}
			case c == ' ' || c == '\t':
				flush(i)
			case c == '\n' || c == '\r' || c == '\v' || c == '\f':
				flush(i)
				lines = append(lines, cur)
				cur = nil
			default:
				flush(i)
				if c > ' ' && c != 0x7f {
					cur = append(cur, token{kind: kindPunct, r: rune(c)})
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
			flush(i)
			lines = append(lines, cur)
			cur = nil
		case unicode.IsSpace(r):
			flush(i)
		case r == '<' && placeholderAt(s[i:]) != "":
			flush(i)
			p := placeholderAt(s[i:])
			cur = append(cur, token{kind: kindPlaceholder, low: p})
			i += len(p)
			continue
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
			unicode.Khmer, unicode.Myanmar, unicode.Tibetan):
			flush(i)
			cur = append(cur, wordToken(s[i:i+size]))
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			if start < 0 {
				start = i
			}
		case (r == '\'' || r == '’' || r == 'ʼ') && start >= 0 && i+size < len(s) && isLetterAt(s[i+size:]):
			// an apostrophe inside a word: "don't", "O'Brien"
		default:
			flush(i)
			cur = append(cur, token{kind: kindPunct, r: r})
		}
		i += size
	}
	flush(len(s))
	lines = append(lines, cur)
	return lines
}

func isLetterAt(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// placeholderAt returns the placeholder s begins with, or "".
func placeholderAt(s string) string {
	for _, p := range placeholders {
		if strings.HasPrefix(s, p) {
			return p
		}
	}
	return ""
}

// wordToken makes the token for word w: lower-cased, without apostrophes
// or marks, cut to maxWordBytes; a word with a digit becomes <num>.
func wordToken(w string) token {
	first, _ := utf8.DecodeRuneInString(w)
	t := token{kind: kindWord, cap: unicode.IsUpper(first) || unicode.IsTitle(first)}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range w {
		if unicode.IsNumber(r) {
			return token{kind: kindPlaceholder, low: tokNum}
		}
		if r == '\'' || r == '’' || r == 'ʼ' || invisible(r) {
			continue
		}
		r = unicode.ToLower(r)
		if b.Len()+utf8.RuneLen(r) > maxWordBytes {
			break
		}
		b.WriteRune(r)
	}
	t.low = b.String()
	if t.low == "" {
		return token{kind: kindPunct, r: first}
	}
	return t
}

// nameMatcher recognises the words of personal names: the given names and
// those found after greetings.
type nameMatcher struct {
	base  map[string]bool
	found map[string]bool
}

func (m *nameMatcher) add(w string) {
	if m.found == nil {
		m.found = map[string]bool{}
	}
	m.found[w] = true
}

// match reports whether t is a name word. A name that is also an everyday
// word counts only where capitalised.
func (m *nameMatcher) match(t token) bool {
	if !m.base[t.low] && !m.found[t.low] {
		return false
	}
	return t.cap || !commonWordNames[t.low]
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
func matchPhrase(line []token, i int, ps [][]string) int {
next:
	for _, p := range ps {
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
	var content []int // lines with a word or placeholder
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

// render joins the words and placeholders of lines with single spaces,
// collapsing runs of one placeholder ("<date> <date>" from "Monday, 3
// March") and keeping at most maxWords.
func render(lines [][]token) string {
	var b strings.Builder
	words := 0
	prev := ""
	for _, l := range lines {
		for _, t := range l {
			if t.kind == kindPunct || (t.kind == kindPlaceholder && t.low == prev) {
				continue
			}
			if words == maxWords {
				return b.String()
			}
			if words > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t.low)
			words++
			prev = t.low
		}
	}
	return b.String()
}
