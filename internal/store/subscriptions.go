package store

import (
	"context"
	"fmt"
	"time"
)

// Subscription is a partner's TAXII collection we poll (Direction
// "pull") or push our objects to ("push"), with its cursor.
type Subscription struct {
	ID          int64
	Direction   string // "pull" or "push"
	Partner     string // the partner's name, recorded as provenance
	ObjectsURL  string // the collection's objects endpoint
	Token       string // bearer token, or
	Username    string // basic credentials
	Password    string
	AddedAfter  time.Time // pull: objects added after this are new
	Next        string    // pull: the server's next token mid-way through a poll
	Source      string    // push: the id of our collection it sends
	PushAfter   int64     // push: our objects after this sequence are unsent
	Imported    int       // objects taken in (pull) or sent (push) so far
	Failures    int       // consecutive failed attempts
	LastError   string
	PolledAt    *time.Time
	NextAttempt *time.Time // back-off: not before this
	CreatedAt   time.Time
}

const subscriptionColumns = "id, direction, partner, objects_url, token, username, password, added_after, next_token, source_collection, push_after, imported, failures, last_error, polled_at, next_attempt, created_at"

func scanSubscription(s interface{ Scan(...any) error }) (*Subscription, error) {
	var (
		x                               Subscription
		after, polled, attempt, created dbTime
	)
	if err := s.Scan(&x.ID, &x.Direction, &x.Partner, &x.ObjectsURL, &x.Token, &x.Username, &x.Password, &after, &x.Next, &x.Source,
		&x.PushAfter, &x.Imported, &x.Failures, &x.LastError, &polled, &attempt, &created); err != nil {
		return nil, err
	}
	x.AddedAfter, x.PolledAt, x.NextAttempt, x.CreatedAt = after.T, polled.ptr(), attempt.ptr(), created.T
	return &x, nil
}

// CreateSubscription stores a subscription and sets its ID. The same
// direction and URL twice is ErrConflict.
func (db *DB) CreateSubscription(ctx context.Context, s *Subscription) error {
	if s.Direction != "pull" && s.Direction != "push" {
		return fmt.Errorf("store: create subscription: %w", errorf(ErrInvalid, "direction must be pull or push"))
	}
	if (s.Direction == "push") != (s.Source != "") {
		return fmt.Errorf("store: create subscription: %w", errorf(ErrInvalid, "a push, and only a push, names the collection of ours it sends"))
	}
	now := db.now()
	err := db.write.QueryRowContext(ctx, db.d.bind("INSERT INTO taxii_subscriptions (direction, partner, objects_url, token, username, password, source_collection, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
		s.Direction, s.Partner, s.ObjectsURL, s.Token, s.Username, s.Password, s.Source, db.d.time(now)).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("store: create subscription: %w", mapError(err))
	}
	s.CreatedAt = now
	return nil
}

// GetSubscription returns one subscription.
func (db *DB) GetSubscription(ctx context.Context, id int64) (*Subscription, error) {
	s, err := scanSubscription(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+subscriptionColumns+" FROM taxii_subscriptions WHERE id = ?"), id))
	if err != nil {
		return nil, fmt.Errorf("store: get subscription %d: %w", id, mapError(err))
	}
	return s, nil
}

// ListSubscriptions returns every subscription, oldest first.
func (db *DB) ListSubscriptions(ctx context.Context) ([]Subscription, error) {
	rs, err := db.read.QueryContext(ctx, "SELECT "+subscriptionColumns+" FROM taxii_subscriptions ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: list subscriptions: %w", mapError(err))
	}
	defer rs.Close()
	var out []Subscription
	for rs.Next() {
		s, err := scanSubscription(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list subscriptions: %w", mapError(err))
		}
		out = append(out, *s)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list subscriptions: %w", mapError(err))
	}
	return out, nil
}

// SaveSubscriptionState stores a subscription's cursor and health after
// a page or an attempt.
func (db *DB) SaveSubscriptionState(ctx context.Context, s *Subscription) error {
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE taxii_subscriptions SET added_after = ?, next_token = ?, push_after = ?, imported = ?, failures = ?, last_error = ?, polled_at = ?, next_attempt = ? WHERE id = ?"),
		db.nullTime(s.AddedAfter), s.Next, s.PushAfter, s.Imported, s.Failures, s.LastError, nullTimePtr(db, s.PolledAt), nullTimePtr(db, s.NextAttempt), s.ID)
	if err != nil {
		return fmt.Errorf("store: save subscription %d: %w", s.ID, mapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: save subscription %d: %w", s.ID, errorf(ErrNotFound, "no such subscription"))
	}
	return nil
}

// DeleteSubscription removes a subscription.
func (db *DB) DeleteSubscription(ctx context.Context, id int64) error {
	if _, err := db.write.ExecContext(ctx, db.d.bind("DELETE FROM taxii_subscriptions WHERE id = ?"), id); err != nil {
		return fmt.Errorf("store: delete subscription %d: %w", id, mapError(err))
	}
	return nil
}

func nullTimePtr(db *DB, t *time.Time) any {
	if t == nil {
		return nil
	}
	return db.nullTime(*t)
}

// SightingSummary is how often and when one watchlist entry was seen in
// reports: what may be shared, never who.
type SightingSummary struct {
	IndicatorID string
	Count       int
	First, Last time.Time
}

// SightingSummaries summarises the sightings of every entry seen since
// (zero: ever), most seen first.
func (db *DB) SightingSummaries(ctx context.Context, since time.Time) ([]SightingSummary, error) {
	q := "SELECT indicator_id, COUNT(*), MIN(seen_at), MAX(seen_at) FROM sightings"
	var args []any
	if !since.IsZero() {
		q += " WHERE created_at > ?"
		args = append(args, db.d.time(since))
	}
	q += " GROUP BY indicator_id ORDER BY COUNT(*) DESC, indicator_id"
	rs, err := db.read.QueryContext(ctx, db.d.bind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: sighting summaries: %w", mapError(err))
	}
	defer rs.Close()
	var out []SightingSummary
	for rs.Next() {
		var s SightingSummary
		var first, last dbTime
		if err := rs.Scan(&s.IndicatorID, &s.Count, &first, &last); err != nil {
			return nil, fmt.Errorf("store: sighting summaries: %w", mapError(err))
		}
		s.First, s.Last = first.T, last.T
		out = append(out, s)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: sighting summaries: %w", mapError(err))
	}
	return out, nil
}
