package correlate

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind says what a token is.
type tokenKind uint8

const (
	kindWord        tokenKind = iota // letters and digits
	kindPlaceholder                  // one of placeholders
	kindPunct                        // anything else that is not space
)

// token is one word, placeholder or punctuation mark of a line.
type token struct {
	low  string // the folded, lower-cased word, or the placeholder
	r    rune   // the mark, for kindPunct
	kind tokenKind
	cap  bool // the word began with a capital letter
}

// nameLike reports whether t could be a word of a name: a capitalised word
// or a name already replaced.
func (t token) nameLike() bool {
	return (t.kind == kindWord && t.cap && t.low != "i") || (t.kind == kindPlaceholder && t.low == tokName)
}

// tokenize splits folded text s into lines of tokens. The tokens of all
// lines share one array, buf's, which tokenize reuses. A word of ASCII
// letters and digits is taken from s without a copy when it is lower-case,
// and lower-cased into one string shared by all such words when not.
func tokenize(s string, buf *tokenBuf) [][]token {
	buf.reserve(s)
	z := tokenizer{s: s, tokenBuf: buf, start: -1}
	z.toks, z.ends, z.lowered, z.fixes = z.toks[:0], z.ends[:0], z.lowered[:0], z.fixes[:0]
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf && c != '<' && c != '\'' { // fast path for ASCII
			switch {
			case asciiWord[c] != 0:
				if z.start >= 0 {
					i++
					continue
				}
				j, class := i+1, asciiWord[c]
				for j < len(s) && asciiWord[s[j]] != 0 {
					class |= asciiWord[s[j]]
					j++
				}
				if j == len(s) || s[j] < utf8.RuneSelf && s[j] != '\'' {
					// The word cannot go on: take it.
					z.plainWord(i, j, class)
				} else {
					z.start, z.plain = i, true
				}
				i = j
				continue
			case c == ' ' || c == '\t':
				z.flush(i)
			case c == '\n' || c == '\r' || c == '\v' || c == '\f':
				z.flush(i)
				z.endLine()
			default:
				z.flush(i)
				if c > ' ' && c != 0x7f {
					z.toks = append(z.toks, token{kind: kindPunct, r: rune(c)})
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
			z.flush(i)
			z.endLine()
		case unicode.IsSpace(r):
			z.flush(i)
		case r == '<' && placeholderAt(s[i:]) != "":
			z.flush(i)
			p := placeholderAt(s[i:])
			z.toks = append(z.toks, token{kind: kindPlaceholder, low: p})
			i += len(p)
			continue
		case r >= spacelessMin && unicode.In(r, spaceless...):
			z.flush(i)
			z.toks = append(z.toks, wordToken(s[i:i+size]))
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			if z.start < 0 {
				z.start = i
			}
			z.plain = false
		case (r == '\'' || r == '’' || r == 'ʼ') && z.start >= 0 && i+size < len(s) && isLetterAt(s[i+size:]):
			// an apostrophe inside a word: "don't", "O'Brien"
			z.plain = false
		default:
			z.flush(i)
			z.toks = append(z.toks, token{kind: kindPunct, r: r})
		}
		i += size
	}
	z.flush(len(s))
	z.endLine()
	if len(z.fixes) > 0 {
		lowered := string(z.lowered)
		for _, f := range z.fixes {
			z.toks[f.tok].low = lowered[f.from:f.to]
		}
	}
	lines := z.lines[:0]
	from := 0
	for _, end := range z.ends {
		lines = append(lines, z.toks[from:end:end])
		from = end
	}
	z.lines = lines
	return lines
}

// tokenBuf holds the arrays of tokenize, to reuse from one pass of
// Normalize to the next.
type tokenBuf struct {
	toks    []token
	ends    []int // where each line's tokens end in toks
	lines   [][]token
	lowered []byte // the words that were not lower-case, lower-cased
	fixes   []fix  // words to take from lowered
}

// fix says that toks[tok].low is lowered[from:to].
type fix struct{ tok, from, to int32 }

// reserve makes b's arrays large enough for most texts no longer than s
// (most text has a token every four or five bytes, and a capitalised word
// every thirty), if they are not already.
func (b *tokenBuf) reserve(s string) {
	if n := len(s)/4 + 8; cap(b.toks) < n {
		b.toks = make([]token, 0, n)
	}
	if n := strings.Count(s, "\n") + 1; cap(b.ends) < n {
		b.ends = make([]int, 0, n)
		b.lines = make([][]token, 0, n)
	}
	if n := len(s)/4 + maxWordBytes; cap(b.lowered) < n {
		b.lowered = make([]byte, 0, n)
		b.fixes = make([]fix, 0, len(s)/32+8)
	}
}

// tokenizer is the state of tokenize, which fills the arrays of its
// tokenBuf.
type tokenizer struct {
	s string
	*tokenBuf
	start int  // start of the word being read, or -1
	plain bool // the word being read is ASCII letters and digits
}

// flush ends the word being read, if any, at end.
func (z *tokenizer) flush(end int) {
	if z.start < 0 {
		return
	}
	if z.plain {
		class := uint8(0)
		for i := z.start; i < end; i++ {
			class |= asciiWord[z.s[i]]
		}
		z.plainWord(z.start, end, class)
	} else {
		z.toks = append(z.toks, wordToken(z.s[z.start:end]))
	}
	z.start = -1
}

// plainWord adds the token for s[start:end], a word of ASCII letters and
// digits, whose classes are class. It is the token wordToken makes.
func (z *tokenizer) plainWord(start, end int, class uint8) {
	w := z.s[start:end]
	if class&classDigit != 0 {
		// wordToken looks for a digit up to the character that would
		// not fit.
		for i := 0; i < len(w) && i <= maxWordBytes; i++ {
			if '0' <= w[i] && w[i] <= '9' {
				z.toks = append(z.toks, token{kind: kindPlaceholder, low: tokNum})
				return
			}
		}
	}
	if len(w) > maxWordBytes {
		w = w[:maxWordBytes]
		if class&classUpper != 0 && indexUpper(w, 0) < 0 {
			class &^= classUpper // the capitals were cut off
		}
	}
	t := token{kind: kindWord, low: w, cap: 'A' <= w[0] && w[0] <= 'Z'}
	if class&classUpper != 0 {
		t.low = "" // set at the end of tokenize
		from := len(z.lowered)
		z.lowered = append(z.lowered, w...)
		for i := from; i < len(z.lowered); i++ {
			if c := z.lowered[i]; 'A' <= c && c <= 'Z' {
				z.lowered[i] = c + 'a' - 'A'
			}
		}
		z.fixes = append(z.fixes, fix{int32(len(z.toks)), int32(from), int32(len(z.lowered))})
	}
	z.toks = append(z.toks, t)
}

// endLine ends the current line.
func (z *tokenizer) endLine() {
	z.ends = append(z.ends, len(z.toks))
}

// Classes of the ASCII letters and digits, for asciiWord.
const (
	classLower uint8 = 1 << iota
	classUpper
	classDigit
)

// asciiWord holds the class of each ASCII letter and digit, and 0 for
// other bytes.
var asciiWord = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = classLower
		t[c-'a'+'A'] = classUpper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = classDigit
	}
	return t
}()

