package correlate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		names []string
		want  string
	}{
		{
			name: "greeting and signature dropped",
			in:   "Dear Ms Patel,\n\nPlease find the report attached.\n\nKind regards,\nAmanda Qiu\nSenior Consultant, BR-YR",
			want: "please find the report attached",
		},
		{
			name: "name after greeting replaced everywhere",
			in:   "Hi John,\nJohn, your insight would be valued.",
			want: "<name> your insight would be valued",
		},
		{
			name:  "given names replaced, titles ignored",
			in:    "Having read your profile, Priya, I think Ms Patel would enjoy this.",
			names: []string{"Ms Priya Patel"},
			want:  "having read your profile <name> i think ms <name> would enjoy this",
		},
		{
			name:  "a name that is also a word is replaced only where capitalised",
			in:    "Will, I will call you.",
			names: []string{"Will Smith"},
			want:  "<name> i will call you",
		},
		{
			name: "amounts",
			in:   "We pay £5,000 per report, or USD 7.5k, or 3,000 euros; US$12 000 for two.",
			want: "we pay <money> per report or <money> or <money> for two",
		},
		{
			name: "dates and times",
			in:   "Meet on 14 March 2025 at 10:30, or Monday 3rd April at 9.30am, or 2025-04-07.",
			want: "meet on <date> at <date> or <date> at <date> or <date>",
		},
		{
			name: "may the verb is not a month",
			in:   "You may reply by 5 May or in June.",
			want: "you may reply by <date> or in <date>",
		},
		{
			name: "links addresses and phones",
			in:   "See https://br-yr.example/jobs?id=7 or www.bryr.example, write to a.qiu@br-yr.example or call +44 20 7946 0958.",
			want: "see <url> or <url> write to <email> or call <phone>",
		},
		{
			name: "other numbers and identifiers",
			in:   "Ref AB12345, 3 pages, 50% up front.",
			want: "ref <num> pages <num> up front",
		},
		{
			name: "unicode folded",
			in:   "Ｃａｆé déjà\u200bvu, naïve ﬁnance. ＩＳＴＡＮＢＵＬ İstanbul",
			want: "cafe dejavu naive finance istanbul istanbul",
		},
		{
			name: "apostrophes join words",
			in:   "You’re right, it's O'Brien's.",
			want: "youre right its obriens",
		},
		{
			name: "inline sign-off after a sentence",
			in:   "Hi John I came across your profile. Looking forward to hearing from you. Best regards, Amanda",
			want: "i came across your profile looking forward to hearing from you",
		},
		{
			name: "stacked sign-offs",
			in:   "Please let me know.\n\nThanks!\nBest regards,\nAmanda\n\nSent from my iPhone",
			want: "please let me know",
		},
		{
			name: "thanks in the body is kept",
			in:   "Thanks to everyone who came.\nBest,\nAmy",
			want: "thanks to everyone who came",
		},
		{
			name: "greeting without a name",
			in:   "Hello, I'm Amanda from BR-YR. Hello there! Good morning everyone, nice to meet you.",
			want: "im amanda from br yr hello there good morning everyone nice to meet you",
		},
		{
			name: "greetings at the start of every line",
			in:   "Good morning all,\nDear Sir or Madam,\n- Hi Jane: we met at the conference.",
			want: "we met at the conference",
		},
		{
			name: "scripts without spaces split by character",
			in:   "我们是一家咨询公司。",
			want: "我 们 是 一 家 咨 询 公 司",
		},
		{
			name: "empty",
			in:   " \n\t ",
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in, tt.names...)
			if got != tt.want {
				t.Errorf("Normalize(%q, %q)\n got %q\nwant %q", tt.in, tt.names, got, tt.want)
			}
			if again := Normalize(got, tt.names...); again != got {
				t.Errorf("Normalize is not idempotent:\n once  %q\n twice %q", got, again)
			}
		})
	}
}

func TestNormalizeIdempotentOnFixtures(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		once := Normalize(string(b), "Amanda Qiu")
		if twice := Normalize(once, "Amanda Qiu"); twice != once {
			t.Errorf("%s: not idempotent:\n once  %q\n twice %q", p, once, twice)
		}
	}
}

func TestNormalizeLimits(t *testing.T) {
	long := strings.Repeat("word ", maxWords+500)
	if n := len(strings.Fields(Normalize(long))); n != maxWords {
		t.Errorf("kept %d words, want %d", n, maxWords)
	}
	blob := strings.Repeat("a", 10*maxWordBytes)
	if got := Normalize(blob); len(got) != maxWordBytes {
		t.Errorf("kept a word of %d bytes, want %d", len(got), maxWordBytes)
	}
	huge := strings.Repeat("Thanks!\n", maxInputBytes/4)
	if got := Normalize(huge); got != "" {
		t.Errorf("a text of sign-offs gave %.40q", got)
	}
}

// TestSettled checks that where settled says a result of Normalize's pass
// is settled, another pass gives it back unchanged.
func TestSettled(t *testing.T) {
	for _, p := range append(fixturePaths(t), "") {
		text := "Hello there, thanks for all of it, Amanda: we will meet on Monday at the usual place with everyone."
		if p != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			text = string(b)
		}
		checkSettled(t, text, "Amanda Qiu")
	}
}

// FuzzSettled is TestSettled for any text.
func FuzzSettled(f *testing.F) {
	for _, s := range []string{"", "Hi there", "Dear Ms Patel, hello there. Good morning everyone, thanks again for all the help."} {
		f.Add(s, "Will Smith")
	}
	f.Fuzz(checkSettled)
}

func checkSettled(t *testing.T, text, name string) {
	var buf tokenBuf
	base := foldNames([]string{name}, &buf)
	for range maxPasses {
		out := normalizeOnce(text, &base, &buf)
		if settled(out) {
			if again := normalizeOnce(out, &base, &buf); again != out {
				t.Fatalf("settled(%q), but another pass gives %q", out, again)
			}
		}
		text = out
	}
}

func fixturePaths(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	return paths
}

func TestPhraseLength(t *testing.T) {
	for _, set := range []phraseSet{greetings, signOffs} {
		for _, ps := range set {
			for _, p := range ps {
				if len(p) > maxPhraseWords {
					t.Errorf("%q has more than maxPhraseWords words", p)
				}
			}
		}
	}
}
