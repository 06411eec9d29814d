package intel

import (
	"strings"
	"sync"
	"unicode"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// cyrillic maps Cyrillic letters to a Latin transliteration (close to
// BGN/PCGN), so that "Ирина" and "Irina" fold to the same key.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i", 'й': "y",
	'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f",
	'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g",
}

// stripMarks removes accents. A transform.Chain keeps state, so each use
// takes its own from the pool.
var stripMarks = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// foldWords lower-cases s, removes accents, transliterates Cyrillic and
// splits it into words of letters and digits; punctuation inside a word
// is dropped ("BR-YR" is one word "bryr").
func foldWords(s string) []string {
	if !isASCII(s) {
		tr := stripMarks.Get().(transform.Transformer)
		tr.Reset()
		if t, _, err := transform.String(tr, s); err == nil {
			s = t
		}
		stripMarks.Put(tr)
	}
	var words []string
	var b strings.Builder
	var han []rune
	flushHan := func() {
		if len(han) > 0 {
			words = append(words, hanWords(han)...)
			han = han[:0]
		}
	}
	flush := func() {
		flushHan()
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range strings.ToLower(s) {
		if len(han) > 0 && !unicode.Is(unicode.Han, r) {
			flushHan()
		}
		switch {
		case cyrillic[r] != "" || (r >= 'а' && r <= 'я'):
			b.WriteString(cyrillic[r])
		case unicode.Is(unicode.Han, r):
			flush()
			han = append(han, r)
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '-' || r == '.' || r == '\'' || r == '’' || r == '&':
			// Joins: BR-YR, O'Brien, A.F.E.C.
		default:
			flush()
		}
	}
	flush()
	return words
}

var pinyinArgs = pinyin.NewArgs() // tone-less readings, first reading of each character

// hanWords romanises a run of Chinese characters with pinyin. A run of two
// to four characters reads like a name: the surname, then the given name
// as one word ("李瑞秋" gives "li", "ruiqiu", matching "Li Ruiqiu").
// Longer runs give one word per character.
func hanWords(run []rune) []string {
	syll := make([]string, 0, len(run))
	for _, r := range run {
		p := pinyin.SinglePinyin(r, pinyinArgs)
		if len(p) == 0 || p[0] == "" {
			syll = append(syll, string(r))
			continue
		}
		syll = append(syll, p[0])
	}
	if len(syll) >= 2 && len(syll) <= 4 {
		return []string{syll[0], strings.Join(syll[1:], "")}
	}
	return syll
}

// legalForms are words that only say what kind of company it is.
var legalForms = map[string]bool{"ltd": true, "limited": true, "llc": true, "llp": true, "inc": true, "incorporated": true,
	"co": true, "corp": true, "corporation": true, "company": true, "gmbh": true, "ag": true, "plc": true, "sa": true,
	"sarl": true, "bv": true, "nv": true, "pte": true, "pty": true, "kk": true, "srl": true, "spa": true,
	"the": true}

// chineseLegalForms are company-type suffixes written in Chinese.
var chineseLegalForms = []string{"股份有限公司", "有限责任公司", "有限公司", "公司", "集团"}

// OrgKey folds an organisation name for comparison: case, accents, scripts,
// punctuation, spaces and legal forms do not matter ("BR-YR Executive
// Search Co., Ltd." and "bryr executive search" give the same key).
func OrgKey(name string) string {
	name = strings.TrimSpace(name)
	for _, f := range chineseLegalForms {
		if n, ok := strings.CutSuffix(name, f); ok && n != "" {
			name = n
			break
		}
	}
	var b strings.Builder
	for _, w := range foldWords(name) {
		if !legalForms[w] {
			b.WriteString(w)
		}
	}
	return b.String()
}

// NameTokens folds a person's name into its words, dropping titles.
func NameTokens(name string) []string {
	var out []string
	for _, w := range foldWords(name) {
		switch w {
		case "dr", "prof", "mr", "mrs", "ms", "miss", "sir", "dame", "lord", "lady":
			continue
		}
		out = append(out, w)
	}
	return out
}

// jaroWinkler is the Jaro-Winkler similarity of two words (0..1).
func jaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	ra, rb := []rune(a), []rune(b)
	la, lb := len(ra), len(rb)
	if la == 0 || lb == 0 {
		return 0
	}
	window := max(la, lb)/2 - 1
	window = max(window, 0)
	ma := make([]bool, la)
	mb := make([]bool, lb)
	matches := 0
	for i := range ra {
		lo, hi := max(0, i-window), min(lb, i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && ra[i] == rb[j] {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	t, k := 0, 0
	for i := range ra {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if ra[i] != rb[k] {
			t++
		}
		k++
	}
	m := float64(matches)
	jaro := (m/float64(la) + m/float64(lb) + (m-float64(t)/2)/m) / 3
	prefix := 0
	for i := 0; i < min(4, la, lb) && ra[i] == rb[i]; i++ {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// nameSimilarity compares two names word by word, in any order ("Qiu
// Amanda" is "Amanda Qiu"): every word of the shorter name must pair with a
// different word of the longer one; the result is the mean similarity of
// the pairs, 0 when a word finds no partner above 0.85.
func nameSimilarity(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 2 && len(b) >= 2 {
		return 0 // one word is not a name match
	}
	used := make([]bool, len(b))
	total := 0.0
	for _, w := range a {
		best, bi := 0.0, -1
		for j, v := range b {
			if used[j] {
				continue
			}
			if s := jaroWinkler(w, v); s > best {
				best, bi = s, j
			}
		}
		if best < 0.85 {
			return 0
		}
		used[bi] = true
		total += best
	}
	return total / float64(len(a))
}
