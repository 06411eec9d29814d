package correlate

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The variable parts of a message are found by hand-written matchers, one
// per kind, that run over a copy of the text with ASCII letters
// lower-cased. Each is the regular expression in its comment, matched as
// Go's regexp package matches it: the leftmost match, and at that position
// the first alternative in the order a backtracking matcher tries them
// (greedy repetitions longest first), with \b, \d and \s in their ASCII
// sense. variable_test.go holds the expressions themselves and checks the
// matchers against them. Matching by hand is an order of magnitude faster
// than running the expressions, and needs no allocation.
//
// The expressions are built from these pieces:
//
//	amount    (?:\d{1,3}(?:[,. ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)
//	magnitude (?:[ \t]?(?:k|m|mn|bn|million|thousand|billion|grand)\b)?
//	currency  (?:usd|gbp|eur|rmb|cny|jpy|chf|aud|cad|hkd|sgd|nzd|inr|rub|krw|twd)
//	money     (?:currency|pounds?|dollars?|euros?|yuan|renminbi|sterling|quid|bucks)
//	month     (?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|
//	          sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)
//	ordinal   (?:st|nd|rd|th)?
//
// A word alternation followed by \b, such as currency\b, matches exactly
// where the run of word characters starting there is one of the words;
// the matchers use that throughout.

// pattern is one kind of variable part: where it matches (and keep
// allows), the text is replaced by token. Patterns are tried in order, on
// text the earlier ones have already replaced.
type pattern struct {
	token string
	needs need // what a chunk must hold for the pattern to match
	// find returns the leftmost match in s at or after from, or -1, -1.
	find func(s string, from int) (start, end int)
	keep func(match string) bool
}

// need is what a chunk must hold for a pattern to match: checking it first
// saves looking for matches in most chunks.
type need uint8

const (
	needLink  need = iota // "/" or "www."
	needAt                // "@"
	needDigit             // an ASCII digit
)

