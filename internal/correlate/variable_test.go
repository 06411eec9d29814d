package correlate

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// The regular expressions the matchers in variable.go implement: the
// specification they are tested against.
const (
	amountRE    = `(?:\d{1,3}(?:[,. ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)`
	magnitudeRE = `(?:[ \t]?(?:k|m|mn|bn|million|thousand|billion|grand)\b)?`
	currencyRE  = `(?:usd|gbp|eur|rmb|cny|jpy|chf|aud|cad|hkd|sgd|nzd|inr|rub|krw|twd)`
	moneyRE     = `(?:` + currencyRE + `|pounds?|dollars?|euros?|yuan|renminbi|sterling|quid|bucks)`
	monthRE     = `(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`
	ordinalRE   = `(?:st|nd|rd|th)?`
)

// patternREs holds, for each of patterns in order, its regular expression.
var patternREs = []*regexp.Regexp{
	regexp.MustCompile(`(?:\b(?:https?|hxxps?|ftp)://|\bwww\.)[^\s<>"'()\[\]{}]+|\b[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/[^\s<>"'()\[\]{}]*`),
	regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`),
	regexp.MustCompile(`(?:(?:\b(?:us|au|ca|hk|nz|s))?[$£€¥₹₽₩]|\b` + currencyRE + `\b)[ \t]?` + amountRE + magnitudeRE),
	regexp.MustCompile(`\b` + amountRE + magnitudeRE + `[ \t]?` + moneyRE + `\b`),
	regexp.MustCompile(`\b\d{1,2}` + ordinalRE + `(?:[ \t]+of)?[ \t]+` + monthRE + `\b\.?(?:,?[ \t]+\d{4}\b)?` +
		`|\b` + monthRE + `\b\.?[ \t]+\d{1,2}` + ordinalRE + `\b(?:,?[ \t]+\d{4}\b)?` +
		`|\b` + monthRE + `\b\.?,?[ \t]+\d{4}\b`),
	regexp.MustCompile(`\b\d{4}-\d{1,2}-\d{1,2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?)?\b` +
		`|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b` +
		`|\b\d{1,2}(?:[:.]\d{2})?[ \t]?(?:(?:am|pm)\b|a\.m\.|p\.m\.)` +
		`|\b\d{1,2}:\d{2}(?::\d{2})?\b(?:[ \t]?(?:gmt|bst|utc|cet|cest|est|edt|pst|pdt|hkt|cst)\b)?`),
	regexp.MustCompile(`(?:\+|\b)\(?\d[\d \t().-]{5,20}\d\b`),
}

// findAll returns the matches of p in s, as FindAllStringIndex would.
func (p *pattern) findAll(s string) [][]int {
	var out [][]int
	for start, end := p.find(s, 0); start >= 0; start, end = p.find(s, end) {
		out = append(out, []int{start, end})
	}
	return out
}

// referenceReplaceVariable is replaceVariable done with the regular
// expressions.
func referenceReplaceVariable(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		n := chunkLen(s)
		c := s[:n]
		lc := asciiLower(c)
		for i, re := range patternREs {
			ms := re.FindAllStringIndex(lc, -1)
			var cb, lb strings.Builder
			last := 0
			for _, m := range ms {
				if patterns[i].keep != nil && !patterns[i].keep(lc[m[0]:m[1]]) {
					continue
				}
				cb.WriteString(c[last:m[0]] + " " + patterns[i].token + " ")
				lb.WriteString(lc[last:m[0]] + " " + patterns[i].token + " ")
				last = m[1]
			}
			if len(ms) > 0 {
				c, lc = cb.String()+c[last:], lb.String()+lc[last:]
			}
		}
		b.WriteString(c)
		s = s[n:]
	}
	return b.String()
}

var variableCases = []string{
	"We pay £5,000 per report, or USD 7.5k, or 3,000 euros; US$12 000 for two.",
	"Meet on 14 March 2025 at 10:30, or Monday 3rd April at 9.30am, or 2025-04-07.",
	"See https://br-yr.example/jobs?id=7 or www.bryr.example, write to a.qiu@br-yr.example or call +44 20 7946 0958.",
	"2025-03-14T10:30:00Z 14/03/2025 March 14th, 2025 $7.5k USD 3 000 10 euros",
	"2025-03-14t10:30:00.123+01:00 2025-03-14 10:30:00.5-0130 2025-3-1 2025-03-141 20250-03-14",
	"10:30:456 10:30:45 gmt 10:30 cest 9 a.m. 11p.m. 12 pm 7.30 am 123:45 1:2345",
	"1,234,567.89 dollars 12345,678 pounds 1 000 000 yuan 5k gbp 5 mn euros 10gbp 10kgbp 1,2345 euro",
	"usd5 aus$5 s$ 3 hk$ 1,000.50 €1 ¥ 2 ₹3.5 bn ₩7 million ₽4 thousand $ 5 grand $5kk",
	"12th of may 3 of  june 1st  jan. 4 sept, 2021 dec. 25th, 2024 nov 2025 oct., 1999 1 mar 20255",
	"the 12 march2025 may 5 2nd jun 2024 5 ofmay 3 may, 2020",
	"call (020) 7946 0958 or 07700 900123 or +1 (555) 123-4567 or 1234567890123456789 or 12 34",
	"a@b@c.d x@y.z.w a.b@c. _x@d.e a@b.c_x@d.e user+tag@mail.example.co.uk",
	"http://a https:// www. www.x ftp://f/g hxxps://evil.example/x a.b/c a.b.c/ -a.b/ é.com/x café.org/menu x-y.z/",
	"1.500 eur 2,50 euros 3.14159 usd 1,23 12.345.678,90 eur",
	"9.30am 9:30 am 9 am 930am 9.3am 09.30a.m. 21:00 utc 21:00utc 21:00:00 pst",
	"21/03/2025 1-2-25 1.2.2025 123/4/2025 1/2/20251 12/12/12x",
	"+44 (0)20 7946 0958 / 07700 900123 +++1234567 (((1234567",
	"£5,000. usd 7 chf 1.2m cad\t3\tk a\u00a0$5",
	"subject re www.energyclear.com, see you", // a link, and nothing else to match
}

func TestVariableMatchesRegexp(t *testing.T) {
	for _, s := range variableCases {
		checkVariable(t, s)
	}
}

// FuzzVariable checks that the matchers find what the regular expressions
// find, and replaceVariable replaces what they replace.
func FuzzVariable(f *testing.F) {
	for _, s := range variableCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkVariable(t, fold(s))
	})
}

func checkVariable(t *testing.T, s string) {
	t.Helper()
	lc := asciiLower(s)
	for i := range patterns {
		want := patternREs[i].FindAllStringIndex(lc, -1)
		if got := patterns[i].findAll(lc); !equalMatches(got, want) {
			t.Errorf("pattern %d (%s) in %q:\n got %v\nwant %v", i, patterns[i].token, lc, got, want)
		}
	}
	if got, want := replaceVariable(s), referenceReplaceVariable(s); got != want {
		t.Errorf("replaceVariable(%q)\n got %q\nwant %q", s, got, want)
	}
}

func equalMatches(a, b [][]int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i][0] != b[i][0] || a[i][1] != b[i][1] {
			return false
		}
	}
	return true
}

// referenceFold is fold done on the whole text.
func referenceFold(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	t := transform.Chain(norm.NFKD, runes.Remove(runes.Predicate(invisible)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

var foldCases = []string{
	"", "plain", "Ｃａｆé\u200b déjà\u200bvu, naïve ﬁnance. ＩＳＴＡＮＢＵＬ İstanbul", "£5,000 – “quoted” ’",
	"e\u0301 a\u0308\u0301 \u0301lead", "\xff\xfe broken \xc3", "한국어 \u1100\u1161\u11a8 ᄀ ᅡ", "ஒ \u0b92\u0bd7 \u0bc6\u0bbe",
	"x" + strings.Repeat("\u0301", 40) + "y", "ǅ ß ẞ ﬀ ㎏ ½ ²", "我们是一家咨询公司。", "a\u200db\u00adc\u2060d",
}

func TestFoldMatchesReference(t *testing.T) {
	for _, s := range foldCases {
		if got, want := fold(s), referenceFold(s); got != want {
			t.Errorf("fold(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzFold checks that folding a run of non-ASCII text at a time gives
// what folding the whole text gives.
func FuzzFold(f *testing.F) {
	for _, s := range foldCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := fold(s), referenceFold(s); got != want {
			t.Errorf("fold(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestFoldASCIIBoundary checks what fold relies on to fold a run of
// non-ASCII text at a time: every ASCII character is its own folding and
// starts a new segment in both normal forms, combining with nothing before
// it.
func TestFoldASCIIBoundary(t *testing.T) {
	for c := range utf8.RuneSelf {
		s := string(rune(c))
		for _, f := range []norm.Form{norm.NFKD, norm.NFC} {
			if p := f.PropertiesString(s); !p.BoundaryBefore() || p.Decomposition() != nil {
				t.Errorf("%q is not a boundary in form %v", s, f)
			}
		}
		if invisible(rune(c)) {
			t.Errorf("%q is removed by fold", s)
		}
	}
}
