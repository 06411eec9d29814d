package correlate

import (
	"math/bits"
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

// needs holds, for each byte, the needs it meets.
var needs = func() (t [256]uint8) {
	t['/'] = 1 << needLink
	t['@'] = 1 << needAt
	for c := '0'; c <= '9'; c++ {
		t[c] = 1 << needDigit
	}
	return t
}()

var patterns = []pattern{
	{token: tokURL, needs: needLink, find: findURL},
	{token: tokEmail, needs: needAt, find: findEmail},
	// "£5,000", "US$ 7.5k", "USD 3,000"
	{token: tokMoney, needs: needDigit, find: nearDigits(symbolAmountAt, 6)},
	// "3,000 euros", "10k GBP"
	{token: tokMoney, needs: needDigit, find: nearDigits(amountMoneyAt, 0)},
	// "14 March 2025", "12th of May", "April 2nd, 2025", "Sept 2025"
	{token: tokDate, needs: needDigit, find: findMonthDate},
	// "2025-04-07T10:00Z", "21/03/2025", "9.30am", "10:30 GMT"
	{token: tokDate, needs: needDigit, find: nearDigits(numericDateAt, 0)},
	// "+44 20 7946 0958", "(020) 7946 0958": seven to fifteen digits
	{token: tokPhone, needs: needDigit, keep: phoneDigits, find: nearDigits(phoneAt, 2)},
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
// only the patterns a chunk could match. It returns s itself when there
// are none.
func replaceVariable(s string) string {
	// The chunks that change, with their replacements.
	type change struct {
		off, n int
		c      string
	}
	var buf [8]change
	changes := buf[:0]
	size := len(s)
	for off := 0; off < len(s); {
		n := chunkLen(s[off:])
		if c, ok := replaceChunk(s[off : off+n]); ok {
			changes = append(changes, change{off, n, c})
			size += len(c) - n
		}
		off += n
	}
	if len(changes) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(size)
	done := 0
	for _, ch := range changes {
		b.WriteString(s[done:ch.off])
		b.WriteString(ch.c)
		done = ch.off + ch.n
	}
	b.WriteString(s[done:])
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

// replaceChunk runs the patterns over one chunk c, and reports whether
// any replaced something. They run on a copy with ASCII letters
// lower-cased, and make the same replacements in both.
func replaceChunk(c string) (string, bool) {
	var has uint8 // bit n set for need n
	for i := 0; i < len(c); i++ {
		has |= needs[c[i]]
	}
	if has&(1<<needLink) == 0 && hasWWW(c) {
		has |= 1 << needLink
	}
	if has == 0 {
		return c, false
	}
	lc := asciiLower(c)
	changed := false
	for i := range patterns {
		p := &patterns[i]
		if has&(1<<p.needs) == 0 {
			continue
		}
		var ok bool
		c, lc, ok = p.replace(c, lc)
		changed = changed || ok
	}
	return c, changed
}

// hasWWW reports whether c holds "www." in any case.
func hasWWW(c string) bool {
	for i := 0; ; {
		j := strings.IndexByte(c[i:], '.')
		if j < 0 {
			return false
		}
		i += j
		if i >= 3 && c[i-3]|0x20 == 'w' && c[i-2]|0x20 == 'w' && c[i-1]|0x20 == 'w' {
			return true
		}
		i++
	}
}

// replace replaces p's matches in c, found in its lower-cased copy lc,
// and returns both texts with the same replacements. A match keep rejects
// is left as it is, and the search goes on after it.
func (p *pattern) replace(c, lc string) (string, string, bool) {
	var buf [8][2]int
	ms := buf[:0] // what to replace
	for start, end := p.find(lc, 0); start >= 0; start, end = p.find(lc, end) {
		if p.keep == nil || p.keep(lc[start:end]) {
			ms = append(ms, [2]int{start, end})
		}
	}
	if len(ms) == 0 {
		return c, lc, false
	}
	size := len(c)
	for _, m := range ms {
		size += len(p.token) + 2 - (m[1] - m[0])
	}
	// Both texts in one string.
	var b strings.Builder
	b.Grow(2 * size)
	for _, text := range [...]string{c, lc} {
		last := 0
		for _, m := range ms {
			b.WriteString(text[last:m[0]])
			b.WriteByte(' ')
			b.WriteString(p.token)
			b.WriteByte(' ')
			last = m[1]
		}
		b.WriteString(text[last:])
	}
	both := b.String()
	return both[:size], both[size:], true
}

// asciiLower lower-cases the ASCII letters of s, leaving every byte where
// it was.
func asciiLower(s string) string {
	i := indexUpper(s, 0)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	done := 0
	for i >= 0 {
		b.WriteString(s[done:i])
		b.WriteByte(s[i] + 'a' - 'A')
		done = i + 1
		i = indexUpper(s, done)
	}
	b.WriteString(s[done:])
	return b.String()
}

// indexUpper returns the index of the first ASCII capital in s from i, or
// -1.
func indexUpper(s string, i int) int {
	for ; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return i
		}
	}
	return -1
}

// byteSet is a set of bytes.
type byteSet [256]bool

func bytesOf(s string) *byteSet {
	var set byteSet
	for i := 0; i < len(s); i++ {
		set[s[i]] = true
	}
	return &set
}

// nearDigits returns the find function of a pattern that matches at p
// where at(s, p) >= 0, and whose matches have a digit at most reach bytes
// after their start, and do not start after another digit: it tries only
// the positions that may, in order.
func nearDigits(at func(s string, p int) int, reach int) func(string, int) (int, int) {
	return func(s string, from int) (int, int) {
		for p := from; ; {
			d := indexDigit(s, p)
			if d < 0 {
				return -1, -1
			}
			for p = max(p, d-reach); p <= d; p++ {
				if end := at(s, p); end >= 0 {
					return p, end
				}
			}
			p = d + digitsAt(s, d)
		}
	}
}

// indexDigit returns the index of the first ASCII digit in s from i, or
// -1.
func indexDigit(s string, i int) int {
	// Eight bytes at a time: x has a zero byte where s has a digit, and
	// then the lowest byte flagged is the first digit (a borrow only
	// flags bytes above a flagged one).
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		x ^= 0x3030303030303030 // '0' to 0, ..., '9' to 9
		if t := (x - 0x0a0a0a0a0a0a0a0a) &^ x & 0x8080808080808080; t != 0 {
			return i + bits.TrailingZeros64(t)/8
		}
	}
	for ; i < len(s); i++ {
		if isDigit(s[i]) {
			return i
		}
	}
	return -1
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

// ASCII letters and digits with the other characters of a host name
// ([\p{L}\p{N}-]) and of the part of an address before '@'
// ([\p{L}\p{N}._%+-]).
var (
	hostASCII  = bytesOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
	localASCII = bytesOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._%+")
)

// letterOrNumberAt returns the length of the rune at i if it is in
// [\p{L}\p{N}] or, for ASCII, in ascii; else 0.
func letterOrNumberAt(s string, i int, ascii *byteSet) int {
	c := s[i]
	if c < utf8.RuneSelf {
		if ascii[c] {
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

// runLen returns how many bytes from i are runes in [\p{L}\p{N}] or, for
// ASCII, in ascii.
func runLen(s string, i int, ascii *byteSet) int {
	j := i
	for j < len(s) {
		if ascii[s[j]] {
			j++
			continue
		}
		n := letterOrNumberAt(s, j, ascii)
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
			if letterOrNumberAt(s, p, hostASCII) > 0 {
				if p >= runEnd {
					runEnd = p + runLen(s, p, hostASCII)
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
		n := runLen(s, i+1, hostASCII)
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
// match starts where the run before an '@' does (or at from, inside one).
func findEmail(s string, from int) (int, int) {
	for at := from; ; at++ {
		i := strings.IndexByte(s[at:], '@')
		if i < 0 {
			return -1, -1
		}
		at += i
		start := at
		for start > from {
			r, size := utf8.DecodeLastRuneInString(s[from:start])
			if r < utf8.RuneSelf && !localASCII[r] || r >= utf8.RuneSelf && !unicode.IsLetter(r) && !unicode.IsNumber(r) {
				break
			}
			start -= size
		}
		if start == at {
			continue
		}
		if host := runLen(s, at+1, hostASCII); host > 0 {
			if e := dottedEnd(s, at+1+host); e >= 0 {
				return start, e
			}
		}
	}
}

// symbolAmountAt matches
//
//	(?:(?:\b(?:us|au|ca|hk|nz|s))?[$£€¥₹₽₩]|\bcurrency\b)[ \t]?amount magnitude
//
// at p. Nothing after amount can fail, so the first way amount matches is
// the match.
func symbolAmountAt(s string, p int) int {
	if c := s[p]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
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
	switch byteAt(s, i) {
	case '$':
		return 1
	case "£"[0], "€"[0]: // the first byte of each of the others
		for _, sym := range [...]string{"£", "€", "¥", "₹", "₽", "₩"} {
			if strings.HasPrefix(s[i:], sym) {
				return len(sym)
			}
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
	if !isDigit(s[p]) || !boundary(s, p) || !moneyAhead(s, p) {
		return -1
	}
	return eachAmountEnd(s, p, moneyAfter)
}

// moneyAhead reports whether amountMoneyAt could match at p. amount is
// made of digits, '.', ',' and ' ', so whatever way it matches, the
// magnitude or money word after it begins where the run of those and
// tabs from p ends; if that is a magnitude, a money word follows it, after
// a blank or not.
func moneyAhead(s string, p int) bool {
	r := p
	for r < len(s) && amountRune[s[r]] {
		r++
	}
	w := wordRun(s, r)
	if isMoney(w) {
		return true
	}
	if !isMagnitude(w) {
		return false
	}
	r += len(w)
	if isBlank(byteAt(s, r)) {
		r++
	}
	return isMoney(wordRun(s, r))
}

var amountRune = bytesOf("0123456789., \t")

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

// findMonthDate finds
//
//	\b\d{1,2}ordinal(?:[ \t]+of)?[ \t]+month\b\.?(?:,?[ \t]+\d{4}\b)?|
//	\bmonth\b\.?[ \t]+\d{1,2}ordinal\b(?:,?[ \t]+\d{4}\b)?|
//	\bmonth\b\.?,?[ \t]+\d{4}\b
//
// A match starts at a run of digits, or at a month that ends the word
// before one (with a dot, a comma and blanks between). Each [ \t]+ can
// only take the whole run of blanks, since what follows it is not a blank.
func findMonthDate(s string, from int) (int, int) {
	for p := from; ; {
		d := indexDigit(s, p)
		if d < 0 {
			return -1, -1
		}
		if m := monthBefore(s, d); m >= p {
			if end := monthDateAt(s, m); end >= 0 {
				return m, end
			}
		}
		if end := monthDateAt(s, d); end >= 0 {
			return d, end
		}
		p = d + digitsAt(s, d)
	}
}

// monthBefore returns where the word before the blanks, comma and dot
// before i starts, or -1 if there are no blanks before i.
func monthBefore(s string, i int) int {
	j := i
	for j > 0 && isBlank(s[j-1]) {
		j--
	}
	if j == i {
		return -1
	}
	if j > 0 && s[j-1] == ',' {
		j--
	}
	if j > 0 && s[j-1] == '.' {
		j--
	}
	for j > 0 && isWordByte(s[j-1]) {
		j--
	}
	return j
}

// monthDateAt matches the alternatives of findMonthDate at p.
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
	// The digits are followed by an ordinal or a blank.
	if r := digitsAt(s, i); r > 2 || !isBlank(byteAt(s, i+r)) && ordinalEnds(s, i+r).n == 1 {
		return -1
	}
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
	// Each alternative begins with four digits and '-', or with one or
	// two digits and one of the bytes that may follow them.
	switch r := digitsAt(s, p); {
	case r == 4 && byteAt(s, p+4) == '-':
	case (r == 1 || r == 2) && afterDay[byteAt(s, p+r)]:
		if c := byteAt(s, p+r+1); isBlank(s[p+r]) && c != 'a' && c != 'p' {
			return -1 // only am or pm may follow a blank
		}
	default:
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

// afterDay holds the bytes that may follow the first one or two digits of
// numericDateAt's last three alternatives: [/.-], [:.], [ \t] and the a
// or p of am or pm.
var afterDay = bytesOf("/.-: \tap")

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
