package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestCampaigns(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"Lifecycle", testCampaignLifecycle},
		{"Moves", testCampaignMoves},
		{"Errors", testCampaignErrors},
		{"Decisions", testCampaignDecisions},
		{"Targets", testCampaignTargets},
		{"Indicators", testCampaignIndicators},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
		}
	})
}

// reportAt stores a report by reporter that came in at t0 plus h hours.
func reportAt(t *testing.T, db *DB, c *clock, reporter int64, h int, inds ...ReportIndicator) int64 {
	t.Helper()
	c.Set(t0.Add(time.Duration(h) * time.Hour))
	return mustReport(t, db, &Report{ReporterID: reporter, Title: "report", Score: 50, Level: "medium", Raw: []byte("raw"), Analysis: []byte("{}")}, inds, nil).ID
}

func members(reason string, ids ...int64) []CampaignMember {
	var out []CampaignMember
	for _, id := range ids {
		out = append(out, CampaignMember{ReportID: id, Reason: reason, Detail: "detail"})
	}
	return out
}

// wantCampaign checks a campaign's size and first and last seen, in hours after t0.
func wantCampaign(t *testing.T, db *DB, id int64, size, first, last int) {
	t.Helper()
	c, err := db.GetCampaign(context.Background(), id)
	if err != nil {
		t.Fatalf("GetCampaign(%d): %v", id, err)
	}
	wf, wl := t0.Add(time.Duration(first)*time.Hour), t0.Add(time.Duration(last)*time.Hour)
	if c.Size != size || !c.FirstSeen.Equal(wf) || !c.LastSeen.Equal(wl) {
		t.Errorf("campaign %d: size %d, first %v, last %v; want %d, %v, %v", id, c.Size, c.FirstSeen, c.LastSeen, size, wf, wl)
	}
	ms, err := db.CampaignMembers(context.Background(), id)
	if err != nil || len(ms) != size {
		t.Errorf("CampaignMembers(%d) = %d members, %v; want %d", id, len(ms), err, size)
	}
}

func wantGone(t *testing.T, db *DB, id int64) {
	t.Helper()
	if _, err := db.GetCampaign(context.Background(), id); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetCampaign(%d) = %v, want ErrNotFound (deleted)", id, err)
	}
}

