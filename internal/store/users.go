package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// NormalizeEmail is how the store keys users and people by e-mail address:
// trimmed and lower-cased.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

const userColumns = "id, email, name, role, office, password_hash, disabled, failed_sign_ins, " +
	"locked_until, last_sign_in_at, created_at, updated_at"

func scanUser(s interface{ Scan(...any) error }) (*User, error) {
	var (
		u                  User
		locked, lastSignIn dbTime
		created, updated   dbTime
	)
	err := s.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Office, &u.PasswordHash, &u.Disabled, &u.FailedSignIns,
		&locked, &lastSignIn, &created, &updated)
	if err != nil {
		return nil, err
	}
	u.LockedUntil, u.LastSignInAt = locked.ptr(), lastSignIn.ptr()
	u.CreatedAt, u.UpdatedAt = created.T, updated.T
	return &u, nil
}

// CreateUser adds u and sets its ID, CreatedAt and UpdatedAt. The e-mail
// address is stored trimmed and lower-cased (and u.Email set so); another
// user with the same address is ErrConflict, an empty address or an
// unknown role ErrInvalid.
func (db *DB) CreateUser(ctx context.Context, u *User) error {
	if u == nil {
		return fmt.Errorf("store: create user: %w", errorf(ErrInvalid, "user is nil"))
	}
	email := NormalizeEmail(u.Email)
	if email == "" {
		return fmt.Errorf("store: create user: %w", errorf(ErrInvalid, "e-mail address is empty"))
	}
	now := db.now()
	var id int64
	err := db.write.QueryRowContext(ctx, db.d.bind("INSERT INTO users (email, name, role, office, password_hash, disabled, "+
		"failed_sign_ins, locked_until, last_sign_in_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
		email, u.Name, u.Role, u.Office, u.PasswordHash, u.Disabled, u.FailedSignIns,
		db.timePtr(u.LockedUntil), db.timePtr(u.LastSignInAt), db.d.time(now), db.d.time(now)).Scan(&id)
	if err != nil {
		return fmt.Errorf("store: create user: %w", mapError(err))
	}
	u.ID, u.Email, u.CreatedAt, u.UpdatedAt = id, email, now, now
	return nil
}

// GetUser returns the user with the given ID.
func (db *DB) GetUser(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+userColumns+" FROM users WHERE id = ?"), id))
	if err != nil {
		return nil, fmt.Errorf("store: get user %d: %w", id, mapError(err))
	}
	return u, nil
}

// GetUserByEmail returns the user with the given e-mail address, ignoring
// case and surrounding space.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (*User, error) {
	email = NormalizeEmail(email)
	u, err := scanUser(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+userColumns+" FROM users WHERE email = ?"), email))
	if err != nil {
		return nil, fmt.Errorf("store: get user by e-mail: %w", mapError(err))
	}
	return u, nil
}

// ListUsers returns every user, ordered by e-mail address.
func (db *DB) ListUsers(ctx context.Context) ([]User, error) {
	rs, err := db.read.QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY email")
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", mapError(err))
	}
	defer rs.Close()
	var out []User
	for rs.Next() {
		u, err := scanUser(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", mapError(err))
		}
		out = append(out, *u)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list users: %w", mapError(err))
	}
	return out, nil
}

// CountUsers returns the number of users.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", mapError(err))
	}
	return n, nil
}

// UpdateUser writes u's Name, Role, Office, PasswordHash, Disabled,
// FailedSignIns, LockedUntil and LastSignInAt, and sets its UpdatedAt.
// The e-mail address does not change.
func (db *DB) UpdateUser(ctx context.Context, u *User) error {
	if u == nil {
		return fmt.Errorf("store: update user: %w", errorf(ErrInvalid, "user is nil"))
	}
	now := db.now()
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE users SET name = ?, role = ?, office = ?, password_hash = ?, "+
		"disabled = ?, failed_sign_ins = ?, locked_until = ?, last_sign_in_at = ?, updated_at = ? WHERE id = ?"),
		u.Name, u.Role, u.Office, u.PasswordHash, u.Disabled, u.FailedSignIns,
		db.timePtr(u.LockedUntil), db.timePtr(u.LastSignInAt), db.d.time(now), u.ID)
	if err := oneRow(res, err, "no such user"); err != nil {
		return fmt.Errorf("store: update user %d: %w", u.ID, err)
	}
	u.UpdatedAt = now
	return nil
}

const sessionColumns = "token_hash, user_id, csrf, created_at, expires_at, last_seen_at"

