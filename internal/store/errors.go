package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Kinds of error the store returns, whichever database it runs on. Test
// for them with errors.Is; the rest of the message is detail for the log.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
)

// kindError carries one of the kinds above with a message of its own, so
// that the driver's error type does not leak out of the package.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func errorf(kind error, msg string) error { return &kindError{kind: kind, msg: msg} }

// mapError turns driver errors into the shared kinds. Errors it does not
// recognise (I/O, cancelled contexts...) pass through unchanged.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errorf(ErrNotFound, "not found")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errorf(ErrConflict, se.Error())
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL,
			sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_DATATYPE,
			sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_RANGE:
			return errorf(ErrInvalid, se.Error())
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.Detail != "" {
			msg += " (" + pe.Detail + ")"
		}
		switch {
		case pe.Code == "23505", // unique_violation
			pe.Code == "40001", // serialization_failure
			pe.Code == "40P01": // deadlock_detected
			return errorf(ErrConflict, msg)
		case strings.HasPrefix(pe.Code, "23"), // integrity constraints
			strings.HasPrefix(pe.Code, "22"): // data exceptions
			return errorf(ErrInvalid, msg)
		}
		return err
	}
	return err
}
