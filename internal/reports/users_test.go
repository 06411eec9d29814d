package reports_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"portcullis/internal/reports"
	"portcullis/internal/store"
)

const goodPassword = "tulip quarry mandolin 47"

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	e.setPassword(t, e.reporter, goodPassword)
	tests := []struct {
		name, email, password string
		ok                    bool
	}{
		{"right password", "reporter@parliament.uk", goodPassword, true},
		{"address in another case, with spaces", "  Reporter@Parliament.UK ", goodPassword, true},
		{"wrong password", "reporter@parliament.uk", "tulip quarry mandolin 48", false},
		{"empty password", "reporter@parliament.uk", "", false},
		{"unknown address", "nobody@parliament.uk", goodPassword, false},
		{"user without a password", "other@parliament.uk", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := e.svc.SignIn(e.ctx, tt.email, tt.password, "192.0.2.1")
			if !tt.ok {
				wantKind(t, err, reports.ErrUnauthenticated)
				if u != nil {
					t.Errorf("failed sign-in returned a user: %+v", u)
				}
				return
			}
			if err != nil {
				t.Fatalf("SignIn: %v", err)
			}
			if u.ID != e.reporter.ID || u.LastSignInAt == nil || !u.LastSignInAt.Equal(e.clk.Now()) {
				t.Errorf("signed in as %d at %v, want %d at %v", u.ID, u.LastSignInAt, e.reporter.ID, e.clk.Now())
			}
		})
	}
}

func TestSignInLockout(t *testing.T) {
	e := newEnv(t)
	e.setPassword(t, e.reporter, goodPassword)
	for i := 1; i <= 5; i++ {
		if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, "wrong password", ""); !errors.Is(err, reports.ErrUnauthenticated) {
			t.Fatalf("attempt %d with a wrong password: %v", i, err)
		}
		if got := e.user(t, e.reporter.ID).FailedSignIns; got != i {
			t.Errorf("after %d failures the count is %d", i, got)
		}
	}
	// Locked: even the right password fails, and does not count.
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); !errors.Is(err, reports.ErrUnauthenticated) {
		t.Fatalf("right password while locked: error = %v, want ErrUnauthenticated", err)
	}
	e.clk.Advance(14 * time.Minute)
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); !errors.Is(err, reports.ErrUnauthenticated) {
		t.Fatalf("right password 14 minutes into the lock: error = %v, want ErrUnauthenticated", err)
	}
	if got := e.user(t, e.reporter.ID).FailedSignIns; got != 5 {
		t.Errorf("attempts while locked counted: %d, want 5", got)
	}

	// After the lock, the right password works and resets the count.
	e.clk.Advance(2 * time.Minute)
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); err != nil {
		t.Fatalf("right password after the lock: %v", err)
	}
	u := e.user(t, e.reporter.ID)
	if u.FailedSignIns != 0 || u.LockedUntil != nil {
		t.Errorf("after a success: %d failures, locked until %v; want 0 and nil", u.FailedSignIns, u.LockedUntil)
	}
}

func TestSignInSuccessResetsFailures(t *testing.T) {
	e := newEnv(t)
	e.setPassword(t, e.reporter, goodPassword)
	for range 4 {
		if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, "wrong password", ""); err == nil {
			t.Fatal("wrong password accepted")
		}
	}
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); err != nil {
		t.Fatal(err)
	}
	// Four more failures do not lock: the count started again.
	for range 4 {
		if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, "wrong password", ""); err == nil {
			t.Fatal("wrong password accepted")
		}
	}
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); err != nil {
		t.Errorf("right password after 4+4 failures with a success between: %v", err)
	}
}

