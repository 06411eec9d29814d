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

func TestUsers(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"Users", testUsers},
		{"UserErrors", testUserErrors},
		{"Sessions", testSessions},
		{"SignInTokens", testSignInTokens},
		{"APITokens", testAPITokens},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
		}
	})
}

// mustUser creates a user with the given e-mail address and role.
func mustUser(t *testing.T, db *DB, email, role string) *User {
	t.Helper()
	u := &User{Email: email, Name: "Name of " + email, Role: role}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func testUsers(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	u := &User{Email: "  Jane.Doe@Parliament.EXAMPLE ", Name: "Jane Doe", Role: RoleAnalyst, Office: "Security"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u.ID == 0 || u.Email != "jane.doe@parliament.example" || !u.CreatedAt.Equal(t0) || !u.UpdatedAt.Equal(t0) {
		t.Errorf("after CreateUser: id %d email %q created %v updated %v", u.ID, u.Email, u.CreatedAt, u.UpdatedAt)
	}
	got, err := db.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if !reflect.DeepEqual(got, u) {
		t.Errorf("GetUser\n got %+v\nwant %+v", got, u)
	}
	got, err = db.GetUserByEmail(ctx, "JANE.DOE@parliament.example ")
	if err != nil || got.ID != u.ID {
		t.Errorf("GetUserByEmail (other case) = %+v, %v; want user %d", got, err, u.ID)
	}

	mustUser(t, db, "adam@parliament.example", RoleReporter)
	mustUser(t, db, "zoe@parliament.example", RoleAdmin)
	us, err := db.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, u := range us {
		emails = append(emails, u.Email)
	}
	if want := []string{"adam@parliament.example", "jane.doe@parliament.example", "zoe@parliament.example"}; !reflect.DeepEqual(emails, want) {
		t.Errorf("ListUsers = %q, want %q", emails, want)
	}
	if n, err := db.CountUsers(ctx); err != nil || n != 3 {
		t.Errorf("CountUsers = %d, %v; want 3", n, err)
	}

	// UpdateUser writes every mutable field, and not the e-mail address.
	c.Set(t0.Add(time.Hour))
	locked, last := t0.Add(2*time.Hour), t0.Add(30*time.Minute+123456*time.Microsecond)
	u.Name, u.Role, u.Office, u.PasswordHash = "Jane Q. Doe", RoleAdmin, "Clerk's office", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
	u.Disabled, u.FailedSignIns, u.LockedUntil, u.LastSignInAt = true, 4, &locked, &last
	u.Email = "ignored@example.org"
	if err := db.UpdateUser(ctx, u); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if !u.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("UpdatedAt after UpdateUser = %v, want %v", u.UpdatedAt, t0.Add(time.Hour))
	}
	got, err = db.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *u
	want.Email = "jane.doe@parliament.example"
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("after UpdateUser\n got %+v\nwant %+v", got, &want)
	}
	// And back to no lock.
	u.Disabled, u.FailedSignIns, u.LockedUntil = false, 0, nil
	if err := db.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetUser(ctx, u.ID); got.Disabled || got.FailedSignIns != 0 || got.LockedUntil != nil || got.LastSignInAt == nil {
		t.Errorf("after unlocking: %+v", got)
	}
}

func testUserErrors(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	mustUser(t, db, "jane@parliament.example", RoleReporter)
	tests := []struct {
		name string
		u    *User
		want error
	}{
		{"duplicate email in another case", &User{Email: " JANE@Parliament.example", Role: RoleAnalyst}, ErrConflict},
		{"bad role", &User{Email: "bob@parliament.example", Role: "superuser"}, ErrInvalid},
		{"no role", &User{Email: "bob@parliament.example"}, ErrInvalid},
		{"empty email", &User{Email: "  ", Role: RoleReporter}, ErrInvalid},
		{"nil", nil, ErrInvalid},
		{"negative failed sign-ins", &User{Email: "carl@parliament.example", Role: RoleReporter, FailedSignIns: -1}, ErrInvalid},
	}
	for _, tt := range tests {
		if err := db.CreateUser(ctx, tt.u); !errors.Is(err, tt.want) {
			t.Errorf("%s: CreateUser = %v, want %v", tt.name, err, tt.want)
		}
	}
	if n, _ := db.CountUsers(ctx); n != 1 {
		t.Errorf("CountUsers after rejected creates = %d, want 1", n)
	}
	if _, err := db.GetUser(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetUser(missing) = %v, want ErrNotFound", err)
	}
	if _, err := db.GetUserByEmail(ctx, "nobody@parliament.example"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetUserByEmail(missing) = %v, want ErrNotFound", err)
	}
	if err := db.UpdateUser(ctx, &User{ID: 999, Role: RoleReporter}); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateUser(missing) = %v, want ErrNotFound", err)
	}
	u, _ := db.GetUserByEmail(ctx, "jane@parliament.example")
	u.Role = "root"
	if err := db.UpdateUser(ctx, u); !errors.Is(err, ErrInvalid) {
		t.Errorf("UpdateUser(bad role) = %v, want ErrInvalid", err)
	}
}

