package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestReports(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"RoundTrip", testReportRoundTrip},
		{"Errors", testReportErrors},
		{"ListAndCount", testReportList},
		{"UpdateCase", testUpdateCase},
		{"Notes", testNotes},
		{"Related", testRelated},
		{"RuleHits", testRuleHits},
		{"ConcurrentSubmissions", testConcurrentReports},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
		}
	})
}

// mustReport stores a report with the given fields filled in around the rest.
func mustReport(t testing.TB, db *DB, r *Report, inds []ReportIndicator, rules []string) *Report {
	t.Helper()
	if r.Channel == "" {
		r.Channel = "web"
	}
	if r.Intent == "" {
		r.Intent = IntentReport
	}
	if err := db.CreateReport(context.Background(), r, inds, rules, nil); err != nil {
		t.Fatalf("CreateReport: %v", err)
	}
	return r
}

func testReportRoundTrip(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	r := &Report{
		ReporterID: jane.ID, Channel: "web", Intent: IntentReport, Platform: "linkedin",
		Replied: true, SharedInfo: false, Met: true,
		Title: "Consultancy offer from Amanda Qiu",
		Raw:   []byte("{\"platform\":\"linkedin\"}\x00\xff"), RawName: "approach.json",
		Kind: "message", Score: 87, Level: "critical", Summary: "Paid consultancy offer from a watchlisted headhunter",
		Analysis: []byte(`{"score":87,"level":"critical"}`),
	}
	inds := []ReportIndicator{
		{Type: "person", Value: "amanda qiu", Field: "sender.name"},
		{Type: "domain", Value: "bryr.example", Field: "sender.email"},
		{Type: "domain", Value: "bryr.example", Field: "sender.email"}, // twice: stored once
		{Type: "domain", Value: "bryr.example", Field: "body"},
	}
	data := []byte("%PDF-1.7 pretend")
	atts := []Attachment{
		{Name: "brief.pdf", ContentType: "application/pdf", Data: data},
		{Name: "empty.txt", ContentType: "text/plain", Data: nil},
	}
	if err := db.CreateReport(ctx, r, inds, []string{"paid-consultancy", "watchlist-person", "paid-consultancy"}, atts); err != nil {
		t.Fatalf("CreateReport: %v", err)
	}
	if r.ID == 0 || r.Status != StatusNew || !r.CreatedAt.Equal(t0) || !r.UpdatedAt.Equal(t0) {
		t.Errorf("after CreateReport: id %d status %q created %v updated %v", r.ID, r.Status, r.CreatedAt, r.UpdatedAt)
	}
	got, err := db.GetReport(ctx, r.ID)
	if err != nil {
		t.Fatalf("GetReport: %v", err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("GetReport\n got %+v\nwant %+v", got, r)
	}

	gotInds, err := db.ReportIndicators(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantInds := []ReportIndicator{
		{Type: "domain", Value: "bryr.example", Field: "body"},
		{Type: "domain", Value: "bryr.example", Field: "sender.email"},
		{Type: "person", Value: "amanda qiu", Field: "sender.name"},
	}
	if !reflect.DeepEqual(gotInds, wantInds) {
		t.Errorf("ReportIndicators = %+v, want %+v", gotInds, wantInds)
	}

	sum := sha256.Sum256(data)
	emptySum := sha256.Sum256(nil)
	if atts[0].ID == 0 || atts[0].ReportID != r.ID || atts[0].SHA256 != hex.EncodeToString(sum[:]) || atts[0].Size != int64(len(data)) {
		t.Errorf("attachment after CreateReport: %+v", atts[0])
	}
	list, err := db.ListAttachments(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantList := []Attachment{
		{ID: atts[0].ID, ReportID: r.ID, Name: "brief.pdf", ContentType: "application/pdf", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))},
		{ID: atts[1].ID, ReportID: r.ID, Name: "empty.txt", ContentType: "text/plain", SHA256: hex.EncodeToString(emptySum[:])},
	}
	if !reflect.DeepEqual(list, wantList) {
		t.Errorf("ListAttachments\n got %+v\nwant %+v", list, wantList)
	}
	a, err := db.GetAttachment(ctx, r.ID, atts[0].ID)
	if err != nil {
		t.Fatalf("GetAttachment: %v", err)
	}
	if !bytes.Equal(a.Data, data) || a.Name != "brief.pdf" {
		t.Errorf("GetAttachment = %+v", a)
	}

	// Another report's attachment is not found through this one.
	other := mustReport(t, db, &Report{ReporterID: jane.ID, Title: "other"}, nil, nil)
	if _, err := db.GetAttachment(ctx, other.ID, atts[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetAttachment through another report = %v, want ErrNotFound", err)
	}
	// Nil Raw and Analysis are stored empty.
	got, err = db.GetReport(ctx, other.ID)
	if err != nil || len(got.Raw) != 0 || len(got.Analysis) != 0 {
		t.Errorf("GetReport(other) = raw %q analysis %q, %v", got.Raw, got.Analysis, err)
	}
	if n, err := db.CountAllReports(ctx); err != nil || n != 2 {
		t.Errorf("CountAllReports = %d, %v; want 2", n, err)
	}
}

func testReportErrors(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	tests := []struct {
		name string
		r    *Report
		inds []ReportIndicator
		want error
	}{
		{"nil", nil, nil, ErrInvalid},
		{"unknown reporter", &Report{ReporterID: 999, Channel: "web", Intent: IntentCheck}, nil, ErrInvalid},
		{"bad intent", &Report{ReporterID: jane.ID, Channel: "web", Intent: "gossip"}, nil, ErrInvalid},
		{"bad status", &Report{ReporterID: jane.ID, Channel: "web", Intent: IntentCheck, Status: "lost"}, nil, ErrInvalid},
		{"bad verdict", &Report{ReporterID: jane.ID, Channel: "web", Intent: IntentCheck, Verdict: "guilty"}, nil, ErrInvalid},
		{"score out of range", &Report{ReporterID: jane.ID, Channel: "web", Intent: IntentCheck, Score: 101}, nil, ErrInvalid},
		{"empty indicator", &Report{ReporterID: jane.ID, Channel: "web", Intent: IntentCheck}, []ReportIndicator{{Type: "domain"}}, ErrInvalid},
	}
	for _, tt := range tests {
		if err := db.CreateReport(ctx, tt.r, tt.inds, nil, nil); !errors.Is(err, tt.want) {
			t.Errorf("%s: CreateReport = %v, want %v", tt.name, err, tt.want)
		}
	}
	if n, _ := db.CountAllReports(ctx); n != 0 {
		t.Errorf("rejected reports left %d rows", n)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM report_indicators").Scan(&n); err != nil || n != 0 {
		t.Errorf("a rejected report left %d indicators, %v", n, err)
	}
	if _, err := db.GetReport(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetReport(missing) = %v, want ErrNotFound", err)
	}
	if _, err := db.GetAttachment(ctx, 1, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetAttachment(missing) = %v, want ErrNotFound", err)
	}
	if _, err := db.ListReports(ctx, ReportFilter{Offset: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("ListReports(negative offset) = %v, want ErrInvalid", err)
	}
}

func titles(rs []Report) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Title)
	}
	return out
}