// Scripts written without spaces between words, and the least rune in
// any of them.
var (
	spaceless = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
		unicode.Khmer, unicode.Myanmar, unicode.Tibetan}
	spacelessMin = func() rune {
		least := rune(unicode.MaxRune)
		for _, t := range spaceless {
			if len(t.R16) > 0 {
				least = min(least, rune(t.R16[0].Lo))
			} else if len(t.R32) > 0 {
				least = min(least, rune(t.R32[0].Lo))
			}
		}
		return least
	}()
)

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
	// Most words are lower-case with nothing to remove: keep them as they
	// are, without a copy.
	n := 0 // bytes kept
	for _, r := range w {
		if unicode.IsNumber(r) {
			return token{kind: kindPlaceholder, low: tokNum}
		}
		if r == '\'' || r == '’' || r == 'ʼ' || r == utf8.RuneError || invisible(r) || unicode.ToLower(r) != r {
			return copyWordToken(w, t)
		}
		if n+utf8.RuneLen(r) > maxWordBytes {
			break
		}
		n += utf8.RuneLen(r)
	}
	t.low = w[:n]
	if t.low == "" {
		return token{kind: kindPunct, r: first}
	}
	return t
}

// copyWordToken is wordToken for a word that changes.
func copyWordToken(w string, t token) token {
	first, _ := utf8.DecodeRuneInString(w)
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
