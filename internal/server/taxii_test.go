package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/store"
	"portcullis/internal/taxii"
	"portcullis/internal/taxii/client"
)

// TestTwoServersShareOverTAXII runs two Portcullis servers that exchange
// indicators and sightings both ways over TAXII 2.1: what one's analysts
// add reaches the other's watchlist with its provenance (and starts a
// retro-hunt there), with the same STIX id on both sides; sightings come
// back anonymised; TLP:RED never leaves; and pushed objects land in the
// other's inbox.
func TestTwoServersShareOverTAXII(t *testing.T) {
	ctx := context.Background()
	a := startServer(t, Config{TAXIIAllowHTTP: true})
	b := startServer(t, Config{TAXIIAllowHTTP: true})
	anA := addUser(t, a, "sam@parliament.uk", "Sam (A)", store.RoleAnalyst)
	anB := addUser(t, b, "kim@bundestag.example", "Kim (B)", store.RoleAnalyst)
	jo := addUser(t, b, "jo@bundestag.example", "Jo (B)", store.RoleReporter)

	// Each registers the other as a partner, up to TLP:AMBER.
	pB, tokB, err := a.taxii.AddPartner(ctx, "Parliament B", "amber")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.taxii.Grant(ctx, pB.ID, taxii.CollectionID(store.CollectionInbox), true, true); err != nil {
		t.Fatal(err)
	}
	pA, tokA, err := b.taxii.AddPartner(ctx, "Parliament A", "amber")
	if err != nil {
		t.Fatal(err)
	}
	_ = pA
	// B reported a profile before anyone knew it.
	const profile = "https://www.linkedin.com/in/li-wei-consulting-2"
	early := submit(t, b, jo, []byte(`{"format":"portcullis.approach/v1","platform":"linkedin","kind":"connection_request",
 "sender":{"name":"Li Wei","profile_url":"`+profile+`"},"messages":[{"from":"sender","text":"Hello, I would like to connect."}]}`))

	// A's analyst adds the profile (TLP:GREEN) and a TLP:RED one.
	for _, f := range []map[string]string{
		{"type": "linkedin_profile", "value": profile, "tlp": "green", "source_name": "MI5 alert"},
		{"type": "email", "value": "handler@secret.example", "tlp": "red", "source_name": "liaison"},
	} {
		e, err := reports.ParseIndicator(anA, f)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Service().PutIndicators(ctx, anA, []*intel.Entry{e}, "add", ""); err != nil {
			t.Fatal(err)
		}
	}

	// Admins see partners and collections on the Sharing page.
	adm := addUser(t, a, "root@parliament.uk", "Root", store.RoleAdmin)
	if page := get(t, a, adm, "/admin/sharing"); !strings.Contains(page, "Parliament B") || !strings.Contains(page, "Indicators") {
		t.Error("the sharing page lacks the partner or the collections")
	}
	// B subscribes to A's indicators and polls.
	url := client.CollectionURL(a.URL()+"/taxii2/api/", taxii.CollectionID(store.CollectionIndicators))
	sub := &store.Subscription{Partner: "Parliament A", ObjectsURL: url, Token: tokB}
	if err := b.Service().Subscribe(ctx, nil, sub, ""); err != nil {
		t.Fatal(err)
	}
	res, err := b.Service().Poll(ctx, sub, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported == 0 {
		t.Fatalf("B imported nothing from A: %+v", res)
	}
	recs, err := b.Store().ListIndicators(ctx, store.Filter{Search: "li-wei-consulting-2"})
	if err != nil || len(recs) != 1 {
		t.Fatalf("B's watchlist has %d entries for the profile (%v), want 1", len(recs), err)
	}
	if !strings.Contains(recs[0].Entry.Source.Name, "Parliament A") {
		t.Errorf("provenance lost: source %q", recs[0].Entry.Source.Name)
	}
	if red, _ := b.Store().ListIndicators(ctx, store.Filter{Search: "secret.example"}); len(red) != 0 {
		t.Errorf("a TLP:RED indicator reached the partner: %+v", red[0].Entry)
	}
	// The same indicator has the same STIX id on both sides.
	origs, _ := a.Store().ListIndicators(ctx, store.Filter{Search: "li-wei-consulting-2"})
	idA, _ := taxii.EntrySTIXID(origs[0].Entry)
	idB, _ := taxii.EntrySTIXID(recs[0].Entry)
	if idA == "" || idA != idB {
		t.Errorf("STIX ids differ: %q on A, %q on B", idA, idB)
	}
	// A second poll brings nothing new: the cursor held.
	if res, err := b.Service().Poll(ctx, sub, nil); err != nil || res.Imported != 0 {
		t.Errorf("second poll: %+v %v, want nothing new", res, err)
	}

	// The import started a retro-hunt on B that found Jo's earlier report.
	waitHunts(t, b)
	ss, err := b.Store().SightingsOf(ctx, recs[0].ID, 10)
	if err != nil || len(ss) != 1 || ss[0].ReportID != early.ID {
		t.Fatalf("B's hunt sightings = %+v (%v), want Jo's report", ss, err)
	}

	// B shares its sightings; A reads them: how many and when, never who.
	if n, err := b.PublishSightings(ctx); err != nil || n == 0 {
		t.Fatalf("B published %d sightings (%v)", n, err)
	}
	sc := &client.Client{ObjectsURL: client.CollectionURL(b.URL()+"/taxii2/api/", taxii.CollectionID(store.CollectionSightings)), Token: tokA}
	page, err := sc.Fetch(ctx, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	var sightings int
	for _, raw := range page.Objects {
		var o map[string]any
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		if o["type"] != "sighting" {
			continue
		}
		sightings++
		if o["sighting_of_ref"] != idA {
			t.Errorf("sighting of %v, want %s", o["sighting_of_ref"], idA)
		}
		if _, ok := o["where_sighted_refs"]; ok && strings.Contains(string(raw), "jo@") {
			t.Errorf("a sighting names who was approached: %s", raw)
		}
		if strings.Contains(string(raw), jo.Email) || strings.Contains(string(raw), "Jo (B)") {
			t.Errorf("a sighting leaks the reporter: %s", raw)
		}
	}
	if sightings == 0 {
		t.Errorf("A found no sighting in B's collection (%d objects)", len(page.Objects))
	}

	// B pushes its indicators to A's inbox: A is registered on B (up to
	// AMBER), so a TLP:RED entry of B's stays home.
	red, err := reports.ParseIndicator(anB, map[string]string{"type": "domain", "value": "red-only-b.example", "tlp": "red"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Service().PutIndicators(ctx, anB, []*intel.Entry{red}, "add", ""); err != nil {
		t.Fatal(err)
	}
	e, err := reports.ParseIndicator(anB, map[string]string{"type": "domain", "value": "think-tank-b.example", "tlp": "green"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Service().PutIndicators(ctx, anB, []*intel.Entry{e}, "add", ""); err != nil {
		t.Fatal(err)
	}
	push := &store.Subscription{Direction: "push", Partner: "Parliament A", Token: tokB,
		ObjectsURL: client.CollectionURL(a.URL()+"/taxii2/api/", taxii.CollectionID(store.CollectionInbox)),
		Source:     taxii.CollectionID(store.CollectionIndicators)}
	if err := b.Service().Subscribe(ctx, nil, push, ""); err != nil {
		t.Fatal(err)
	}
	// Pushed as the background loop would: from the stored subscription.
	stored, err := b.Store().GetSubscription(ctx, push.ID)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := b.Push(ctx, stored)
	if err != nil || sent == 0 {
		t.Fatalf("push: %d sent (%v)", sent, err)
	}
	objs, _, err := a.Store().ListTAXIIObjects(ctx, store.TAXIIQuery{CollectionID: taxii.CollectionID(store.CollectionInbox), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, o := range objs {
		if strings.Contains(string(o.Body), "think-tank-b.example") {
			found = true
		}
	}
	if !found {
		t.Errorf("B's pushed indicator is not in A's inbox (%d objects there)", len(objs))
	}
	for _, o := range objs {
		if strings.Contains(string(o.Body), "red-only-b.example") {
			t.Errorf("a TLP:RED indicator was pushed to a partner")
		}
	}
}