func testReportList(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	bob := mustUser(t, db, "bob@parliament.example", RoleReporter)
	ana := mustUser(t, db, "ana@parliament.example", RoleAnalyst)
	// Created an hour apart, in this order.
	specs := []struct {
		title    string
		reporter int64
		score    int
		level    string
		platform string
		intent   string
	}{
		{"a", jane.ID, 40, "medium", "linkedin", IntentReport},
		{"b", bob.ID, 90, "critical", "email", IntentReport},
		{"c", jane.ID, 90, "critical", "linkedin", IntentCheck},
		{"d", bob.ID, 10, "low", "whatsapp", IntentReport},
		{"e", jane.ID, 40, "medium", "email", IntentReport},
		{"f", bob.ID, 0, "none", "email", IntentCheck},
	}
	ids := map[string]int64{}
	for i, s := range specs {
		c.Set(t0.Add(time.Duration(i) * time.Hour))
		r := mustReport(t, db, &Report{ReporterID: s.reporter, Title: s.title, Score: s.score, Level: s.level,
			Platform: s.platform, Intent: s.intent, Raw: []byte("raw"), Analysis: []byte("{}")}, nil, nil)
		ids[s.title] = r.ID
	}
	assign := ana.ID
	closed, escalated := StatusClosed, StatusEscalated
	if _, err := db.UpdateCase(ctx, ids["b"], CaseUpdate{AssigneeID: &assign, Status: &escalated}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateCase(ctx, ids["d"], CaseUpdate{Status: &closed}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		f    ReportFilter
		want []string
	}{
		{"risk then age", ReportFilter{}, []string{"b", "c", "a", "e", "d", "f"}},
		{"reporter", ReportFilter{ReporterID: jane.ID}, []string{"c", "a", "e"}},
		{"levels", ReportFilter{Levels: []string{"medium", "low"}}, []string{"a", "e", "d"}},
		{"status", ReportFilter{Status: StatusNew}, []string{"c", "a", "e", "f"}},
		{"platform", ReportFilter{Platform: "email"}, []string{"b", "e", "f"}},
		{"intent", ReportFilter{Intent: IntentCheck}, []string{"c", "f"}},
		{"assignee", ReportFilter{AssigneeID: ana.ID}, []string{"b"}},
		{"unassigned", ReportFilter{AssigneeID: -1}, []string{"c", "a", "e", "d", "f"}},
		{"since", ReportFilter{Since: t0.Add(2 * time.Hour)}, []string{"c", "e", "d", "f"}},
		{"until", ReportFilter{Until: t0.Add(2 * time.Hour)}, []string{"b", "a"}},
		{"limit offset", ReportFilter{Limit: 2, Offset: 1}, []string{"c", "a"}},
		{"combined", ReportFilter{ReporterID: bob.ID, Platform: "email", Status: StatusNew}, []string{"f"}},
	}
	for _, tt := range tests {
		rs, err := db.ListReports(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := titles(rs); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ListReports = %q, want %q", tt.name, got, tt.want)
		}
		for _, r := range rs {
			if r.Raw != nil || r.Analysis != nil {
				t.Errorf("%s: ListReports returned Raw or Analysis for %q", tt.name, r.Title)
			}
		}
	}
	rs, _ := db.ListReports(ctx, ReportFilter{AssigneeID: ana.ID})
	if len(rs) != 1 || rs[0].AssigneeID == nil || *rs[0].AssigneeID != ana.ID || rs[0].Status != StatusEscalated {
		t.Errorf("assigned report in list: %+v", rs)
	}

	// Counts ignore Levels and Status but honour the rest.
	cnt, err := db.CountReports(ctx, ReportFilter{ReporterID: bob.ID, Levels: []string{"low"}, Status: StatusClosed, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := ReportCounts{Total: 3,
		ByLevel:  map[string]int{"critical": 1, "low": 1, "none": 1},
		ByStatus: map[string]int{StatusEscalated: 1, StatusClosed: 1, StatusNew: 1}}
	if !reflect.DeepEqual(cnt, want) {
		t.Errorf("CountReports(bob) = %+v, want %+v", cnt, want)
	}
	cnt, err = db.CountReports(ctx, ReportFilter{})
	if err != nil || cnt.Total != 6 || cnt.ByLevel["medium"] != 2 || cnt.ByStatus[StatusNew] != 4 {
		t.Errorf("CountReports(all) = %+v, %v", cnt, err)
	}

	// The limit defaults to 50 and stops at 500.
	for i := 0; i < 55; i++ {
		mustReport(t, db, &Report{ReporterID: jane.ID, Title: fmt.Sprint("bulk", i)}, nil, nil)
	}
	if rs, _ := db.ListReports(ctx, ReportFilter{}); len(rs) != DefaultReportLimit {
		t.Errorf("default list has %d reports, want %d", len(rs), DefaultReportLimit)
	}
	if rs, _ := db.ListReports(ctx, ReportFilter{Limit: 10_000}); len(rs) != 61 {
		t.Errorf("list with a big limit has %d reports, want 61", len(rs))
	}
}

func testUpdateCase(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	ana := mustUser(t, db, "ana@parliament.example", RoleAnalyst)
	r := mustReport(t, db, &Report{ReporterID: jane.ID, Title: "x", Score: 60, Level: "high", Raw: []byte("raw"), Analysis: []byte("{}")}, nil, nil)

	str := func(s string) *string { return &s }
	id := func(i int64) *int64 { return &i }
	c.Set(t0.Add(time.Hour))
	got, err := db.UpdateCase(ctx, r.ID, CaseUpdate{Status: str(StatusTriaging), AssigneeID: id(ana.ID)})
	if err != nil {
		t.Fatalf("UpdateCase: %v", err)
	}
	if got.Status != StatusTriaging || got.AssigneeID == nil || *got.AssigneeID != ana.ID || !got.UpdatedAt.Equal(t0.Add(time.Hour)) ||
		got.Verdict != "" || got.Feedback != "" || got.FeedbackAt != nil || got.Title != "x" || got.Raw != nil {
		t.Errorf("after assigning: %+v", got)
	}
	c.Set(t0.Add(2 * time.Hour))
	got, err = db.UpdateCase(ctx, r.ID, CaseUpdate{Verdict: str(VerdictHostile), Feedback: str("Thank you: do not reply; we have blocked the sender."), AssigneeID: id(0)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Verdict != VerdictHostile || got.Status != StatusTriaging || got.AssigneeID != nil ||
		got.FeedbackAt == nil || !got.FeedbackAt.Equal(t0.Add(2*time.Hour)) || got.Feedback == "" {
		t.Errorf("after verdict and feedback: %+v", got)
	}
	full, err := db.GetReport(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.Raw, got.Analysis = full.Raw, full.Analysis
	if !reflect.DeepEqual(full, got) {
		t.Errorf("GetReport after UpdateCase\n got %+v\nwant %+v", full, got)
	}
	// Clearing the feedback clears its time.
	got, err = db.UpdateCase(ctx, r.ID, CaseUpdate{Feedback: str("")})
	if err != nil || got.FeedbackAt != nil {
		t.Errorf("after clearing feedback: %+v, %v", got, err)
	}

	bad := []struct {
		name string
		u    CaseUpdate
		want error
	}{
		{"status", CaseUpdate{Status: str("done")}, ErrInvalid},
		{"verdict", CaseUpdate{Verdict: str("guilty")}, ErrInvalid},
		{"assignee", CaseUpdate{AssigneeID: id(999)}, ErrInvalid},
	}
	for _, tt := range bad {
		if _, err := db.UpdateCase(ctx, r.ID, tt.u); !errors.Is(err, tt.want) {
			t.Errorf("UpdateCase(bad %s) = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := db.UpdateCase(ctx, 999, CaseUpdate{Status: str(StatusClosed)}); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateCase(missing) = %v, want ErrNotFound", err)
	}
}

func testNotes(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	ana := mustUser(t, db, "ana@parliament.example", RoleAnalyst)
	r := mustReport(t, db, &Report{ReporterID: jane.ID, Title: "x"}, nil, nil)
	other := mustReport(t, db, &Report{ReporterID: jane.ID, Title: "y"}, nil, nil)
	var want []Note
	for i, n := range []Note{
		{ReportID: r.ID, AuthorID: ana.ID, Text: "Looks like the MI5 headhunter."},
		{ReportID: r.ID, AuthorID: ana.ID, Kind: NoteChange, Text: "status: new → triaging"},
		{ReportID: other.ID, AuthorID: ana.ID, Text: "elsewhere"},
		{ReportID: r.ID, Kind: NoteChange, Text: "escalated by the system"},
	} {
		c.Set(t0.Add(time.Duration(i) * time.Minute))
		if err := db.AddNote(ctx, &n); err != nil {
			t.Fatalf("AddNote %d: %v", i, err)
		}
		if n.ID == 0 || !n.CreatedAt.Equal(t0.Add(time.Duration(i)*time.Minute)) || n.Kind == "" {
			t.Errorf("note %d after AddNote: %+v", i, n)
		}
		if n.ReportID == r.ID {
			want = append(want, n)
		}
	}
	got, err := db.ListNotes(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListNotes\n got %+v\nwant %+v", got, want)
	}
	for _, n := range []*Note{{ReportID: 999, Text: "x"}, {ReportID: r.ID, Kind: "rumour", Text: "x"}, {ReportID: r.ID, AuthorID: 999, Text: "x"}} {
		if err := db.AddNote(ctx, n); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddNote(%+v) = %v, want ErrInvalid", n, err)
		}
	}
}

func testRelated(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	domain := ReportIndicator{Type: "domain", Value: "bryr.example", Field: "sender.email"}
	person := ReportIndicator{Type: "person", Value: "amanda qiu", Field: "sender.name"}
	phone := ReportIndicator{Type: "phone", Value: "+8613800000000", Field: "body"}
	mk := func(h int, title string, inds ...ReportIndicator) int64 {
		c.Set(t0.Add(time.Duration(h) * time.Hour))
		return mustReport(t, db, &Report{ReporterID: jane.ID, Title: title, Score: 10 * h, Level: "low"}, inds, nil).ID
	}
	base := mk(0, "base", domain, person, phone)
	a := mk(1, "a", domain)
	b2 := mk(2, "b", person, ReportIndicator{Type: "person", Value: "amanda qiu", Field: "body"}, domain)
	mk(3, "unrelated", ReportIndicator{Type: "domain", Value: "other.example"})
	got, err := db.RelatedReports(ctx, base, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Related{
		{ReportID: b2, Title: "b", Level: "low", Score: 20, CreatedAt: t0.Add(2 * time.Hour), Type: "domain", Value: "bryr.example"},
		{ReportID: b2, Title: "b", Level: "low", Score: 20, CreatedAt: t0.Add(2 * time.Hour), Type: "person", Value: "amanda qiu"},
		{ReportID: a, Title: "a", Level: "low", Score: 10, CreatedAt: t0.Add(time.Hour), Type: "domain", Value: "bryr.example"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RelatedReports\n got %+v\nwant %+v", got, want)
	}
	if got, _ := db.RelatedReports(ctx, base, 1); len(got) != 1 || got[0].ReportID != b2 {
		t.Errorf("RelatedReports(limit 1) = %+v", got)
	}
	got, _ = db.RelatedReports(ctx, a, 0)
	if len(got) != 2 || got[0].ReportID != b2 || got[1].ReportID != base {
		t.Errorf("RelatedReports(a) = %+v, want b then base", got)
	}
	if got, err := db.RelatedReports(ctx, 999, 10); err != nil || len(got) != 0 {
		t.Errorf("RelatedReports(missing) = %+v, %v", got, err)
	}
}

func testRuleHits(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	if hits, err := db.RuleHits(ctx); err != nil || len(hits) != 0 {
		t.Errorf("RuleHits on an empty store = %v, %v", hits, err)
	}
	mustReport(t, db, &Report{ReporterID: jane.ID}, nil, []string{"paid-consultancy", "urgency"})
	mustReport(t, db, &Report{ReporterID: jane.ID}, nil, []string{"paid-consultancy"})
	mustReport(t, db, &Report{ReporterID: jane.ID}, nil, nil)
	hits, err := db.RuleHits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"paid-consultancy": 2, "urgency": 1}; !reflect.DeepEqual(hits, want) {
		t.Errorf("RuleHits = %v, want %v", hits, want)
	}
}

// testConcurrentReports submits reports from many goroutines, each with
// its audit event, as the service does.
func testConcurrentReports(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := submit(ctx, db, jane.ID, w*each+i); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if n, err := db.CountAllReports(ctx); err != nil || n != workers*each {
		t.Errorf("CountAllReports = %d, %v; want %d", n, err, workers*each)
	}
	if n, err := db.VerifyAudit(ctx); err != nil || n != workers*each {
		t.Errorf("VerifyAudit = %d, %v; want %d", n, err, workers*each)
	}
}

// submit stores report number i the way the service does: the report,
// then its audit event.
func submit(ctx context.Context, db *DB, reporter int64, i int) error {
	r := &Report{ReporterID: reporter, Channel: "api", Intent: IntentReport, Platform: "linkedin",
		Title: fmt.Sprintf("approach %d", i), Raw: bytes.Repeat([]byte("x"), 2000), Score: i % 101, Level: "medium",
		Analysis: bytes.Repeat([]byte("{}"), 1000)}
	inds := []ReportIndicator{
		{Type: "email", Value: fmt.Sprintf("sender%d@bryr.example", i%50), Field: "sender.email"},
		{Type: "domain", Value: "bryr.example", Field: "sender.email"},
		{Type: "person", Value: fmt.Sprintf("person %d", i%20), Field: "sender.name"},
		{Type: "url", Value: fmt.Sprintf("https://bryr.example/%d", i), Field: "body"},
		{Type: "organization", Value: "br-yr executive search", Field: "body"},
	}
	if err := db.CreateReport(ctx, r, inds, []string{"paid-consultancy", "watchlist-domain"}, nil); err != nil {
		return fmt.Errorf("report %d: %w", i, err)
	}
	e := &AuditEvent{ActorID: reporter, Actor: "jane@parliament.example", Action: "report.create",
		Target: fmt.Sprintf("report:%d", r.ID), IP: "192.0.2.1"}
	if err := db.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("audit of report %d: %w", i, err)
	}
	return nil
}

// BenchmarkSubmitReport measures what a load test of submissions does:
// CreateReport and AppendAudit from many goroutines at once.
// go test -run '^$' -bench SubmitReport ./internal/store/
func BenchmarkSubmitReport(b *testing.B) {
	benchBackends(b, func(b *testing.B, be backend) {
		ctx := context.Background()
		db, err := Open(ctx, be.fresh(b), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		u := &User{Email: "jane@parliament.example", Role: RoleReporter}
		if err := db.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		n := 0
		b.SetParallelism(4)
		start := time.Now()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				mu.Lock()
				n++
				i := n
				mu.Unlock()
				if err := submit(ctx, db, u.ID, i); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reports/s")
	})
}
