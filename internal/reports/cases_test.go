package reports_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"portcullis/internal/store"
)

func TestUpdateCaseRefuses(t *testing.T) {
	e := newEnv(t)
	r := e.submit(t, e.reporter, hostileApproach)
	disabledAnalyst := e.createUser(t, "gone@parliament.uk", "Gone Analyst", store.RoleAnalyst)
	disabledAnalyst.Disabled = true
	if err := e.db.UpdateUser(e.ctx, disabledAnalyst); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		id      int64
		u       store.CaseUpdate
		kind    error
		wantErr string
	}{
		{"unknown status", r.ID, store.CaseUpdate{Status: ptr("done")}, store.ErrInvalid, "status must be"},
		{"empty status", r.ID, store.CaseUpdate{Status: ptr("")}, store.ErrInvalid, "status must be"},
		{"unknown verdict", r.ID, store.CaseUpdate{Verdict: ptr("evil")}, store.ErrInvalid, "verdict must be"},
		{"assigned to a reporter", r.ID, store.CaseUpdate{AssigneeID: &e.reporter.ID}, store.ErrInvalid, "only be assigned to an analyst"},
		{"assigned to nobody that exists", r.ID, store.CaseUpdate{AssigneeID: ptr(int64(9999))}, store.ErrInvalid, "only be assigned to an analyst"},
		{"assigned to a disabled analyst", r.ID, store.CaseUpdate{AssigneeID: &disabledAnalyst.ID}, store.ErrInvalid, "only be assigned to an analyst"},
		{"feedback too long", r.ID, store.CaseUpdate{Feedback: ptr(strings.Repeat("a", 10001))}, store.ErrInvalid, "10,000 characters"},
		{"unknown report", 9999, store.CaseUpdate{Status: ptr(store.StatusClosed)}, store.ErrNotFound, ""},
	}
	before := len(e.audit(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.svc.UpdateCase(e.ctx, e.analyst, tt.id, tt.u, "")
			wantErrContains(t, err, tt.kind, tt.wantErr)
			if got != nil {
				t.Errorf("UpdateCase returned a report with an error: %+v", got)
			}
		})
	}
	after, err := e.db.GetReport(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != store.StatusNew || after.Verdict != "" || after.AssigneeID != nil || after.Feedback != "" {
		t.Errorf("refused updates changed the case: status %q verdict %q assignee %v feedback %q", after.Status, after.Verdict, after.AssigneeID, after.Feedback)
	}
	if notes, err := e.svc.Notes(e.ctx, e.analyst, r.ID); err != nil || len(notes) != 0 {
		t.Errorf("notes after refused updates: %v, %v; want none", notes, err)
	}
	if got := findAudit(e.auditSince(t, before), "report.update"); len(got) != 0 {
		t.Errorf("refused updates audited: %+v", got)
	}
}

