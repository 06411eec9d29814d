package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestNotifications(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		t.Run("Inbox", func(t *testing.T) { testNotifications(t, b) })
		t.Run("Prefs", func(t *testing.T) { testNotificationPrefs(t, b) })
	})
}

func testNotifications(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	bob := mustUser(t, db, "bob@parliament.example", RoleReporter)
	if err := db.AddNotifications(ctx, []Notification{
		{UserID: jane.ID, Kind: "advisory", Title: "LinkedIn headhunters", Body: "Read this", Link: "/advisories/1", TLP: "green"},
		{UserID: bob.ID, Kind: "advisory", Title: "LinkedIn headhunters", Link: "/advisories/1"},
	}); err != nil {
		t.Fatalf("AddNotifications: %v", err)
	}
	c.Set(t0.Add(time.Hour))
	// Many at once take several statements.
	var many []Notification
	for i := range 1200 {
		many = append(many, Notification{UserID: jane.ID, Kind: "report", Title: fmt.Sprintf("n%d", i)})
	}
	if err := db.AddNotifications(ctx, many); err != nil {
		t.Fatalf("AddNotifications(1200): %v", err)
	}
	if n, err := db.CountUnread(ctx, jane.ID); err != nil || n != 1201 {
		t.Errorf("CountUnread(jane) = %d, %v; want 1201", n, err)
	}
	list, err := db.ListNotifications(ctx, jane.ID, false, 2)
	if err != nil || len(list) != 2 || list[0].Title != "n1199" || list[1].Title != "n1198" || !list[0].CreatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("ListNotifications(jane, 2) = %+v, %v; want the newest two", list, err)
	}
	all, _ := db.ListNotifications(ctx, jane.ID, false, 0)
	first := all[len(all)-1]
	want := Notification{ID: first.ID, UserID: jane.ID, Kind: "advisory", Title: "LinkedIn headhunters", Body: "Read this",
		Link: "/advisories/1", TLP: "green", CreatedAt: t0}
	if len(all) != 1201 || first != want {
		t.Errorf("ListNotifications(jane): %d, oldest %+v; want 1201, %+v", len(all), first, want)
	}
	bobs, _ := db.ListNotifications(ctx, bob.ID, false, 0)
	if len(bobs) != 1 {
		t.Fatalf("bob has %d notifications, want 1", len(bobs))
	}

	// Jane cannot mark Bob's notification read.
	c.Set(t0.Add(2 * time.Hour))
	if err := db.MarkRead(ctx, jane.ID, bobs[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkRead of another user's notification = %v, want ErrNotFound", err)
	}
	if n, _ := db.CountUnread(ctx, bob.ID); n != 1 {
		t.Errorf("bob's unread after jane's attempt = %d, want 1", n)
	}
	if err := db.MarkRead(ctx, jane.ID, first.ID); err != nil {
		t.Fatalf("MarkRead: %v", err)
	}
	c.Set(t0.Add(3 * time.Hour))
	if err := db.MarkRead(ctx, jane.ID, first.ID); err != nil { // again: keeps the first time
		t.Errorf("MarkRead again = %v", err)
	}
	all, _ = db.ListNotifications(ctx, jane.ID, false, 0)
	if r := all[len(all)-1].ReadAt; r == nil || !r.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("read_at after marking twice = %v, want %v", r, t0.Add(2*time.Hour))
	}
	if unread, _ := db.ListNotifications(ctx, jane.ID, true, 0); len(unread) != 1200 {
		t.Errorf("unread list has %d, want 1200", len(unread))
	}
	// All of Jane's, and none of Bob's.
	if err := db.MarkRead(ctx, jane.ID, 0); err != nil {
		t.Fatalf("MarkRead(all): %v", err)
	}
	if n, _ := db.CountUnread(ctx, jane.ID); n != 0 {
		t.Errorf("jane's unread after marking all = %d", n)
	}
	if n, _ := db.CountUnread(ctx, bob.ID); n != 1 {
		t.Errorf("bob's unread after jane marked all = %d, want 1", n)
	}
	if err := db.MarkRead(ctx, jane.ID, 99999); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkRead(unknown) = %v, want ErrNotFound", err)
	}
	for _, n := range []Notification{{UserID: 999, Kind: "report"}, {UserID: jane.ID}} {
		if err := db.AddNotifications(ctx, []Notification{{UserID: bob.ID, Kind: "report"}, n}); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddNotifications(%+v) = %v, want ErrInvalid", n, err)
		}
	}
	if n, _ := db.CountUnread(ctx, bob.ID); n != 1 {
		t.Errorf("a rejected batch stored notifications: bob has %d unread", n)
	}
}

func testNotificationPrefs(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	p, err := db.GetNotificationPrefs(ctx, jane.ID)
	if want := (NotificationPrefs{UserID: jane.ID}); err != nil || p != want {
		t.Errorf("GetNotificationPrefs (none set) = %+v, %v; want %+v", p, err, want)
	}
	for _, want := range []NotificationPrefs{
		{UserID: jane.ID, NoReportEmail: true, NoAdvisoryEmail: true},
		{UserID: jane.ID, NoEmail: true, NoCampaignEmail: true},
	} {
		if err := db.SetNotificationPrefs(ctx, want); err != nil {
			t.Fatalf("SetNotificationPrefs: %v", err)
		}
		if got, err := db.GetNotificationPrefs(ctx, jane.ID); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("GetNotificationPrefs = %+v, %v; want %+v", got, err, want)
		}
	}
	if err := db.SetNotificationPrefs(ctx, NotificationPrefs{UserID: 999}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetNotificationPrefs(unknown user) = %v, want ErrInvalid", err)
	}
}
