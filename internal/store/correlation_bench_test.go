package store

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// reportGen makes reports shaped like real ones, deterministically: a
// 1.2 kB raw input and a 600-byte analysis, five indicators drawn from
// pools of different sizes (one free-mail domain in a fifth of them, so
// that some values are very common) and eight LSH band keys, a tenth of
// the reports being near-copies of one of 2,000 texts.
type reportGen struct {
	r         *rand.Rand
	reporters []int64
	n         int
	start     time.Time
	raw, anal []byte
}

func newReportGen(reporters []int64) *reportGen {
	return &reportGen{
		r: rand.New(rand.NewPCG(5, 6)), reporters: reporters,
		start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		raw:   bytes.Repeat([]byte("Dear colleague, I am a headhunter. "), 35),
		anal:  bytes.Repeat([]byte(`{"rule":"x"},`), 46),
	}
}

// indicators returns a report's five indicators.
func (g *reportGen) indicators() []ReportIndicator {
	r := g.r
	domain := fmt.Sprintf("d%d.example", r.IntN(5000))
	if r.IntN(5) == 0 {
		domain = "freemail.example"
	}
	return []ReportIndicator{
		{Type: "email", Value: fmt.Sprintf("s%d@%s", r.IntN(200_000), domain), Field: "sender.email"},
		{Type: "domain", Value: domain, Field: "sender.email"},
		{Type: "person", Value: fmt.Sprintf("person %d", r.IntN(50_000)), Field: "sender.name"},
		{Type: "url", Value: fmt.Sprintf("https://%s/%d", domain, r.Uint64()), Field: "body"},
		{Type: "phone", Value: fmt.Sprintf("+44%09d", r.IntN(100_000)), Field: "body"},
	}
}

// bands returns a report's eight band keys.
func (g *reportGen) bands() []uint64 {
	out := make([]uint64, 8)
	if g.r.IntN(10) == 0 {
		// A near-copy of text t: six bands of its eight.
		t := uint64(g.r.IntN(2000))
		for i := range out {
			out[i] = t<<8 | uint64(i)
		}
		out[g.r.IntN(8)], out[g.r.IntN(8)] = g.r.Uint64(), g.r.Uint64()
		return out
	}
	for i := range out {
		out[i] = g.r.Uint64()
	}
	return out
}

// next returns n more reports, each a minute after the one before.
func (g *reportGen) next(n int) ([]*Report, [][]ReportIndicator, [][]uint64) {
	reports := make([]*Report, n)
	inds := make([][]ReportIndicator, n)
	bands := make([][]uint64, n)
	for i := range reports {
		g.n++
		reports[i] = &Report{
			ReporterID: g.reporters[g.r.IntN(len(g.reporters))], Channel: "web", Intent: IntentReport, Platform: "linkedin",
			Title: fmt.Sprintf("approach %d", g.n), Raw: g.raw, Kind: "message", Score: g.r.IntN(101), Level: "medium",
			Summary: "generated", Analysis: g.anal, CreatedAt: g.start.Add(time.Duration(g.n) * time.Minute),
		}
		inds[i], bands[i] = g.indicators(), g.bands()
	}
	return reports, inds, bands
}

// fill stores n generated reports in calls of batch, from 50 reporters,
// and returns the generator and how long the BulkCreateReports calls took.
func fill(tb testing.TB, db *DB, n, batch int) (*reportGen, time.Duration) {
	tb.Helper()
	ctx := context.Background()
	var reporters []int64
	for i := range 50 {
		u := &User{Email: fmt.Sprintf("reporter%d@parliament.example", i), Role: RoleReporter}
		if err := db.CreateUser(ctx, u); err != nil {
			tb.Fatal(err)
		}
		reporters = append(reporters, u.ID)
	}
	g := newReportGen(reporters)
	var took time.Duration
	for done := 0; done < n; done += batch {
		rs, inds, bands := g.next(min(batch, n-done))
		start := time.Now()
		if err := db.BulkCreateReports(ctx, rs, inds, bands); err != nil {
			tb.Fatalf("BulkCreateReports: %v", err)
		}
		took += time.Since(start)
	}
	return g, took
}

