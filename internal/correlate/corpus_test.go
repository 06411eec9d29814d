package correlate

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"portcullis/internal/message"
	"portcullis/internal/testenv"
)

// corpusSample is how many corpus mails TestCorpusCollisions reads.
const corpusSample = 2000

// TestCorpusCollisions measures, on real mail nobody wrote for this
// project, how often unrelated messages fall into one LSH bucket and how
// many candidate pairs reach the threshold. Near-duplicates are expected
// (newsletters and notifications from one sender, replies quoting each
// other); the numbers are logged for the record, and the test asserts
// only that every mail normalizes and signs.
func TestCorpusCollisions(t *testing.T) {
	dir := testenv.Shared("corpora")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus missing in CI: %v", err)
		}
		t.Skipf("corpus not present: %v", err)
	}
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) == ".md" {
			return err
		}
		paths = append(paths, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if step := (len(paths) + corpusSample - 1) / corpusSample; step > 1 { // spread over all folders
		var sample []string
		for i := 0; i < len(paths); i += step {
			sample = append(sample, paths[i])
		}
		paths = sample
	}

	type doc struct {
		path  string
		words []string
		sig   Signature
	}
	var docs []doc
	short, unparsed := 0, 0
	var normTime time.Duration
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := message.Parse(bytes.NewReader(raw), message.Limits{})
		if err != nil || parsed.Approach == nil {
			unparsed++
			continue
		}
		a := parsed.Approach
		var names, texts []string
		if a.Sender != nil {
			names = append(names, a.Sender.Name)
		}
		if a.Recipient != nil {
			names = append(names, a.Recipient.Name)
		}
		for _, m := range a.Messages {
			if m.FromSender() {
				texts = append(texts, m.Text)
			}
		}
		start := time.Now()
		norm := Normalize(strings.Join(texts, "\n\n"), names...)
		sig, ok := Sign(norm)
		normTime += time.Since(start)
		if !ok {
			short++
			continue
		}
		rel, _ := filepath.Rel(dir, p)
		docs = append(docs, doc{rel, strings.Fields(norm), sig})
	}

	buckets := map[uint64][]int{}
	for i, d := range docs {
		for _, k := range d.sig.Bands() {
			buckets[k] = append(buckets[k], i)
		}
	}
	candidates := map[[2]int]bool{}
	for _, b := range buckets {
		for x := range b {
			for y := x + 1; y < len(b); y++ {
				candidates[[2]int{b[x], b[y]}] = true
			}
		}
	}
	near, trueNear, missedByEstimate := 0, 0, 0
	var sumErr float64
	folders := map[string]int{}
	var edges []Edge
	for p := range candidates {
		a, b := docs[p[0]], docs[p[1]]
		sim := a.sig.Similarity(b.sig)
		exact := jaccard(a.words, b.words)
		sumErr += abs(sim - exact)
		if exact >= Threshold {
			trueNear++
			if sim < Threshold {
				missedByEstimate++
			}
		}
		if sim < Threshold {
			continue
		}
		near++
		fa, fb := topFolders(a.path), topFolders(b.path)
		if fa > fb {
			fa, fb = fb, fa
		}
		folders[fa+" ~ "+fb]++
		edges = append(edges, Edge{A: int64(p[0]), B: int64(p[1]), Reason: "text"})
	}
	t.Logf("read %d mails: %d signed, %d too short, %d unparsed; normalize+sign %v (%.2f ms/mail)",
		len(paths), len(docs), short, unparsed, normTime, float64(normTime.Microseconds())/1000/float64(max(1, len(paths))))
	t.Logf("%d candidate pairs share a band (of %d pairs); %d estimate >= %.2f, %d below (false collisions)",
		len(candidates), len(docs)*(len(docs)-1)/2, near, Threshold, len(candidates)-near)
	if len(candidates) > 0 {
		t.Logf("exact shingle Jaccard >= %.2f for %d candidates, %d of them estimated below; mean |estimate - exact| %.3f",
			Threshold, trueNear, missedByEstimate, sumErr/float64(len(candidates)))
	}
	t.Logf("near-duplicate pairs by folder: %v", folders)

	// Group the near-duplicates as a campaign rebuild would.
	groups := map[int64][]string{}
	for id, rep := range Cluster(nil, edges, nil, nil) {
		groups[rep] = append(groups[rep], docs[id].path)
	}
	largest := slices.Collect(maps.Values(groups))
	slices.SortFunc(largest, func(a, b []string) int { return len(b) - len(a) })
	t.Logf("near-duplicates form %d groups", len(groups))
	for _, g := range largest[:min(6, len(largest))] {
		slices.Sort(g)
		t.Logf("  %3d mails, e.g. %s", len(g), g[0])
	}
	if len(docs) == 0 {
		t.Errorf("no corpus mail was long enough to sign")
	}
}

// topFolders returns the first two folders of a corpus path: "ham/enron".
func topFolders(p string) string {
	parts := strings.Split(filepath.ToSlash(p), "/")
	if len(parts) > 2 {
		parts = parts[:2]
	}
	return strings.Join(parts, "/")
}

// jaccard is the exact Jaccard similarity of the word 3-shingle sets of two
// word lists, for checking the MinHash estimate.
func jaccard(a, b []string) float64 {
	sa, sb := shingleSet(a), shingleSet(b)
	inter := 0
	for s := range sa {
		if sb[s] {
			inter++
		}
	}
	union := len(sa) + len(sb) - inter
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}

func shingleSet(words []string) map[string]bool {
	k := min(ShingleWords, len(words))
	set := map[string]bool{}
	for i := 0; i+k <= len(words); i++ {
		set[strings.Join(words[i:i+k], " ")] = true
	}
	return set
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
