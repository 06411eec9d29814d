package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"portcullis/internal/indicator"
	"portcullis/internal/intel"
)

// generate makes n valid watchlist entries of mixed types, deterministically.
func generate(n int) []*intel.Entry {
	r := rand.New(rand.NewPCG(3, 4))
	syll := []string{"an", "bo", "chen", "da", "el", "fa", "gu", "han", "li", "mo", "na", "qiu", "ru", "shen", "ta", "wu", "xi", "ya"}
	word := func(k int) string {
		s := ""
		for i := 0; i < k; i++ {
			s += syll[r.IntN(len(syll))]
		}
		return s
	}
	out := make([]*intel.Entry, 0, n)
	for i := 0; i < n; i++ {
		e := &intel.Entry{Kind: intel.Watch, TLP: "amber", Confidence: 50,
			Source: intel.Source{Name: "generated", Date: "2026-01-01"}, Tags: []string{"bench"}}
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
			e.Type, e.Value = indicator.Person, fmt.Sprintf("%s %s %d", word(2), word(1), i)
			e.ContextOrganizations = []string{word(2) + " Consulting"}
			e.ValidFrom = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		case 9:
			e.Type, e.Value = indicator.Organization, fmt.Sprintf("%s %s Consulting %d", word(2), word(2), i)
			e.Aliases = []string{word(3)}
		}
		out = append(out, e)
	}
	return out
}

func benchBackends(b *testing.B, fn func(b *testing.B, be backend)) {
	b.Run(SQLite, func(b *testing.B) { fn(b, sqliteBackend()) })
	b.Run(Postgres, func(b *testing.B) {
		be, ok := postgresBackend(b)
		if ok {
			fn(b, be)
		}
	})
}

// benchPut loads n generated entries into a fresh database per iteration
// and reports rows per second; then it times ActiveIndicators over them.
func benchPut(b *testing.B, n int) {
	entries := generate(n)
	benchBackends(b, func(b *testing.B, be backend) {
		ctx := context.Background()
		var load, active time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			db, err := Open(ctx, be.fresh(b), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			ins, _, err := db.PutIndicators(ctx, entries)
			load += time.Since(start)
			if err != nil || ins != n {
				b.Fatalf("PutIndicators = %d inserted, %v; want %d", ins, err, n)
			}
			b.StopTimer()
			start = time.Now()
			es, err := db.ActiveIndicators(ctx, time.Now())
			active += time.Since(start)
			if err != nil || len(es) != n {
				b.Fatalf("ActiveIndicators = %d, %v; want %d", len(es), err, n)
			}
			db.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(n*b.N)/load.Seconds(), "rows/s")
		b.ReportMetric(float64(n*b.N)/active.Seconds(), "active_rows/s")
	})
}

// BenchmarkPutIndicators loads 100,000 indicators of mixed types in one
// PutIndicators call: go test -run '^$' -bench PutIndicators ./internal/store/
func BenchmarkPutIndicators(b *testing.B) { benchPut(b, 100_000) }

// BenchmarkPutIndicatorsMillion loads 1,000,000 (issue 3's scale):
// go test -run '^$' -bench PutIndicatorsMillion -benchtime 1x ./internal/store/
func BenchmarkPutIndicatorsMillion(b *testing.B) { benchPut(b, 1_000_000) }
