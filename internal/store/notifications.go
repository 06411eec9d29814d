package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// AddNotifications stores notifications, in one transaction with
// multi-row inserts; CreatedAt is now for all of them and ReadAt is not
// set. Their IDs are not reported back. An empty Kind or an unknown user
// is ErrInvalid, and nothing is stored.
func (db *DB) AddNotifications(ctx context.Context, ns []Notification) error {
	if len(ns) == 0 {
		return nil
	}
	now := db.d.time(db.now())
	args := make([]any, 0, 7*len(ns))
	for _, n := range ns {
		args = append(args, n.UserID, n.Kind, n.Title, n.Body, n.Link, n.TLP, now)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: add notifications: %w", mapError(err))
	}
	defer tx.Rollback()
	if _, err := db.execRows(ctx, tx, "INSERT INTO notifications (user_id, kind, title, body, link, tlp, created_at)", "", 7, 500, args); err != nil {
		return fmt.Errorf("store: add notifications: %w", mapError(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: add notifications: %w", mapError(err))
	}
	return nil
}

// ListNotifications returns a user's notifications (only the unread ones
// when unreadOnly), newest first, at most limit of them (limit <= 0: no
// limit).
func (db *DB) ListNotifications(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]Notification, error) {
	if limit <= 0 {
		limit = noLimit
	}
	q := "SELECT id, user_id, kind, title, body, link, tlp, created_at, read_at FROM notifications WHERE user_id = ?"
	if unreadOnly {
		q += " AND read_at IS NULL"
	}
	rs, err := db.read.QueryContext(ctx, db.d.bind(q+" ORDER BY id DESC LIMIT ?"), userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list notifications of user %d: %w", userID, mapError(err))
	}
	defer rs.Close()
	var out []Notification
	for rs.Next() {
		var n Notification
		var created, read dbTime
		if err := rs.Scan(&n.ID, &n.UserID, &n.Kind, &n.Title, &n.Body, &n.Link, &n.TLP, &created, &read); err != nil {
			return nil, fmt.Errorf("store: list notifications of user %d: %w", userID, mapError(err))
		}
		n.CreatedAt, n.ReadAt = created.T, read.ptr()
		out = append(out, n)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list notifications of user %d: %w", userID, mapError(err))
	}
	return out, nil
}

// CountUnread returns the number of a user's unread notifications.
func (db *DB) CountUnread(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, db.d.bind("SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL"), userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count unread notifications of user %d: %w", userID, mapError(err))
	}
	return n, nil
}

// MarkRead marks a user's notification id read, or all of the user's
// notifications when id is 0. A notification read already keeps its
// ReadAt. Another user's notification, like an unknown one, is
// ErrNotFound and stays as it is.
func (db *DB) MarkRead(ctx context.Context, userID, id int64) error {
	now := db.d.time(db.now())
	if id == 0 {
		if _, err := db.write.ExecContext(ctx, db.d.bind("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL"), now, userID); err != nil {
			return fmt.Errorf("store: mark notifications of user %d read: %w", userID, mapError(err))
		}
		return nil
	}
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?"), now, id, userID)
	if err := oneRow(res, err, "no such notification"); err != nil {
		return fmt.Errorf("store: mark notification %d of user %d read: %w", id, userID, err)
	}
	return nil
}

// GetNotificationPrefs returns a user's notification preferences: the
// zero value (everything on) with UserID set when the user chose none.
func (db *DB) GetNotificationPrefs(ctx context.Context, userID int64) (NotificationPrefs, error) {
	p := NotificationPrefs{UserID: userID}
	err := db.read.QueryRowContext(ctx, db.d.bind("SELECT no_email, no_report_email, no_campaign_email, no_advisory_email FROM notification_prefs WHERE user_id = ?"), userID).
		Scan(&p.NoEmail, &p.NoReportEmail, &p.NoCampaignEmail, &p.NoAdvisoryEmail)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return NotificationPrefs{}, fmt.Errorf("store: notification preferences of user %d: %w", userID, mapError(err))
	}
	return p, nil
}

// SetNotificationPrefs stores a user's notification preferences. An
// unknown user is ErrInvalid.
func (db *DB) SetNotificationPrefs(ctx context.Context, p NotificationPrefs) error {
	_, err := db.write.ExecContext(ctx, db.d.bind("INSERT INTO notification_prefs (user_id, no_email, no_report_email, no_campaign_email, no_advisory_email, updated_at) "+
		"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET no_email = excluded.no_email, no_report_email = excluded.no_report_email, "+
		"no_campaign_email = excluded.no_campaign_email, no_advisory_email = excluded.no_advisory_email, updated_at = excluded.updated_at"),
		p.UserID, p.NoEmail, p.NoReportEmail, p.NoCampaignEmail, p.NoAdvisoryEmail, db.d.time(db.now()))
	if err != nil {
		return fmt.Errorf("store: set notification preferences of user %d: %w", p.UserID, mapError(err))
	}
	return nil
}
