package reports

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"portcullis/internal/auth"
	"portcullis/internal/store"
)

// Session lengths.
const (
	SessionIdle    = 12 * time.Hour     // a session unused this long ends
	SignInLinkLife = 24 * time.Hour     // a one-time sign-in link is valid this long
	SessionMax     = 7 * 24 * time.Hour // however busy, a session ends this long after sign-in
)

// endAccess ends a user's sessions and revokes their API tokens: after a
// reset or when disabled, nothing minted before keeps working.
func (s *Service) endAccess(ctx context.Context, userID int64) error {
	if err := s.db.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	toks, err := s.db.ListAPITokens(ctx, userID)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.RevokedAt == nil {
			if err := s.db.RevokeAPIToken(ctx, userID, t.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// SetPasswordParams sets the argon2id cost (tests make it cheap).
func (s *Service) SetPasswordParams(p auth.Params) { s.pw = p }

// hashSlot waits for a free argon2id slot; release it with the returned func.
func (s *Service) hashSlot(ctx context.Context) (func(), error) {
	select {
	case s.hashing <- struct{}{}:
		return func() { <-s.hashing }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Service) params() auth.Params {
	if s.pw.Memory == 0 {
		return auth.DefaultParams
	}
	return s.pw
}

// errBadSignIn is the one answer to a failed sign-in, whatever failed,
// so that it reveals neither which addresses exist nor which are locked.
var errBadSignIn = Errorf(ErrUnauthenticated, "that email and password do not match, or the account is locked or disabled; after 5 failed attempts an account is locked for 15 minutes")

// SignIn checks an email and password. Failed attempts count towards a
// lockout; a success resets the count.
func (s *Service) SignIn(ctx context.Context, email, password, ip string) (*store.User, error) {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	u, err := s.db.GetUserByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, store.ErrNotFound) {
		auth.EqualizeTiming(s.params())
		s.audit(ctx, nil, "sign_in_failed", "", Detail("email", truncate(email, 200), "reason", "unknown"), ip)
		return nil, errBadSignIn
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if u.Disabled || (u.LockedUntil != nil && now.Before(*u.LockedUntil)) || u.PasswordHash == "" {
		auth.EqualizeTiming(s.params())
		s.audit(ctx, u, "sign_in_failed", fmt.Sprintf("user:%d", u.ID), `{"reason":"locked, disabled or no password"}`, ip)
		return nil, errBadSignIn
	}
	ok, rehash, err := auth.CheckPassword(u.PasswordHash, password, s.params())
	if err != nil || !ok {
		u.FailedSignIns, u.LockedUntil = auth.DefaultLockout.Fail(u.FailedSignIns, now)
		if err := s.db.UpdateUser(ctx, u); err != nil {
			return nil, err
		}
		s.audit(ctx, u, "sign_in_failed", fmt.Sprintf("user:%d", u.ID), Detail("failed", u.FailedSignIns), ip)
		return nil, errBadSignIn
	}
	if rehash {
		if h, err := auth.HashPassword(password, s.params()); err == nil {
			u.PasswordHash = h
		}
	}
	u.FailedSignIns, u.LockedUntil, u.LastSignInAt = 0, nil, &now
	if err := s.db.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	s.audit(ctx, u, "sign_in", fmt.Sprintf("user:%d", u.ID), `{"method":"password"}`, ip)
	return u, nil
}

// StartSession creates a session for u and returns the cookie token and
// the session's CSRF token.
func (s *Service) StartSession(ctx context.Context, u *store.User) (token, csrf string, err error) {
	token, csrf = auth.NewToken(), auth.NewToken()
	now := s.now()
	err = s.db.CreateSession(ctx, &store.Session{TokenHash: auth.HashToken(token), UserID: u.ID, CSRF: csrf,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionIdle)})
	return token, csrf, err
}

// SessionUser returns the user and session behind a session cookie, and
// extends the session when it is in use.
func (s *Service) SessionUser(ctx context.Context, token string) (*store.User, *store.Session, error) {
	if token == "" || len(token) > 200 {
		return nil, nil, ErrUnauthenticated
	}
	h := auth.HashToken(token)
	sess, err := s.db.GetSession(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, nil, err
	}
	u, err := s.db.GetUser(ctx, sess.UserID)
	if err != nil || u.Disabled {
		return nil, nil, ErrUnauthenticated
	}
	if s.now().Sub(sess.CreatedAt) > SessionMax {
		_ = s.db.DeleteSession(ctx, h)
		return nil, nil, ErrUnauthenticated
	}
	if now := s.now(); now.Sub(sess.LastSeenAt) > time.Minute {
		_ = s.db.TouchSession(ctx, h, now.Add(SessionIdle))
	}
	return u, sess, nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, u *store.User, token, ip string) error {
	s.audit(ctx, u, "sign_out", "", "", ip)
	return s.db.DeleteSession(ctx, auth.HashToken(token))
}

// SignInLink creates a one-time sign-in link token for a user: for the
// first admin, for new users and for password resets. Only an admin may
// (actor nil means the command line, run by whoever runs the server).
func (s *Service) SignInLink(ctx context.Context, actor *store.User, userID int64, ip string) (string, error) {
	if actor != nil {
		if err := require(actor, store.RoleAdmin); err != nil {
			return "", err
		}
	}
	u, err := s.db.GetUser(ctx, userID)
	if err != nil {
		return "", err
	}
	tok := auth.NewToken()
	if err := s.db.CreateSignInToken(ctx, auth.HashToken(tok), u.ID, s.now().Add(SignInLinkLife)); err != nil {
		return "", err
	}
	s.audit(ctx, actor, "user.sign_in_link", fmt.Sprintf("user:%d", u.ID), "", ip)
	return tok, nil
}

// UseSignInLink signs in with a one-time link; the link is spent.
func (s *Service) UseSignInLink(ctx context.Context, token, ip string) (*store.User, error) {
	if token == "" || len(token) > 200 {
		return nil, Errorf(ErrUnauthenticated, "this sign-in link is not valid")
	}
	id, err := s.db.UseSignInToken(ctx, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, Errorf(ErrUnauthenticated, "this sign-in link has been used or has expired: ask an administrator for a new one")
	}
	if err != nil {
		return nil, err
	}
	u, err := s.db.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, Errorf(ErrUnauthenticated, "this account is disabled")
	}
	now := s.now()
	u.FailedSignIns, u.LockedUntil, u.LastSignInAt = 0, nil, &now
	if err := s.db.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	s.audit(ctx, u, "sign_in", fmt.Sprintf("user:%d", u.ID), `{"method":"link"}`, ip)
	return u, nil
}

// SetPassword sets actor's own password. current must match unless the
// account has none yet (first sign-in by link).
func (s *Service) SetPassword(ctx context.Context, actor *store.User, current, next, ip string) error {
	if err := require(actor, store.RoleReporter); err != nil {
		return err
	}
	release, err := s.hashSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	u, err := s.db.GetUser(ctx, actor.ID)
	if err != nil {
		return err
	}
	if u.PasswordHash != "" {
		now := s.now()
		if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
			return Errorf(store.ErrInvalid, "too many wrong passwords: try again in 15 minutes")
		}
		ok, _, err := auth.CheckPassword(u.PasswordHash, current, s.params())
		if err != nil || !ok {
			u.FailedSignIns, u.LockedUntil = auth.DefaultLockout.Fail(u.FailedSignIns, now)
			if err := s.db.UpdateUser(ctx, u); err != nil {
				return err
			}
			s.audit(ctx, u, "user.password_failed", fmt.Sprintf("user:%d", u.ID), "", ip)
			return Errorf(store.ErrInvalid, "your current password is not right")
		}
	}
	local, _, _ := strings.Cut(u.Email, "@")
	if err := auth.CheckPasswordPolicy(next, u.Email, u.Name, local); err != nil {
		return Errorf(store.ErrInvalid, "%v", err)
	}
	h, err := auth.HashPassword(next, s.params())
	if err != nil {
		return err
	}
	u.PasswordHash, u.FailedSignIns, u.LockedUntil = h, 0, nil
	if err := s.db.UpdateUser(ctx, u); err != nil {
		return err
	}
	// Whoever held a session under the old password loses it.
	if err := s.db.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	s.audit(ctx, u, "user.password", fmt.Sprintf("user:%d", u.ID), "", ip)
	return nil
}

// TokenUser returns the user behind an API token.
func (s *Service) TokenUser(ctx context.Context, secret string) (*store.User, error) {
	if secret == "" || len(secret) > 200 {
		return nil, Errorf(ErrUnauthenticated, "missing or malformed API token")
	}
	t, err := s.db.GetAPITokenByHash(ctx, auth.HashToken(secret))
	if errors.Is(err, store.ErrNotFound) {
		return nil, Errorf(ErrUnauthenticated, "unknown or revoked API token")
	}
	if err != nil {
		return nil, err
	}
	u, err := s.db.GetUser(ctx, t.UserID)
	if err != nil || u.Disabled {
		return nil, Errorf(ErrUnauthenticated, "the token's user is disabled")
	}
	if t.LastUsedAt == nil || s.now().Sub(*t.LastUsedAt) > time.Minute {
		_ = s.db.TouchAPIToken(ctx, t.ID)
	}
	return u, nil
}

// CreateAPIToken makes a token for actor; the secret is shown once.
func (s *Service) CreateAPIToken(ctx context.Context, actor *store.User, name, ip string) (string, *store.APIToken, error) {
	if err := require(actor, store.RoleReporter); err != nil {
		return "", nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", nil, Errorf(store.ErrInvalid, "give the token a name (up to 100 characters) saying what it is for")
	}
	secret := "pc_" + auth.NewToken()
	t := &store.APIToken{UserID: actor.ID, Name: name, Hash: auth.HashToken(secret), Prefix: secret[:9]}
	if err := s.db.CreateAPIToken(ctx, t); err != nil {
		return "", nil, err
	}
	s.audit(ctx, actor, "token.create", fmt.Sprintf("token:%d", t.ID), Detail("name", name), ip)
	return secret, t, nil
}

// APITokens lists actor's tokens.
func (s *Service) APITokens(ctx context.Context, actor *store.User) ([]store.APIToken, error) {
	if err := require(actor, store.RoleReporter); err != nil {
		return nil, err
	}
	return s.db.ListAPITokens(ctx, actor.ID)
}

// RevokeAPIToken revokes one of actor's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, actor *store.User, id int64, ip string) error {
	if err := require(actor, store.RoleReporter); err != nil {
		return err
	}
	if err := s.db.RevokeAPIToken(ctx, actor.ID, id); err != nil {
		return err
	}
	s.audit(ctx, actor, "token.revoke", fmt.Sprintf("token:%d", id), "", ip)
	return nil
}

