package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAudit(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"Chain", testAuditChain},
		{"AppendOnly", testAuditAppendOnly},
		{"Tampering", testAuditTampering},
		{"Concurrent", testAuditConcurrent},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
		}
	})
}

func TestAuditHash(t *testing.T) {
	e := AuditEvent{Seq: 7, At: time.Date(2026, 1, 10, 12, 0, 0, 123456000, time.UTC), ActorID: 3, Actor: "ana@parliament.example",
		Action: "report.view", Target: "report:12", Detail: `{"why":"triage"}`, IP: "192.0.2.1", PrevHash: "abc"}
	h := e.ComputeHash()
	if len(h) != 64 {
		t.Fatalf("ComputeHash = %q, want 64 hex digits", h)
	}
	same := e
	same.At = e.At.In(time.FixedZone("CET", 3600))
	same.Hash = "anything"
	if got := same.ComputeHash(); got != h {
		t.Errorf("hash depends on the time zone or on Hash: %s != %s", got, h)
	}
	// Moving bytes from one field into the next changes the hash.
	changes := []func(e *AuditEvent){
		func(e *AuditEvent) { e.Seq++ },
		func(e *AuditEvent) { e.At = e.At.Add(time.Microsecond) },
		func(e *AuditEvent) { e.ActorID = 4 },
		func(e *AuditEvent) { e.Actor, e.Action = "ana@parliament.examplereport", ".view" },
		func(e *AuditEvent) { e.Target, e.Detail = "report:1", `2{"why":"triage"}` },
		func(e *AuditEvent) { e.IP = "192.0.2.10" },
		func(e *AuditEvent) { e.PrevHash = "" },
	}
	for i, change := range changes {
		c := e
		change(&c)
		if c.ComputeHash() == h {
			t.Errorf("change %d left the hash as it was", i)
		}
	}
}

// appendN appends n events and returns them as AppendAudit filled them in.
func appendN(t *testing.T, db *DB, n int) []AuditEvent {
	t.Helper()
	var out []AuditEvent
	for i := 0; i < n; i++ {
		e := AuditEvent{ActorID: int64(i % 3), Actor: fmt.Sprintf("user%d@parliament.example", i%3), Action: "report.view",
			Target: fmt.Sprintf("report:%d", i), Detail: fmt.Sprintf(`{"i":%d}`, i), IP: "192.0.2.1"}
		if err := db.AppendAudit(context.Background(), &e); err != nil {
			t.Fatalf("AppendAudit %d: %v", i, err)
		}
		out = append(out, e)
	}
	return out
}

func testAuditChain(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	if n, err := db.VerifyAudit(ctx); err != nil || n != 0 {
		t.Errorf("VerifyAudit on an empty log = %d, %v", n, err)
	}
	c.Set(t0.Add(123456789 * time.Nanosecond)) // stored to the microsecond
	evs := appendN(t, db, 5)
	for i, e := range evs {
		if e.Seq != int64(i+1) || e.Hash != e.ComputeHash() || !e.At.Equal(t0.Add(123456*time.Microsecond)) {
			t.Errorf("event %d: %+v", i, e)
		}
		prev := ""
		if i > 0 {
			prev = evs[i-1].Hash
		}
		if e.PrevHash != prev {
			t.Errorf("event %d: prev hash %q, want %q", i, e.PrevHash, prev)
		}
	}
	got, err := db.ListAudit(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, evs) {
		t.Errorf("ListAudit\n got %+v\nwant %+v", got, evs)
	}
	got, err = db.ListAudit(ctx, 2, 2)
	if err != nil || len(got) != 2 || got[0].Seq != 3 || got[1].Seq != 4 {
		t.Errorf("ListAudit(after 2, limit 2) = %+v, %v", got, err)
	}
	if n, err := db.VerifyAudit(ctx); err != nil || n != 5 {
		t.Errorf("VerifyAudit = %d, %v; want 5, nil", n, err)
	}
	if err := db.AppendAudit(ctx, &AuditEvent{Actor: "system"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("AppendAudit(no action) = %v, want ErrInvalid", err)
	}
}

func testAuditAppendOnly(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	appendN(t, db, 3)
	refused := []string{
		"UPDATE audit_events SET detail = 'nothing to see' WHERE seq = 2",
		"DELETE FROM audit_events WHERE seq = 3",
		"DELETE FROM audit_events",
		"DELETE FROM audit_head",
		"UPDATE audit_head SET seq = 2", // backwards
		"UPDATE audit_head SET seq = 9", // skipping
	}
	if b.name == Postgres {
		refused = append(refused, "TRUNCATE audit_events", "TRUNCATE audit_head")
	}
	for _, q := range refused {
		if _, err := db.write.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: accepted, want refused", q)
		} else if !strings.Contains(err.Error(), "audit") {
			t.Errorf("%s: %v, want the trigger's refusal", q, err)
		}
	}
	if n, err := db.VerifyAudit(ctx); err != nil || n != 3 {
		t.Errorf("VerifyAudit after refused changes = %d, %v; want 3, nil", n, err)
	}
}

