package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestDashboard(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"ReportsPerWeek", testReportsPerWeek},
		{"TriageTimes", testTriageTimes},
		{"OpenCases", testOpenCases},
		{"TargetedBy", testTargetedBy},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
		}
	})
}

func testReportsPerWeek(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	at := func(s, level string) {
		t.Helper()
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		c.Set(tm)
		mustReport(t, db, &Report{ReporterID: jane.ID, Level: level}, nil, nil)
	}
	// 2026-01-05 and 2026-01-12 are Mondays.
	at("2025-12-31T10:00:00Z", "high")          // before since
	at("2026-01-05T00:00:00Z", "high")          // the first instant of a week
	at("2026-01-08T12:00:00Z", "low")           // Thursday
	at("2026-01-11T23:59:59.999999Z", "high")   // the last instant of the same week (Sunday)
	at("2026-01-12T00:00:00Z", "high")          // the next week
	at("2026-01-12T01:30:00+02:00", "critical") // 2026-01-11T23:30Z: Sunday in UTC
	at("2026-01-20T09:00:00Z", "low")           // a week later
	at("2026-01-25T23:00:00-05:00", "low")      // Monday 2026-01-26 04:00 in UTC
	got, err := db.ReportsPerWeek(ctx, time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("ReportsPerWeek: %v", err)
	}
	d := func(day int) time.Time { return time.Date(2026, 1, day, 0, 0, 0, 0, time.UTC) }
	want := []WeekCount{
		{d(5), "critical", 1}, {d(5), "high", 2}, {d(5), "low", 1},
		{d(12), "high", 1},
		{d(19), "low", 1},
		{d(26), "low", 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReportsPerWeek\n got %v\nwant %v", got, want)
	}
	if got, err := db.ReportsPerWeek(ctx, d(27)); err != nil || len(got) != 0 {
		t.Errorf("ReportsPerWeek(after all) = %v, %v", got, err)
	}
}

func testTriageTimes(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	if m, p, n, err := db.TriageTimes(ctx, t0); err != nil || m != 0 || p != 0 || n != 0 {
		t.Errorf("TriageTimes(none) = %v, %v, %d, %v", m, p, n, err)
	}
	str := func(s string) *string { return &s }
	// Report i comes in at t0 and is triaged after waits[i].
	waits := []time.Duration{10 * time.Minute, 2 * time.Hour, 30 * time.Minute, 1500 * time.Millisecond, 5 * time.Hour,
		time.Hour, 20 * time.Minute, 45 * time.Minute, 3 * time.Hour, 90 * time.Minute}
	for _, w := range waits {
		c.Set(t0)
		r := mustReport(t, db, &Report{ReporterID: jane.ID}, nil, nil)
		c.Set(t0.Add(w))
		got, err := db.UpdateCase(ctx, r.ID, CaseUpdate{Status: str(StatusTriaging)})
		if err != nil {
			t.Fatal(err)
		}
		if got.TriagedAt == nil || !got.TriagedAt.Equal(t0.Add(w)) {
			t.Errorf("TriagedAt after leaving new = %v, want %v", got.TriagedAt, t0.Add(w))
		}
		// Later changes keep the first time.
		c.Set(t0.Add(w + 24*time.Hour))
		if got, _ := db.UpdateCase(ctx, r.ID, CaseUpdate{Status: str(StatusClosed)}); got.TriagedAt == nil || !got.TriagedAt.Equal(t0.Add(w)) {
			t.Errorf("TriagedAt after closing = %v, want %v", got.TriagedAt, t0.Add(w))
		}
	}
	// Untriaged, or back to new without leaving it: no time.
	c.Set(t0)
	r := mustReport(t, db, &Report{ReporterID: jane.ID}, nil, nil)
	if got, _ := db.UpdateCase(ctx, r.ID, CaseUpdate{Status: str(StatusNew)}); got.TriagedAt != nil {
		t.Errorf("TriagedAt after staying new = %v", got.TriagedAt)
	}
	// Sorted: 1.5s 10m 20m 30m 45m | 1h 90m 2h 3h 5h: the median is the
	// 5th (nearest rank), the 90th percentile the 9th.
	median, p90, n, err := db.TriageTimes(ctx, t0)
	if err != nil || median != 45*time.Minute || p90 != 3*time.Hour || n != 10 {
		t.Errorf("TriageTimes = %v, %v, %d, %v; want 45m, 3h, 10", median, p90, n, err)
	}
	// Since counts when the report was triaged.
	median, _, n, _ = db.TriageTimes(ctx, t0.Add(2*time.Hour))
	if n != 3 || median != 3*time.Hour {
		t.Errorf("TriageTimes(since 2h) = median %v of %d, want 3h of 3", median, n)
	}
}

func testOpenCases(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	str := func(s string) *string { return &s }
	for _, x := range []struct {
		intent, status string
	}{
		{IntentReport, StatusNew}, {IntentReport, StatusTriaging}, {IntentReport, StatusEscalated},
		{IntentReport, StatusClosed}, {IntentCheck, StatusNew}, {IntentCheck, StatusTriaging},
	} {
		r := mustReport(t, db, &Report{ReporterID: jane.ID, Intent: x.intent}, nil, nil)
		if x.status != StatusNew {
			if _, err := db.UpdateCase(ctx, r.ID, CaseUpdate{Status: str(x.status)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, err := db.OpenCases(ctx); err != nil || n != 3 {
		t.Errorf("OpenCases = %d, %v; want 3", n, err)
	}
}

func testTargetedBy(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	if _, _, err := db.PutPeople(ctx, directory()); err != nil {
		t.Fatal(err)
	}
	alice := &User{Email: "alice.barton@parliament.example", Role: RoleReporter} // member, Office of Alice Barton
	bjorn := &User{Email: "bjorn.muller@parliament.example", Role: RoleReporter} // staff, Committee Office
	chen := &User{Email: "chen.wei@parliament.example", Role: RoleReporter}      // peer, House of Lords
	zed := &User{Email: "zed@parliament.example", Role: RoleReporter, Office: "Committee Office"}
	for _, u := range []*User{alice, bjorn, chen, zed} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// One report each before since, then bjorn 3, alice 2, zed 2, chen 1.
	for _, u := range []*User{alice, bjorn, chen, zed} {
		reportAt(t, db, c, u.ID, -1)
	}
	for _, u := range []*User{bjorn, bjorn, bjorn, alice, alice, zed, zed, chen} {
		reportAt(t, db, c, u.ID, 1)
	}
	got, err := db.TargetedBy(ctx, "role", t0, 0)
	want := []Count{{"staff", 3}, {"member", 2}, {"reporter", 2}, {"peer", 1}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("TargetedBy(role) = %v, %v; want %v", got, err, want)
	}
	got, err = db.TargetedBy(ctx, "office", t0, 2)
	want = []Count{{"Committee Office", 5}, {"Office of Alice Barton", 2}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("TargetedBy(office, 2) = %v, %v; want %v", got, err, want)
	}
	if _, err := db.TargetedBy(ctx, "email", t0, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("TargetedBy(email) = %v, want ErrInvalid", err)
	}
}
