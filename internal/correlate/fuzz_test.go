package correlate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNormalizeSign feeds Normalize and Sign hostile text: they must never
// panic, Normalize must be idempotent and give clean output, and a text's
// signature must be stable and equal to itself.
func FuzzNormalizeSign(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		// The opening and the close of each, kept short: the fuzzer
		// minimizes every new input it finds, and short ones are quick.
		text := string(b)
		f.Add(text[:min(len(text), 300)], "Amanda Qiu")
		f.Add(text[max(0, len(text)-300):], "Amanda Qiu")
	}
	for _, s := range []string{
		"", "Hi", "Dear Ms Patel,\nThanks!\nBest regards,\nAmanda", "Hi Will, I will pay £5,000 on 5 May at 9.30am.",
		"Hello, hello, hi there. Regards. Regards, Regards", "<num> <name> <date><url>< url>", "Ｃａｆé\u200b İ ß ǅ ﬁ ẞ",
		"\xff\xfe broken \xc3", "call +44 (0)20 7946 0958 / 07700 900123", "我们是一家咨询公司。谢谢！",
		"Sent from my iPhone\nSent from my\niPhone", "- Hi -\n. Thanks .\n", "Dear Sir/Madam,\n\nTo whom it may concern:",
		"2025-03-14T10:30:00Z 14/03/2025 March 14th, 2025 $7.5k USD 3 000 10 euros",
	} {
		f.Add(s, "Will Smith")
	}
	f.Fuzz(func(t *testing.T, text, name string) {
		n := Normalize(text, name)
		if again := Normalize(n, name); again != n {
			t.Fatalf("not idempotent:\n once  %q\n twice %q", n, again)
		}
		if !utf8.ValidString(n) {
			t.Errorf("invalid UTF-8 in %q", n)
		}
		if strings.Contains(n, "  ") || strings.TrimSpace(n) != n {
			t.Errorf("whitespace not collapsed in %q", n)
		}
		sig, ok := Sign(n)
		if sig.Similarity(sig) != 1 {
			t.Errorf("similarity with itself is %v", sig.Similarity(sig))
		}
		again, ok2 := Sign(n)
		if again != sig || ok2 != ok {
			t.Errorf("Sign is not deterministic")
		}
		if len(sig.Bands()) != NumBands {
			t.Errorf("got %d bands", len(sig.Bands()))
		}
		if ok && len(strings.Fields(n)) < MinWords {
			t.Errorf("Sign accepted %d words", len(strings.Fields(n)))
		}
		Sign(text) // raw text must not panic either
	})
}