func TestUpdateCaseNotesChanges(t *testing.T) {
	e := newEnv(t)
	r := e.submit(t, e.reporter, hostileApproach)
	before := len(e.audit(t))

	e.clk.Advance(time.Hour)
	got, err := e.svc.UpdateCase(e.ctx, e.analyst, r.ID, store.CaseUpdate{
		Status:     ptr(store.StatusTriaging),
		Verdict:    ptr(store.VerdictHostile),
		AssigneeID: &e.analyst.ID,
		Feedback:   ptr("  Thank you: do not reply, we have blocked the sender.  "),
	}, "192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusTriaging || got.Verdict != store.VerdictHostile || got.AssigneeID == nil || *got.AssigneeID != e.analyst.ID {
		t.Errorf("case = status %q verdict %q assignee %v", got.Status, got.Verdict, got.AssigneeID)
	}
	wantFeedback := "Thank you: do not reply, we have blocked the sender."
	if got.Feedback != wantFeedback {
		t.Errorf("feedback = %q, want it trimmed: %q", got.Feedback, wantFeedback)
	}

	notes, err := e.svc.Notes(e.ctx, e.analyst, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 {
		t.Fatalf("got %d notes, want 1 change note: %+v", len(notes), notes)
	}
	want := "status new → triaging; verdict hostile; assigned to Test Analyst; feedback to the reporter: " + wantFeedback
	if n := notes[0]; n.Kind != store.NoteChange || n.Text != want || n.AuthorID != e.analyst.ID {
		t.Errorf("note = %s by %d: %q; want change by %d: %q", n.Kind, n.AuthorID, n.Text, e.analyst.ID, want)
	}

	evs := findAudit(e.auditSince(t, before), "report.update")
	if len(evs) != 1 {
		t.Fatalf("got %d report.update events, want 1", len(evs))
	}
	ev := evs[0]
	if ev.ActorID != e.analyst.ID || ev.Target != fmt.Sprintf("report:%d", r.ID) || ev.IP != "192.0.2.9" {
		t.Errorf("event by %d on %q from %q", ev.ActorID, ev.Target, ev.IP)
	}
	var detail struct{ Changes []string }
	if err := json.Unmarshal([]byte(ev.Detail), &detail); err != nil || len(detail.Changes) != 4 {
		t.Errorf("detail = %s (%v), want 4 changes", ev.Detail, err)
	}

	// The reporter sees the feedback on their report.
	mine, err := e.svc.Report(e.ctx, e.reporter, r.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if mine.Feedback != wantFeedback || mine.FeedbackAt == nil || !mine.FeedbackAt.Equal(e.clk.Now()) {
		t.Errorf("reporter sees feedback %q at %v; want %q at %v", mine.Feedback, mine.FeedbackAt, wantFeedback, e.clk.Now())
	}
}

func TestUpdateCaseFollowUps(t *testing.T) {
	e := newEnv(t)
	r := e.submit(t, e.reporter, hostileApproach)
	admin := e.admin
	steps := []struct {
		name     string
		u        store.CaseUpdate
		wantNote string // "" for no note
	}{
		{"assign", store.CaseUpdate{AssigneeID: &admin.ID, Verdict: ptr(store.VerdictSuspicious)}, "verdict suspicious; assigned to Test Admin"},
		{"nothing changes", store.CaseUpdate{AssigneeID: &admin.ID, Verdict: ptr(store.VerdictSuspicious), Status: ptr(store.StatusNew)}, ""},
		{"empty update", store.CaseUpdate{}, ""},
		{"unassign and clear the verdict", store.CaseUpdate{AssigneeID: ptr(int64(0)), Verdict: ptr("")}, "verdict cleared; unassigned"},
		{"unassign again", store.CaseUpdate{AssigneeID: ptr(int64(0))}, ""},
		{"escalate then close", store.CaseUpdate{Status: ptr(store.StatusEscalated)}, "status new → escalated"},
		{"close", store.CaseUpdate{Status: ptr(store.StatusClosed), Verdict: ptr(store.VerdictExercise)}, "status escalated → closed; verdict exercise"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before, err := e.svc.Notes(e.ctx, e.analyst, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.UpdateCase(e.ctx, e.analyst, r.ID, st.u, ""); err != nil {
				t.Fatal(err)
			}
			after, err := e.svc.Notes(e.ctx, e.analyst, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			added := after[len(before):]
			switch {
			case st.wantNote == "" && len(added) != 0:
				t.Errorf("notes added for no change: %+v", added)
			case st.wantNote != "" && (len(added) != 1 || added[0].Text != st.wantNote):
				t.Errorf("notes added = %+v, want one: %q", added, st.wantNote)
			}
		})
	}
}

func TestAddNote(t *testing.T) {
	e := newEnv(t)
	r := e.submit(t, e.reporter, hostileApproach)
	tests := []struct {
		name    string
		id      int64
		text    string
		kind    error
		wantErr string
	}{
		{"empty", r.ID, "", store.ErrInvalid, "write the note"},
		{"only spaces", r.ID, " \n\t ", store.ErrInvalid, "write the note"},
		{"too long", r.ID, strings.Repeat("x", 20001), store.ErrInvalid, "20,000 characters"},
		{"unknown report", 9999, "a note", store.ErrNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.AddNote(e.ctx, e.analyst, tt.id, tt.text, "")
			wantErrContains(t, err, tt.kind, tt.wantErr)
		})
	}

	before := len(e.audit(t))
	n, err := e.svc.AddNote(e.ctx, e.analyst, r.ID, "  Same sender as last week's report.\n", "192.0.2.4")
	if err != nil {
		t.Fatal(err)
	}
	if n.ID == 0 || n.Kind != store.NoteText || n.Text != "Same sender as last week's report." || n.AuthorID != e.analyst.ID {
		t.Errorf("note = %+v", n)
	}
	notes, err := e.svc.Notes(e.ctx, e.analyst, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || notes[0].ID != n.ID || notes[0].Text != n.Text {
		t.Errorf("notes = %+v, want the one added", notes)
	}
	if got := findAudit(e.auditSince(t, before), "report.note"); len(got) != 1 || got[0].Target != fmt.Sprintf("report:%d", r.ID) {
		t.Errorf("report.note events = %+v, want one on report:%d", got, r.ID)
	}
}

func TestRelated(t *testing.T) {
	e := newEnv(t)
	a := e.submit(t, e.reporter, hostileApproach)
	b := e.submit(t, e.other, hostileApproach)
	c := e.submit(t, e.other, benignApproach)
	rel, err := e.svc.Related(e.ctx, e.analyst, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rel) == 0 {
		t.Fatal("no related reports for the same approach reported twice")
	}
	for _, r := range rel {
		if r.ReportID != b.ID {
			t.Errorf("related report %d (%s %s), want only %d", r.ReportID, r.Type, r.Value, b.ID)
		}
		if r.Type == "person" || r.Type == "person_name" {
			t.Errorf("related by a person's name (%s), which links nothing", r.Value)
		}
	}
	rel, err = e.svc.Related(e.ctx, e.analyst, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rel) != 0 {
		t.Errorf("related to an unrelated report: %+v", rel)
	}
}

func TestAnalysts(t *testing.T) {
	e := newEnv(t)
	gone := e.createUser(t, "gone@parliament.uk", "Gone", store.RoleAnalyst)
	if _, err := e.svc.UpdateUser(e.ctx, e.admin, gone.ID, reportsDisable(), ""); err != nil {
		t.Fatal(err)
	}
	list, err := e.svc.Analysts(e.ctx, e.analyst)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range list {
		got = append(got, u.Email)
	}
	want := []string{e.admin.Email, e.analyst.Email}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Analysts = %v, want %v (active analysts and admins)", got, want)
	}
}

// TestFeedbackLimitCountsCharacters checks that the limit the message
// names, 10,000 characters, is the one applied.
func TestFeedbackLimitCountsCharacters(t *testing.T) {
	e := newEnv(t)
	r := e.submit(t, e.reporter, hostileApproach)
	fb := strings.Repeat("é", 10000) // 10,000 characters, 20,000 bytes
	if _, err := e.svc.UpdateCase(e.ctx, e.analyst, r.ID, store.CaseUpdate{Feedback: &fb}, ""); err != nil {
		t.Errorf("feedback of 10,000 characters: %v", err)
	}
	note := strings.Repeat("中", 20000)
	if _, err := e.svc.AddNote(e.ctx, e.analyst, r.ID, note, ""); err != nil {
		t.Errorf("note of 20,000 characters: %v", err)
	}
}