// CreateSession stores s. CreatedAt and LastSeenAt default to now;
// ExpiresAt must be set. A session for an unknown user is ErrInvalid.
func (db *DB) CreateSession(ctx context.Context, s *Session) error {
	if s == nil || s.TokenHash == "" || s.ExpiresAt.IsZero() {
		return fmt.Errorf("store: create session: %w", errorf(ErrInvalid, "a session needs a token hash and an expiry"))
	}
	now := db.now()
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = now
	}
	_, err := db.write.ExecContext(ctx, db.d.bind("INSERT INTO sessions ("+sessionColumns+") VALUES (?, ?, ?, ?, ?, ?)"),
		s.TokenHash, s.UserID, s.CSRF, db.d.time(s.CreatedAt), db.d.time(s.ExpiresAt), db.d.time(s.LastSeenAt))
	if err != nil {
		return fmt.Errorf("store: create session: %w", mapError(err))
	}
	return nil
}

// GetSession returns the session with the given token hash; one that has
// expired (by db.Now) is ErrNotFound.
func (db *DB) GetSession(ctx context.Context, tokenHash string) (*Session, error) {
	var (
		s                      Session
		created, expires, seen dbTime
	)
	err := db.read.QueryRowContext(ctx, db.d.bind("SELECT "+sessionColumns+" FROM sessions WHERE token_hash = ? AND expires_at > ?"),
		tokenHash, db.d.time(db.Now())).Scan(&s.TokenHash, &s.UserID, &s.CSRF, &created, &expires, &seen)
	if err != nil {
		return nil, fmt.Errorf("store: get session: %w", mapError(err))
	}
	s.CreatedAt, s.ExpiresAt, s.LastSeenAt = created.T, expires.T, seen.T
	return &s, nil
}

// TouchSession records that a session was used now and moves its expiry
// to expires. A missing or expired session is ErrNotFound.
func (db *DB) TouchSession(ctx context.Context, tokenHash string, expires time.Time) error {
	now := db.d.time(db.Now())
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ? AND expires_at > ?"),
		now, db.d.time(expires), tokenHash, now)
	if err := oneRow(res, err, "no such session"); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession signs a session out. Deleting a session that is not
// there is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := db.write.ExecContext(ctx, db.d.bind("DELETE FROM sessions WHERE token_hash = ?"), tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", mapError(err))
	}
	return nil
}

// DeleteUserSessions signs a user out everywhere.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := db.write.ExecContext(ctx, db.d.bind("DELETE FROM sessions WHERE user_id = ?"), userID); err != nil {
		return fmt.Errorf("store: delete sessions of user %d: %w", userID, mapError(err))
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that have expired and
// returns how many there were. It also removes the sign-in tokens that
// have expired, used or not; they are not counted.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int, error) {
	now := db.d.time(db.Now())
	res, err := db.write.ExecContext(ctx, db.d.bind("DELETE FROM sessions WHERE expires_at <= ?"), now)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", mapError(err))
	}
	if _, err := db.write.ExecContext(ctx, db.d.bind("DELETE FROM sign_in_tokens WHERE expires_at <= ?"), now); err != nil {
		return 0, fmt.Errorf("store: delete expired sign-in tokens: %w", mapError(err))
	}
	return int(n), nil
}

// CreateSignInToken stores a one-time sign-in link for a user: hash is
// the SHA-256 of its secret. It can be used once, before expires.
func (db *DB) CreateSignInToken(ctx context.Context, hash string, userID int64, expires time.Time) error {
	if hash == "" {
		return fmt.Errorf("store: create sign-in token: %w", errorf(ErrInvalid, "hash is empty"))
	}
	_, err := db.write.ExecContext(ctx, db.d.bind("INSERT INTO sign_in_tokens (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)"),
		hash, userID, db.d.time(db.Now()), db.d.time(expires))
	if err != nil {
		return fmt.Errorf("store: create sign-in token: %w", mapError(err))
	}
	return nil
}

// UseSignInToken uses up a sign-in token and returns its user. Marking
// it used is one statement, so two requests with the same link cannot
// both succeed. An unknown, used or expired token is ErrNotFound.
func (db *DB) UseSignInToken(ctx context.Context, hash string) (userID int64, err error) {
	now := db.d.time(db.Now())
	err = db.write.QueryRowContext(ctx, db.d.bind("UPDATE sign_in_tokens SET used_at = ? "+
		"WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id"), now, hash, now).Scan(&userID)
	if err != nil {
		return 0, fmt.Errorf("store: use sign-in token: %w", mapError(err))
	}
	return userID, nil
}

