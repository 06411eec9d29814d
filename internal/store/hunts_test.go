package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestHunts(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"Lifecycle", testHuntLifecycle},
		{"StaleResume", testHuntStaleResume},
		{"ConcurrentClaims", testHuntConcurrentClaims},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
		}
	})
}

func mustHunt(t *testing.T, db *DB, value string) *HuntJob {
	t.Helper()
	j := &HuntJob{Type: "domain", Value: value, Reason: "advisory"}
	if err := db.CreateHuntJob(context.Background(), j); err != nil {
		t.Fatalf("CreateHuntJob: %v", err)
	}
	return j
}

func testHuntLifecycle(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	ana := mustUser(t, db, "ana@parliament.example", RoleAnalyst)
	j := &HuntJob{IndicatorID: "abc", Type: "domain", Value: "bryr.example", CreatedBy: ana.ID, Reason: "new indicator", Total: 100}
	if err := db.CreateHuntJob(ctx, j); err != nil {
		t.Fatalf("CreateHuntJob: %v", err)
	}
	want := HuntJob{ID: j.ID, IndicatorID: "abc", Type: "domain", Value: "bryr.example", Status: HuntQueued, Total: 100,
		CreatedBy: ana.ID, Reason: "new indicator", CreatedAt: t0}
	if j.ID == 0 || !reflect.DeepEqual(*j, want) {
		t.Errorf("after CreateHuntJob\n got %+v\nwant %+v", *j, want)
	}
	if got, err := db.GetHuntJob(ctx, j.ID); err != nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("GetHuntJob = %+v, %v; want %+v", got, err, want)
	}
	c.Set(t0.Add(time.Second))
	second := mustHunt(t, db, "second.example")

	c.Set(t0.Add(time.Minute))
	got, err := db.ClaimHuntJob(ctx)
	if err != nil {
		t.Fatalf("ClaimHuntJob: %v", err)
	}
	at := t0.Add(time.Minute)
	if got.ID != j.ID || got.Status != HuntRunning || got.StartedAt == nil || !got.StartedAt.Equal(at) || got.HeartbeatAt == nil || !got.HeartbeatAt.Equal(at) {
		t.Errorf("ClaimHuntJob = %+v, want the oldest job, running from %v", got, at)
	}
	c.Set(t0.Add(2 * time.Minute))
	if err := db.UpdateHuntProgress(ctx, j.ID, 40, 40, 2); err != nil {
		t.Fatalf("UpdateHuntProgress: %v", err)
	}
	got, _ = db.GetHuntJob(ctx, j.ID)
	if got.Cursor != 40 || got.Done != 40 || got.Found != 2 || !got.HeartbeatAt.Equal(t0.Add(2*time.Minute)) || !got.StartedAt.Equal(at) {
		t.Errorf("after UpdateHuntProgress: %+v", got)
	}
	// The next claim takes the second job; then there is none.
	if got, err := db.ClaimHuntJob(ctx); err != nil || got.ID != second.ID {
		t.Errorf("second ClaimHuntJob = %+v, %v; want job %d", got, err, second.ID)
	}
	if _, err := db.ClaimHuntJob(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("ClaimHuntJob with none waiting = %v, want ErrNotFound", err)
	}

	c.Set(t0.Add(3 * time.Minute))
	if err := db.FinishHuntJob(ctx, j.ID, HuntDone, ""); err != nil {
		t.Fatalf("FinishHuntJob: %v", err)
	}
	if err := db.FinishHuntJob(ctx, second.ID, HuntFailed, "database went away"); err != nil {
		t.Fatal(err)
	}
	got, _ = db.GetHuntJob(ctx, second.ID)
	if got.Status != HuntFailed || got.Error != "database went away" || got.FinishedAt == nil || !got.FinishedAt.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("after FinishHuntJob(failed): %+v", got)
	}
	list, err := db.ListHuntJobs(ctx, 0)
	if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != j.ID || list[1].Status != HuntDone {
		t.Errorf("ListHuntJobs = %+v, %v; want second then first (done)", list, err)
	}
	if list, _ := db.ListHuntJobs(ctx, 1); len(list) != 1 {
		t.Errorf("ListHuntJobs(1) = %d jobs", len(list))
	}

	tests := []struct {
		name string
		err  error
		want error
	}{
		{"finish twice", db.FinishHuntJob(ctx, j.ID, HuntDone, ""), ErrConflict},
		{"progress when done", db.UpdateHuntProgress(ctx, j.ID, 50, 50, 2), ErrConflict},
		{"progress of unknown", db.UpdateHuntProgress(ctx, 999, 1, 1, 0), ErrNotFound},
		{"finish unknown", db.FinishHuntJob(ctx, 999, HuntDone, ""), ErrNotFound},
		{"finish as running", db.FinishHuntJob(ctx, j.ID, HuntRunning, ""), ErrInvalid},
		{"create without value", db.CreateHuntJob(ctx, &HuntJob{Type: "domain"}), ErrInvalid},
		{"create by unknown user", db.CreateHuntJob(ctx, &HuntJob{Type: "domain", Value: "x", CreatedBy: 999}), ErrInvalid},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if _, err := db.GetHuntJob(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetHuntJob(missing) = %v, want ErrNotFound", err)
	}
	// A queued job can be finished (cancelled) without running.
	third := mustHunt(t, db, "third.example")
	if err := db.FinishHuntJob(ctx, third.ID, HuntFailed, "cancelled"); err != nil {
		t.Errorf("FinishHuntJob(queued) = %v", err)
	}
}

