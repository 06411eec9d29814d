package correlate

import (
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
	var buf tokenBuf
	buf.reserve(text)
	base := foldNames(names, &buf)
	out := normalizeOnce(text, &base, &buf)
	for range maxPasses - 1 {
		if settled(out) {
			break
		}
		next := normalizeOnce(out, &base, &buf)
		if next == out {
			break
		}
		out = next
	}
	return out
}

// settled reports whether another pass of Normalize would give out, the
// result of a pass, back unchanged, without making the pass. It is sure
// to when out is ASCII, has more words than a sign-off with its signature
// and does not begin with a greeting:
//
//   - out is lower-case words of ASCII letters and placeholders, one
//     space apart, so folding and lower-casing leave it as it is, none of
//     the variable parts (which need a digit, '/', '@' or '.') is in it,
//     and it splits into one line of the same words, none capitalised;
//   - so no name is found, and every word that is a given name or a date
//     was replaced already (a given name left in place was an everyday
//     word that was not capitalised, and still is not);
//   - with no punctuation left, a sign-off can only open the line, and
//     then at most maxSignOffNames words follow it;
//   - and the words are rendered as they were.
//
// TestSettled checks this against a pass.
func settled(out string) bool {
	for i := 0; i < len(out); i++ {
		if out[i] >= utf8.RuneSelf {
			return false
		}
	}
	if strings.Count(out, " ")+1 <= maxPhraseWords+maxSignOffNames {
		return false
	}
	var first [maxPhraseWords]token
	rest := out
	for i := range first {
		w, after, _ := strings.Cut(rest, " ")
		first[i] = token{kind: kindWord, low: w}
		if placeholderAt(w) != "" {
			first[i].kind = kindPlaceholder
		}
		rest = after
	}
	return matchPhrase(first[:], 0, greetings) == 0
}

// foldNames turns the given names into the set of words to replace,
// dropping titles, initials and anything with a digit.
func foldNames(names []string, buf *tokenBuf) nameSet {
	var set nameSet
	for _, n := range names {
		for _, line := range tokenize(fold(n), buf) {
			for _, t := range line {
				if t.kind == kindWord && !titles[t.low] && utf8.RuneCountInString(t.low) >= 2 {
					set.add(t.low)
				}
			}
		}
	}
	return set
}

// normalizeOnce is one pass of Normalize, tokenizing into buf.
func normalizeOnce(text string, base *nameSet, buf *tokenBuf) string {
	lines := tokenize(replaceVariable(fold(text)), buf)
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
			case isDateWord(t.low):
				line[j] = token{kind: kindPlaceholder, low: tokDate}
			}
		}
	}
	lines = dropSignOff(lines)
	return render(lines, len(text))
}

// fold applies compatibility decomposition, removes combining marks and
// invisible format characters (zero-width spaces, soft hyphens, direction
// marks) and recomposes: "Ｃａｆé\u200b" becomes "Cafe". Case is kept, since
// names are found by their capitals. Invalid UTF-8 becomes U+FFFD.
//
// ASCII is left as it is by all three steps, and no character combines
// with one before an ASCII character or with the ASCII character itself
// (TestFoldASCIIBoundary checks this), so each run of other characters is
// folded on its own, with the ASCII character before it; a run whose
// characters are all left alone by the three steps ("£", "’") is kept
// without folding. Most text is ASCII with a few such runs, and costs no
// copy.
func fold(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	if !utf8.ValidString(s[i:]) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	var t transform.Transformer
	done := 0 // s[:done] is written to b
	for i < len(s) {
		j := i
		for j < len(s) && s[j] >= utf8.RuneSelf {
			j++
		}
		if !foldInert(s[i:j]) {
			from := max(i-1, 0) // the ASCII character before, which may combine
			if t == nil {
				t = transform.Chain(norm.NFKD, runes.Remove(runes.Predicate(invisible)), norm.NFC)
				b.Grow(len(s))
			}
			out, _, err := transform.String(t, s[from:j])
			if err != nil {
				return s
			}
			b.WriteString(s[done:from])
			b.WriteString(out)
			done = j
		}
		i = j
		for i < len(s) && s[i] < utf8.RuneSelf {
			i++
		}
	}
	if t == nil {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// foldInert reports whether fold leaves every rune of s as it is, with
// whatever is around it: no decomposition, nothing to remove and nothing
// to combine with.
func foldInert(s string) bool {
	for i, r := range s {
		if invisible(r) || !norm.NFKD.PropertiesString(s[i:]).BoundaryAfter() ||
			!norm.NFC.PropertiesString(s[i:]).BoundaryAfter() {
			return false
		}
	}
	return true
}

// invisible reports whether r is a combining mark or format character.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf)
}

// render joins the words and placeholders of lines with single spaces,
// collapsing runs of one placeholder ("<date> <date>" from "Monday, 3
// March") and keeping at most maxWords words and maxInputBytes bytes.
// size is the length of the text the lines come from, to size the result.
func render(lines [][]token, size int) string {
	var b strings.Builder
	b.Grow(min(size, maxInputBytes))
	words := 0
	prev := ""
	for _, l := range lines {
		for _, t := range l {
			if t.kind == kindPunct || (t.kind == kindPlaceholder && t.low == prev) {
				continue
			}
			if words == maxWords || b.Len()+1+len(t.low) > maxInputBytes {
				// Within the input limit, so a second pass reads it all.
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
