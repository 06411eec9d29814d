package store

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCorrelation(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"ReportsWithIndicators", testReportsWithIndicators},
		{"Bands", testBands},
		{"Signatures", testSignatures},
		{"Sightings", testSightings},
		{"QueryPlans", testLookupPlans},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
		}
	})
}

func testReportsWithIndicators(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	domain := ReportIndicator{Type: "domain", Value: "bryr.example", Field: "sender.email"}
	person := ReportIndicator{Type: "person", Value: "amanda qiu", Field: "sender.name"}
	phone := ReportIndicator{Type: "phone", Value: "+8613800000000", Field: "body"}
	r1 := reportAt(t, db, c, jane.ID, 0, domain, person)
	r2 := reportAt(t, db, c, jane.ID, 1, domain, ReportIndicator{Type: "domain", Value: "bryr.example", Field: "body"})
	r3 := reportAt(t, db, c, jane.ID, 2, person, phone)
	reportAt(t, db, c, jane.ID, 3, ReportIndicator{Type: "domain", Value: "other.example"})
	self := reportAt(t, db, c, jane.ID, 4, domain, person, phone)

	query := []ReportIndicator{domain, person, phone, {Type: "domain", Value: "bryr.example", Field: "body"}, {Type: "email", Value: "nobody@x.example"}}
	got, err := db.ReportsWithIndicators(ctx, query, self, 0)
	if err != nil {
		t.Fatalf("ReportsWithIndicators: %v", err)
	}
	want := map[int64][]ReportIndicator{r1: {domain, person}, r2: {domain}, r3: {person, phone}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReportsWithIndicators\n got %v\nwant %v", got, want)
	}
	// A cap per indicator keeps the newest.
	got, _ = db.ReportsWithIndicators(ctx, []ReportIndicator{domain}, self, 1)
	if want := map[int64][]ReportIndicator{r2: {domain}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ReportsWithIndicators(limit 1) = %v, want %v", got, want)
	}
	got, _ = db.ReportsWithIndicators(ctx, []ReportIndicator{domain}, 0, 0)
	if len(got) != 3 {
		t.Errorf("ReportsWithIndicators(no exclusion) = %v, want r1, r2 and self", got)
	}
	if got, err := db.ReportsWithIndicators(ctx, nil, self, 10); err != nil || len(got) != 0 {
		t.Errorf("ReportsWithIndicators(none) = %v, %v", got, err)
	}
	// Many indicators take more than one statement.
	many := make([]ReportIndicator, 0, 250)
	for i := range 250 {
		many = append(many, ReportIndicator{Type: "url", Value: strings.Repeat("x", i+1)})
	}
	many = append(many, phone)
	if got, err := db.ReportsWithIndicators(ctx, many, self, 10); err != nil || !reflect.DeepEqual(got, map[int64][]ReportIndicator{r3: {phone}}) {
		t.Errorf("ReportsWithIndicators(251 indicators) = %v, %v", got, err)
	}
}

func testBands(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	r1, r2, r3, self := reportAt(t, db, c, jane.ID, 0), reportAt(t, db, c, jane.ID, 1), reportAt(t, db, c, jane.ID, 2), reportAt(t, db, c, jane.ID, 3)
	const high = uint64(1)<<63 | 42 // negative as an int64
	put := func(id int64, bands ...uint64) {
		t.Helper()
		if err := db.PutFingerprint(ctx, id, bands); err != nil {
			t.Fatalf("PutFingerprint(%d): %v", id, err)
		}
	}
	put(r1, 1, 2, 3, high)
	put(r2, 1, 2, 9, 9) // 9 twice: once
	put(r3, 7, 8)
	put(self, 1, 2, 3, high)
	got, err := db.ReportsWithBands(ctx, []uint64{1, 2, 3, high, 3}, self, 0)
	if want := map[int64]int{r1: 4, r2: 2}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ReportsWithBands = %v, %v; want %v", got, err, want)
	}
	got, _ = db.ReportsWithBands(ctx, []uint64{1, 2, high}, self, 1)
	if want := map[int64]int{r2: 2, r1: 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("ReportsWithBands(limit 1) = %v, want %v", got, want)
	}
	// A new fingerprint replaces the old one.
	put(r1, 7)
	got, _ = db.ReportsWithBands(ctx, []uint64{1, 2, 3, high, 7}, self, 0)
	if want := map[int64]int{r1: 1, r2: 2, r3: 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("after replacing r1's bands: %v, want %v", got, want)
	}
	if err := db.PutFingerprint(ctx, 999, []uint64{1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("PutFingerprint(unknown report) = %v, want ErrInvalid", err)
	}
}

