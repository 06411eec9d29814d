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
