package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// HuntStaleAfter is how long a running hunt job may go without a
// heartbeat (UpdateHuntProgress) before ClaimHuntJob takes it over, as
// its worker is taken to have died.
const HuntStaleAfter = time.Minute

const huntColumns = "id, indicator_id, type, value, status, last_report_id, scanned, total, found, error, " +
	"created_by, reason, created_at, started_at, heartbeat_at, finished_at"

func scanHuntJob(s interface{ Scan(...any) error }) (*HuntJob, error) {
	var (
		j                           HuntJob
		createdBy                   sql.NullInt64
		created, started, heartbeat dbTime
		finished                    dbTime
	)
	err := s.Scan(&j.ID, &j.IndicatorID, &j.Type, &j.Value, &j.Status, &j.Cursor, &j.Done, &j.Total, &j.Found, &j.Error,
		&createdBy, &j.Reason, &created, &started, &heartbeat, &finished)
	if err != nil {
		return nil, err
	}
	j.CreatedBy, j.CreatedAt = createdBy.Int64, created.T
	j.StartedAt, j.HeartbeatAt, j.FinishedAt = started.ptr(), heartbeat.ptr(), finished.ptr()
	return &j, nil
}

// CreateHuntJob queues a retro-hunt and sets j's ID, Status (HuntQueued)
// and CreatedAt. Type and Value are required; Cursor (0: from the first
// report) and Total (what the caller counts to scan, for progress) are
// stored as given. An unknown CreatedBy is ErrInvalid.
func (db *DB) CreateHuntJob(ctx context.Context, j *HuntJob) error {
	if j == nil || j.Type == "" || j.Value == "" {
		return fmt.Errorf("store: create hunt job: %w", errorf(ErrInvalid, "a hunt needs an indicator type and value"))
	}
	now := db.now()
	err := db.write.QueryRowContext(ctx, db.d.bind("INSERT INTO hunt_jobs (indicator_id, type, value, status, last_report_id, total, created_by, reason, created_at) "+
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
		j.IndicatorID, j.Type, j.Value, HuntQueued, j.Cursor, j.Total, nullID(j.CreatedBy), j.Reason, db.d.time(now)).Scan(&j.ID)
	if err != nil {
		return fmt.Errorf("store: create hunt job: %w", mapError(err))
	}
	j.Status, j.CreatedAt = HuntQueued, now
	j.Done, j.Found, j.Error = 0, 0, ""
	j.StartedAt, j.HeartbeatAt, j.FinishedAt = nil, nil, nil
	return nil
}

// GetHuntJob returns the hunt job with the given ID.
func (db *DB) GetHuntJob(ctx context.Context, id int64) (*HuntJob, error) {
	j, err := scanHuntJob(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+huntColumns+" FROM hunt_jobs WHERE id = ?"), id))
	if err != nil {
		return nil, fmt.Errorf("store: get hunt job %d: %w", id, mapError(err))
	}
	return j, nil
}

// ListHuntJobs returns hunt jobs, newest first, at most limit of them
// (limit <= 0: no limit).
func (db *DB) ListHuntJobs(ctx context.Context, limit int) ([]HuntJob, error) {
	if limit <= 0 {
		limit = noLimit
	}
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+huntColumns+" FROM hunt_jobs ORDER BY id DESC LIMIT ?"), limit)
	if err != nil {
		return nil, fmt.Errorf("store: list hunt jobs: %w", mapError(err))
	}
	defer rs.Close()
	var out []HuntJob
	for rs.Next() {
		j, err := scanHuntJob(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list hunt jobs: %w", mapError(err))
		}
		out = append(out, *j)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list hunt jobs: %w", mapError(err))
	}
	return out, nil
}