func testSessions(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	bob := mustUser(t, db, "bob@parliament.example", RoleAnalyst)

	s := &Session{TokenHash: "hash-1", UserID: jane.ID, CSRF: "csrf-1", ExpiresAt: t0.Add(time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := db.GetSession(ctx, "hash-1")
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	want := &Session{TokenHash: "hash-1", UserID: jane.ID, CSRF: "csrf-1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastSeenAt: t0}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetSession\n got %+v\nwant %+v", got, want)
	}
	if err := db.CreateSession(ctx, &Session{TokenHash: "hash-1", UserID: bob.ID, ExpiresAt: t0.Add(time.Hour)}); !errors.Is(err, ErrConflict) {
		t.Errorf("CreateSession(same hash) = %v, want ErrConflict", err)
	}
	if err := db.CreateSession(ctx, &Session{TokenHash: "hash-x", UserID: 999, ExpiresAt: t0.Add(time.Hour)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("CreateSession(unknown user) = %v, want ErrInvalid", err)
	}
	if err := db.CreateSession(ctx, &Session{TokenHash: "hash-y", UserID: jane.ID}); !errors.Is(err, ErrInvalid) {
		t.Errorf("CreateSession(no expiry) = %v, want ErrInvalid", err)
	}

	// Touching moves the expiry; a session is gone once it has expired.
	c.Set(t0.Add(50 * time.Minute))
	if err := db.TouchSession(ctx, "hash-1", t0.Add(2*time.Hour)); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	c.Set(t0.Add(90 * time.Minute))
	got, err = db.GetSession(ctx, "hash-1")
	if err != nil {
		t.Fatalf("GetSession after touch: %v", err)
	}
	if !got.LastSeenAt.Equal(t0.Add(50*time.Minute)) || !got.ExpiresAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("after touch: last seen %v expires %v", got.LastSeenAt, got.ExpiresAt)
	}
	c.Set(t0.Add(2 * time.Hour))
	if _, err := db.GetSession(ctx, "hash-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetSession(expired) = %v, want ErrNotFound", err)
	}
	if err := db.TouchSession(ctx, "hash-1", t0.Add(3*time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("TouchSession(expired) = %v, want ErrNotFound", err)
	}
	if _, err := db.GetSession(ctx, "no-such-hash"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetSession(missing) = %v, want ErrNotFound", err)
	}

	// Three live sessions: two of Jane's, one of Bob's; and the expired one.
	for i, uid := range []int64{jane.ID, jane.ID, bob.ID} {
		s := &Session{TokenHash: fmt.Sprintf("live-%d", i), UserID: uid, ExpiresAt: t0.Add(5 * time.Hour)}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteSession(ctx, "live-0"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if err := db.DeleteSession(ctx, "live-0"); err != nil {
		t.Errorf("DeleteSession twice = %v, want nil", err)
	}
	if _, err := db.GetSession(ctx, "live-0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetSession(deleted) = %v, want ErrNotFound", err)
	}
	if err := db.DeleteUserSessions(ctx, jane.ID); err != nil {
		t.Fatalf("DeleteUserSessions: %v", err)
	}
	if _, err := db.GetSession(ctx, "live-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Jane's session after DeleteUserSessions = %v, want ErrNotFound", err)
	}
	if _, err := db.GetSession(ctx, "live-2"); err != nil {
		t.Errorf("Bob's session after DeleteUserSessions(jane) = %v", err)
	}
	// Only the expired one (hash-1 belonged to Jane and is gone): create
	// two more that expire, then clean up.
	for _, h := range []string{"old-1", "old-2"} {
		if err := db.CreateSession(ctx, &Session{TokenHash: h, UserID: bob.ID, ExpiresAt: t0.Add(3 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	c.Set(t0.Add(4 * time.Hour))
	if n, err := db.DeleteExpiredSessions(ctx); err != nil || n != 2 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 2", n, err)
	}
	var left int
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM sessions").Scan(&left); err != nil || left != 1 {
		t.Errorf("sessions left = %d, %v; want 1", left, err)
	}
}

func testSignInTokens(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleReporter)
	if err := db.CreateSignInToken(ctx, "link-1", jane.ID, t0.Add(15*time.Minute)); err != nil {
		t.Fatalf("CreateSignInToken: %v", err)
	}
	if err := db.CreateSignInToken(ctx, "link-1", jane.ID, t0.Add(15*time.Minute)); !errors.Is(err, ErrConflict) {
		t.Errorf("CreateSignInToken(same hash) = %v, want ErrConflict", err)
	}
	if err := db.CreateSignInToken(ctx, "link-x", 999, t0.Add(15*time.Minute)); !errors.Is(err, ErrInvalid) {
		t.Errorf("CreateSignInToken(unknown user) = %v, want ErrInvalid", err)
	}
	uid, err := db.UseSignInToken(ctx, "link-1")
	if err != nil || uid != jane.ID {
		t.Fatalf("UseSignInToken = %d, %v; want %d", uid, err, jane.ID)
	}
	if _, err := db.UseSignInToken(ctx, "link-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UseSignInToken a second time = %v, want ErrNotFound", err)
	}
	if _, err := db.UseSignInToken(ctx, "no-such-link"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UseSignInToken(unknown) = %v, want ErrNotFound", err)
	}
	if err := db.CreateSignInToken(ctx, "link-2", jane.ID, t0.Add(15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(15 * time.Minute))
	if _, err := db.UseSignInToken(ctx, "link-2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UseSignInToken(expired) = %v, want ErrNotFound", err)
	}

	// Many requests with one link at once: exactly one signs in.
	if err := db.CreateSignInToken(ctx, "link-3", jane.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.UseSignInToken(ctx, "link-3")
			if err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("concurrent UseSignInToken: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent uses of one link succeeded, want 1", wins)
	}

	// Cleaning up sessions also removes expired sign-in tokens.
	c.Set(t0.Add(2 * time.Hour))
	if _, err := db.DeleteExpiredSessions(ctx); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM sign_in_tokens").Scan(&left); err != nil || left != 0 {
		t.Errorf("sign-in tokens left = %d, %v; want 0", left, err)
	}
}