// TestSignInSameAnswer checks that a failed sign-in says the same thing
// whatever failed, so that it reveals neither which addresses exist nor
// which accounts are locked or disabled.
func TestSignInSameAnswer(t *testing.T) {
	e := newEnv(t)
	e.setPassword(t, e.reporter, goodPassword)
	e.setPassword(t, e.analyst, goodPassword)
	e.setPassword(t, e.admin, goodPassword)
	if _, err := e.svc.UpdateUser(e.ctx, e.admin, e.analyst.ID, reportsDisable(), ""); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		e.svc.SignIn(e.ctx, e.admin.Email, "wrong password", "")
	}
	cases := []struct{ name, email, password string }{
		{"unknown user", "nobody@parliament.uk", goodPassword},
		{"wrong password", e.reporter.Email, "wrong password"},
		{"locked", e.admin.Email, goodPassword},
		{"disabled", e.analyst.Email, goodPassword},
		{"no password yet", e.other.Email, goodPassword},
	}
	var first string
	for _, c := range cases {
		_, err := e.svc.SignIn(e.ctx, c.email, c.password, "")
		if !errors.Is(err, reports.ErrUnauthenticated) {
			t.Fatalf("%s: error = %v, want ErrUnauthenticated", c.name, err)
		}
		if first == "" {
			first = err.Error()
			continue
		}
		if err.Error() != first {
			t.Errorf("%s: error %q differs from %q", c.name, err, first)
		}
	}
}