// ClaimHuntJob takes the oldest job that is queued, or running without a
// heartbeat for HuntStaleAfter (its worker died: the job resumes from its
// Cursor), marks it running with a fresh heartbeat (and StartedAt, the
// first time) and returns it. Two callers, on any number of nodes, never
// take the same job. ErrNotFound means there is none to take.
func (db *DB) ClaimHuntJob(ctx context.Context) (*HuntJob, error) {
	now := db.now()
	lock := ""
	if db.driver == Postgres {
		// Claimers skip the rows others are claiming instead of queueing
		// behind them.
		lock = " FOR UPDATE SKIP LOCKED"
	}
	// A transaction, so that SQLite takes the write lock before reading
	// (BEGIN IMMEDIATE) and two processes cannot both read the same job.
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: claim hunt job: %w", mapError(err))
	}
	defer tx.Rollback()
	j, err := scanHuntJob(tx.QueryRowContext(ctx, db.d.bind("UPDATE hunt_jobs SET status = ?, started_at = COALESCE(started_at, ?), heartbeat_at = ? "+
		"WHERE id = (SELECT id FROM hunt_jobs WHERE status = ? OR (status = ? AND (heartbeat_at IS NULL OR heartbeat_at < ?)) ORDER BY id LIMIT 1"+lock+") "+
		"RETURNING "+huntColumns),
		HuntRunning, db.d.time(now), db.d.time(now), HuntQueued, HuntRunning, db.d.time(now.Add(-HuntStaleAfter))))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: claim hunt job: %w", errorf(ErrNotFound, "no hunt job waiting"))
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim hunt job: %w", mapError(err))
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: claim hunt job: %w", mapError(err))
	}
	return j, nil
}

// huntNotRunning explains why a change to a job that is not running
// failed: ErrNotFound for no such job, else ErrConflict.
func (db *DB) huntNotRunning(ctx context.Context, id int64) error {
	var status string
	err := db.read.QueryRowContext(ctx, db.d.bind("SELECT status FROM hunt_jobs WHERE id = ?"), id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return errorf(ErrNotFound, "no such hunt job")
	}
	if err != nil {
		return mapError(err)
	}
	return errorf(ErrConflict, fmt.Sprintf("the hunt job is %s", status))
}

// UpdateHuntProgress records how far a running job got: the last report
// ID scanned (where it resumes), how many reports it scanned and found,
// and a heartbeat. A job that is not running (finished, or taken back)
// is ErrConflict; an unknown one ErrNotFound.
func (db *DB) UpdateHuntProgress(ctx context.Context, id, cursor int64, done, found int) error {
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE hunt_jobs SET last_report_id = ?, scanned = ?, found = ?, heartbeat_at = ? WHERE id = ? AND status = ?"),
		cursor, done, found, db.d.time(db.now()), id, HuntRunning)
	if err := oneRow(res, err, "not running"); errors.Is(err, ErrNotFound) {
		err = db.huntNotRunning(ctx, id)
		return fmt.Errorf("store: update hunt job %d: %w", id, err)
	} else if err != nil {
		return fmt.Errorf("store: update hunt job %d: %w", id, err)
	}
	return nil
}

// FinishHuntJob ends a queued or running job with status HuntDone or
// HuntFailed (anything else is ErrInvalid) and errText, and sets its
// FinishedAt. A job already finished is ErrConflict; an unknown one
// ErrNotFound.
func (db *DB) FinishHuntJob(ctx context.Context, id int64, status, errText string) error {
	if status != HuntDone && status != HuntFailed {
		return fmt.Errorf("store: finish hunt job %d: %w", id, errorf(ErrInvalid, fmt.Sprintf("status %q is not done or failed", status)))
	}
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE hunt_jobs SET status = ?, error = ?, finished_at = ? WHERE id = ? AND status IN (?, ?)"),
		status, errText, db.d.time(db.now()), id, HuntQueued, HuntRunning)
	if err := oneRow(res, err, "not running"); errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: finish hunt job %d: %w", id, db.huntNotRunning(ctx, id))
	} else if err != nil {
		return fmt.Errorf("store: finish hunt job %d: %w", id, err)
	}
	return nil
}
