// Package store keeps Portcullis's data in a database: an SQLite file in
// the data directory by default (pure Go, WAL, one writer connection beside
// a read pool), or PostgreSQL when several nodes share one database. The
// difference between the two lives here and nowhere else: both have the
// same methods, the same embedded numbered migrations (one set per
// dialect) and the same error kinds (ErrNotFound, ErrConflict, ErrInvalid).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Driver names, as DB.Driver reports them.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DataDir returns the data directory: $PORTCULLIS_DATA, or
// ./portcullis-data when it is not set. getenv is usually os.Getenv.
func DataDir(getenv func(string) string) string {
	if d := getenv("PORTCULLIS_DATA"); d != "" {
		return d
	}
	return "portcullis-data"
}

// DefaultDSN returns the SQLite database file in the data directory.
func DefaultDSN(dataDir string) string {
	return filepath.Join(dataDir, "portcullis.db")
}

// DB is an open store. Its methods are safe for concurrent use.
type DB struct {
	// Now is the clock used for created_at, updated_at and for deciding
	// what has expired; tests set it. It defaults to time.Now.
	Now func() time.Time

	driver string
	path   string  // SQLite file
	write  *sql.DB // SQLite: one connection; PostgreSQL: the pool
	read   *sql.DB // SQLite: a query-only pool; PostgreSQL: the same pool
	d      dialect
	logger *slog.Logger
}

// dialect holds what differs between the databases in the SQL we write.
type dialect struct {
	name string
	// bind rewrites "?" placeholders into the dialect's form.
	bind func(string) string
	// time converts a time to a query argument.
	time func(time.Time) any
	// distinct is the null-safe "differs from" operator.
	distinct string
}

// sqliteTime is the one layout times are stored in on SQLite: UTC, fixed
// width, so that text comparison is time comparison.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

var (
	sqliteDialect = dialect{
		name:     SQLite,
		bind:     func(q string) string { return q },
		time:     func(t time.Time) any { return t.UTC().Format(sqliteTime) },
		distinct: "IS NOT",
	}
	postgresDialect = dialect{
		name:     Postgres,
		bind:     dollarPlaceholders,
		time:     func(t time.Time) any { return t.UTC().Truncate(time.Microsecond) },
		distinct: "IS DISTINCT FROM",
	}
)

// dollarPlaceholders rewrites ? into $1, $2... The store's own queries
// hold no ? inside literals.
func dollarPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Open opens the store named by dsn and brings its schema up to date.
//
//   - "" is the SQLite file DefaultDSN(DataDir(os.Getenv)).
//   - "postgres://..." or "postgresql://..." is a PostgreSQL database.
//   - "sqlite:PATH" or any other string is the path of an SQLite file,
//     created (with its directory) when missing.
//
// logger may be nil.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db := &DB{Now: time.Now, logger: logger}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		err = db.openPostgres(ctx, dsn)
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
		if path == "" {
			path = DefaultDSN(DataDir(os.Getenv))
		}
		err = db.openSQLite(ctx, path)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) openSQLite(ctx context.Context, path string) error {
	if strings.ContainsRune(path, '?') {
		return fmt.Errorf("store: open %q: %w", path, errorf(ErrInvalid, "an SQLite file name may not contain '?'"))
	}
	db.driver, db.path, db.d = SQLite, path, sqliteDialect
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("store: create data directory: %w", err)
	}
	// Create the file ourselves so that it (and the -wal and -shm files,
	// which SQLite gives the same mode) is readable by its owner only.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	f.Close()

	// One writer: SQLite allows one writer at a time, so writers queue in
	// database/sql instead of failing with SQLITE_BUSY, and transactions
	// take the write lock when they begin (_txlock=immediate) rather than
	// fail when a read turns into a write. busy_timeout covers other
	// processes (the CLI beside a running server).
	const common = "_busy_timeout=10000&_foreign_keys=1&_dqs=0"
	db.write, err = sql.Open("sqlite", path+"?"+common+"&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate&_pragma=cache_size(-65536)&_pragma=temp_store(memory)")
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	var mode string
	if err := db.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		db.logger.Warn("sqlite is not in WAL mode; readers will wait for writers", "path", path, "journal_mode", mode)
	}

	// Readers: WAL lets them run beside the writer; query_only makes sure
	// nothing writes through them.
	db.read, err = sql.Open("sqlite", path+"?"+common+"&_query_only=1")
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	db.read.SetMaxOpenConns(n)
	db.read.SetMaxIdleConns(n)
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	db.logger.Info("store opened", "driver", SQLite, "path", path)
	return nil
}

func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	db.driver, db.d = Postgres, postgresDialect
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", errorf(ErrInvalid, err.Error()))
	}
	p.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	p.SetMaxIdleConns(max(8, 4*runtime.GOMAXPROCS(0)))
	p.SetConnMaxIdleTime(5 * time.Minute)
	db.write, db.read = p, p
	if err := p.PingContext(ctx); err != nil {
		return fmt.Errorf("store: connect to postgres: %w", err)
	}
	db.logger.Info("store opened", "driver", Postgres)
	return nil
}

// Driver reports which database the store runs on: SQLite or Postgres.
func (db *DB) Driver() string { return db.driver }

// Ping checks that the database answers, for readiness probes.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close closes the database. On SQLite it first lets the query planner
// refresh its statistics (PRAGMA optimize), as SQLite recommends.
func (db *DB) Close() error {
	var errs []error
	if db.driver == SQLite && db.write != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _ = db.write.ExecContext(ctx, "PRAGMA optimize")
		cancel()
	}
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	db.read, db.write = nil, nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Backup writes a consistent snapshot of an SQLite store to path while it
// stays in use (VACUUM INTO). path must not exist yet; the file is
// readable by its owner only. A PostgreSQL store is backed up with
// pg_dump instead, and Backup says so.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.driver != SQLite {
		return fmt.Errorf("store: backup: %w", errorf(ErrInvalid,
			"a PostgreSQL database is backed up with pg_dump (for example pg_dump --format=custom --file=portcullis.dump \"$DATABASE_URL\"), not by portcullis"))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	// VACUUM INTO accepts an existing empty file: create it exclusively,
	// so that an existing backup is never overwritten, with mode 0600.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("store: backup: %w", errorf(ErrConflict, path+" already exists"))
	}
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	f.Close()
	// The read pool is query_only, which VACUUM INTO counts as writing:
	// the snapshot is taken on a connection of its own. It reads like any
	// reader in WAL mode, beside the writer, without stopping it.
	conn, err := sql.Open("sqlite", db.path+"?_busy_timeout=10000")
	if err == nil {
		_, err = conn.ExecContext(ctx, "VACUUM INTO ?", path)
		conn.Close()
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("store: backup to %s: %w", path, mapError(err))
	}
	return nil
}

// noLimit stands for "no LIMIT" in a LIMIT ? clause on both databases.
const noLimit = math.MaxInt64
