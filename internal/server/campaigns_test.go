package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// lure is one campaign's message; each recipient gets it with their own
// name, a different greeting and amount, and a different sender name.
func lure(greeting, name, amount, sender, profile string) []byte {
	return fmt.Appendf(nil, `{"format":"portcullis.approach/v1","platform":"linkedin","kind":"message",
 "sender":{"name":%q,"headline":"Director, Global Policy Insight","profile_url":%q},
 "messages":[{"from":"sender","text":"%s %s, I lead research at an independent policy institute in Hong Kong. We commission short analytical papers from people with parliamentary experience on the thinking behind upcoming trade legislation. The fee is %s per paper, paid promptly, and we can arrange an all-expenses-paid visit to meet our board. Your insight would be valued and treated with complete discretion. Shall we continue on WhatsApp?"}]}`,
		sender, profile, greeting, name, amount)
}

func submit(t *testing.T, srv *Server, u *store.User, raw []byte) *store.Report {
	t.Helper()
	r, _, err := srv.Service().Submit(context.Background(), u, reports.Submission{Channel: "web", Raw: raw})
	if err != nil {
		t.Fatal(err)
	}
	// Correlation runs behind the request: wait for it.
	if err := srv.Service().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

func campaignOf(t *testing.T, srv *Server, id int64) int64 {
	t.Helper()
	c, err := srv.Store().CampaignOf(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCampaigns: near-identical lures to different people (different
// names, greetings, amounts and sender names, no shared indicator) form
// one campaign; a report sharing a profile joins it; an unrelated report
// stays alone; an analyst's split and merge survive a rebuild.
func TestCampaigns(t *testing.T) {
	srv := startServer(t, Config{})
	ctx := context.Background()
	an := addUser(t, srv, "sam@parliament.uk", "Sam Analyst", store.RoleAnalyst)
	var users []*store.User
	for i, n := range []string{"Jo Bloggs", "Priya Shah", "Tom Evans", "Ann Lee"} {
		users = append(users, addUser(t, srv, fmt.Sprintf("u%d@parliament.uk", i), n, store.RoleReporter))
	}
	a := submit(t, srv, users[0], lure("Dear", "Jo", "£5,000", "Helen Zhao", "https://www.linkedin.com/in/helen-zhao-policy"))
	b := submit(t, srv, users[1], lure("Hi", "Priya", "$7,500", "Grace Lin", "https://www.linkedin.com/in/grace-lin-88"))
	c := submit(t, srv, users[2], lure("Hello", "Tom", "€6,000", "Mia Chen", "https://www.linkedin.com/in/mia-chen-research"))
	// Shares Grace Lin's profile, with a different text.
	d := submit(t, srv, users[3], []byte(`{"format":"portcullis.approach/v1","platform":"linkedin","kind":"connection_request",
 "sender":{"name":"Grace Lin","profile_url":"https://www.linkedin.com/in/grace-lin-88"},
 "messages":[{"from":"sender","text":"I'd like to add you to my professional network."}]}`))
	other := submit(t, srv, users[3], []byte(`{"format":"portcullis.approach/v1","platform":"email","kind":"message",
 "sender":{"name":"Committee Clerk","email":"clerk@example.org"},
 "messages":[{"from":"sender","text":"The committee meeting on Tuesday has moved to room 14. Papers are on the intranet."}]}`))

	ca := campaignOf(t, srv, a.ID)
	if ca == 0 {
		t.Fatal("the first two near-identical lures did not form a campaign")
	}
	for _, r := range []*store.Report{b, c, d} {
		if got := campaignOf(t, srv, r.ID); got != ca {
			t.Errorf("report %d (%s) is in campaign %d, want %d", r.ID, r.Title, got, ca)
		}
	}
	if got := campaignOf(t, srv, other.ID); got != 0 {
		t.Errorf("an unrelated report joined campaign %d", got)
	}
	v, err := srv.Service().Campaign(ctx, an, ca, "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Campaign.Size != 4 || len(v.Targets) != 4 {
		t.Errorf("campaign size %d with %d targets, want 4 and 4", v.Campaign.Size, len(v.Targets))
	}
	// Analysts see the campaign in the app, with a graph.
	resp := get(t, srv, an, fmt.Sprintf("/campaigns/%d", ca))
	if !strings.Contains(resp, "<svg") || !strings.Contains(resp, "Priya Shah") {
		t.Errorf("campaign page lacks the graph or a target")
	}

	// Split report c off; then rebuild: the split stands, the rest regroup.
	if _, err := srv.Service().SplitCampaign(ctx, an, ca, []int64{c.ID}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Service().RebuildCampaigns(ctx, nil); err != nil {
		t.Fatal(err)
	}
	ca = campaignOf(t, srv, a.ID)
	if ca == 0 || campaignOf(t, srv, b.ID) != ca || campaignOf(t, srv, d.ID) != ca {
		t.Errorf("after rebuild a, b, d are in %d, %d, %d; want one campaign", ca, campaignOf(t, srv, b.ID), campaignOf(t, srv, d.ID))
	}
	if got := campaignOf(t, srv, c.ID); got == ca && got != 0 {
		t.Errorf("the split-off report rejoined campaign %d after a rebuild", got)
	}

	// A second campaign: two copies of a different lure.
	other2 := func(name string) []byte {
		return fmt.Appendf(nil, `{"format":"portcullis.approach/v1","platform":"email","kind":"message",
 "sender":{"name":"Recruitment Desk","email":"desk@talent-bridge.example"},
 "messages":[{"from":"sender","text":"Hi %s, a confidential client is hiring a senior adviser on China-UK relations; the package includes generous travel and a signing bonus. Could we have a quick call this week to discuss your background and availability?"}]}`, name)
	}
	y1 := submit(t, srv, users[0], other2("Jo"))
	y2 := submit(t, srv, users[1], other2("Priya"))
	cy := campaignOf(t, srv, y1.ID)
	if cy == 0 || cy == ca || campaignOf(t, srv, y2.ID) != cy {
		t.Fatalf("second lure: campaigns %d and %d (first campaign %d)", cy, campaignOf(t, srv, y2.ID), ca)
	}
	// The analyst decides they are one operation; a rebuild keeps that.
	if err := srv.Service().MergeCampaigns(ctx, an, ca, cy, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Service().RebuildCampaigns(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if campaignOf(t, srv, y1.ID) != campaignOf(t, srv, a.ID) || campaignOf(t, srv, a.ID) == 0 {
		t.Errorf("the analyst's merge did not survive a rebuild: %d vs %d", campaignOf(t, srv, y1.ID), campaignOf(t, srv, a.ID))
	}
	if got := campaignOf(t, srv, c.ID); got == campaignOf(t, srv, a.ID) && got != 0 {
		t.Errorf("the split-off report rejoined after the second rebuild")
	}
}

// get fetches a page as u, through a real session.
func get(t *testing.T, srv *Server, u *store.User, path string) string {
	t.Helper()
	tok, _, err := srv.Service().StartSession(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL()+path, nil)
	req.AddCookie(&http.Cookie{Name: "portcullis_session", Value: tok})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s as %s: %d\n%.500s", path, u.Role, resp.StatusCode, b)
	}
	return string(b)
}

// waitHunts waits until no retro-hunt is queued or running.
func waitHunts(t *testing.T, srv *Server) []store.HuntJob {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		jobs, err := srv.Store().ListHuntJobs(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		busy := false
		for _, j := range jobs {
			if j.Status == store.HuntQueued || j.Status == store.HuntRunning {
				busy = true
			}
		}
		if !busy {
			return jobs
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("retro-hunts did not finish")
	return nil
}

// TestRetroHuntAndAdvisory: reports come in before anyone knows the
// profile; an advisory naming it is published; the hunt finds the earlier
// reports, re-scores them, and their reporters are followed up; the
// audience is told in the app and by mail.
func TestRetroHuntAndAdvisory(t *testing.T) {
	rl, relayAddr := startRelay(t)
	srv := startServer(t, Config{SMTPRelay: relayAddr, SMTPFrom: "portcullis@security.parliament.uk"})
	ctx := context.Background()
	an := addUser(t, srv, "sam@parliament.uk", "Sam Analyst", store.RoleAnalyst)
	jo := addUser(t, srv, "jo@parliament.uk", "Jo Bloggs", store.RoleReporter)
	pat := addUser(t, srv, "pat@parliament.uk", "Pat Quinn", store.RoleReporter)
	const profile = "https://www.linkedin.com/in/wei-zhang-consulting-7"
	quiet := []byte(`{"format":"portcullis.approach/v1","platform":"linkedin","kind":"connection_request",
 "sender":{"name":"Wei Zhang","headline":"Consultant","profile_url":"` + profile + `"},
 "messages":[{"from":"sender","text":"Hello, I enjoyed your recent speech and would like to connect."}]}`)
	early := submit(t, srv, jo, quiet)
	before := early.Score

	// The analyst adds the profile and writes an advisory with it.
	e, err := reports.ParseIndicator(an, map[string]string{"type": "linkedin_profile", "value": profile, "tlp": "green", "source_name": "MI5 alert"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.Service().PutIndicators(ctx, an, []*intel.Entry{e}, "add", ""); err != nil {
		t.Fatal(err)
	}
	waitHunts(t, srv)
	recs, err := srv.Store().ListIndicators(ctx, store.Filter{Search: "wei-zhang-consulting-7"})
	if err != nil || len(recs) != 1 {
		t.Fatalf("indicator: %v %d", err, len(recs))
	}
	after, err := srv.Store().GetReport(ctx, early.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Score <= before {
		t.Errorf("the earlier report was not re-scored: %d → %d", before, after.Score)
	}
	sightings, err := srv.Store().SightingsOf(ctx, recs[0].ID, 10)
	if err != nil || len(sightings) != 1 || sightings[0].ReportID != early.ID {
		t.Errorf("sightings = %+v (%v), want the earlier report", sightings, err)
	}

	adv, err := srv.Service().CreateAdvisory(ctx, an, reports.AdvisoryInput{Title: "Fake consultant on LinkedIn",
		Body: "Do **not** reply to *Wei Zhang*. <script>alert(1)</script>", TLP: "green", Indicators: []string{recs[0].ID}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Service().PublishAdvisory(ctx, an, adv.ID, ""); err != nil {
		t.Fatal(err)
	}
	waitHunts(t, srv)

	// Everyone sees the banner; the advisory renders safely.
	page := get(t, srv, pat, "/")
	if !strings.Contains(page, "Fake consultant on LinkedIn") {
		t.Error("no advisory banner for a reporter")
	}
	page = get(t, srv, pat, fmt.Sprintf("/advisories/%d", adv.ID))
	if !strings.Contains(page, "<strong>not</strong>") || strings.Contains(page, "<script>alert") {
		t.Error("advisory Markdown not rendered, or raw HTML let through")
	}
	// Jo, who reported the profile before, is followed up personally.
	ns, err := srv.Store().ListNotifications(ctx, jo.ID, false, 50)
	if err != nil {
		t.Fatal(err)
	}
	var followed bool
	for _, n := range ns {
		if n.Kind == "follow_up" && strings.Contains(n.Body, "Please contact the security team") {
			followed = true
		}
	}
	if !followed {
		t.Errorf("no follow-up for the earlier reporter: %+v", ns)
	}
	// Mail: the advisory to the audience, the follow-up to Jo.
	deadline := time.Now().Add(10 * time.Second)
	var sawAdvisory, sawFollowUp bool
	for time.Now().Before(deadline) && !(sawAdvisory && sawFollowUp) {
		rl.mu.Lock()
		for _, m := range rl.msgs {
			body := string(m.data)
			if strings.Contains(body, "Security advisory") && strings.Contains(body, "Wei Zhang") {
				sawAdvisory = true
			}
			if len(m.to) == 1 && m.to[0] == jo.Email && strings.Contains(body, "contact the security team") {
				sawFollowUp = true
			}
		}
		rl.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	if !sawAdvisory || !sawFollowUp {
		t.Errorf("mail: advisory %v, follow-up %v", sawAdvisory, sawFollowUp)
	}
	// Analysts write and edit drafts on the same form.
	if page := get(t, srv, an, "/advisories/new"); !strings.Contains(page, `id="a-title"`) {
		t.Error("no advisory form on /advisories/new")
	}
	draft, err := srv.Service().CreateAdvisory(ctx, an, reports.AdvisoryInput{Title: "Draft", Body: "text", TLP: "green"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if page := get(t, srv, an, fmt.Sprintf("/advisories/%d", draft.ID)); !strings.Contains(page, `id="a-title"`) || !strings.Contains(page, "Publish to the audience") {
		t.Error("a draft's page lacks its edit form or the publish button")
	}
	// The dashboard draws its charts with text alternatives.
	dash := get(t, srv, an, "/dashboard")
	if !strings.Contains(dash, "<svg") || !strings.Contains(dash, "<table>") {
		t.Error("dashboard lacks a chart or its table")
	}
}

// TestRedAdvisoryNotMailed: a TLP:RED advisory's text never goes by mail.
func TestRedAdvisoryNotMailed(t *testing.T) {
	rl, relayAddr := startRelay(t)
	srv := startServer(t, Config{SMTPRelay: relayAddr, SMTPFrom: "portcullis@security.parliament.uk"})
	ctx := context.Background()
	an := addUser(t, srv, "sam@parliament.uk", "Sam Analyst", store.RoleAnalyst)
	addUser(t, srv, "jo@parliament.uk", "Jo Bloggs", store.RoleReporter)
	adv, err := srv.Service().CreateAdvisory(ctx, an, reports.AdvisoryInput{Title: "Operation details", Body: "SECRET-HANDLER-NAME", TLP: "red"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Service().PublishAdvisory(ctx, an, adv.ID, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		rl.mu.Lock()
		n := len(rl.msgs)
		rl.mu.Unlock()
		if n >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if len(rl.msgs) == 0 {
		t.Fatal("no notice mail was sent")
	}
	for _, m := range rl.msgs {
		if strings.Contains(string(m.data), "SECRET-HANDLER-NAME") {
			t.Errorf("a TLP:RED advisory's text was mailed to %v", m.to)
		}
	}
}