func testAPITokens(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	jane := mustUser(t, db, "jane@parliament.example", RoleAnalyst)
	bob := mustUser(t, db, "bob@parliament.example", RoleAnalyst)
	tok := &APIToken{UserID: jane.ID, Name: "siem", Hash: "sha-1", Prefix: "pc_ab12"}
	if err := db.CreateAPIToken(ctx, tok); err != nil {
		t.Fatalf("CreateAPIToken: %v", err)
	}
	if tok.ID == 0 || !tok.CreatedAt.Equal(t0) {
		t.Errorf("after CreateAPIToken: %+v", tok)
	}
	if err := db.CreateAPIToken(ctx, &APIToken{UserID: bob.ID, Name: "dup", Hash: "sha-1"}); !errors.Is(err, ErrConflict) {
		t.Errorf("CreateAPIToken(same hash) = %v, want ErrConflict", err)
	}
	if err := db.CreateAPIToken(ctx, &APIToken{UserID: 999, Name: "x", Hash: "sha-x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("CreateAPIToken(unknown user) = %v, want ErrInvalid", err)
	}
	got, err := db.GetAPITokenByHash(ctx, "sha-1")
	if err != nil {
		t.Fatalf("GetAPITokenByHash: %v", err)
	}
	if !reflect.DeepEqual(got, tok) {
		t.Errorf("GetAPITokenByHash\n got %+v\nwant %+v", got, tok)
	}

	// Touch writes at most once a minute.
	c.Set(t0.Add(time.Minute))
	if err := db.TouchAPIToken(ctx, tok.ID); err != nil {
		t.Fatalf("TouchAPIToken: %v", err)
	}
	c.Set(t0.Add(time.Minute + 30*time.Second))
	if err := db.TouchAPIToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = db.GetAPITokenByHash(ctx, "sha-1")
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("LastUsedAt after two touches 30s apart = %v, want %v", got.LastUsedAt, t0.Add(time.Minute))
	}
	c.Set(t0.Add(3 * time.Minute))
	if err := db.TouchAPIToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = db.GetAPITokenByHash(ctx, "sha-1")
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("LastUsedAt after a later touch = %v, want %v", got.LastUsedAt, t0.Add(3*time.Minute))
	}

	second := &APIToken{UserID: jane.ID, Name: "notebook", Hash: "sha-2", Prefix: "pc_cd34"}
	if err := db.CreateAPIToken(ctx, second); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAPIToken(ctx, &APIToken{UserID: bob.ID, Name: "bob's", Hash: "sha-3"}); err != nil {
		t.Fatal(err)
	}
	// Only the owner revokes.
	if err := db.RevokeAPIToken(ctx, bob.ID, tok.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("RevokeAPIToken by another user = %v, want ErrNotFound", err)
	}
	c.Set(t0.Add(4 * time.Minute))
	if err := db.RevokeAPIToken(ctx, jane.ID, tok.ID); err != nil {
		t.Fatalf("RevokeAPIToken: %v", err)
	}
	c.Set(t0.Add(5 * time.Minute))
	if err := db.RevokeAPIToken(ctx, jane.ID, tok.ID); err != nil {
		t.Errorf("RevokeAPIToken twice = %v, want nil", err)
	}
	if _, err := db.GetAPITokenByHash(ctx, "sha-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetAPITokenByHash(revoked) = %v, want ErrNotFound", err)
	}
	ts, err := db.ListAPITokens(ctx, jane.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].ID != tok.ID || ts[1].ID != second.ID {
		t.Fatalf("ListAPITokens = %+v, want Jane's two tokens, oldest first", ts)
	}
	if ts[0].RevokedAt == nil || !ts[0].RevokedAt.Equal(t0.Add(4*time.Minute)) || ts[1].RevokedAt != nil {
		t.Errorf("revoked at = %v, %v; want %v, nil", ts[0].RevokedAt, ts[1].RevokedAt, t0.Add(4*time.Minute))
	}
}
