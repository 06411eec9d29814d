package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

const advisoryColumns = "id, title, body, tlp, audience, status, indicators, hunt_job_ids, created_by, created_at, updated_at, published_at"

func scanAdvisory(s interface{ Scan(...any) error }) (*Advisory, error) {
	var (
		a                         Advisory
		audience, inds, hunts     string
		createdBy                 sql.NullInt64
		created, updatedAt, publd dbTime
	)
	if err := s.Scan(&a.ID, &a.Title, &a.Body, &a.TLP, &audience, &a.Status, &inds, &hunts, &createdBy, &created, &updatedAt, &publd); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(audience), &a.Audience); err != nil {
		return nil, fmt.Errorf("advisory %d: stored audience %q: %w", a.ID, audience, err)
	}
	var err error
	if a.Indicators, err = parseList(inds); err != nil {
		return nil, fmt.Errorf("advisory %d: %w", a.ID, err)
	}
	if hunts != "" && hunts != "[]" {
		if err := json.Unmarshal([]byte(hunts), &a.HuntJobIDs); err != nil {
			return nil, fmt.Errorf("advisory %d: stored hunt job IDs %q: %w", a.ID, hunts, err)
		}
	}
	a.CreatedBy, a.CreatedAt, a.UpdatedAt, a.PublishedAt = createdBy.Int64, created.T, updatedAt.T, publd.ptr()
	return &a, nil
}

// advisoryFields validates a's editable fields and returns its TLP
// (amber when empty) and its audience as JSON.
func advisoryFields(a *Advisory) (tlp, audience string, err error) {
	if a == nil || a.Title == "" {
		return "", "", errorf(ErrInvalid, "an advisory needs a title")
	}
	tlp = a.TLP
	switch tlp {
	case "":
		tlp = "amber"
	case "clear", "green", "amber", "amber+strict", "red":
	default:
		return "", "", errorf(ErrInvalid, fmt.Sprintf("tlp %q is not clear, green, amber, amber+strict or red", a.TLP))
	}
	b, err := json.Marshal(a.Audience)
	if err != nil { // cannot happen for lists of strings
		return "", "", err
	}
	return tlp, string(b), nil
}

func jsonIDs(ids []int64) string {
	if len(ids) == 0 {
		return "[]"
	}
	b, err := json.Marshal(ids)
	if err != nil { // cannot happen for []int64
		panic(err)
	}
	return string(b)
}

// CreateAdvisory stores a draft advisory and sets a's ID, Status
// (AdvisoryDraft), TLP (amber when empty), CreatedAt and UpdatedAt. A
// missing title or an unknown TLP or creator is ErrInvalid.
func (db *DB) CreateAdvisory(ctx context.Context, a *Advisory) error {
	tlp, audience, err := advisoryFields(a)
	if err != nil {
		return fmt.Errorf("store: create advisory: %w", err)
	}
	now := db.now()
	err = db.write.QueryRowContext(ctx, db.d.bind("INSERT INTO advisories (title, body, tlp, audience, status, indicators, hunt_job_ids, created_by, created_at, updated_at) "+
		"VALUES (?, ?, ?, ?, ?, ?, '[]', ?, ?, ?) RETURNING id"),
		a.Title, a.Body, tlp, audience, AdvisoryDraft, jsonList(a.Indicators), nullID(a.CreatedBy), db.d.time(now), db.d.time(now)).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("store: create advisory: %w", mapError(err))
	}
	a.TLP, a.Status, a.CreatedAt, a.UpdatedAt, a.PublishedAt, a.HuntJobIDs = tlp, AdvisoryDraft, now, now, nil, nil
	return nil
}

// UpdateAdvisory writes a draft's Title, Body, TLP, Audience and
// Indicators and sets its UpdatedAt. A published advisory is
// ErrConflict: it no longer changes; an unknown one ErrNotFound.
func (db *DB) UpdateAdvisory(ctx context.Context, a *Advisory) error {
	tlp, audience, err := advisoryFields(a)
	if err != nil {
		return fmt.Errorf("store: update advisory: %w", err)
	}
	now := db.now()
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE advisories SET title = ?, body = ?, tlp = ?, audience = ?, indicators = ?, updated_at = ? "+
		"WHERE id = ? AND status = ?"), a.Title, a.Body, tlp, audience, jsonList(a.Indicators), db.d.time(now), a.ID, AdvisoryDraft)
	if err := oneRow(res, err, "not a draft"); errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: update advisory %d: %w", a.ID, db.advisoryNotDraft(ctx, a.ID))
	} else if err != nil {
		return fmt.Errorf("store: update advisory %d: %w", a.ID, err)
	}
	a.TLP, a.UpdatedAt = tlp, now
	return nil
}

// advisoryNotDraft explains why a change to an advisory that is not a
// draft failed: ErrNotFound for no such advisory, else ErrConflict.
func (db *DB) advisoryNotDraft(ctx context.Context, id int64) error {
	var status string
	err := db.read.QueryRowContext(ctx, db.d.bind("SELECT status FROM advisories WHERE id = ?"), id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return errorf(ErrNotFound, "no such advisory")
	}
	if err != nil {
		return mapError(err)
	}
	return errorf(ErrConflict, "the advisory is already "+status)
}

// GetAdvisory returns the advisory with the given ID.
func (db *DB) GetAdvisory(ctx context.Context, id int64) (*Advisory, error) {
	a, err := scanAdvisory(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+advisoryColumns+" FROM advisories WHERE id = ?"), id))
	if err != nil {
		return nil, fmt.Errorf("store: get advisory %d: %w", id, mapError(err))
	}
	return a, nil
}

// ListAdvisories returns the advisories with the given status ("" for
// any), newest first, at most limit of them (limit <= 0: no limit).
func (db *DB) ListAdvisories(ctx context.Context, status string, limit int) ([]Advisory, error) {
	if limit <= 0 {
		limit = noLimit
	}
	q := "SELECT " + advisoryColumns + " FROM advisories"
	var args []any
	if status != "" {
		q += " WHERE status = ?"
		args = append(args, status)
	}
	rs, err := db.read.QueryContext(ctx, db.d.bind(q+" ORDER BY id DESC LIMIT ?"), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list advisories: %w", mapError(err))
	}
	defer rs.Close()
	var out []Advisory
	for rs.Next() {
		a, err := scanAdvisory(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list advisories: %w", mapError(err))
		}
		out = append(out, *a)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list advisories: %w", mapError(err))
	}
	return out, nil
}

// PublishAdvisory publishes a draft: sets its status, PublishedAt (and
// UpdatedAt) and the retro-hunts started for it. An advisory published
// already is ErrConflict, so that it is announced once; an unknown one
// ErrNotFound.
func (db *DB) PublishAdvisory(ctx context.Context, id int64, huntJobIDs []int64) error {
	now := db.d.time(db.now())
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE advisories SET status = ?, published_at = ?, updated_at = ?, hunt_job_ids = ? WHERE id = ? AND status = ?"),
		AdvisoryPublished, now, now, jsonIDs(huntJobIDs), id, AdvisoryDraft)
	if err := oneRow(res, err, "not a draft"); errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: publish advisory %d: %w", id, db.advisoryNotDraft(ctx, id))
	} else if err != nil {
		return fmt.Errorf("store: publish advisory %d: %w", id, err)
	}
	return nil
}
