package rules

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseFile checks that parseFile never panics and that it fails only
// with a *LoadError naming the file.
func FuzzParseFile(f *testing.F) {
	files, err := filepath.Glob("builtin/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no built-in rule files found: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"signals: []\nrules: []\n",
		"rules:\n  - id: x\n    tests: {fire: [\"a\", {text: b}, {eml: c}, {platform: email, messages: [{text: d}]}]}\n",
		"rules:\n  - id: [\n",
		"signals: x\n",
		"a: &a [*a, *a]\nrules: *a\n",
		"- 1\n- 2\n",
		"rules:\n  - tests:\n      fire:\n        - {}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rf, err := parseFile("fuzz.yaml", data)
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %v (%T) is not a *LoadError", err, err)
			}
			if le.File != "fuzz.yaml" {
				t.Errorf("LoadError.File = %q, want fuzz.yaml", le.File)
			}
			return
		}
		if rf == nil {
			t.Fatal("parseFile returned nil and no error")
		}
		for _, r := range rf.Rules {
			if r.File != "fuzz.yaml" || r.Line <= 0 {
				t.Errorf("rule %q at %s:%d, want fuzz.yaml and a line", r.ID, r.File, r.Line)
			}
		}
	})
}

// fuzzPhrases are compiled into the lexicon of FuzzLexiconScan, beside the
// fuzzed phrase.
var fuzzPhrases = []string{"all expenses paid", "consult*", "write a * report", "微信", "£ *", "don't tell", "*"}

// FuzzLexiconScan checks that tokens and scan never panic and that every
// token and hit is a span of the text, on rune boundaries when the text is
// valid UTF-8.
func FuzzLexiconScan(f *testing.F) {
	f.Add("An ALL-EXPENSES-PAID trip; consultancy; write a short report; 加我微信", "paid trip")
	f.Add("Don’t tell anyone: £3,000 for consulting", "don't *")
	f.Add("\xff\xfe consult\xc3 a*b ** 'x' é́", "a* *")
	f.Add("", "")
	f.Add("İstanbul ǅemal ΣΑΣ ß", "istanbul")
	f.Fuzz(func(t *testing.T, text, phrase string) {
		l := newLexicon()
		for i, p := range fuzzPhrases {
			if !l.add(i, p) {
				t.Fatalf("add(%d, %q) = false", i, p)
			}
		}
		l.add(len(fuzzPhrases), phrase)
		valid := utf8.ValidString(text)

		toks := tokens(text, nil)
		prev := 0
		for i, tk := range toks {
			if tk.start < prev || tk.start >= tk.end || tk.end > len(text) {
				t.Fatalf("token %d %q has span [%d,%d) in a text of %d bytes after %d", i, tk.word, tk.start, tk.end, len(text), prev)
			}
			if valid && !utf8.ValidString(text[tk.start:tk.end]) {
				t.Fatalf("token %d span [%d,%d) %q is not valid UTF-8", i, tk.start, tk.end, text[tk.start:tk.end])
			}
			prev = tk.end
		}
		if again := tokens(text, make([]token, 3)); !slices.Equal(again, toks) {
			t.Fatalf("tokens with a reused buffer = %v, want %v", again, toks)
		}

		l.scan(toks, func(sig, start, end int) bool {
			if sig < 0 || sig > len(fuzzPhrases) {
				t.Fatalf("hit for unknown signal %d", sig)
			}
			if start < 0 || start > end || end > len(text) {
				t.Fatalf("signal %d hit [%d,%d) in a text of %d bytes", sig, start, end, len(text))
			}
			if valid && !utf8.ValidString(text[start:end]) {
				t.Fatalf("signal %d hit [%d,%d) %q is not valid UTF-8", sig, start, end, text[start:end])
			}
			return true
		})
	})
}

// FuzzAmounts checks that amounts never panics and reports positive values
// over spans of the text.
func FuzzAmounts(f *testing.F) {
	for _, s := range []string{
		"£3,000", "USD 500", "2,500 USDT", "$15k", "€1.200", "£1,234.50", "3000 USD", "us$ 1 000 000",
		strings.Repeat("9", 400) + " million dollars", "$" + strings.Repeat("9", 305) + "m",
		"$1,2,3,4.5.6", "¥", "£ 1", "1 k usd", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		valid := utf8.ValidString(text)
		amounts(text, func(start, end int, v float64) {
			if start < 0 || start > end || end > len(text) {
				t.Fatalf("amount span [%d,%d) in a text of %d bytes", start, end, len(text))
			}
			if valid && !utf8.ValidString(text[start:end]) {
				t.Fatalf("amount span [%d,%d) %q is not valid UTF-8", start, end, text[start:end])
			}
			if !(v > 0) || math.IsNaN(v) {
				t.Fatalf("amount %q = %v, want a positive number", text[start:end], v)
			}
		})
	})
}