// dropAuditTriggers removes the triggers that keep the audit log
// append-only, as someone with the database's owner rights could.
func dropAuditTriggers(t *testing.T, db *DB) {
	t.Helper()
	qs := []string{
		"DROP TRIGGER audit_events_no_update",
		"DROP TRIGGER audit_events_no_delete",
		"DROP TRIGGER audit_head_forward",
	}
	if db.driver == Postgres {
		qs = []string{
			"DROP TRIGGER audit_events_append_only ON audit_events",
			"DROP TRIGGER audit_head_forward ON audit_head",
		}
	}
	for _, q := range qs {
		if _, err := db.write.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func testAuditTampering(t *testing.T, b backend) {
	tests := []struct {
		name    string
		tamper  []string // statements, after the triggers are dropped
		wantSeq int64
	}{
		{"edited detail", []string{"UPDATE audit_events SET detail = '{}' WHERE seq = 4"}, 4},
		{"edited actor", []string{"UPDATE audit_events SET actor = 'someone-else@parliament.example' WHERE seq = 1"}, 1},
		{"edited time", []string{"UPDATE audit_events SET at = (SELECT at FROM audit_events WHERE seq = 1) WHERE seq = 6"}, 6},
		{"edited and rehashed", []string{"UPDATE audit_events SET detail = '{}', hash = 'f00d' WHERE seq = 3"}, 3},
		{"deleted middle", []string{"DELETE FROM audit_events WHERE seq = 5"}, 5},
		{"deleted first", []string{"DELETE FROM audit_events WHERE seq = 1"}, 1},
		{"deleted last", []string{"DELETE FROM audit_events WHERE seq = 8"}, 8},
		{"deleted last two, head rewound", []string{"DELETE FROM audit_events WHERE seq >= 7", "UPDATE audit_head SET seq = 6"}, 6},
		{"renumbered after a deletion", []string{"DELETE FROM audit_events WHERE seq = 8", "UPDATE audit_events SET seq = 8 WHERE seq = 7"}, 7},
		{"added past the head", []string{"INSERT INTO audit_events (seq, at, action, prev_hash, hash) " +
			"SELECT 9, at, 'sign_in', hash, 'x' FROM audit_events WHERE seq = 8"}, 9},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			db, c := openFresh(t, b)
			ctx := context.Background()
			for i := 0; i < 8; i++ {
				c.Set(t0.Add(time.Duration(i) * time.Minute))
				appendN(t, db, 1)
			}
			dropAuditTriggers(t, db)
			for _, q := range tt.tamper {
				if _, err := db.write.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			n, err := db.VerifyAudit(ctx)
			var te *TamperError
			if !errors.As(err, &te) {
				t.Fatalf("VerifyAudit = %d, %v; want a TamperError", n, err)
			}
			if te.Seq != tt.wantSeq {
				t.Errorf("VerifyAudit: %v; want it to name seq %d", err, tt.wantSeq)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("seq %d", tt.wantSeq)) {
				t.Errorf("error %q does not name seq %d", err, tt.wantSeq)
			}
		})
	}
}

func testAuditConcurrent(t *testing.T, b backend) {
	dsn := b.fresh(t)
	// Two handles stand for two processes (or two nodes on PostgreSQL).
	dbs := []*DB{openDB(t, dsn), openDB(t, dsn)}
	ctx := context.Background()
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			db := dbs[w%2]
			for i := 0; i < each; i++ {
				e := &AuditEvent{ActorID: int64(w), Actor: fmt.Sprintf("worker%d", w), Action: "report.view", Target: fmt.Sprintf("report:%d", i)}
				if err := db.AppendAudit(ctx, e); err != nil {
					t.Errorf("worker %d event %d: %v", w, i, err)
					return
				}
			}
		}(w)
	}
	// Verifying while appends run sees a consistent snapshot.
	for i := 0; i < 5; i++ {
		if _, err := dbs[0].VerifyAudit(ctx); err != nil {
			t.Errorf("VerifyAudit during appends: %v", err)
		}
	}
	wg.Wait()
	if n, err := dbs[1].VerifyAudit(ctx); err != nil || n != workers*each {
		t.Errorf("VerifyAudit = %d, %v; want %d, nil", n, err, workers*each)
	}
}