// testHuntStaleResume: a running job whose worker stops sending
// heartbeats is taken over after HuntStaleAfter, and resumes from its
// cursor; a live one is not.
func testHuntStaleResume(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	j := mustHunt(t, db, "bryr.example")
	if _, err := db.ClaimHuntJob(ctx); err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(10 * time.Second))
	if err := db.UpdateHuntProgress(ctx, j.ID, 500, 480, 3); err != nil {
		t.Fatal(err)
	}
	// Still alive at the limit: not taken.
	c.Set(t0.Add(10*time.Second + HuntStaleAfter))
	if got, err := db.ClaimHuntJob(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ClaimHuntJob of a live job = %+v, %v; want ErrNotFound", got, err)
	}
	// The worker died: past the limit, the job is taken over.
	c.Set(t0.Add(10*time.Second + HuntStaleAfter + time.Microsecond))
	got, err := db.ClaimHuntJob(ctx)
	if err != nil {
		t.Fatalf("ClaimHuntJob of a stale job: %v", err)
	}
	if got.ID != j.ID || got.Status != HuntRunning || got.Cursor != 500 || got.Done != 480 || got.Found != 3 ||
		!got.StartedAt.Equal(t0) || !got.HeartbeatAt.Equal(t0.Add(10*time.Second+HuntStaleAfter+time.Microsecond)) {
		t.Errorf("resumed job = %+v; want it from cursor 500, started at %v", got, t0)
	}
	if _, err := db.ClaimHuntJob(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("ClaimHuntJob right after the takeover = %v, want ErrNotFound", err)
	}
	// A restart: a new handle on the same database finds the job too.
	c.Set(t0.Add(time.Hour))
	if got, err := db.ClaimHuntJob(ctx); err != nil || got.ID != j.ID || got.Cursor != 500 {
		t.Errorf("ClaimHuntJob an hour later = %+v, %v", got, err)
	}
}

// testHuntConcurrentClaims: claimers on two handles (two nodes, or a
// server and the CLI) never take the same job.
func testHuntConcurrentClaims(t *testing.T, b backend) {
	dsn := b.fresh(t)
	dbs := []*DB{openDB(t, dsn), openDB(t, dsn)}
	ctx := context.Background()
	const jobs, claimers = 40, 6
	for i := range jobs {
		if err := dbs[0].CreateHuntJob(ctx, &HuntJob{Type: "domain", Value: fmt.Sprintf("d%d.example", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu      sync.Mutex
		claimed = map[int64]int{}
		wg      sync.WaitGroup
	)
	for w := range claimers {
		wg.Add(1)
		go func(db *DB) {
			defer wg.Done()
			for {
				j, err := db.ClaimHuntJob(ctx)
				if errors.Is(err, ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("ClaimHuntJob: %v", err)
					return
				}
				mu.Lock()
				claimed[j.ID]++
				mu.Unlock()
			}
		}(dbs[w%2])
	}
	wg.Wait()
	if len(claimed) != jobs {
		t.Errorf("%d jobs claimed, want %d", len(claimed), jobs)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("job %d claimed %d times", id, n)
		}
	}
}