// benchBulk loads n reports into a fresh database per iteration, in
// calls of batch, and reports reports per second.
func benchBulk(b *testing.B, n, batch int) {
	benchBackends(b, func(b *testing.B, be backend) {
		var took time.Duration
		runs := 0
		for b.Loop() {
			db := openDB(b, be.fresh(b))
			_, d := fill(b, db, n, batch)
			took += d
			runs++
			db.Close()
		}
		b.ReportMetric(float64(n*runs)/took.Seconds(), "reports/s")
	})
}

// BenchmarkBulkCreateReports loads 100,000 reports, each with five
// indicators and eight band keys, in calls of 10,000:
// go test -run '^$' -bench BulkCreateReports -benchtime 1x ./internal/store/
func BenchmarkBulkCreateReports(b *testing.B) { benchBulk(b, 100_000, 10_000) }

// BenchmarkBulkCreateReportsSmallCalls is the same in calls of 1,000.
func BenchmarkBulkCreateReportsSmallCalls(b *testing.B) { benchBulk(b, 100_000, 1_000) }

// benchLookups fills a store with n reports (and sightings of 500
// watchlist entries in a twentieth of them), then times the look-ups
// correlation makes for each new report, each alone and together.
func benchLookups(b *testing.B, n int) {
	benchBackends(b, func(b *testing.B, be backend) {
		ctx := context.Background()
		db := openDB(b, be.fresh(b))
		g, took := fill(b, db, n, 5000)
		b.Logf("%s: filled %d reports in %v (%.0f reports/s)", be.name, n, took.Round(time.Millisecond), float64(n)/took.Seconds())
		var sightings []Sighting
		for id := int64(1); id <= int64(n); id += 20 {
			sightings = append(sightings, Sighting{IndicatorID: fmt.Sprintf("w%d", g.r.IntN(500)), ReportID: id, Source: SightingAnalysis})
		}
		if _, err := db.AddSightings(ctx, sightings); err != nil {
			b.Fatal(err)
		}
		// What a new report brings, drawn like the stored ones.
		const queries = 200
		inds := make([][]ReportIndicator, queries)
		bands := make([][]uint64, queries)
		for i := range queries {
			inds[i], bands[i] = g.indicators(), g.bands()
		}
		var tInds, tBands, tSight, tCamp time.Duration
		n := 0
		for b.Loop() {
			q := n % queries
			n++
			start := time.Now()
			byInd, err := db.ReportsWithIndicators(ctx, inds[q], 0, 50)
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			byBand, err := db.ReportsWithBands(ctx, bands[q], 0, 50)
			if err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			if _, err := db.ReportsSightingSame(ctx, []string{fmt.Sprintf("w%d", q), fmt.Sprintf("w%d", q+1)}, 0, 50); err != nil {
				b.Fatal(err)
			}
			t3 := time.Now()
			candidates := make([]int64, 0, len(byInd)+len(byBand))
			for id := range byInd {
				candidates = append(candidates, id)
			}
			for id := range byBand {
				candidates = append(candidates, id)
			}
			if _, err := db.CampaignsOf(ctx, candidates); err != nil {
				b.Fatal(err)
			}
			if _, err := db.ReportSignatures(ctx, candidates); err != nil {
				b.Fatal(err)
			}
			t4 := time.Now()
			tInds, tBands, tSight, tCamp = tInds+t1.Sub(start), tBands+t2.Sub(t1), tSight+t3.Sub(t2), tCamp+t4.Sub(t3)
		}
		per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
		b.ReportMetric(per(tInds), "ms/indicators")
		b.ReportMetric(per(tBands), "ms/bands")
		b.ReportMetric(per(tSight), "ms/sightings")
		b.ReportMetric(per(tCamp), "ms/campaigns+signatures")
		b.ReportMetric(per(tInds+tBands+tSight+tCamp), "ms/report")
	})
}

// BenchmarkCorrelationLookups times the look-ups for a new report
// against 100,000 stored ones:
// go test -run '^$' -bench CorrelationLookups ./internal/store/
func BenchmarkCorrelationLookups(b *testing.B) { benchLookups(b, 100_000) }

// BenchmarkCorrelationLookupsMillion is the same against 1,000,000:
// go test -run '^$' -bench CorrelationLookupsMillion -timeout 1h ./internal/store/
func BenchmarkCorrelationLookupsMillion(b *testing.B) { benchLookups(b, 1_000_000) }
