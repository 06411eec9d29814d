package correlate

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

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
