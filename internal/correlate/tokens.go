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

// tokenize splits folded text s into lines of tokens. lower is s with its
// ASCII letters lower-cased: a word of ASCII letters is taken from it
// without a copy. The tokens of all lines share one array.
func tokenize(s, lower string) [][]token {
	z := tokenizer{s: s, lower: lower, toks: make([]token, 0, len(s)/4+4), start: -1}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf && c != '<' && c != '\'' { // fast path for ASCII
			switch {
			case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
				if z.start < 0 {
					z.start, z.plain = i, true
				}
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
	lines := make([][]token, len(z.ends))
	from := 0
	for i, end := range z.ends {
		lines[i] = z.toks[from:end:end]
		from = end
	}
	return lines
}

// tokenizer is the state of tokenize.
type tokenizer struct {
	s, lower string
	toks     []token
	ends     []int // where each line's tokens end in toks
	start    int   // start of the word being read, or -1
	plain    bool  // the word being read is ASCII letters and digits
}

// flush ends the word being read, if any, at end.
func (z *tokenizer) flush(end int) {
	if z.start < 0 {
		return
	}
	if z.plain {
		z.toks = append(z.toks, plainWordToken(z.s, z.lower, z.start, end))
	} else {
		z.toks = append(z.toks, wordToken(z.s[z.start:end]))
	}
	z.start = -1
}

// endLine ends the current line.
func (z *tokenizer) endLine() {
	z.ends = append(z.ends, len(z.toks))
}

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

// plainWordToken is wordToken for s[start:end], a word of ASCII letters
// and digits, whose lower-cased copy is lower[start:end].
func plainWordToken(s, lower string, start, end int) token {
	// wordToken looks for a digit up to the character that would not fit.
	for i := start; i < end && i <= start+maxWordBytes; i++ {
		if '0' <= s[i] && s[i] <= '9' {
			return token{kind: kindPlaceholder, low: tokNum}
		}
	}
	return token{kind: kindWord, low: lower[start:min(end, start+maxWordBytes)], cap: 'A' <= s[start] && s[start] <= 'Z'}
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
