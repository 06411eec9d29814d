package message

import (
	"portcullis/internal/testenv"

	"os"
	"path/filepath"
	"testing"
)

// corpusDir is the shared mail corpus, read in place and never copied.
var corpusDir = testenv.Shared("corpora")

// TestCorpusParses parses every corpus mail: none may fail or panic, and a
// mail must come out as mail with a sender or some text.
func TestCorpusParses(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus missing in CI: %v", err)
		}
		t.Skipf("corpus not present: %v", err)
	}
	n, empty := 0, 0
	kinds := map[string]int{}
	err := filepath.WalkDir(corpusDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) == ".md" {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		n++
		p, err := Parse(f, Limits{})
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		kinds[p.Kind]++
		if p.Approach == nil {
			t.Errorf("%s: no approach", path)
			return nil
		}
		if p.Approach.Sender == nil && (len(p.Approach.Messages) == 0 || p.Approach.Messages[0].Text == "") {
			empty++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("parsed %d corpus files: %v; %d with neither sender nor text", n, kinds, empty)
	if kinds[KindEmail]+kinds[KindLinkedIn] < n*99/100 {
		t.Errorf("only %d of %d corpus files recognised as mail", kinds[KindEmail]+kinds[KindLinkedIn], n)
	}
}
