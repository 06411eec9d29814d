package analysis

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portcullis/internal/rules"
)

func newAnalyzer(t testing.TB) *Analyzer {
	t.Helper()
	eng, err := rules.Load(rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return New(eng, nil)
}

// TestApproachFixtures checks every hand-made approach in
// testdata/approaches against its expected level range in expected.tsv:
// hostile approaches modelled on public cases must be flagged, and hard
// benign ones (genuine recruiters, journalists, academics with Chinese
// names, constituents) must not.
func TestApproachFixtures(t *testing.T) {
	dir := "../../testdata/approaches"
	f, err := os.Open(filepath.Join(dir, "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	r.LazyQuotes = true
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	an := newAnalyzer(t)
	listed := map[string]bool{}
	hostile, benign := 0, 0
	for _, row := range rows[1:] {
		file, lo, hi := row[0], row[1], row[2]
		listed[file] = true
		if LevelRank(lo) >= LevelRank("medium") {
			hostile++
		} else if LevelRank(hi) <= LevelRank("low") {
			benign++
		}
		t.Run(file, func(t *testing.T) {
			in, err := os.Open(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			res, err := an.Analyze(in, file)
			if err != nil {
				t.Fatalf("analyse: %v", err)
			}
			if LevelRank(res.Level) < LevelRank(lo) || LevelRank(res.Level) > LevelRank(hi) {
				var ids []string
				for _, f := range res.Findings {
					ids = append(ids, f.Rule)
				}
				t.Errorf("level %s (score %d), want %s..%s; findings %v", res.Level, res.Score, lo, hi, ids)
			}
			for _, f := range res.Findings {
				if len(f.Evidence) == 0 {
					t.Errorf("finding %s has no evidence", f.Rule)
				}
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "expected.tsv" && !listed[e.Name()] && !e.IsDir() {
			t.Errorf("%s is not listed in expected.tsv", e.Name())
		}
	}
	if len(rows)-1 < 40 || hostile < 15 || benign < 15 {
		t.Errorf("want at least 40 fixtures with 15 hostile and 15 benign; have %d (%d hostile, %d benign)", len(rows)-1, hostile, benign)
	}
}

// TestJSONShape pins the output format of DESIGN.md: field names and order,
// and empty lists rather than null.
func TestJSONShape(t *testing.T) {
	an := newAnalyzer(t)
	res, err := an.Analyze(strings.NewReader("Hello, are you free for coffee next week?"), "paste.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"input":"paste.txt","kind":"text","score":0,"level":"none","summary":"No signs of a hostile approach were found.","findings":[],"watchlist_matches":[],"indicators":[],"advice":[`
	if !strings.HasPrefix(string(b), want) {
		t.Errorf("JSON = %s\nwant prefix %s", b, want)
	}
	res, err = an.Analyze(strings.NewReader("We pay £3,000 per report for insider insight on the committee's private deliberations. Add me on WeChat, it's more convenient."), "x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(res.Findings[0])
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(b, &keys)
	for _, k := range []string{"rule", "title", "severity", "weight", "explanation", "evidence", "attack"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("finding JSON lacks %q: %s", k, b)
		}
	}
	if len(keys) != 7 {
		t.Errorf("finding JSON has extra keys: %s", b)
	}
}

func TestScoreAndLevels(t *testing.T) {
	tests := []struct {
		weights []int
		want    int
	}{
		{nil, 0}, {[]int{40}, 40}, {[]int{50, 50}, 75}, {[]int{100, 10}, 100}, {[]int{10, 10, 10}, 27},
	}
	for _, tt := range tests {
		var fs []rules.Finding
		for _, w := range tt.weights {
			fs = append(fs, rules.Finding{Weight: w})
		}
		if got := Score(fs, nil); got != tt.want {
			t.Errorf("Score(%v) = %d, want %d", tt.weights, got, tt.want)
		}
	}
	for score, want := range map[int]string{0: "none", 14: "none", 15: "low", 39: "low", 40: "medium", 64: "medium", 65: "high", 85: "critical", 100: "critical"} {
		if got := LevelOf(score); got != want {
			t.Errorf("LevelOf(%d) = %s, want %s", score, got, want)
		}
	}
}

// TestNamesAreNotSignals: the same benign message scores the same whoever
// sends it; a name, nationality or language never adds risk by itself.
func TestNamesAreNotSignals(t *testing.T) {
	an := newAnalyzer(t)
	msg := `{"format":"portcullis.approach/v1","platform":"linkedin","kind":"message",
	"sender":{"name":"%s","headline":"Lecturer in Politics at %s","location":"%s"},
	"messages":[{"from":"sender","text":"Dear colleague, I am researching the committee's published report on trade and would welcome a short conversation about the public evidence sessions."}]}`
	var scores []int
	for _, s := range [][3]string{
		{"John Smith", "University of Leeds", "Leeds"},
		{"Wei Zhang", "Fudan University", "Shanghai, China"},
		{"Amanda Qiu", "Peking University", "Beijing"},
		{"Olga Ivanova", "MGIMO", "Moscow, Russia"},
		{"Mohammad Rezaei", "University of Tehran", "Tehran, Iran"},
	} {
		res, err := an.Analyze(strings.NewReader(fmt.Sprintf(msg, s[0], s[1], s[2])), s[0])
		if err != nil {
			t.Fatal(err)
		}
		scores = append(scores, res.Score)
	}
	for i, s := range scores {
		if s != scores[0] {
			t.Errorf("score %d for sender %d differs from %d: a name or place changed the verdict", s, i, scores[0])
		}
	}
}