func testCampaignLifecycle(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	r1 := reportAt(t, db, c, jane.ID, 3)
	r2 := reportAt(t, db, c, jane.ID, 1)
	r3 := reportAt(t, db, c, jane.ID, 5)
	lone := reportAt(t, db, c, jane.ID, 6)

	c.Set(t0.Add(10 * time.Hour))
	camp := &Campaign{Name: "Amanda Qiu headhunting"}
	ms := members("indicator", r1, r2, r3, r1) // r1 twice: once
	if err := db.CreateCampaign(ctx, camp, ms); err != nil {
		t.Fatalf("CreateCampaign: %v", err)
	}
	now := t0.Add(10 * time.Hour)
	want := Campaign{ID: camp.ID, Name: "Amanda Qiu headhunting", Status: CampaignActive, Size: 3,
		FirstSeen: t0.Add(time.Hour), LastSeen: t0.Add(5 * time.Hour), CreatedAt: now, UpdatedAt: now}
	if camp.ID == 0 || *camp != want {
		t.Errorf("after CreateCampaign\n got %+v\nwant %+v", *camp, want)
	}
	for _, m := range ms {
		if m.CampaignID != camp.ID || !m.AddedAt.Equal(now) {
			t.Errorf("member after CreateCampaign: %+v", m)
		}
	}
	got, err := db.GetCampaign(ctx, camp.ID)
	if err != nil || *got != want {
		t.Errorf("GetCampaign = %+v, %v; want %+v", got, err, want)
	}

	if id, err := db.CampaignOf(ctx, r2); err != nil || id != camp.ID {
		t.Errorf("CampaignOf(r2) = %d, %v; want %d", id, err, camp.ID)
	}
	if id, err := db.CampaignOf(ctx, lone); err != nil || id != 0 {
		t.Errorf("CampaignOf(lone) = %d, %v; want 0, nil", id, err)
	}
	of, err := db.CampaignsOf(ctx, []int64{r1, lone, r3, 999})
	if want := map[int64]int64{r1: camp.ID, r3: camp.ID}; err != nil || !reflect.DeepEqual(of, want) {
		t.Errorf("CampaignsOf = %v, %v; want %v", of, err, want)
	}
	gotMs, err := db.CampaignMembers(ctx, camp.ID)
	wantMs := []CampaignMember{
		{CampaignID: camp.ID, ReportID: r1, Reason: "indicator", Detail: "detail", AddedAt: now},
		{CampaignID: camp.ID, ReportID: r2, Reason: "indicator", Detail: "detail", AddedAt: now},
		{CampaignID: camp.ID, ReportID: r3, Reason: "indicator", Detail: "detail", AddedAt: now},
	}
	if err != nil || !reflect.DeepEqual(gotMs, wantMs) {
		t.Errorf("CampaignMembers\n got %+v, %v\nwant %+v", gotMs, err, wantMs)
	}
	rs, err := db.CampaignReports(ctx, camp.ID, 0)
	if err != nil || len(rs) != 3 || rs[0].ID != r2 || rs[1].ID != r1 || rs[2].ID != r3 || rs[0].Raw != nil || rs[0].Analysis != nil {
		t.Errorf("CampaignReports = %d reports, %v; want r2, r1, r3 (oldest first) without raw and analysis", len(rs), err)
	}
	if rs, _ := db.CampaignReports(ctx, camp.ID, 2); len(rs) != 2 {
		t.Errorf("CampaignReports(limit 2) = %d reports", len(rs))
	}

	c.Set(t0.Add(11 * time.Hour))
	if err := db.RenameCampaign(ctx, camp.ID, "MSS outreach"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCampaignStatus(ctx, camp.ID, CampaignClosed); err != nil {
		t.Fatal(err)
	}
	got, _ = db.GetCampaign(ctx, camp.ID)
	if got.Name != "MSS outreach" || got.Status != CampaignClosed || !got.UpdatedAt.Equal(t0.Add(11*time.Hour)) {
		t.Errorf("after rename and close: %+v", got)
	}

	// Lists: by size, then last seen.
	small := &Campaign{}
	if err := db.CreateCampaign(ctx, small, members("text", lone)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		status        string
		limit, offset int
		want          []int64
	}{
		{"", 0, 0, []int64{camp.ID, small.ID}},
		{CampaignActive, 0, 0, []int64{small.ID}},
		{CampaignClosed, 10, 0, []int64{camp.ID}},
		{"", 1, 1, []int64{small.ID}},
		{"", 0, 2, nil},
	}
	for _, tt := range tests {
		cs, err := db.ListCampaigns(ctx, tt.status, tt.limit, tt.offset)
		var ids []int64
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		if err != nil || !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("ListCampaigns(%q, %d, %d) = %v, %v; want %v", tt.status, tt.limit, tt.offset, ids, err, tt.want)
		}
	}
}