func testSignatures(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	r1, r2, r3 := reportAt(t, db, c, jane.ID, 0), reportAt(t, db, c, jane.ID, 1), reportAt(t, db, c, jane.ID, 2)
	sig := bytes.Repeat([]byte{0, 1, 0xff}, 64)
	if err := db.SetReportSignature(ctx, r1, []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := db.SetReportSignature(ctx, r1, sig); err != nil {
		t.Fatal(err)
	}
	if err := db.SetReportSignatures(ctx, map[int64][]byte{r2: []byte("two")}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ReportSignatures(ctx, []int64{r1, r2, r3, r1})
	if want := map[int64][]byte{r1: sig, r2: []byte("two")}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ReportSignatures = %v, %v; want %v", got, err, want)
	}
	if err := db.SetReportSignature(ctx, 999, sig); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetReportSignature(unknown report) = %v, want ErrInvalid", err)
	}
}

func testSightings(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	r1, r2, r3 := reportAt(t, db, c, jane.ID, 1), reportAt(t, db, c, jane.ID, 2), reportAt(t, db, c, jane.ID, 3)
	c.Set(t0.Add(10 * time.Hour))
	now := t0.Add(10 * time.Hour)
	added, err := db.AddSightings(ctx, []Sighting{
		{IndicatorID: "amanda", ReportID: r1, Field: "sender.name", Matched: "Amanda Qiu"},
		{IndicatorID: "amanda", ReportID: r2, Source: SightingHunt, Field: "body", Matched: "Amanda", SeenAt: t0.Add(5 * time.Hour)},
		{IndicatorID: "bryr", ReportID: r2, Field: "sender.email", Matched: "bryr.example"},
		{IndicatorID: "amanda", ReportID: r1, Field: "body"}, // the same again: once
	})
	if err != nil || added != 3 {
		t.Fatalf("AddSightings = %d, %v; want 3", added, err)
	}
	// Again, with one new: idempotent.
	added, err = db.AddSightings(ctx, []Sighting{
		{IndicatorID: "amanda", ReportID: r1, Source: SightingHunt},
		{IndicatorID: "bryr", ReportID: r3, Source: SightingHunt, Field: "body"},
	})
	if err != nil || added != 1 {
		t.Errorf("AddSightings(again) = %d, %v; want 1", added, err)
	}
	got, err := db.SightingsOf(ctx, "amanda", 0)
	want := []Sighting{
		{IndicatorID: "amanda", ReportID: r2, Source: SightingHunt, Field: "body", Matched: "Amanda", SeenAt: t0.Add(5 * time.Hour), CreatedAt: now},
		{IndicatorID: "amanda", ReportID: r1, Source: SightingAnalysis, Field: "sender.name", Matched: "Amanda Qiu", SeenAt: t0.Add(time.Hour), CreatedAt: now},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("SightingsOf(amanda)\n got %+v, %v\nwant %+v", got, err, want)
	}
	if got, _ := db.SightingsOf(ctx, "amanda", 1); len(got) != 1 || got[0].ReportID != r2 {
		t.Errorf("SightingsOf(amanda, 1) = %+v, want r2's", got)
	}
	got, _ = db.SightingsForReport(ctx, r2)
	if len(got) != 2 || got[0].IndicatorID != "amanda" || got[1].IndicatorID != "bryr" || !got[1].SeenAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("SightingsForReport(r2) = %+v", got)
	}
	same, err := db.ReportsSightingSame(ctx, []string{"amanda", "bryr", "nobody"}, r2, 0)
	if want := map[int64][]string{r1: {"amanda"}, r3: {"bryr"}}; err != nil || !reflect.DeepEqual(same, want) {
		t.Errorf("ReportsSightingSame = %v, %v; want %v", same, err, want)
	}
	same, _ = db.ReportsSightingSame(ctx, []string{"amanda", "bryr"}, 0, 1)
	if want := map[int64][]string{r2: {"amanda"}, r3: {"bryr"}}; !reflect.DeepEqual(same, want) {
		t.Errorf("ReportsSightingSame(limit 1) = %v, want %v", same, want)
	}
	counts, err := db.SightingCounts(ctx, []string{"amanda", "bryr", "nobody", "amanda"})
	if want := map[string]int{"amanda": 2, "bryr": 2}; err != nil || !reflect.DeepEqual(counts, want) {
		t.Errorf("SightingCounts = %v, %v; want %v", counts, err, want)
	}
	for _, s := range []Sighting{{IndicatorID: "", ReportID: r1}, {IndicatorID: "x", ReportID: 999}} {
		if _, err := db.AddSightings(ctx, []Sighting{{IndicatorID: "ok", ReportID: r3}, s}); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddSightings(%+v) = %v, want ErrInvalid", s, err)
		}
	}
	if n, _ := db.SightingCounts(ctx, []string{"ok"}); len(n) != 0 {
		t.Errorf("a rejected batch stored sightings: %v", n)
	}
}

