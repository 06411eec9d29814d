package analysis

import (
	"portcullis/internal/testenv"

	"bytes"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"portcullis/internal/rules"
)

// benchCorpusDir is the shared mail corpus, read in place and never copied.
var benchCorpusDir = testenv.Shared("corpora")

// benchFile is one input held in memory.
type benchFile struct {
	name string
	data []byte
}

// BenchmarkPipelineCorpus analyses real mail (ham, spam and phishing, at
// most 3,000 messages sampled evenly from each group) one message per
// iteration, on one goroutine.
func BenchmarkPipelineCorpus(b *testing.B) {
	if _, err := os.Stat(benchCorpusDir); err != nil {
		b.Skipf("shared corpus not present: %v", err)
	}
	files := loadCorpusSample(b, benchCorpusDir, []string{"ham", "spam", "phish"}, 3000)
	benchmarkPipeline(b, files)
}

// BenchmarkPipelineApproach analyses the approach JSON fixtures.
func BenchmarkPipelineApproach(b *testing.B) {
	names, err := filepath.Glob("../../testdata/approaches/*.json")
	if err != nil || len(names) == 0 {
		b.Skipf("no approach fixtures: %v", err)
	}
	files := make([]benchFile, 0, len(names))
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, benchFile{filepath.Base(name), data})
	}
	benchmarkPipeline(b, files)
}

// benchmarkPipeline loads the rules once, then analyses files round-robin,
// one per iteration, and reports messages per second.
func benchmarkPipeline(b *testing.B, files []benchFile) {
	b.Helper()
	eng, err := rules.Load(rules.Options{})
	if err != nil {
		b.Fatal(err)
	}
	an := New(eng, nil)
	total := 0
	for _, f := range files {
		total += len(f.data)
	}
	b.SetBytes(int64(total / len(files)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := files[i%len(files)]
		if _, err := an.Analyze(bytes.NewReader(f.data), f.name); err != nil {
			b.Fatalf("%s: %v", f.name, err)
		}
	}
	b.StopTimer()
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "msgs/s")
	}
}

// loadCorpusSample reads up to limit files in all, an equal share from each
// group directory under dir taken evenly from its sorted file list, and
// shuffles them with a fixed seed.
func loadCorpusSample(b *testing.B, dir string, groups []string, limit int) []benchFile {
	b.Helper()
	var files []benchFile
	for _, g := range groups {
		var paths []string
		err := filepath.WalkDir(filepath.Join(dir, g), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, ".md") {
				return err
			}
			paths = append(paths, path)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		sort.Strings(paths)
		n := min(limit/len(groups), len(paths))
		for k := range n {
			path := paths[k*len(paths)/n]
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, path)
			files = append(files, benchFile{rel, data})
		}
	}
	// Mix the groups so that a short run still sees all of them.
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
	if len(files) == 0 {
		b.Skipf("no files under %s", dir)
	}
	return files
}