// testCampaignMoves moves reports between campaigns and checks that sizes
// and times follow, and that emptied campaigns go.
func testCampaignMoves(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	var r [7]int64
	for i := range r {
		r[i] = reportAt(t, db, c, jane.ID, i) // report i came in at t0 + i hours
	}
	a, bb, cc := &Campaign{Name: "a"}, &Campaign{Name: "b"}, &Campaign{Name: "c"}
	for _, x := range []struct {
		c   *Campaign
		ids []int64
	}{{a, []int64{r[0], r[1], r[2]}}, {bb, []int64{r[3]}}, {cc, []int64{r[5], r[6]}}} {
		if err := db.CreateCampaign(ctx, x.c, members("indicator", x.ids...)); err != nil {
			t.Fatal(err)
		}
	}

	// r2 moves from a to b.
	if err := db.AddCampaignMembers(ctx, bb.ID, members("text", r[2])); err != nil {
		t.Fatalf("AddCampaignMembers: %v", err)
	}
	wantCampaign(t, db, a.ID, 2, 0, 1)
	wantCampaign(t, db, bb.ID, 2, 2, 3)
	// Adding one already there changes nothing but its reason.
	if err := db.AddCampaignMembers(ctx, bb.ID, members("analyst", r[3], r[4])); err != nil {
		t.Fatal(err)
	}
	wantCampaign(t, db, bb.ID, 3, 2, 4)
	ms, _ := db.CampaignMembers(ctx, bb.ID)
	if ms[1].ReportID != r[3] || ms[1].Reason != "analyst" {
		t.Errorf("re-added member: %+v, want reason analyst", ms[1])
	}
	// The rest of a moves too: a is left empty and goes.
	if err := db.AddCampaignMembers(ctx, bb.ID, members("persona", r[0], r[1])); err != nil {
		t.Fatal(err)
	}
	wantGone(t, db, a.ID)
	wantCampaign(t, db, bb.ID, 5, 0, 4)

	// A new campaign takes a report from c.
	d := &Campaign{Name: "d"}
	if err := db.CreateCampaign(ctx, d, members("text", r[6])); err != nil {
		t.Fatal(err)
	}
	wantCampaign(t, db, cc.ID, 1, 5, 5)
	wantCampaign(t, db, d.ID, 1, 6, 6)

	// Merging moves everything and deletes the source.
	if err := db.MergeCampaigns(ctx, bb.ID, cc.ID); err != nil {
		t.Fatalf("MergeCampaigns: %v", err)
	}
	wantGone(t, db, cc.ID)
	wantCampaign(t, db, bb.ID, 6, 0, 5)
	if id, _ := db.CampaignOf(ctx, r[5]); id != bb.ID {
		t.Errorf("after merge, r5 is in %d, want %d", id, bb.ID)
	}

	// Removing shrinks; removing the last deletes.
	if err := db.RemoveCampaignMembers(ctx, bb.ID, []int64{r[0], r[5], r[6]}); err != nil { // r6 is not in bb
		t.Fatalf("RemoveCampaignMembers: %v", err)
	}
	wantCampaign(t, db, bb.ID, 4, 1, 4)
	if id, _ := db.CampaignOf(ctx, r[6]); id != d.ID {
		t.Errorf("removing a report of another campaign moved it: in %d, want %d", id, d.ID)
	}
	if err := db.RemoveCampaignMembers(ctx, d.ID, []int64{r[6]}); err != nil {
		t.Fatal(err)
	}
	wantGone(t, db, d.ID)

	// Sizes always match the members.
	cs, err := db.ListCampaigns(ctx, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range cs {
		total += c.Size
	}
	of, _ := db.CampaignsOf(ctx, r[:])
	if len(cs) != 1 || total != len(of) {
		t.Errorf("%d campaigns of total size %d; %d reports in campaigns", len(cs), total, len(of))
	}
}

func testCampaignErrors(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	r1 := reportAt(t, db, c, jane.ID, 0)
	r2 := reportAt(t, db, c, jane.ID, 1)
	camp := &Campaign{}
	if err := db.CreateCampaign(ctx, camp, members("indicator", r1)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"create without members", db.CreateCampaign(ctx, &Campaign{}, nil), ErrInvalid},
		{"create with bad status", db.CreateCampaign(ctx, &Campaign{Status: "paused"}, members("x", r2)), ErrInvalid},
		{"create with unknown report", db.CreateCampaign(ctx, &Campaign{}, members("x", 999)), ErrInvalid},
		{"add to unknown campaign", db.AddCampaignMembers(ctx, 999, members("x", r2)), ErrNotFound},
		{"add unknown report", db.AddCampaignMembers(ctx, camp.ID, members("x", 999)), ErrInvalid},
		{"add report 0", db.AddCampaignMembers(ctx, camp.ID, members("x", 0)), ErrInvalid},
		{"merge into itself", db.MergeCampaigns(ctx, camp.ID, camp.ID), ErrInvalid},
		{"merge unknown", db.MergeCampaigns(ctx, camp.ID, 999), ErrNotFound},
		{"merge into unknown", db.MergeCampaigns(ctx, 999, camp.ID), ErrNotFound},
		{"remove from unknown", db.RemoveCampaignMembers(ctx, 999, []int64{r1}), ErrNotFound},
		{"rename unknown", db.RenameCampaign(ctx, 999, "x"), ErrNotFound},
		{"status unknown", db.SetCampaignStatus(ctx, 999, CampaignClosed), ErrNotFound},
		{"bad status", db.SetCampaignStatus(ctx, camp.ID, "paused"), ErrInvalid},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if _, err := db.GetCampaign(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetCampaign(missing) = %v, want ErrNotFound", err)
	}
	if _, err := db.ListCampaigns(ctx, "", 0, -1); !errors.Is(err, ErrInvalid) {
		t.Errorf("ListCampaigns(offset -1) = %v, want ErrInvalid", err)
	}
	// Failed calls changed nothing.
	wantCampaign(t, db, camp.ID, 1, 0, 0)
	if cs, _ := db.ListCampaigns(ctx, "", 0, 0); len(cs) != 1 {
		t.Errorf("%d campaigns after failed calls, want 1", len(cs))
	}
}

func testCampaignDecisions(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	ana := mustUser(t, db, "ana@parliament.example", RoleAnalyst)
	r1, r2, r3 := reportAt(t, db, c, jane.ID, 0), reportAt(t, db, c, jane.ID, 1), reportAt(t, db, c, jane.ID, 2)
	camp := &Campaign{}
	if err := db.CreateCampaign(ctx, camp, members("indicator", r1, r2, r3)); err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(time.Hour))
	ds := []*CampaignDecision{
		{Kind: DecisionApart, ReportA: r1, ReportB: r3, ActorID: ana.ID},
		{Kind: DecisionTogether, ReportA: r2, ReportB: r1},
	}
	for _, d := range ds {
		if err := db.AddCampaignDecision(ctx, d); err != nil {
			t.Fatalf("AddCampaignDecision: %v", err)
		}
		if d.ID == 0 || !d.CreatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after AddCampaignDecision: %+v", d)
		}
	}
	for _, d := range []*CampaignDecision{
		{Kind: "maybe", ReportA: r1, ReportB: r2},
		{Kind: DecisionApart, ReportA: r1, ReportB: r1},
		{Kind: DecisionApart, ReportA: r1, ReportB: 999},
		{Kind: DecisionApart, ReportA: r1, ReportB: r2, ActorID: 999},
	} {
		if err := db.AddCampaignDecision(ctx, d); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddCampaignDecision(%+v) = %v, want ErrInvalid", d, err)
		}
	}
	if err := db.ResetCampaigns(ctx); err != nil {
		t.Fatalf("ResetCampaigns: %v", err)
	}
	wantGone(t, db, camp.ID)
	if id, _ := db.CampaignOf(ctx, r1); id != 0 {
		t.Errorf("after reset r1 is in campaign %d", id)
	}
	all, err := db.CampaignDecisions(ctx)
	want := []CampaignDecision{*ds[0], *ds[1]}
	if err != nil || !reflect.DeepEqual(all, want) {
		t.Errorf("CampaignDecisions after reset\n got %+v, %v\nwant %+v", all, err, want)
	}
	for _, tt := range []struct {
		ids  []int64
		want []CampaignDecision
	}{
		{[]int64{r3}, want[:1]},
		{[]int64{r2}, want[1:]},
		{[]int64{r1, r2, r3}, want},
		{[]int64{999}, nil},
	} {
		if got, err := db.DecisionsFor(ctx, tt.ids); err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DecisionsFor(%v) = %+v, %v; want %+v", tt.ids, got, err, tt.want)
		}
	}
	// The campaigns can be built again.
	if err := db.CreateCampaign(ctx, &Campaign{}, members("indicator", r1, r2)); err != nil {
		t.Errorf("CreateCampaign after reset: %v", err)
	}
}

