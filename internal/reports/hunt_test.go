package reports_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// TestHuntResumesAfterRestart: a retro-hunt stopped part-way (the server
// went down) keeps its cursor, and a new service picks it up once its
// worker has stopped heart-beating, finishing without rescanning.
func TestHuntResumesAfterRestart(t *testing.T) {
	e := newEnv(t, func(c *reports.Config) { c.HuntBatch = 2 })
	const profile = "https://www.linkedin.com/in/quiet-consultant-42"
	for i := 0; i < 7; i++ {
		e.submit(t, e.reporter, fmt.Sprintf(`{"format":"portcullis.approach/v1","platform":"linkedin","kind":"message",
 "sender":{"name":"Sender %d","profile_url":%q},"messages":[{"from":"sender","text":"Hello number %d, nice to connect."}]}`, i, map[bool]string{true: profile, false: fmt.Sprintf("https://www.linkedin.com/in/other-%d", i)}[i%2 == 0], i))
	}
	ent, err := reports.ParseIndicator(e.analyst, map[string]string{"type": "linkedin_profile", "value": profile})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.PutIndicators(e.ctx, e.analyst, []*intel.Entry{ent}, "add", ""); err != nil {
		t.Fatal(err)
	}
	job, err := e.db.ClaimHuntJob(e.ctx)
	if err != nil {
		t.Fatalf("no hunt was queued by adding the indicator: %v", err)
	}
	// The first run stops after one batch.
	ctx, cancel := context.WithCancel(e.ctx)
	err = e.svc.RunHunt(ctx, job, func(*store.HuntJob) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted hunt: %v, want context.Canceled", err)
	}
	mid, err := e.db.GetHuntJob(e.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if mid.Status != store.HuntRunning || mid.Cursor == 0 || mid.Done != 2 {
		t.Fatalf("after the interruption: status %s cursor %d done %d, want running at the first batch", mid.Status, mid.Cursor, mid.Done)
	}
	// "Restart": a new service on the same database. The job is not
	// claimed while its worker might still be alive...
	svc2, err := reports.New(e.ctx, reports.Config{Store: e.db, Now: e.clk.Now, HuntBatch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.ClaimHuntJob(e.ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a running hunt was claimed again at once: %v", err)
	}
	// ...but is once its heartbeat is stale.
	e.clk.Advance(2 * time.Minute)
	again, err := e.db.ClaimHuntJob(e.ctx)
	if err != nil || again.ID != job.ID || again.Cursor != mid.Cursor {
		t.Fatalf("resume claim: %+v %v, want job %d at cursor %d", again, err, job.ID, mid.Cursor)
	}
	if err := svc2.RunHunt(e.ctx, again, nil); err != nil {
		t.Fatal(err)
	}
	done, err := e.db.GetHuntJob(e.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != store.HuntDone || done.Done != 7 || done.Found != 4 {
		t.Errorf("finished hunt: status %s, scanned %d (want 7), found %d (want 4)", done.Status, done.Done, done.Found)
	}
	rec, err := e.db.GetIndicator(e.ctx, job.IndicatorID)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := e.db.SightingsOf(e.ctx, rec.ID, 100)
	if err != nil || len(ss) != 4 {
		t.Errorf("sightings = %d (%v), want 4", len(ss), err)
	}
}

// TestAuditDetailIsJSON: what an adversary types at sign-in reaches the
// audit log as valid JSON, whatever bytes it holds.
func TestAuditDetailIsJSON(t *testing.T) {
	e := newEnv(t)
	hostile := "x\x00\"}\u2028@evil.example\xff"
	if _, err := e.svc.SignIn(e.ctx, hostile, "whatever", "198.51.100.7"); err == nil {
		t.Fatal("an unknown user signed in")
	}
	evs := e.audit(t)
	last := evs[len(evs)-1]
	if last.Action != "sign_in_failed" || !json.Valid([]byte(last.Detail)) {
		t.Errorf("audit event %s with detail %q, want sign_in_failed with valid JSON", last.Action, last.Detail)
	}
}
