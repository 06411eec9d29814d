package store

import (
	"context"
	"database/sql"
	"strings"
)

// inChunk is the most values one IN (...) list takes, well under both
// databases' limits on parameters.
const inChunk = 1000

// placeholders returns "?, ?, ..." with n placeholders.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// chunks calls fn with consecutive slices of ids, at most inChunk long,
// and stops at the first error.
func chunks[T any](ids []T, fn func([]T) error) error {
	for start := 0; start < len(ids); start += inChunk {
		if err := fn(ids[start:min(start+inChunk, len(ids))]); err != nil {
			return err
		}
	}
	return nil
}

// anys returns ids as query arguments.
func anys[T any](ids []T) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// uniqueIDs returns ids without repeats or zeros, in their first order.
func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// execRows runs head + " VALUES (?, ...), (?, ...)" + tail over args,
// width values to a row and at most perStmt rows to a statement, and
// returns the rows affected. The statement for a full batch is prepared
// once. width * perStmt must stay under SQLite's 32766 parameters.
func (db *DB) execRows(ctx context.Context, tx *sql.Tx, head, tail string, width, perStmt int, args []any) (int64, error) {
	return db.execRowsExpr(ctx, tx, head, "("+placeholders(width)+")", tail, width, perStmt, args)
}

// execRowsExpr is execRows with each row written as row, an expression
// with width placeholders.
func (db *DB) execRowsExpr(ctx context.Context, tx *sql.Tx, head, row, tail string, width, perStmt int, args []any) (int64, error) {
	stmt := func(rows int) string {
		return db.d.bind(head + " VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ") + tail)
	}
	var (
		full     *sql.Stmt
		affected int64
		per      = width * perStmt
	)
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for start := 0; start < len(args); start += per {
		batch := args[start:min(start+per, len(args))]
		var res sql.Result
		var err error
		if len(batch) == per && len(args) > per {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, stmt(perStmt)); err != nil {
					return affected, err
				}
			}
			res, err = full.ExecContext(ctx, batch...)
		} else {
			res, err = tx.ExecContext(ctx, stmt(len(batch)/width), batch...)
		}
		if err != nil {
			return affected, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return affected, err
		}
		affected += n
	}
	return affected, nil
}