// testLookupPlans checks that the look-ups correlation makes for each new
// report read indexes, never a whole table: they must stay fast with a
// million reports.
func testLookupPlans(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	queries := []struct {
		name string
		q    string
		args []any
		// ordered: the rows come in order from the index, so that the
		// LIMIT stops the read (checked on SQLite).
		ordered bool
	}{
		{"indicators", "SELECT DISTINCT report_id FROM report_indicators WHERE type = ? AND value = ? AND report_id <> ? ORDER BY report_id DESC LIMIT ?", []any{"domain", "x", 1, 10}, true},
		{"bands", "SELECT report_id FROM report_bands WHERE band_key = ? AND report_id <> ? ORDER BY report_id DESC LIMIT ?", []any{1, 1, 10}, true},
		{"sightings", "SELECT report_id FROM sightings WHERE indicator_id = ? AND report_id <> ? ORDER BY report_id DESC LIMIT ?", []any{"x", 1, 10}, true},
		{"sightings of", "SELECT " + sightingColumns + " FROM sightings WHERE indicator_id = ? ORDER BY seen_at DESC, report_id DESC LIMIT ?", []any{"x", 10}, true},
		{"campaign of", "SELECT campaign_id FROM campaign_members WHERE report_id IN (?, ?)", []any{1, 2}, false},
		{"signatures", "SELECT report_id, signature FROM report_signatures WHERE report_id IN (?, ?)", []any{1, 2}, false},
		{"open cases", "SELECT COUNT(*) FROM reports WHERE intent = 'report' AND status <> 'closed'", nil, false},
		{"per week", "SELECT level, COUNT(*) FROM reports WHERE created_at >= ? GROUP BY level", []any{db.d.time(t0)}, false},
		{"triage", "SELECT created_at FROM reports WHERE triaged_at IS NOT NULL AND triaged_at >= ?", []any{db.d.time(t0)}, false},
		{"unread", "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", []any{1}, false},
	}
	// One connection, so that the PostgreSQL setting holds.
	conn, err := db.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	explain := "EXPLAIN QUERY PLAN "
	if b.name == Postgres {
		// Planned as on a large table: an empty one is scanned whole.
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, "RESET enable_seqscan")
		explain = "EXPLAIN "
	}
	for _, q := range queries {
		var plan []string
		err := func() error {
			rs, err := conn.QueryContext(ctx, db.d.bind(explain+q.q), q.args...)
			if err != nil {
				return err
			}
			defer rs.Close()
			cols, _ := rs.Columns()
			for rs.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rs.Scan(ptrs...); err != nil {
					return err
				}
				plan = append(plan, asString(vals[len(vals)-1]))
			}
			return rs.Err()
		}()
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		text := strings.Join(plan, "\n")
		bad := strings.Contains(text, "SCAN ") && !strings.Contains(text, "USING COVERING INDEX") && !strings.Contains(text, "USING INDEX")
		if b.name == Postgres {
			bad = strings.Contains(text, "Seq Scan")
		}
		if bad || q.ordered && strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s reads a whole table:\n%s", q.name, text)
		}
	}
}

func asString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}