func TestSignInAudited(t *testing.T) {
	e := newEnv(t)
	e.setPassword(t, e.reporter, goodPassword)
	before := len(e.audit(t))
	e.svc.SignIn(e.ctx, "nobody@parliament.uk", "x", "192.0.2.1")
	e.svc.SignIn(e.ctx, e.reporter.Email, "wrong password", "192.0.2.2")
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, "192.0.2.3"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range e.auditSince(t, before) {
		got = append(got, fmt.Sprintf("%s %s %s %s", ev.Action, ev.Actor, ev.Target, ev.IP))
	}
	user := fmt.Sprintf("user:%d", e.reporter.ID)
	want := []string{
		"sign_in_failed system  192.0.2.1",
		"sign_in_failed reporter@parliament.uk " + user + " 192.0.2.2",
		"sign_in reporter@parliament.uk " + user + " 192.0.2.3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSignInLink(t *testing.T) {
	e := newEnv(t)
	tok, err := e.svc.SignInLink(e.ctx, e.admin, e.reporter.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	// The user has no password: the link is how they first sign in.
	u, err := e.svc.UseSignInLink(e.ctx, tok, "")
	if err != nil {
		t.Fatalf("UseSignInLink: %v", err)
	}
	if u.ID != e.reporter.ID || u.PasswordHash != "" {
		t.Errorf("signed in as %d (password %q), want %d with none", u.ID, u.PasswordHash, e.reporter.ID)
	}
	// ...and then choose a password with no current one.
	if err := e.svc.SetPassword(e.ctx, u, "", goodPassword, ""); err != nil {
		t.Fatalf("first SetPassword: %v", err)
	}
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); err != nil {
		t.Errorf("SignIn with the chosen password: %v", err)
	}
	// The link works once.
	_, err = e.svc.UseSignInLink(e.ctx, tok, "")
	wantErrContains(t, err, reports.ErrUnauthenticated, "used or has expired")
}

func TestSignInLinkRefused(t *testing.T) {
	e := newEnv(t)
	expired, err := e.svc.SignInLink(e.ctx, e.admin, e.reporter.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	almost, err := e.svc.SignInLink(e.ctx, e.admin, e.reporter.ID, "")
	if err != nil {
		t.Fatal(err)
	}

	e.clk.Advance(reports.SignInLinkLife - time.Second)
	if _, err := e.svc.UseSignInLink(e.ctx, almost, ""); err != nil {
		t.Errorf("link a second before it expires: %v", err)
	}
	e.clk.Advance(time.Second)

	disabled, err := e.svc.SignInLink(e.ctx, e.admin, e.other.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateUser(e.ctx, e.admin, e.other.ID, reportsDisable(), ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, token, wantErr string
	}{
		{"expired", expired, "used or has expired"},
		{"unknown", "not-a-token", "used or has expired"},
		{"empty", "", "not valid"},
		{"too long", strings.Repeat("a", 201), "not valid"},
		{"disabled user", disabled, "disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := e.svc.UseSignInLink(e.ctx, tt.token, "")
			wantErrContains(t, err, reports.ErrUnauthenticated, tt.wantErr)
			if u != nil {
				t.Errorf("refused link returned a user: %+v", u)
			}
		})
	}
	_, err = e.svc.SignInLink(e.ctx, e.admin, 9999, "")
	wantKind(t, err, store.ErrNotFound)
}

func TestSignInLinkClearsLockout(t *testing.T) {
	e := newEnv(t)
	e.setPassword(t, e.reporter, goodPassword)
	for range 5 {
		e.svc.SignIn(e.ctx, e.reporter.Email, "wrong password", "")
	}
	tok, err := e.svc.SignInLink(e.ctx, nil, e.reporter.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UseSignInLink(e.ctx, tok, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); err != nil {
		t.Errorf("SignIn after a link sign-in cleared the lock: %v", err)
	}
}

func TestResetPassword(t *testing.T) {
	e := newEnv(t)
	e.setPassword(t, e.reporter, goodPassword)
	tok, _, err := e.svc.StartSession(e.ctx, e.reporter)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.SessionUser(e.ctx, tok); err != nil {
		t.Fatalf("SessionUser before the reset: %v", err)
	}
	before := len(e.audit(t))
	link, err := e.svc.ResetPassword(e.ctx, e.admin, e.reporter.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.SessionUser(e.ctx, tok); !errors.Is(err, reports.ErrUnauthenticated) {
		t.Errorf("SessionUser after the reset: error = %v, want ErrUnauthenticated", err)
	}
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); !errors.Is(err, reports.ErrUnauthenticated) {
		t.Errorf("SignIn with the old password after the reset: error = %v, want ErrUnauthenticated", err)
	}
	if h := e.user(t, e.reporter.ID).PasswordHash; h != "" {
		t.Errorf("password hash after the reset = %q, want none", h)
	}
	u, err := e.svc.UseSignInLink(e.ctx, link, "")
	if err != nil || u.ID != e.reporter.ID {
		t.Fatalf("UseSignInLink with the reset link: %v, %v", u, err)
	}
	if err := e.svc.SetPassword(e.ctx, u, "", "a brand new secret phrase", ""); err != nil {
		t.Errorf("SetPassword after the reset: %v", err)
	}
	var actions []string
	for _, ev := range e.auditSince(t, before) {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, " "); !strings.HasPrefix(got, "user.reset_password user.sign_in_link") {
		t.Errorf("audit actions = %s, want user.reset_password, user.sign_in_link first", got)
	}
	_, err = e.svc.ResetPassword(e.ctx, e.admin, 9999, "")
	wantKind(t, err, store.ErrNotFound)
}

func TestSessions(t *testing.T) {
	e := newEnv(t)
	tok, csrf, err := e.svc.StartSession(e.ctx, e.reporter)
	if err != nil {
		t.Fatal(err)
	}
	if tok == "" || csrf == "" || tok == csrf {
		t.Fatalf("StartSession = %q, %q; want two different tokens", tok, csrf)
	}
	u, sess, err := e.svc.SessionUser(e.ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != e.reporter.ID || sess.CSRF != csrf {
		t.Errorf("session of %d with csrf %q, want %d, %q", u.ID, sess.CSRF, e.reporter.ID, csrf)
	}

	for _, bad := range []string{"", "unknown-token", strings.Repeat("x", 201), csrf} {
		if _, _, err := e.svc.SessionUser(e.ctx, bad); !errors.Is(err, reports.ErrUnauthenticated) {
			t.Errorf("SessionUser(%.20q): error = %v, want ErrUnauthenticated", bad, err)
		}
	}

	// Use keeps a session alive; idleness ends it.
	for range 3 {
		e.clk.Advance(reports.SessionIdle - time.Minute)
		if _, _, err := e.svc.SessionUser(e.ctx, tok); err != nil {
			t.Fatalf("session in use ended: %v", err)
		}
	}
	e.clk.Advance(reports.SessionIdle + time.Second)
	if _, _, err := e.svc.SessionUser(e.ctx, tok); !errors.Is(err, reports.ErrUnauthenticated) {
		t.Errorf("idle session: error = %v, want ErrUnauthenticated", err)
	}

	// Signing out ends a session.
	tok, _, err = e.svc.StartSession(e.ctx, e.reporter)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SignOut(e.ctx, e.reporter, tok, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.SessionUser(e.ctx, tok); !errors.Is(err, reports.ErrUnauthenticated) {
		t.Errorf("session after SignOut: error = %v, want ErrUnauthenticated", err)
	}
}

func TestDisabledUserSessionStops(t *testing.T) {
	t.Run("disabled by an admin", func(t *testing.T) {
		e := newEnv(t)
		tok, _, err := e.svc.StartSession(e.ctx, e.reporter)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.UpdateUser(e.ctx, e.admin, e.reporter.ID, reportsDisable(), ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.SessionUser(e.ctx, tok); !errors.Is(err, reports.ErrUnauthenticated) {
			t.Errorf("SessionUser of a disabled user: error = %v, want ErrUnauthenticated", err)
		}
		// Enabling again does not bring the session back.
		if _, err := e.svc.UpdateUser(e.ctx, e.admin, e.reporter.ID, reports.UserChange{Disabled: ptr(false)}, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.SessionUser(e.ctx, tok); !errors.Is(err, reports.ErrUnauthenticated) {
			t.Errorf("session of a re-enabled user: error = %v, want ErrUnauthenticated", err)
		}
	})
	t.Run("disabled in the store", func(t *testing.T) {
		// Another node (or the command line) disabled the user and the
		// session is still stored: the flag alone must stop it.
		e := newEnv(t)
		tok, _, err := e.svc.StartSession(e.ctx, e.reporter)
		if err != nil {
			t.Fatal(err)
		}
		u := e.user(t, e.reporter.ID)
		u.Disabled = true
		if err := e.db.UpdateUser(e.ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.SessionUser(e.ctx, tok); !errors.Is(err, reports.ErrUnauthenticated) {
			t.Errorf("SessionUser of a disabled user: error = %v, want ErrUnauthenticated", err)
		}
	})
}

func TestSetPassword(t *testing.T) {
	e := newEnv(t)
	e.setPassword(t, e.reporter, goodPassword)
	tests := []struct {
		name, current, next, wantErr string
	}{
		{"too short", goodPassword, "short pw", "too short"},
		{"the email address", goodPassword, "reporter@parliament.uk", "too close to your name or email"},
		{"the email address in capitals", goodPassword, "REPORTER@PARLIAMENT.UK", "too close to your name or email"},
		{"the name", goodPassword, "Test Reporter", "too close to your name or email"},
		{"common", goodPassword, "password1234", "too common"},
		{"wrong current password", "not my password", "another good phrase 99", "current password is not right"},
		{"no current password", "", "another good phrase 99", "current password is not right"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.svc.SetPassword(e.ctx, e.reporter, tt.current, tt.next, "")
			wantErrContains(t, err, store.ErrInvalid, tt.wantErr)
		})
	}
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); err != nil {
		t.Fatalf("refused changes changed the password: %v", err)
	}

	before := len(e.audit(t))
	if err := e.svc.SetPassword(e.ctx, e.reporter, goodPassword, "another good phrase 99", "192.0.2.5"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, "another good phrase 99", ""); err != nil {
		t.Errorf("SignIn with the new password: %v", err)
	}
	if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); err == nil {
		t.Error("the old password still works")
	}
	if got := findAudit(e.auditSince(t, before), "user.password"); len(got) != 1 || got[0].ActorID != e.reporter.ID {
		t.Errorf("user.password events = %+v, want one by the user", got)
	}
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"", "   ", strings.Repeat("n", 101)} {
		if _, _, err := e.svc.CreateAPIToken(e.ctx, e.reporter, name, ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CreateAPIToken(%.10q): error = %v, want ErrInvalid", name, err)
		}
	}

	secret, tok, err := e.svc.CreateAPIToken(e.ctx, e.reporter, "  my script ", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "pc_") || tok.Prefix != secret[:9] || tok.Name != "my script" || tok.UserID != e.reporter.ID {
		t.Errorf("token %+v for secret %q", tok, secret)
	}
	if strings.Contains(tok.Hash, secret) {
		t.Error("the token's hash holds the secret")
	}
	u, err := e.svc.TokenUser(e.ctx, secret)
	if err != nil || u.ID != e.reporter.ID {
		t.Fatalf("TokenUser = %v, %v; want the reporter", u, err)
	}
	for _, bad := range []string{"", "pc_unknown", strings.Repeat("x", 201)} {
		if _, err := e.svc.TokenUser(e.ctx, bad); !errors.Is(err, reports.ErrUnauthenticated) {
			t.Errorf("TokenUser(%.12q): error = %v, want ErrUnauthenticated", bad, err)
		}
	}

	// Only its owner can revoke a token, and they see only their own.
	err = e.svc.RevokeAPIToken(e.ctx, e.other, tok.ID, "")
	wantKind(t, err, store.ErrNotFound)
	if _, err := e.svc.TokenUser(e.ctx, secret); err != nil {
		t.Errorf("token revoked by another user stopped working: %v", err)
	}
	if list, err := e.svc.APITokens(e.ctx, e.other); err != nil || len(list) != 0 {
		t.Errorf("another user's token list = %v, %v; want empty", list, err)
	}
	list, err := e.svc.APITokens(e.ctx, e.reporter)
	if err != nil || len(list) != 1 || list[0].ID != tok.ID {
		t.Errorf("APITokens = %v, %v; want the one token", list, err)
	}

	before := len(e.audit(t))
	if err := e.svc.RevokeAPIToken(e.ctx, e.reporter, tok.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.TokenUser(e.ctx, secret); !errors.Is(err, reports.ErrUnauthenticated) {
		t.Errorf("TokenUser after revocation: error = %v, want ErrUnauthenticated", err)
	}
	if got := findAudit(e.auditSince(t, before), "token.revoke"); len(got) != 1 {
		t.Errorf("got %d token.revoke events, want 1", len(got))
	}
	if list, err := e.svc.APITokens(e.ctx, e.reporter); err != nil || len(list) != 1 || list[0].RevokedAt == nil {
		t.Errorf("APITokens after revocation = %v, %v; want the token marked revoked", list, err)
	}
}

func TestAPITokenOfDisabledUser(t *testing.T) {
	e := newEnv(t)
	secret, _, err := e.svc.CreateAPIToken(e.ctx, e.reporter, "script", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateUser(e.ctx, e.admin, e.reporter.ID, reportsDisable(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.TokenUser(e.ctx, secret); !errors.Is(err, reports.ErrUnauthenticated) {
		t.Errorf("TokenUser of a disabled user: error = %v, want ErrUnauthenticated", err)
	}
}

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name     string
		nu       reports.NewUser
		kind     error
		wantUser string // email name role office
	}{
		{"defaults", reports.NewUser{Email: " New.Member@Parliament.UK "}, nil, "new.member@parliament.uk New.Member reporter "},
		{"all fields", reports.NewUser{Email: "sec@parliament.uk", Name: " Sam Sec ", Role: store.RoleAnalyst, Office: " PSD "}, nil, "sec@parliament.uk Sam Sec analyst PSD"},
		{"not an address", reports.NewUser{Email: "not an address"}, store.ErrInvalid, ""},
		{"empty address", reports.NewUser{Email: ""}, store.ErrInvalid, ""},
		{"address with a display name", reports.NewUser{Email: "Sam <sam@parliament.uk>"}, store.ErrInvalid, ""},
		{"unknown role", reports.NewUser{Email: "x@parliament.uk", Role: "root"}, store.ErrInvalid, ""},
		{"existing address in another case", reports.NewUser{Email: "REPORTER@parliament.uk"}, store.ErrConflict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := e.svc.CreateUser(e.ctx, e.admin, tt.nu, "")
			if tt.kind != nil {
				wantKind(t, err, tt.kind)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join([]string{u.Email, u.Name, u.Role, u.Office}, " "); got != tt.wantUser {
				t.Errorf("user = %q, want %q", got, tt.wantUser)
			}
		})
	}
}

func TestUpdateUser(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name  string
		actor *store.User
		id    int64
		c     reports.UserChange
		kind  error
	}{
		{"admin demotes themselves", e.admin, e.admin.ID, reports.UserChange{Role: ptr(store.RoleAnalyst)}, store.ErrInvalid},
		{"admin disables themselves", e.admin, e.admin.ID, reportsDisable(), store.ErrInvalid},
		{"admin keeps their role", e.admin, e.admin.ID, reports.UserChange{Role: ptr(store.RoleAdmin), Office: ptr("Security")}, nil},
		{"unknown role", e.admin, e.reporter.ID, reports.UserChange{Role: ptr("root")}, store.ErrInvalid},
		{"unknown user", e.admin, 9999, reports.UserChange{Office: ptr("x")}, store.ErrNotFound},
		{"promote", e.admin, e.reporter.ID, reports.UserChange{Role: ptr(store.RoleAnalyst)}, nil},
		{"the command line demotes an admin", nil, e.admin.ID, reports.UserChange{Role: ptr(store.RoleAnalyst)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.UpdateUser(e.ctx, tt.actor, tt.id, tt.c, "")
			if tt.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantKind(t, err, tt.kind)
		})
	}
	if u := e.user(t, e.reporter.ID); u.Role != store.RoleAnalyst {
		t.Errorf("promoted user's role = %q", u.Role)
	}
	if u := e.user(t, e.admin.ID); u.Role != store.RoleAnalyst || u.Office != "Security" || u.Disabled {
		t.Errorf("admin after the changes: role %q office %q disabled %t; want analyst, Security, false", u.Role, u.Office, u.Disabled)
	}
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	list, err := e.svc.Users(e.ctx, e.admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 {
		t.Errorf("Users = %d users, want 4", len(list))
	}
}

func TestBootstrap(t *testing.T) {
	e := newEmptyEnv(t)
	tok, err := e.svc.Bootstrap(e.ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if tok == "" {
		t.Fatal("Bootstrap on an empty database returned no link")
	}
	users, err := e.db.ListUsers(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].Role != store.RoleAdmin || users[0].Email != "admin@localhost" {
		t.Fatalf("users after Bootstrap = %+v, want one admin@localhost admin", users)
	}
	u, err := e.svc.UseSignInLink(e.ctx, tok, "")
	if err != nil || u.ID != users[0].ID {
		t.Errorf("UseSignInLink with the bootstrap link = %v, %v", u, err)
	}

	for _, email := range []string{"", "second@parliament.uk"} {
		tok, err := e.svc.Bootstrap(e.ctx, email)
		if err != nil || tok != "" {
			t.Errorf("Bootstrap(%q) with users = %q, %v; want \"\", nil", email, tok, err)
		}
	}
	if n, err := e.db.CountUsers(e.ctx); err != nil || n != 1 {
		t.Errorf("users after a second Bootstrap = %d, %v; want 1", n, err)
	}
}

func TestBootstrapWithAddress(t *testing.T) {
	e := newEmptyEnv(t)
	if _, err := e.svc.Bootstrap(e.ctx, "Security.Lead@Parliament.UK"); err != nil {
		t.Fatal(err)
	}
	u, err := e.db.GetUserByEmail(e.ctx, "security.lead@parliament.uk")
	if err != nil || u.Role != store.RoleAdmin {
		t.Errorf("bootstrap admin = %+v, %v", u, err)
	}
	e2 := newEmptyEnv(t)
	if _, err := e2.svc.Bootstrap(e2.ctx, "not an address"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Bootstrap with a bad address: error = %v, want ErrInvalid", err)
	}
}