// NewUser is what an admin gives to create a user.
type NewUser struct {
	Email, Name, Role, Office string
}

// CreateUser creates a user (admins, or the command line with actor nil).
func (s *Service) CreateUser(ctx context.Context, actor *store.User, nu NewUser, ip string) (*store.User, error) {
	if actor != nil {
		if err := require(actor, store.RoleAdmin); err != nil {
			return nil, err
		}
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(nu.Email))
	if err != nil || addr.Name != "" {
		return nil, Errorf(store.ErrInvalid, "%q is not an email address", truncate(nu.Email, 100))
	}
	if nu.Role == "" {
		nu.Role = store.RoleReporter
	}
	if store.RoleRank(nu.Role) == 0 {
		return nil, Errorf(store.ErrInvalid, "role must be reporter, analyst or admin")
	}
	name := strings.TrimSpace(nu.Name)
	if name == "" {
		name, _, _ = strings.Cut(addr.Address, "@")
	}
	u := &store.User{Email: strings.ToLower(addr.Address), Name: truncate(name, 200), Role: nu.Role, Office: truncate(strings.TrimSpace(nu.Office), 200)}
	if err := s.db.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, Errorf(store.ErrConflict, "a user with the address %s already exists", u.Email)
		}
		return nil, err
	}
	s.audit(ctx, actor, "user.create", fmt.Sprintf("user:%d", u.ID), Detail("email", u.Email, "role", u.Role), ip)
	return u, nil
}

