package rules

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A lexicon finds every phrase of every signal in a text in one pass over
// its words: phrases are compiled into a trie over lower-cased word tokens,
// so the cost grows with the text, not with the number of phrases. A phrase
// token ending in * matches any word with that prefix; a lone * matches any
// one word.
type lexicon struct {
	root    *trieNode
	signals []*Signal
}

type trieNode struct {
	next     map[string]*trieNode
	prefixes []prefixEdge
	any      *trieNode
	accept   []int // signal indexes
}

type prefixEdge struct {
	prefix string
	node   *trieNode
}

func newLexicon() *lexicon { return &lexicon{root: &trieNode{}} }

// add compiles one phrase of signal s.
func (l *lexicon) add(sig int, phrase string) bool {
	toks := tokens(phrase, nil)
	if len(toks) == 0 {
		return false
	}
	n := l.root
	for _, t := range toks {
		w := t.word
		switch {
		case w == "*":
			if n.any == nil {
				n.any = &trieNode{}
			}
			n = n.any
		case strings.HasSuffix(w, "*") && len(w) > 1:
			p := strings.TrimSuffix(w, "*")
			var found *trieNode
			for _, e := range n.prefixes {
				if e.prefix == p {
					found = e.node
				}
			}
			if found == nil {
				found = &trieNode{}
				n.prefixes = append(n.prefixes, prefixEdge{p, found})
			}
			n = found
		default:
			if n.next == nil {
				n.next = map[string]*trieNode{}
			}
			c := n.next[w]
			if c == nil {
				c = &trieNode{}
				n.next[w] = c
			}
			n = c
		}
	}
	for _, a := range n.accept {
		if a == sig {
			return true
		}
	}
	n.accept = append(n.accept, sig)
	return true
}

// token is a lower-cased word and its byte span in the original text.
type token struct {
	word       string
	start, end int
}

// tokens splits text into words: runs of letters and digits (with inner
// apostrophes), single CJK characters, and currency symbols. A trailing *
// is kept for phrase patterns.
func tokens(text string, buf []token) []token {
	out := buf[:0]
	i := 0
	var lower strings.Builder
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isHan(r):
			out = append(out, token{text[i : i+size], i, i + size})
			i += size
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			start := i
			lower.Reset()
			for i < len(text) {
				r, size = utf8.DecodeRuneInString(text[i:])
				if isHan(r) {
					break
				}
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					lower.WriteRune(unicode.ToLower(r))
					i += size
					continue
				}
				// Keep "don't", "e-mail" style joins out: apostrophes join, hyphens split.
				if (r == '\'' || r == '’') && i+size < len(text) {
					nr, _ := utf8.DecodeRuneInString(text[i+size:])
					if unicode.IsLetter(nr) {
						lower.WriteByte('\'')
						i += size
						continue
					}
				}
				if r == '*' {
					lower.WriteByte('*')
					i += size
				}
				break
			}
			out = append(out, token{lower.String(), start, i})
		case r == '£' || r == '$' || r == '€' || r == '¥' || r == '₿' || r == '*':
			out = append(out, token{text[i : i+size], i, i + size})
			i += size
		default:
			i += size
		}
		if len(out) > 200_000 {
			break
		}
	}
	return out
}

func isHan(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r))
}

// hit is one phrase found in a field.
type hit struct {
	signal     int
	field      int // index into the scanned fields
	start, end int
}

// scan finds all phrase hits in one text, calling fn for each; it stops
// early when fn returns false.
func (l *lexicon) scan(toks []token, fn func(sig, start, end int) bool) {
	type state struct {
		n     *trieNode
		start int
	}
	var cur, nxt []state
	for i := range toks {
		cur = append(cur[:0], state{l.root, i})
		for j := i; j < len(toks) && len(cur) > 0; j++ {
			w := toks[j].word
			nxt = nxt[:0]
			for _, s := range cur {
				if c := s.n.next[w]; c != nil {
					nxt = append(nxt, state{c, s.start})
				}
				for _, e := range s.n.prefixes {
					if strings.HasPrefix(w, e.prefix) {
						nxt = append(nxt, state{e.node, s.start})
					}
				}
				if s.n.any != nil {
					nxt = append(nxt, state{s.n.any, s.start})
				}
			}
			for _, s := range nxt {
				for _, sig := range s.n.accept {
					if !fn(sig, toks[s.start].start, toks[j].end) {
						return
					}
				}
			}
			cur, nxt = nxt, cur
		}
	}
}

// fieldAllowed reports whether a signal looks at a field: signals without
// a field list look at every field; patterns use path.Match syntax.
func fieldAllowed(patterns []string, field string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, field); ok {
			return true
		}
		if strings.HasSuffix(p, "*") && strings.HasPrefix(field, strings.TrimSuffix(p, "*")) {
			return true
		}
	}
	return false
}

// excerpt returns the text around [start,end), on rune boundaries, with
// whitespace collapsed: enough for a person to see the phrase in context.
func excerpt(text string, start, end int) string {
	const ctx = 60
	a := max(0, start-ctx)
	for a > 0 && !utf8.RuneStart(text[a]) {
		a--
	}
	b := min(len(text), end+ctx)
	for b < len(text) && !utf8.RuneStart(text[b]) {
		b++
	}
	// Widen to word boundaries so the excerpt does not start mid-word.
	if a > 0 {
		if i := strings.IndexAny(text[a:start], " \n\t"); i >= 0 {
			a += i + 1
		}
	}
	if b < len(text) {
		if i := strings.LastIndexAny(text[end:b], " \n\t"); i >= 0 {
			b = end + i
		}
	}
	s := strings.Join(strings.Fields(text[a:b]), " ")
	if a > 0 {
		s = "…" + s
	}
	if b < len(text) {
		s += "…"
	}
	return s
}