var patterns = []pattern{
	{token: tokURL, needs: needLink, find: findURL},
	{token: tokEmail, needs: needAt, find: findEmail},
	// "£5,000", "US$ 7.5k", "USD 3,000"
	{token: tokMoney, needs: needDigit, find: finder(symbolAmountAt, startsSymbolAmount)},
	// "3,000 euros", "10k GBP"
	{token: tokMoney, needs: needDigit, find: finder(amountMoneyAt, startsDigit)},
	// "14 March 2025", "12th of May", "April 2nd, 2025", "Sept 2025"
	{token: tokDate, needs: needDigit, find: finder(monthDateAt, startsMonthDate)},
	// "2025-04-07T10:00Z", "21/03/2025", "9.30am", "10:30 GMT"
	{token: tokDate, needs: needDigit, find: finder(numericDateAt, startsDigit)},
	// "+44 20 7946 0958", "(020) 7946 0958": seven to fifteen digits
	{token: tokPhone, needs: needDigit, keep: phoneDigits, find: finder(phoneAt, startsPhone)},
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
// run over at once: lines longer than that are cut at a space. A match
// longer than this is not a date, an amount or a phone number.
const maxChunk = 1024

// replaceVariable replaces links, addresses, amounts, dates, times and
// phone numbers in s by placeholders, a line or chunk at a time, running
// only the patterns a chunk could match. lower is s with its ASCII
// letters lower-cased; both texts are returned with the same
// replacements, and unchanged (not copied) when there are none.
func replaceVariable(s, lower string) (string, string) {
	var b, lb strings.Builder
	done := 0 // s[:done] is written to b
	for off := 0; off < len(s); {
		n := chunkLen(s[off:])
		c, lc, ok := replaceChunk(s[off:off+n], lower[off:off+n])
		if ok {
			if done == 0 {
				b.Grow(len(s) + len(s)/8)
				lb.Grow(len(s) + len(s)/8)
			}
			b.WriteString(s[done:off])
			lb.WriteString(lower[done:off])
			b.WriteString(c)
			lb.WriteString(lc)
			done = off + n
		}
		off += n
	}
	if done == 0 {
		return s, lower
	}
	b.WriteString(s[done:])
	lb.WriteString(lower[done:])
	return b.String(), lb.String()
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

// replaceChunk runs the patterns over one chunk c, whose lower-cased copy
// is lc, and reports whether any replaced something.
func replaceChunk(c, lc string) (string, string, bool) {
	var has [3]bool // by need
	for i := 0; i < len(lc); i++ {
		switch b := lc[i]; {
		case '0' <= b && b <= '9':
			has[needDigit] = true
		case b == '/':
			has[needLink] = true
		case b == '@':
			has[needAt] = true
		}
	}
	has[needLink] = has[needLink] || strings.Contains(lc, "www.")
	changed := false
	for i := range patterns {
		p := &patterns[i]
		if !has[p.needs] {
			continue
		}
		var ok bool
		c, lc, ok = p.replace(c, lc)
		changed = changed || ok
	}
	return c, lc, changed
}

// replace replaces p's matches in c, found in its lower-cased copy lc,
// and returns both texts with the same replacements. A match keep rejects
// is left as it is, and the search goes on after it.
func (p *pattern) replace(c, lc string) (string, string, bool) {
	start, end := p.find(lc, 0)
	var b, lb strings.Builder
	last := 0
	for ; start >= 0; start, end = p.find(lc, end) {
		if p.keep != nil && !p.keep(lc[start:end]) {
			continue
		}
		if last == 0 {
			b.Grow(len(c) + 8)
			lb.Grow(len(lc) + 8)
		}
		b.WriteString(c[last:start])
		lb.WriteString(lc[last:start])
		for _, w := range [...]*strings.Builder{&b, &lb} {
			w.WriteByte(' ')
			w.WriteString(p.token)
			w.WriteByte(' ')
		}
		last = end
	}
	if b.Len() == 0 {
		return c, lc, false
	}
	b.WriteString(c[last:])
	lb.WriteString(lc[last:])
	return b.String(), lb.String(), true
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

// byteSet is a set of bytes, for testing where a match may start.
type byteSet [256]bool

func bytesOf(s string) *byteSet {
	var set byteSet
	for i := 0; i < len(s); i++ {
		set[s[i]] = true
	}
	return &set
}

// Bytes a match may start with. A multi-byte symbol is found by its
// first byte.
var (
	startsDigit        = bytesOf("0123456789")
	startsPhone        = bytesOf("0123456789+(")
	startsMonthDate    = bytesOf("0123456789jfmasond")
	startsSymbolAmount = bytesOf("$ugercjahsnikt\xc2\xe2") // symbols, (us|au|ca|hk|nz|s)$, currency codes
)

// finder returns the find function of a pattern that matches at p where
// at(s, p) >= 0, trying only the positions whose byte is in starts.
func finder(at func(s string, p int) int, starts *byteSet) func(string, int) (int, int) {
	return func(s string, from int) (int, int) {
		for p := from; p < len(s); p++ {
			if starts[s[p]] {
				if end := at(s, p); end >= 0 {
					return p, end
				}
			}
		}
		return -1, -1
	}
}

// Character classes, over lower-cased text. Only ASCII letters, digits and
// '_' are word characters, as for \b.

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// byteAt returns s[i], or 0 outside s.
func byteAt(s string, i int) byte {
	if i < 0 || i >= len(s) {
		return 0
	}
	return s[i]
}

// wordAt reports whether s[i] is a word character; outside s it is not.
func wordAt(s string, i int) bool { return isWordByte(byteAt(s, i)) }

// boundary reports whether \b holds at i.
func boundary(s string, i int) bool { return wordAt(s, i-1) != wordAt(s, i) }

// digitsAt returns how many ASCII digits run from i.
func digitsAt(s string, i int) int {
	n := 0
	for i+n < len(s) && isDigit(s[i+n]) {
		n++
	}
	return n
}

// blanksAt returns how many spaces and tabs run from i.
func blanksAt(s string, i int) int {
	n := 0
	for i+n < len(s) && isBlank(s[i+n]) {
		n++
	}
	return n
}

// wordRun returns the run of word characters from i.
func wordRun(s string, i int) string {
	j := i
	for j < len(s) && isWordByte(s[j]) {
		j++
	}
	return s[i:j]
}

// letterOrNumberAt returns the length of the rune at i if it is in
// [\p{L}\p{N}] or one of extra, else 0.
func letterOrNumberAt(s string, i int, extra string) int {
	c := s[i]
	if c < utf8.RuneSelf {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0 {
			return 1
		}
		return 0
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if unicode.IsLetter(r) || unicode.IsNumber(r) {
		return size
	}
	return 0
}

// runLen returns how many bytes from i are runes in [\p{L}\p{N}] or
// extra.
func runLen(s string, i int, extra string) int {
	j := i
	for j < len(s) {
		n := letterOrNumberAt(s, j, extra)
		if n == 0 {
			break
		}
		j += n
	}
	return j - i
}

// urlStop holds the bytes a link does not run over: \s<>"'()[]{}.
var urlStop = bytesOf("\t\n\f\r <>\"'()[]{}")

// urlRunLen returns the length of the run of [^\s<>"'()\[\]{}] from i.
func urlRunLen(s string, i int) int {
	j := i
	for j < len(s) && !urlStop[s[j]] {
		j++
	}
	return j - i
}

// findURL finds
//
//	(?:\b(?:https?|hxxps?|ftp)://|\bwww\.)[^\s<>"'()\[\]{}]+|
//	\b[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/[^\s<>"'()\[\]{}]*
//
// In the second alternative each [\p{L}\p{N}-]+ can only take the whole
// run (a shorter one is followed by neither '.' nor '/'), so every start
// inside one run of such characters leads to the same end, worked out
// once per run.
func findURL(s string, from int) (int, int) {
	runEnd, runMatch := -1, -1
	for p := from; p < len(s); {
		size := 1
		if s[p] >= utf8.RuneSelf {
			_, size = utf8.DecodeRuneInString(s[p:])
		}
		if boundary(s, p) {
			for _, scheme := range [...]string{"https://", "http://", "hxxps://", "hxxp://", "ftp://", "www."} {
				if strings.HasPrefix(s[p:], scheme) {
					if n := urlRunLen(s, p+len(scheme)); n > 0 {
						return p, p + len(scheme) + n
					}
				}
			}
			if letterOrNumberAt(s, p, "-") > 0 {
				if p >= runEnd {
					runEnd = p + runLen(s, p, "-")
					runMatch = hostPathEnd(s, runEnd)
				}
				if runMatch >= 0 {
					return p, runMatch
				}
			}
		}
		p += size
	}
	return -1, -1
}

// hostPathEnd matches (?:\.[\p{L}\p{N}-]+)+/[^\s<>"'()\[\]{}]* at i.
func hostPathEnd(s string, i int) int {
	e := dottedEnd(s, i)
	if e < 0 || byteAt(s, e) != '/' {
		return -1
	}
	return e + 1 + urlRunLen(s, e+1)
}

// dottedEnd matches (?:\.[\p{L}\p{N}-]+)+ at i, as many as there are.
func dottedEnd(s string, i int) int {
	e := -1
	for byteAt(s, i) == '.' {
		n := runLen(s, i+1, "-")
		if n == 0 {
			break
		}
		i += 1 + n
		e = i
	}
	return e
}

// findEmail finds
//
//	[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+
//
// The part before '@' can only be a whole run of its characters, so a
// match starts where such a run does.
func findEmail(s string, from int) (int, int) {
	for i := from; i < len(s); {
		n := runLen(s, i, "._%+-")
		if n == 0 {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		at := i + n
		if byteAt(s, at) == '@' {
			if host := runLen(s, at+1, "-"); host > 0 {
				if e := dottedEnd(s, at+1+host); e >= 0 {
					return i, e
				}
			}
		}
		i = at
	}
	return -1, -1
}

// symbolAmountAt matches
//
//	(?:(?:\b(?:us|au|ca|hk|nz|s))?[$£€¥₹₽₩]|\bcurrency\b)[ \t]?amount magnitude
//
// at p. Nothing after amount can fail, so the first way amount matches is
// the match.
func symbolAmountAt(s string, p int) int {
	if c := s[p]; 'a' <= c && c <= 'z' {
		// A letter begins the first alternative's prefix or the second.
		if !boundary(s, p) {
			return -1
		}
		for _, prefix := range [...]string{"us", "au", "ca", "hk", "nz", "s"} {
			if strings.HasPrefix(s[p:], prefix) {
				if n := symbolAt(s, p+len(prefix)); n > 0 {
					if e := amountAfter(s, p+len(prefix)+n); e >= 0 {
						return e
					}
				}
			}
		}
		if w := wordRun(s, p); isCurrency(w) {
			return amountAfter(s, p+len(w))
		}
		return -1
	}
	if n := symbolAt(s, p); n > 0 {
		return amountAfter(s, p+n)
	}
	return -1
}

// symbolAt returns the length of the currency symbol at i, or 0.
func symbolAt(s string, i int) int {
	if byteAt(s, i) == '$' {
		return 1
	}
	for _, sym := range [...]string{"£", "€", "¥", "₹", "₽", "₩"} {
		if strings.HasPrefix(s[i:], sym) {
			return len(sym)
		}
	}
	return 0
}

// amountAfter matches [ \t]?amount magnitude at i, taking the first way
// amount matches.
func amountAfter(s string, i int) int {
	if isBlank(byteAt(s, i)) && isDigit(byteAt(s, i+1)) {
		i++
	}
	if !isDigit(byteAt(s, i)) {
		return -1
	}
	return magnitudeEnds(s, eachAmountEnd(s, i, accept)).at[0]
}

// accept is the continuation that takes the first end it is given.
func accept(_ string, end int) int { return end }

// eachAmountEnd calls then with each end of amount matched at i, in the
// order a backtracking matcher tries them, until then returns an end >= 0,
// which it returns; it returns -1 if none does. Ends followed by a digit
// are given too, as the order requires; a continuation that cannot start
// with a digit rejects them at once.
func eachAmountEnd(s string, i int, then func(s string, end int) int) int {
	r := digitsAt(s, i)
	// \d{1,3}(?:[,. ]\d{3})+(?:[.,]\d+)?
	for k := min(3, r); k >= 1; k-- {
		groups := 0
		for e := i + k; isThousandsSep(byteAt(s, e)) && digitsAt(s, e+1) >= 3; e += 4 {
			groups++
		}
		for g := groups; g >= 1; g-- {
			if e := eachDecimalEnd(s, i+k+4*g, then); e >= 0 {
				return e
			}
		}
	}
	// \d+(?:[.,]\d+)?
	for k := r; k >= 1; k-- {
		if e := eachDecimalEnd(s, i+k, then); e >= 0 {
			return e
		}
	}
	return -1
}

func isThousandsSep(c byte) bool { return c == ',' || c == '.' || c == ' ' }

// eachDecimalEnd is eachAmountEnd for (?:[.,]\d+)? at i.
func eachDecimalEnd(s string, i int, then func(s string, end int) int) int {
	if c := byteAt(s, i); c == '.' || c == ',' {
		for d := digitsAt(s, i+1); d >= 1; d-- {
			if e := then(s, i+1+d); e >= 0 {
				return e
			}
		}
	}
	return then(s, i)
}

// ends lists the ends of an optional part, or the alternatives of a
// part, in the order a backtracking matcher tries them.
type ends struct {
	n  int
	at [3]int
}

func (e *ends) add(i int) { e.at[e.n] = i; e.n++ }

// magnitudeEnds returns the ends of magnitude matched at i: with the
// magnitude word (after a blank, or not), then without it. The last is
// always i.
func magnitudeEnds(s string, i int) ends {
	var e ends
	if isBlank(byteAt(s, i)) {
		if w := wordRun(s, i+1); isMagnitude(w) {
			e.add(i + 1 + len(w))
		}
	}
	if w := wordRun(s, i); isMagnitude(w) {
		e.add(i + len(w))
	}
	e.add(i)
	return e
}

// amountMoneyAt matches \b amount magnitude [ \t]? money \b at p.
func amountMoneyAt(s string, p int) int {
	if !isDigit(s[p]) || !boundary(s, p) {
		return -1
	}
	return eachAmountEnd(s, p, moneyAfter)
}

// moneyAfter matches magnitude [ \t]? money \b at i.
func moneyAfter(s string, i int) int {
	if isDigit(byteAt(s, i)) {
		return -1 // nothing here starts with a digit
	}
	mags := magnitudeEnds(s, i)
	for _, m := range mags.at[:mags.n] {
		if isBlank(byteAt(s, m)) {
			if w := wordRun(s, m+1); isMoney(w) {
				return m + 1 + len(w)
			}
		}
		if w := wordRun(s, m); isMoney(w) {
			return m + len(w)
		}
	}
	return -1
}

// monthDateAt matches
//
//	\b\d{1,2}ordinal(?:[ \t]+of)?[ \t]+month\b\.?(?:,?[ \t]+\d{4}\b)?|
//	\bmonth\b\.?[ \t]+\d{1,2}ordinal\b(?:,?[ \t]+\d{4}\b)?|
//	\bmonth\b\.?,?[ \t]+\d{4}\b
//
// at p. Each [ \t]+ can only take the whole run of blanks, since what
// follows it is not a blank.
func monthDateAt(s string, p int) int {
	if !wordAt(s, p) || !boundary(s, p) {
		return -1
	}
	if isDigit(s[p]) {
		return dayMonthAt(s, p)
	}
	w := wordRun(s, p)
	if !isMonth(w) {
		return -1
	}
	if e := monthDayAt(s, p+len(w)); e >= 0 {
		return e
	}
	return monthYearAt(s, p+len(w))
}

// dayMonthAt matches \d{1,2}ordinal(?:[ \t]+of)?[ \t]+month\b\.?year at i.
func dayMonthAt(s string, i int) int {
	for k := min(2, digitsAt(s, i)); k >= 1; k-- {
		ords := ordinalEnds(s, i+k)
		for _, o := range ords.at[:ords.n] {
			var of ends // (?:[ \t]+of)?
			if n := blanksAt(s, o); n > 0 && strings.HasPrefix(s[o+n:], "of") {
				of.add(o + n + 2)
			}
			of.add(o)
			for _, x := range of.at[:of.n] {
				n := blanksAt(s, x)
				if w := wordRun(s, x+n); n > 0 && isMonth(w) {
					return yearAfter(s, dotAfter(s, x+n+len(w)))
				}
			}
		}
	}
	return -1
}

// monthDayAt matches \.?[ \t]+\d{1,2}ordinal\b year at i, after a month.
func monthDayAt(s string, i int) int {
	dots := dotEnds(s, i)
	for _, x := range dots.at[:dots.n] {
		n := blanksAt(s, x)
		if n == 0 {
			continue
		}
		y := x + n
		for k := min(2, digitsAt(s, y)); k >= 1; k-- {
			ords := ordinalEnds(s, y+k)
			for _, o := range ords.at[:ords.n] {
				if !wordAt(s, o) { // \b after a digit or a letter
					return yearAfter(s, o)
				}
			}
		}
	}
	return -1
}

// monthYearAt matches \.?,?[ \t]+\d{4}\b at i, after a month.
func monthYearAt(s string, i int) int {
	dots := dotEnds(s, i)
	for _, x := range dots.at[:dots.n] {
		if byteAt(s, x) == ',' {
			x++
		}
		if n := blanksAt(s, x); n > 0 && digitsAt(s, x+n) >= 4 && !wordAt(s, x+n+4) {
			return x + n + 4
		}
	}
	return -1
}

// ordinalEnds returns the ends of ordinal matched at i, in the order they
// are tried.
func ordinalEnds(s string, i int) ends {
	var e ends
	if i+2 <= len(s) {
		switch s[i : i+2] {
		case "st", "nd", "rd", "th":
			e.add(i + 2)
		}
	}
	e.add(i)
	return e
}

// dotEnds returns the ends of \.? matched at i, in the order they are
// tried.
func dotEnds(s string, i int) ends {
	var e ends
	if byteAt(s, i) == '.' {
		e.add(i + 1)
	}
	e.add(i)
	return e
}

// dotAfter matches \.? at i where nothing after it can fail.
func dotAfter(s string, i int) int {
	if byteAt(s, i) == '.' {
		return i + 1
	}
	return i
}

// yearAfter matches the optional (?:,?[ \t]+\d{4}\b)? at i.
func yearAfter(s string, i int) int {
	x := i
	if byteAt(s, x) == ',' {
		x++
	}
	if n := blanksAt(s, x); n > 0 && digitsAt(s, x+n) >= 4 && !wordAt(s, x+n+4) {
		return x + n + 4
	}
	return i
}

// numericDateAt matches
//
//	\b\d{4}-\d{1,2}-\d{1,2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?)?\b|
//	\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|
//	\b\d{1,2}(?:[:.]\d{2})?[ \t]?(?:(?:am|pm)\b|a\.m\.|p\.m\.)|
//	\b\d{1,2}:\d{2}(?::\d{2})?\b(?:[ \t]?(?:gmt|bst|utc|cet|cest|est|edt|pst|pdt|hkt|cst)\b)?
//
// at p.
func numericDateAt(s string, p int) int {
	if !isDigit(s[p]) || !boundary(s, p) {
		return -1
	}
	for _, at := range [...]func(string, int) int{isoDateAt, slashDateAt, ampmAt, clockAt} {
		if e := at(s, p); e >= 0 {
			return e
		}
	}
	return -1
}

// isoDateAt matches \d{4}-\d{1,2}-\d{1,2}(?:[t ]time)?\b at i.
func isoDateAt(s string, i int) int {
	if digitsAt(s, i) < 4 || byteAt(s, i+4) != '-' {
		return -1
	}
	m := i + 5
	for k := min(2, digitsAt(s, m)); k >= 1; k-- {
		if byteAt(s, m+k) != '-' {
			continue
		}
		d := m + k + 1
		for k := min(2, digitsAt(s, d)); k >= 1; k-- {
			if e := isoTimeAt(s, d+k); e >= 0 {
				return e
			}
			if boundary(s, d+k) {
				return d + k
			}
		}
	}
	return -1
}

// isoTimeAt matches [t ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?
// followed by \b at i.
func isoTimeAt(s string, i int) int {
	if c := byteAt(s, i); c != 't' && c != ' ' {
		return -1
	}
	for k := min(2, digitsAt(s, i+1)); k >= 1; k-- {
		h := i + 1 + k
		if byteAt(s, h) != ':' || digitsAt(s, h+1) < 2 {
			continue
		}
		var secs ends // (?::\d{2})?
		if byteAt(s, h+3) == ':' && digitsAt(s, h+4) >= 2 {
			secs.add(h + 6)
		}
		secs.add(h + 3)
		for _, x := range secs.at[:secs.n] {
			// (?:\.\d+)?, the digits longest first, then none
			frac := 0
			if byteAt(s, x) == '.' {
				frac = digitsAt(s, x+1)
			}
			for d := frac; d >= 0; d-- {
				f := x
				if d > 0 {
					f = x + 1 + d
				}
				var zones ends // (?:z|[+-]\d{2}:?\d{2})?
				switch c := byteAt(s, f); {
				case c == 'z':
					zones.add(f + 1)
				case (c == '+' || c == '-') && digitsAt(s, f+1) >= 2:
					if byteAt(s, f+3) == ':' && digitsAt(s, f+4) >= 2 {
						zones.add(f + 6)
					}
					if digitsAt(s, f+3) >= 2 {
						zones.add(f + 5)
					}
				}
				zones.add(f)
				for _, z := range zones.at[:zones.n] {
					if boundary(s, z) {
						return z
					}
				}
			}
		}
	}
	return -1
}

// slashDateAt matches \d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b at i.
func slashDateAt(s string, i int) int {
	for a := min(2, digitsAt(s, i)); a >= 1; a-- {
		x := i + a
		if !isDateSep(byteAt(s, x)) {
			continue
		}
		for b := min(2, digitsAt(s, x+1)); b >= 1; b-- {
			y := x + 1 + b
			if !isDateSep(byteAt(s, y)) {
				continue
			}
			for c := min(4, digitsAt(s, y+1)); c >= 2; c-- {
				if boundary(s, y+1+c) {
					return y + 1 + c
				}
			}
		}
	}
	return -1
}

func isDateSep(c byte) bool { return c == '/' || c == '.' || c == '-' }

// ampmAt matches \d{1,2}(?:[:.]\d{2})?[ \t]?(?:(?:am|pm)\b|a\.m\.|p\.m\.) at i.
func ampmAt(s string, i int) int {
	for k := min(2, digitsAt(s, i)); k >= 1; k-- {
		x := i + k
		var mins ends // (?:[:.]\d{2})?
		if c := byteAt(s, x); (c == ':' || c == '.') && digitsAt(s, x+1) >= 2 {
			mins.add(x + 3)
		}
		mins.add(x)
		for _, m := range mins.at[:mins.n] {
			var blanks ends // [ \t]?
			if isBlank(byteAt(s, m)) {
				blanks.add(m + 1)
			}
			blanks.add(m)
			for _, b := range blanks.at[:blanks.n] {
				switch {
				case (strings.HasPrefix(s[b:], "am") || strings.HasPrefix(s[b:], "pm")) && !wordAt(s, b+2):
					return b + 2
				case strings.HasPrefix(s[b:], "a.m.") || strings.HasPrefix(s[b:], "p.m."):
					return b + 4
				}
			}
		}
	}
	return -1
}

// clockAt matches \d{1,2}:\d{2}(?::\d{2})?\b(?:[ \t]?zone\b)? at i.
func clockAt(s string, i int) int {
	for k := min(2, digitsAt(s, i)); k >= 1; k-- {
		x := i + k
		if byteAt(s, x) != ':' || digitsAt(s, x+1) < 2 {
			continue
		}
		var secs ends // (?::\d{2})?
		if byteAt(s, x+3) == ':' && digitsAt(s, x+4) >= 2 {
			secs.add(x + 6)
		}
		secs.add(x + 3)
		for _, e := range secs.at[:secs.n] {
			if !boundary(s, e) {
				continue
			}
			if isBlank(byteAt(s, e)) {
				if w := wordRun(s, e+1); isZone(w) {
					return e + 1 + len(w)
				}
			}
			if w := wordRun(s, e); isZone(w) {
				return e + len(w)
			}
			return e
		}
	}
	return -1
}

// phoneAt matches (?:\+|\b)\(?\d[\d \t().-]{5,20}\d\b at p.
func phoneAt(s string, p int) int {
	var starts ends // (?:\+|\b)
	if s[p] == '+' {
		starts.add(p + 1)
	}
	if boundary(s, p) {
		starts.add(p)
	}
	for _, x := range starts.at[:starts.n] {
		var opens ends // \(?
		if byteAt(s, x) == '(' {
			opens.add(x + 1)
		}
		opens.add(x)
		for _, y := range opens.at[:opens.n] {
			if !isDigit(byteAt(s, y)) {
				continue
			}
			n := 0
			for n < 20 && phoneRune[byteAt(s, y+1+n)] {
				n++
			}
			for ; n >= 5; n-- {
				if e := y + 1 + n; isDigit(byteAt(s, e)) && !wordAt(s, e+1) {
					return e + 1
				}
			}
		}
	}
	return -1
}

var phoneRune = bytesOf("0123456789 \t().-")

func isCurrency(w string) bool {
	switch w {
	case "usd", "gbp", "eur", "rmb", "cny", "jpy", "chf", "aud", "cad", "hkd", "sgd", "nzd", "inr", "rub", "krw", "twd":
		return true
	}
	return false
}

func isMoney(w string) bool {
	switch w {
	case "pound", "pounds", "dollar", "dollars", "euro", "euros", "yuan", "renminbi", "sterling", "quid", "bucks":
		return true
	}
	return isCurrency(w)
}

func isMagnitude(w string) bool {
	switch w {
	case "k", "m", "mn", "bn", "million", "thousand", "billion", "grand":
		return true
	}
	return false
}

func isMonth(w string) bool {
	switch w {
	case "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul", "july",
		"aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec", "december":
		return true
	}
	return false
}

func isZone(w string) bool {
	switch w {
	case "gmt", "bst", "utc", "cet", "cest", "est", "edt", "pst", "pdt", "hkt", "cst":
		return true
	}
	return false
}