func testCampaignTargets(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	if _, _, err := db.PutPeople(ctx, directory()); err != nil {
		t.Fatal(err)
	}
	alice := &User{Email: "alice.barton@parliament.example", Name: "Alice B.", Role: RoleReporter, Office: "somewhere"}
	bjorn := &User{Email: "bjorn.muller@parliament.example", Role: RoleReporter} // no name: the directory's
	zed := &User{Email: "zed@parliament.example", Name: "Zed", Role: RoleAnalyst, Office: "Security"}
	for _, u := range []*User{alice, bjorn, zed} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	ids := []int64{
		reportAt(t, db, c, bjorn.ID, 1),
		reportAt(t, db, c, alice.ID, 2),
		reportAt(t, db, c, bjorn.ID, 3),
		reportAt(t, db, c, zed.ID, 4),
		reportAt(t, db, c, bjorn.ID, 5),
	}
	reportAt(t, db, c, alice.ID, 6) // not in the campaign
	camp := &Campaign{}
	if err := db.CreateCampaign(ctx, camp, members("indicator", ids...)); err != nil {
		t.Fatal(err)
	}
	got, err := db.CampaignTargets(ctx, camp.ID)
	if err != nil {
		t.Fatalf("CampaignTargets: %v", err)
	}
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	want := []Target{
		{UserID: bjorn.ID, Name: "Björn Müller", Email: bjorn.Email, Role: "staff", Office: "Committee Office",
			Committees: []string{"Intelligence and Security"}, Reports: 3, FirstSeen: h(1), LastSeen: h(5)},
		{UserID: alice.ID, Name: "Alice B.", Email: alice.Email, Role: "member", Office: "Office of Alice Barton", Party: "Green",
			Committees: []string{"Foreign Affairs", "Defence"}, Reports: 1, FirstSeen: h(2), LastSeen: h(2)},
		{UserID: zed.ID, Name: "Zed", Email: zed.Email, Role: RoleAnalyst, Office: "Security", Reports: 1, FirstSeen: h(4), LastSeen: h(4)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CampaignTargets\n got %+v\nwant %+v", got, want)
	}
	if got, err := db.CampaignTargets(ctx, 999); err != nil || len(got) != 0 {
		t.Errorf("CampaignTargets(missing) = %+v, %v", got, err)
	}
}

func testCampaignIndicators(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	domain := ReportIndicator{Type: "domain", Value: "bryr.example", Field: "sender.email"}
	person := ReportIndicator{Type: "person", Value: "amanda qiu", Field: "sender.name"}
	url := ReportIndicator{Type: "url", Value: "https://bryr.example/x", Field: "body"}
	ids := []int64{
		reportAt(t, db, c, jane.ID, 0, domain, person, ReportIndicator{Type: "person", Value: "amanda qiu", Field: "body"}),
		reportAt(t, db, c, jane.ID, 1, domain, person),
		reportAt(t, db, c, jane.ID, 2, domain, url),
	}
	reportAt(t, db, c, jane.ID, 3, url, url) // outside the campaign
	camp := &Campaign{}
	if err := db.CreateCampaign(ctx, camp, members("indicator", ids...)); err != nil {
		t.Fatal(err)
	}
	got, err := db.CampaignIndicators(ctx, camp.ID, 2)
	want := []SharedIndicator{{"domain", "bryr.example", 3}, {"person", "amanda qiu", 2}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("CampaignIndicators(2) = %+v, %v; want %+v", got, err, want)
	}
	got, _ = db.CampaignIndicators(ctx, camp.ID, 0)
	if len(got) != 3 || got[2] != (SharedIndicator{"url", "https://bryr.example/x", 1}) {
		t.Errorf("CampaignIndicators(0) = %+v, want all three, url last with 1", got)
	}
}
