package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestAdvisories(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		t.Run("Lifecycle", func(t *testing.T) { testAdvisories(t, b) })
		t.Run("Errors", func(t *testing.T) { testAdvisoryErrors(t, b) })
	})
}

func testAdvisories(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	ana := mustUser(t, db, "ana@parliament.example", RoleAnalyst)
	a := &Advisory{
		Title: "LinkedIn headhunters named by MI5", Body: "Do **not** reply to *Amanda Qiu*.", TLP: "green",
		Audience:   Audience{Roles: []string{"member", "staff"}, Groups: []string{"Foreign Affairs"}},
		Indicators: []string{"id1", "id2"}, CreatedBy: ana.ID,
	}
	if err := db.CreateAdvisory(ctx, a); err != nil {
		t.Fatalf("CreateAdvisory: %v", err)
	}
	if a.ID == 0 || a.Status != AdvisoryDraft || !a.CreatedAt.Equal(t0) || !a.UpdatedAt.Equal(t0) || a.PublishedAt != nil {
		t.Errorf("after CreateAdvisory: %+v", a)
	}
	got, err := db.GetAdvisory(ctx, a.ID)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("GetAdvisory\n got %+v, %v\nwant %+v", got, err, a)
	}

	c.Set(t0.Add(time.Hour))
	a.Title, a.TLP, a.Audience, a.Indicators = "Updated", "", Audience{}, nil
	if err := db.UpdateAdvisory(ctx, a); err != nil {
		t.Fatalf("UpdateAdvisory: %v", err)
	}
	if a.TLP != "amber" || !a.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after UpdateAdvisory: TLP %q updated %v; want amber (the default), %v", a.TLP, a.UpdatedAt, t0.Add(time.Hour))
	}
	got, _ = db.GetAdvisory(ctx, a.ID)
	if !reflect.DeepEqual(got, a) {
		t.Errorf("GetAdvisory after update\n got %+v\nwant %+v", got, a)
	}

	c.Set(t0.Add(2 * time.Hour))
	other := &Advisory{Title: "Second"}
	if err := db.CreateAdvisory(ctx, other); err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(3 * time.Hour))
	if err := db.PublishAdvisory(ctx, a.ID, []int64{7, 8}); err != nil {
		t.Fatalf("PublishAdvisory: %v", err)
	}
	got, _ = db.GetAdvisory(ctx, a.ID)
	if got.Status != AdvisoryPublished || got.PublishedAt == nil || !got.PublishedAt.Equal(t0.Add(3*time.Hour)) ||
		!reflect.DeepEqual(got.HuntJobIDs, []int64{7, 8}) || !got.UpdatedAt.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("after PublishAdvisory: %+v", got)
	}
	// Once published, it is never published or changed again.
	if err := db.PublishAdvisory(ctx, a.ID, nil); !errors.Is(err, ErrConflict) {
		t.Errorf("PublishAdvisory twice = %v, want ErrConflict", err)
	}
	got.Title = "changed after publishing"
	if err := db.UpdateAdvisory(ctx, got); !errors.Is(err, ErrConflict) {
		t.Errorf("UpdateAdvisory after publishing = %v, want ErrConflict", err)
	}
	if again, _ := db.GetAdvisory(ctx, a.ID); again.Title != "Updated" || !reflect.DeepEqual(again.HuntJobIDs, []int64{7, 8}) {
		t.Errorf("published advisory changed: %+v", again)
	}

	for _, tt := range []struct {
		status string
		limit  int
		want   []int64
	}{
		{"", 0, []int64{other.ID, a.ID}},
		{AdvisoryPublished, 0, []int64{a.ID}},
		{AdvisoryDraft, 10, []int64{other.ID}},
		{"", 1, []int64{other.ID}},
	} {
		as, err := db.ListAdvisories(ctx, tt.status, tt.limit)
		var ids []int64
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		if err != nil || !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("ListAdvisories(%q, %d) = %v, %v; want %v", tt.status, tt.limit, ids, err, tt.want)
		}
	}
}

func testAdvisoryErrors(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"no title", db.CreateAdvisory(ctx, &Advisory{}), ErrInvalid},
		{"bad TLP", db.CreateAdvisory(ctx, &Advisory{Title: "x", TLP: "purple"}), ErrInvalid},
		{"unknown creator", db.CreateAdvisory(ctx, &Advisory{Title: "x", CreatedBy: 999}), ErrInvalid},
		{"update unknown", db.UpdateAdvisory(ctx, &Advisory{ID: 999, Title: "x"}), ErrNotFound},
		{"publish unknown", db.PublishAdvisory(ctx, 999, nil), ErrNotFound},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if _, err := db.GetAdvisory(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetAdvisory(missing) = %v, want ErrNotFound", err)
	}
}
