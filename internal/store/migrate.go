package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are SQL files named NNNN_what.sql, one set per dialect,
// numbered from 0001 without gaps. They are append-only: a released
// migration is never edited; a change is a new file.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the dialect's migrations in order.
func migrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	ents, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range ents {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 || v < 1 {
			return nil, fmt.Errorf("migration %s/%s: want a name like 0001_what.sql", dir, e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migrations/%s: version %d follows %d; versions must run 1, 2, 3... without gaps", dialect, m.version, i)
		}
	}
	return ms, nil
}

// migrationLock is the PostgreSQL advisory lock key that serialises
// migrations when several nodes start at once ("portcul" in ASCII).
const migrationLock = 0x706f727463756c

// inMigrationTx runs fn in a write transaction that no other node's
// migration runs beside: SQLite's transactions begin with the write lock
// held (_txlock=immediate); on PostgreSQL an advisory lock is taken.
func (db *DB) inMigrationTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.driver == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// migrate applies the migrations the database lacks, each in its own
// transaction together with its row in schema_migrations, and refuses a
// database whose schema is newer than this binary.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations(db.driver)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	timeType := "TEXT"
	if db.driver == Postgres {
		timeType = "TIMESTAMPTZ"
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at ` + timeType + ` NOT NULL)`
	var current int
	err = db.inMigrationTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, create); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current)
	})
	if err != nil {
		return fmt.Errorf("store: migrate: %w", mapError(err))
	}
	if current > len(ms) {
		return fmt.Errorf("store: the database schema is at version %d but this portcullis knows only up to %d: "+
			"it was written by a newer portcullis; run that version (or newer) against it", current, len(ms))
	}
	for _, m := range ms[current:] {
		applied := false
		err := db.inMigrationTx(ctx, func(tx *sql.Tx) error {
			// Another node may have applied it while we waited for the lock.
			var n int
			if err := tx.QueryRowContext(ctx, db.d.bind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			applied = true
			_, err := tx.ExecContext(ctx, db.d.bind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
				m.version, m.name, db.d.time(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, mapError(err))
		}
		if applied {
			db.logger.Info("store migration applied", "driver", db.driver, "version", m.version, "name", m.name)
		}
	}
	return nil
}
