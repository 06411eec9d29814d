package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"time"
)

// auditLock is the PostgreSQL advisory lock key that serialises appends
// to the audit log across nodes ("portaud" in ASCII).
const auditLock = 0x706f7274617564

// auditVersion names the hash encoding, so that a different one can
// never produce the same hash for different fields.
const auditVersion = "portcullis-audit-v1"

// ComputeHash returns the hex SHA-256 that chains e to the event before
// it: over the encoding version, then Seq, At (RFC 3339 with nanoseconds,
// UTC), ActorID, Actor, Action, Target, Detail, IP and PrevHash, each as
// its length (8 bytes, big-endian) followed by its bytes, so that no two
// different events encode alike. e.Hash itself is not read.
func (e *AuditEvent) ComputeHash() string {
	h := sha256.New()
	for _, f := range []string{
		auditVersion,
		strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Format(time.RFC3339Nano),
		strconv.FormatInt(e.ActorID, 10),
		e.Actor, e.Action, e.Target, e.Detail, e.IP, e.PrevHash,
	} {
		writeField(h, f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	io.WriteString(h, s)
}

// AppendAudit appends e to the audit log. It fills in e.Seq (the last
// event's plus one), e.At (db.Now, to the microsecond), e.PrevHash (the
// last event's hash) and e.Hash, and moves the log's head to e, in one
// transaction. Appends are serialised: SQLite's single writer does it,
// on PostgreSQL an advisory lock. An empty Action is ErrInvalid.
func (db *DB) AppendAudit(ctx context.Context, e *AuditEvent) error {
	if e == nil || e.Action == "" {
		return fmt.Errorf("store: append audit: %w", errorf(ErrInvalid, "an audit event needs an action"))
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: append audit: %w", mapError(err))
	}
	defer tx.Rollback()
	if db.driver == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", auditLock); err != nil {
			return fmt.Errorf("store: append audit: %w", mapError(err))
		}
	}
	var last int64
	var lastHash string
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&last, &lastHash); err != nil {
		return fmt.Errorf("store: append audit: head: %w", mapError(err))
	}
	ev := *e
	ev.Seq, ev.At, ev.PrevHash = last+1, db.now(), lastHash
	ev.Hash = ev.ComputeHash()
	_, err = tx.ExecContext(ctx, db.d.bind("INSERT INTO audit_events (seq, at, actor_id, actor, action, target, detail, ip, prev_hash, hash) "+
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		ev.Seq, db.d.time(ev.At), ev.ActorID, ev.Actor, ev.Action, ev.Target, ev.Detail, ev.IP, ev.PrevHash, ev.Hash)
	if err != nil {
		return fmt.Errorf("store: append audit: %w", mapError(err))
	}
	if _, err := tx.ExecContext(ctx, db.d.bind("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1"), ev.Seq, ev.Hash); err != nil {
		return fmt.Errorf("store: append audit: head: %w", mapError(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: append audit: %w", mapError(err))
	}
	*e = ev
	return nil
}

const auditColumns = "seq, at, actor_id, actor, action, target, detail, ip, prev_hash, hash"

func scanAudit(s interface{ Scan(...any) error }) (AuditEvent, error) {
	var e AuditEvent
	var at dbTime
	err := s.Scan(&e.Seq, &at, &e.ActorID, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.IP, &e.PrevHash, &e.Hash)
	e.At = at.T
	return e, err
}

// Audit log page sizes.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// ListAudit returns the events after afterSeq, in order, at most limit
// of them (DefaultAuditLimit when limit <= 0, at most MaxAuditLimit). To
// read the whole log, pass the last Seq of each page as the next afterSeq.
func (db *DB) ListAudit(ctx context.Context, afterSeq int64, limit int) ([]AuditEvent, error) {
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	limit = min(limit, MaxAuditLimit)
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+auditColumns+" FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?"), afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", mapError(err))
	}
	defer rs.Close()
	var out []AuditEvent
	for rs.Next() {
		e, err := scanAudit(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list audit: %w", mapError(err))
		}
		out = append(out, e)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list audit: %w", mapError(err))
	}
	return out, nil
}

// TamperError is what VerifyAudit returns when the audit log is not the
// chain AppendAudit wrote. Find it with errors.As.
type TamperError struct {
	Seq    int64  // the first event that is wrong or missing
	Reason string // what is wrong with it
}

// Error says which event is wrong and how.
func (e *TamperError) Error() string {
	return fmt.Sprintf("audit log tampered with at seq %d: %s", e.Seq, e.Reason)
}

// VerifyAudit reads the whole audit log in order, row by row, and checks
// that it is an unbroken chain: seq runs 1, 2, 3... without gaps, each
// event's PrevHash is the hash of the one before, each hash is that of
// its own fields (ComputeHash), and the last event is the head recorded
// with it. It returns how many events it checked and, when one is not
// right, a *TamperError naming the first bad seq.
// Edited, deleted and inserted events and a deleted tail all show.
func (db *DB) VerifyAudit(ctx context.Context) (checked int, err error) {
	// One snapshot for the head and the rows, so that appends running
	// beside the check do not look like tampering.
	opts := &sql.TxOptions{ReadOnly: true}
	if db.driver == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	} else {
		opts = nil // the read pool is query-only; a deferred transaction is a snapshot
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return 0, fmt.Errorf("store: verify audit: %w", mapError(err))
	}
	defer tx.Rollback()
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("store: verify audit: %w", &TamperError{Seq: 1, Reason: "the audit head is missing"})
		}
		return 0, fmt.Errorf("store: verify audit: %w", mapError(err))
	}
	rs, err := tx.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit_events ORDER BY seq")
	if err != nil {
		return 0, fmt.Errorf("store: verify audit: %w", mapError(err))
	}
	defer rs.Close()
	tampered := func(seq int64, format string, a ...any) error {
		return fmt.Errorf("store: verify audit: %w", &TamperError{Seq: seq, Reason: fmt.Sprintf(format, a...)})
	}
	var prev AuditEvent // Seq 0, Hash "": before the first
	for rs.Next() {
		e, err := scanAudit(rs)
		if err != nil {
			return checked, fmt.Errorf("store: verify audit: %w", mapError(err))
		}
		switch {
		case e.Seq != prev.Seq+1:
			return checked, tampered(prev.Seq+1, "event missing (the next is %d)", e.Seq)
		case e.PrevHash != prev.Hash:
			return checked, tampered(e.Seq, "its previous hash is not the hash of event %d", prev.Seq)
		case e.ComputeHash() != e.Hash:
			return checked, tampered(e.Seq, "its hash does not match its fields (edited)")
		}
		checked++
		prev = e
	}
	if err := rs.Err(); err != nil {
		return checked, fmt.Errorf("store: verify audit: %w", mapError(err))
	}
	switch {
	case prev.Seq < headSeq:
		return checked, tampered(prev.Seq+1, "the log ends at %d but its head is at %d (newest events deleted)", prev.Seq, headSeq)
	case prev.Seq > headSeq:
		return checked, tampered(headSeq+1, "the log goes on to %d past its head at %d (events added)", prev.Seq, headSeq)
	case prev.Hash != headHash:
		return checked, tampered(prev.Seq, "its hash is not the one recorded in the head")
	}
	return checked, nil
}
