package analysis

import (
	"portcullis/internal/testenv"

	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var corpusDir = testenv.Shared("corpora")

func requireCorpus(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the shared corpus is missing in CI: %v", err)
		}
		t.Skipf("shared corpus not present: %v", err)
	}
}

// TestCorpusQuality analyses every corpus mail: none may fail; at most 0.5%
// of legitimate mail (ham) may be flagged at medium or above. It logs the
// share of phishing flagged and the findings behind it (docs/quality.md).
func TestCorpusQuality(t *testing.T) {
	requireCorpus(t)
	if testing.Short() {
		t.Skip("corpus sweep skipped in -short mode")
	}
	an := newAnalyzer(t)
	type tally struct {
		n, flagged int
		rules      map[string]int
	}
	tallies := map[string]*tally{}
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".md") {
			return err
		}
		rel, _ := filepath.Rel(corpusDir, path)
		parts := strings.Split(rel, string(filepath.Separator))
		group := parts[0]
		if len(parts) > 2 {
			group = parts[0] + "/" + parts[1]
		}
		tl := tallies[group]
		if tl == nil {
			tl = &tally{rules: map[string]int{}}
			tallies[group] = tl
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		res, err := an.Analyze(f, path)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		tl.n++
		if LevelRank(res.Level) >= LevelRank("medium") {
			tl.flagged++
			for _, f := range res.Findings {
				tl.rules[f.Rule]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hamN, hamFlagged := 0, 0
	groups := make([]string, 0, len(tallies))
	for g := range tallies {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		tl := tallies[g]
		type kv struct {
			k string
			v int
		}
		var top []kv
		for k, v := range tl.rules {
			top = append(top, kv{k, v})
		}
		sort.Slice(top, func(i, j int) bool { return top[i].v > top[j].v || top[i].v == top[j].v && top[i].k < top[j].k })
		if len(top) > 6 {
			top = top[:6]
		}
		t.Logf("%-28s %5d messages, %4d flagged (%.2f%%), top findings %v", g, tl.n, tl.flagged, 100*float64(tl.flagged)/float64(max(tl.n, 1)), top)
		if strings.HasPrefix(g, "ham/") {
			hamN += tl.n
			hamFlagged += tl.flagged
		}
	}
	rate := 100 * float64(hamFlagged) / float64(max(hamN, 1))
	t.Logf("ham overall: %d of %d flagged (%.2f%%)", hamFlagged, hamN, rate)
	if hamN < 9000 {
		t.Errorf("only %d ham messages found; is the corpus complete?", hamN)
	}
	if rate > 0.5 {
		t.Errorf("%.2f%% of ham flagged at medium or above; the limit is 0.5%%", rate)
	}
}
