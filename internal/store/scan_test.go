package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestScans(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"ReportsAfter", testReportsAfter},
		{"UpdateAnalysis", testUpdateAnalysis},
		{"BulkCreateReports", testBulkCreateReports},
		{"BulkCreateErrors", testBulkCreateErrors},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
		}
	})
}

func testReportsAfter(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	if id, err := db.MaxReportID(ctx); err != nil || id != 0 {
		t.Errorf("MaxReportID(empty) = %d, %v", id, err)
	}
	var ids []int64
	for i := range 5 {
		c.Set(t0.Add(time.Duration(i) * time.Hour))
		r := mustReport(t, db, &Report{ReporterID: jane.ID, Kind: "email", Title: "t", Raw: []byte(fmt.Sprintf("raw %d", i)), Analysis: []byte("{}")}, nil, nil)
		ids = append(ids, r.ID)
	}
	if id, err := db.MaxReportID(ctx); err != nil || id != ids[4] {
		t.Errorf("MaxReportID = %d, %v; want %d", id, err, ids[4])
	}
	got, err := db.ReportIDsAfter(ctx, ids[1], 2)
	if err != nil || !reflect.DeepEqual(got, ids[2:4]) {
		t.Errorf("ReportIDsAfter(%d, 2) = %v, %v; want %v", ids[1], got, err, ids[2:4])
	}
	if got, _ := db.ReportIDsAfter(ctx, 0, 0); !reflect.DeepEqual(got, ids) {
		t.Errorf("ReportIDsAfter(0, 0) = %v, want all %v", got, ids)
	}
	// A resumable scan: page by page from the last ID seen.
	var scanned []Report
	for after := int64(0); ; {
		page, err := db.ReportsRawAfter(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		scanned = append(scanned, page...)
		after = page[len(page)-1].ID
	}
	if len(scanned) != 5 {
		t.Fatalf("scan read %d reports, want 5", len(scanned))
	}
	want := Report{ID: ids[3], ReporterID: jane.ID, Kind: "email", Raw: []byte("raw 3"), CreatedAt: t0.Add(3 * time.Hour)}
	if !reflect.DeepEqual(scanned[3], want) {
		t.Errorf("ReportsRawAfter row\n got %+v\nwant %+v", scanned[3], want)
	}
}

func testUpdateAnalysis(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	old := []ReportIndicator{{Type: "domain", Value: "old.example", Field: "body"}}
	r := mustReport(t, db, &Report{ReporterID: jane.ID, Score: 10, Level: "low", Summary: "old", Analysis: []byte(`{"score":10}`)}, old, []string{"urgency"})
	other := mustReport(t, db, &Report{ReporterID: jane.ID}, old, []string{"urgency"})

	c.Set(t0.Add(time.Hour))
	inds := []ReportIndicator{{Type: "domain", Value: "bryr.example", Field: "sender.email"}, {Type: "person", Value: "amanda qiu", Field: "sender.name"}}
	if err := db.UpdateAnalysis(ctx, r.ID, 90, "critical", "watchlisted", []byte(`{"score":90}`), inds, []string{"watchlist-person", "urgency", "urgency"}); err != nil {
		t.Fatalf("UpdateAnalysis: %v", err)
	}
	got, err := db.GetReport(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Score != 90 || got.Level != "critical" || got.Summary != "watchlisted" || !bytes.Equal(got.Analysis, []byte(`{"score":90}`)) ||
		!got.UpdatedAt.Equal(t0.Add(time.Hour)) || got.Status != StatusNew || !got.CreatedAt.Equal(t0) {
		t.Errorf("after UpdateAnalysis: %+v", got)
	}
	gotInds, _ := db.ReportIndicators(ctx, r.ID)
	if !reflect.DeepEqual(gotInds, inds) {
		t.Errorf("indicators after UpdateAnalysis = %v, want %v", gotInds, inds)
	}
	if hits, _ := db.RuleHits(ctx); !reflect.DeepEqual(hits, map[string]int{"urgency": 2, "watchlist-person": 1}) {
		t.Errorf("RuleHits after UpdateAnalysis = %v", hits)
	}
	if gotInds, _ := db.ReportIndicators(ctx, other.ID); !reflect.DeepEqual(gotInds, old) {
		t.Errorf("the other report's indicators changed: %v", gotInds)
	}
	// Nothing left: no indicators, no rules.
	if err := db.UpdateAnalysis(ctx, r.ID, 0, "none", "", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if gotInds, _ := db.ReportIndicators(ctx, r.ID); len(gotInds) != 0 {
		t.Errorf("indicators after clearing: %v", gotInds)
	}
	if err := db.UpdateAnalysis(ctx, 999, 1, "low", "", nil, nil, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateAnalysis(missing) = %v, want ErrNotFound", err)
	}
	if err := db.UpdateAnalysis(ctx, r.ID, 101, "critical", "", nil, nil, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("UpdateAnalysis(score 101) = %v, want ErrInvalid", err)
	}
}

func testBulkCreateReports(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	first := mustReport(t, db, &Report{ReporterID: jane.ID}, nil, nil)
	c.Set(t0.Add(time.Hour))
	triaged := t0.Add(-time.Hour)
	const n = 700 // more than one statement of reports
	reports := make([]*Report, n)
	inds := make([][]ReportIndicator, n)
	bands := make([][]uint64, n)
	for i := range reports {
		reports[i] = &Report{ReporterID: jane.ID, Channel: "web", Intent: IntentReport, Title: fmt.Sprintf("bulk %d", i),
			Raw: []byte(fmt.Sprintf("raw %d", i)), Score: i % 101, Level: "low", Analysis: []byte("{}")}
		if i%2 == 0 {
			reports[i].CreatedAt = t0.Add(-time.Duration(i) * time.Minute)
			reports[i].Status, reports[i].TriagedAt = StatusTriaging, &triaged
		}
		inds[i] = []ReportIndicator{
			{Type: "domain", Value: "bryr.example", Field: "sender.email"},
			{Type: "email", Value: fmt.Sprintf("s%d@bryr.example", i%10), Field: "sender.email"},
			{Type: "email", Value: fmt.Sprintf("s%d@bryr.example", i%10), Field: "sender.email"}, // twice: once
		}
		bands[i] = []uint64{uint64(i % 7), 1<<63 | uint64(i), uint64(i % 7)}
	}
	if err := db.BulkCreateReports(ctx, reports, inds, bands); err != nil {
		t.Fatalf("BulkCreateReports: %v", err)
	}
	for i, r := range reports {
		if r.ID != first.ID+1+int64(i) {
			t.Fatalf("report %d has ID %d, want %d", i, r.ID, first.ID+1+int64(i))
		}
	}
	if n, _ := db.CountAllReports(ctx); n != 701 {
		t.Errorf("CountAllReports = %d, want 701", n)
	}
	for _, i := range []int{0, 1, 699} {
		got, err := db.GetReport(ctx, reports[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *reports[i]
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("GetReport(bulk %d)\n got %+v\nwant %+v", i, got, &want)
		}
	}
	if r := reports[1]; !r.CreatedAt.Equal(t0.Add(time.Hour)) || !r.UpdatedAt.Equal(r.CreatedAt) || r.Status != StatusNew || r.TriagedAt != nil {
		t.Errorf("defaults: %+v", r)
	}
	got, _ := db.ReportIndicators(ctx, reports[3].ID)
	if len(got) != 2 {
		t.Errorf("bulk report 3 has indicators %v, want 2", got)
	}
	sharing, _ := db.ReportsWithIndicators(ctx, []ReportIndicator{{Type: "email", Value: "s3@bryr.example"}}, reports[3].ID, 0)
	if len(sharing) != 69 {
		t.Errorf("%d reports share s3@bryr.example with report 3, want 69", len(sharing))
	}
	withBands, _ := db.ReportsWithBands(ctx, bands[3], reports[3].ID, 0)
	if len(withBands) != 99 {
		t.Errorf("%d reports share a band with report 3, want 99", len(withBands))
	}
	// Another call continues the IDs; CreateReport after it too.
	more := []*Report{{ReporterID: jane.ID, Channel: "api", Intent: IntentCheck}}
	if err := db.BulkCreateReports(ctx, more, nil, nil); err != nil {
		t.Fatal(err)
	}
	last := mustReport(t, db, &Report{ReporterID: jane.ID}, nil, nil)
	if more[0].ID != reports[n-1].ID+1 || last.ID != more[0].ID+1 {
		t.Errorf("IDs after bulk: %d then %d, want %d then %d", more[0].ID, last.ID, reports[n-1].ID+1, reports[n-1].ID+2)
	}
	if err := db.BulkCreateReports(ctx, nil, nil, nil); err != nil {
		t.Errorf("BulkCreateReports(none) = %v", err)
	}
}

func testBulkCreateErrors(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	ok := func() *Report { return &Report{ReporterID: jane.ID, Channel: "web", Intent: IntentReport} }
	tests := []struct {
		name    string
		reports []*Report
		inds    [][]ReportIndicator
		bands   [][]uint64
	}{
		{"nil report", []*Report{ok(), nil}, nil, nil},
		{"bad status", []*Report{ok(), {ReporterID: jane.ID, Intent: IntentReport, Status: "done"}}, nil, nil},
		{"unknown reporter", []*Report{ok(), {ReporterID: 999, Intent: IntentReport}}, nil, nil},
		{"bad intent", []*Report{ok(), {ReporterID: jane.ID, Intent: "maybe"}}, nil, nil},
		{"short inds", []*Report{ok(), ok()}, [][]ReportIndicator{nil}, nil},
		{"short bands", []*Report{ok(), ok()}, nil, [][]uint64{nil}},
		{"empty indicator", []*Report{ok()}, [][]ReportIndicator{{{Type: "domain"}}}, nil},
	}
	for _, tt := range tests {
		if err := db.BulkCreateReports(ctx, tt.reports, tt.inds, tt.bands); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: BulkCreateReports = %v, want ErrInvalid", tt.name, err)
		}
	}
	if n, _ := db.CountAllReports(ctx); n != 0 {
		t.Errorf("rejected calls stored %d reports", n)
	}
}
