package intel

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"portcullis/internal/extract"
	"portcullis/internal/indicator"
	"portcullis/internal/message"
)

// generate makes n watchlist entries of mixed types, deterministically.
func generate(n int) []*Entry {
	r := rand.New(rand.NewPCG(1, 2))
	syll := []string{"an", "bo", "chen", "da", "el", "fa", "gu", "han", "li", "mo", "na", "qiu", "ru", "shen", "ta", "wu", "xi", "ya", "zh", "ko", "mi", "sa", "te", "vo"}
	word := func(k int) string {
		var b strings.Builder
		for i := 0; i < k; i++ {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		return b.String()
	}
	out := make([]*Entry, 0, n)
	for i := 0; i < n; i++ {
		e := &Entry{Kind: Watch, TLP: "amber", Confidence: 50, Source: Source{Name: "generated"}}
		switch i % 10 {
		case 0, 1, 2, 3:
			e.Type, e.Value = indicator.Email, fmt.Sprintf("%s.%d@%s.example", word(2), i, word(2))
		case 4, 5:
			e.Type, e.Value = indicator.Domain, fmt.Sprintf("%s%d.example", word(3), i)
		case 6:
			e.Type, e.Value = indicator.LinkedIn, fmt.Sprintf("https://www.linkedin.com/in/%s-%d", word(2), i)
		case 7:
			e.Type, e.Value = indicator.URL, fmt.Sprintf("https://%s.example/%d", word(2), i)
		case 8:
			e.Type, e.Value = indicator.Person, strings.Title(word(2))+" "+strings.Title(word(1)) //nolint:staticcheck // ASCII only
		case 9:
			e.Type, e.Value = indicator.Organization, fmt.Sprintf("%s %s Consulting %d", strings.Title(word(2)), strings.Title(word(2)), i) //nolint:staticcheck
		}
		out = append(out, e)
	}
	return out
}

const scaleMessage = `From: "Anbo Chen" <anbo.chen@example.org>
To: staff@parliament.uk
Subject: Consultancy opportunity

Dear colleague, I represent Hanli Mowu Consulting and our client would pay well for short reports.
Please see https://research.example/offer and write to me on WeChat: anbo2025.

Best regards,
Anbo Chen
`

func matchOnce(b *testing.B, w *Watchlist) {
	p, err := message.Parse(strings.NewReader(scaleMessage), message.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	x := extract.New(nil, nil).Extract(p)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Match(p, x)
	}
}

// BenchmarkMatch shows the per-message cost does not grow with the
// watchlist: compare /10k with /1M.
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		w := New(generate(n))
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) { matchOnce(b, w) })
	}
}

// TestLoadMillion builds a watchlist of 1,000,000 entries and reports the
// time and heap it takes (issue 3: at most 5 s and 1 GiB).
func TestLoadMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("large load skipped in -short mode")
	}
	entries := generate(1_000_000)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	w := New(entries)
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc) / (1 << 20)
	t.Logf("indexed %d entries in %v; heap with entries and index %.0f MB", w.Len(), took, heap)
	if took > 5*time.Second {
		t.Errorf("indexing took %v, want at most 5 s", took)
	}
	if heap > 1024 {
		t.Errorf("heap %.0f MB, want at most 1 GiB", heap)
	}
	runtime.KeepAlive(entries)
}