const apiTokenColumns = "id, user_id, name, hash, prefix, created_at, last_used_at, revoked_at"

func scanAPIToken(s interface{ Scan(...any) error }) (*APIToken, error) {
	var (
		t                      APIToken
		created, used, revoked dbTime
	)
	if err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &t.Prefix, &created, &used, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = created.T, used.ptr(), revoked.ptr()
	return &t, nil
}

// CreateAPIToken stores t and sets its ID and CreatedAt. A hash already
// stored is ErrConflict; an unknown user ErrInvalid.
func (db *DB) CreateAPIToken(ctx context.Context, t *APIToken) error {
	if t == nil || t.Hash == "" {
		return fmt.Errorf("store: create API token: %w", errorf(ErrInvalid, "an API token needs a hash"))
	}
	now := db.now()
	err := db.write.QueryRowContext(ctx, db.d.bind("INSERT INTO api_tokens (user_id, name, hash, prefix, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id"),
		t.UserID, t.Name, t.Hash, t.Prefix, db.d.time(now)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("store: create API token: %w", mapError(err))
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = now, nil, nil
	return nil
}

// GetAPITokenByHash returns the API token whose secret hashes to hash;
// a revoked token is ErrNotFound.
func (db *DB) GetAPITokenByHash(ctx context.Context, hash string) (*APIToken, error) {
	t, err := scanAPIToken(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+apiTokenColumns+" FROM api_tokens WHERE hash = ? AND revoked_at IS NULL"), hash))
	if err != nil {
		return nil, fmt.Errorf("store: get API token: %w", mapError(err))
	}
	return t, nil
}

// ListAPITokens returns a user's API tokens, revoked ones included,
// oldest first.
func (db *DB) ListAPITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+apiTokenColumns+" FROM api_tokens WHERE user_id = ? ORDER BY created_at, id"), userID)
	if err != nil {
		return nil, fmt.Errorf("store: list API tokens: %w", mapError(err))
	}
	defer rs.Close()
	var out []APIToken
	for rs.Next() {
		t, err := scanAPIToken(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list API tokens: %w", mapError(err))
		}
		out = append(out, *t)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list API tokens: %w", mapError(err))
	}
	return out, nil
}

// RevokeAPIToken revokes the user's token id. A token that is not the
// user's is ErrNotFound; revoking a revoked token keeps its first
// revocation time and is not an error.
func (db *DB) RevokeAPIToken(ctx context.Context, userID, id int64) error {
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user_id = ?"),
		db.d.time(db.Now()), id, userID)
	if err := oneRow(res, err, "no such API token"); err != nil {
		return fmt.Errorf("store: revoke API token %d: %w", id, err)
	}
	return nil
}

// apiTokenTouchEvery is how stale LastUsedAt may be before TouchAPIToken
// writes it again.
const apiTokenTouchEvery = time.Minute

// TouchAPIToken records that token id was used now. To keep it cheap on a
// busy API, it writes only when LastUsedAt is unset or more than a minute
// old; a missing token is not an error.
func (db *DB) TouchAPIToken(ctx context.Context, id int64) error {
	now := db.Now()
	_, err := db.write.ExecContext(ctx, db.d.bind("UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)"),
		db.d.time(now), id, db.d.time(now.Add(-apiTokenTouchEvery)))
	if err != nil {
		return fmt.Errorf("store: touch API token %d: %w", id, mapError(err))
	}
	return nil
}

// now is db.Now in UTC, at the precision both databases keep
// (microseconds), so that what a method returns equals what it stored.
func (db *DB) now() time.Time {
	return db.Now().UTC().Truncate(time.Microsecond)
}

// timePtr is the argument for an optional time: NULL when nil.
func (db *DB) timePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return db.d.time(*t)
}

// ptr returns the time, or nil when it was NULL.
func (d dbTime) ptr() *time.Time {
	if !d.Valid {
		return nil
	}
	t := d.T
	return &t
}

// nullID is the argument for an optional reference: NULL when 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// oneRow turns the result of an UPDATE or DELETE of one row into an
// error: the statement's own, or ErrNotFound with msg when no row matched.
func oneRow(res sql.Result, err error, msg string) error {
	if err != nil {
		return mapError(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapError(err)
	}
	if n == 0 {
		return errorf(ErrNotFound, msg)
	}
	return nil
}