// UserChange is what an admin may change about a user; nil stays.
type UserChange struct {
	Role     *string
	Office   *string
	Disabled *bool
}

// UpdateUser changes a user's role, office or whether they are disabled
// (admins only). Disabling ends the user's sessions. An admin cannot
// demote or disable themselves, so there is always one admin.
func (s *Service) UpdateUser(ctx context.Context, actor *store.User, id int64, c UserChange, ip string) (*store.User, error) {
	if actor != nil {
		if err := require(actor, store.RoleAdmin); err != nil {
			return nil, err
		}
	}
	u, err := s.db.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor != nil && actor.ID == id && ((c.Role != nil && *c.Role != store.RoleAdmin) || (c.Disabled != nil && *c.Disabled)) {
		return nil, Errorf(store.ErrInvalid, "you cannot demote or disable yourself: ask another admin")
	}
	if c.Role != nil {
		if store.RoleRank(*c.Role) == 0 {
			return nil, Errorf(store.ErrInvalid, "role must be reporter, analyst or admin")
		}
		u.Role = *c.Role
	}
	if c.Office != nil {
		u.Office = truncate(strings.TrimSpace(*c.Office), 200)
	}
	if c.Disabled != nil {
		u.Disabled = *c.Disabled
	}
	if err := s.db.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	if u.Disabled {
		if err := s.endAccess(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	s.audit(ctx, actor, "user.update", fmt.Sprintf("user:%d", u.ID), Detail("role", u.Role, "disabled", u.Disabled), ip)
	return u, nil
}

// ResetPassword clears a user's password and ends their sessions; the
// returned one-time link lets them choose a new one (admins, or the
// command line with actor nil).
func (s *Service) ResetPassword(ctx context.Context, actor *store.User, id int64, ip string) (string, error) {
	if actor != nil {
		if err := require(actor, store.RoleAdmin); err != nil {
			return "", err
		}
	}
	u, err := s.db.GetUser(ctx, id)
	if err != nil {
		return "", err
	}
	u.PasswordHash, u.FailedSignIns, u.LockedUntil = "", 0, nil
	if err := s.db.UpdateUser(ctx, u); err != nil {
		return "", err
	}
	if err := s.endAccess(ctx, u.ID); err != nil {
		return "", err
	}
	s.audit(ctx, actor, "user.reset_password", fmt.Sprintf("user:%d", u.ID), "", ip)
	return s.SignInLink(ctx, actor, u.ID, ip)
}

// Users lists the users (admins only).
func (s *Service) Users(ctx context.Context, actor *store.User) ([]store.User, error) {
	if err := require(actor, store.RoleAdmin); err != nil {
		return nil, err
	}
	return s.db.ListUsers(ctx)
}

// Analysts lists the users a case can be assigned to (analysts only).
func (s *Service) Analysts(ctx context.Context, actor *store.User) ([]store.User, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	all, err := s.db.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.User
	for _, u := range all {
		if IsAnalyst(&u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// Bootstrap creates the first admin when there are no users, and returns
// a one-time sign-in link token for them; "" when users already exist.
func (s *Service) Bootstrap(ctx context.Context, email string) (string, error) {
	n, err := s.db.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	if email == "" {
		email = "admin@localhost"
	}
	u, err := s.CreateUser(ctx, nil, NewUser{Email: email, Name: "Administrator", Role: store.RoleAdmin}, "")
	if err != nil {
		return "", err
	}
	return s.SignInLink(ctx, nil, u.ID, "")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
