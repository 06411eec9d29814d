package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// Scans over every stored report, in ID order and resumable from the last
// ID seen (retro-hunts, re-scoring), and re-scoring itself.

// ReportIDsAfter returns the IDs of the reports after afterID, in order,
// at most limit of them (limit <= 0: no limit).
func (db *DB) ReportIDsAfter(ctx context.Context, afterID int64, limit int) ([]int64, error) {
	if limit <= 0 {
		limit = noLimit
	}
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT id FROM reports WHERE id > ? ORDER BY id LIMIT ?"), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: report IDs after %d: %w", afterID, mapError(err))
	}
	ids, err := scanIDs(rs)
	if err != nil {
		return nil, fmt.Errorf("store: report IDs after %d: %w", afterID, mapError(err))
	}
	return ids, nil
}

// ReportsRawAfter returns the reports after afterID, in ID order, at most
// limit of them (limit <= 0: no limit), with only their ID, ReporterID,
// Kind, Raw and CreatedAt: what a retro-hunt reads.
func (db *DB) ReportsRawAfter(ctx context.Context, afterID int64, limit int) ([]Report, error) {
	if limit <= 0 {
		limit = noLimit
	}
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT id, reporter_id, kind, raw, created_at FROM reports WHERE id > ? ORDER BY id LIMIT ?"), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: reports after %d: %w", afterID, mapError(err))
	}
	defer rs.Close()
	var out []Report
	for rs.Next() {
		var r Report
		var created dbTime
		if err := rs.Scan(&r.ID, &r.ReporterID, &r.Kind, &r.Raw, &created); err != nil {
			return nil, fmt.Errorf("store: reports after %d: %w", afterID, mapError(err))
		}
		r.CreatedAt = created.T
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: reports after %d: %w", afterID, mapError(err))
	}
	return out, nil
}

// MaxReportID returns the highest report ID, 0 when there are none.
func (db *DB) MaxReportID(ctx context.Context) (int64, error) {
	var id int64
	if err := db.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM reports").Scan(&id); err != nil {
		return 0, fmt.Errorf("store: max report ID: %w", mapError(err))
	}
	return id, nil
}

// UpdateAnalysis replaces a report's analysis (score, level, summary and
// the whole result as JSON), the indicators extracted from it and the
// rules that fired on it, in one transaction, and moves its UpdatedAt:
// re-scoring after a retro-hunt or a change of rules. The case is left
// alone. An unknown report is ErrNotFound.
func (db *DB) UpdateAnalysis(ctx context.Context, id int64, score int, level, summary string, analysis []byte, inds []ReportIndicator, rules []string) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: update analysis of report %d: %w", id, mapError(err))
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, db.d.bind("UPDATE reports SET score = ?, level = ?, summary = ?, analysis = ?, updated_at = ? WHERE id = ?"),
		score, level, summary, nonNil(analysis), db.d.time(db.now()), id)
	if err := oneRow(res, err, "no such report"); err != nil {
		return fmt.Errorf("store: update analysis of report %d: %w", id, err)
	}
	for _, table := range []string{"report_indicators", "report_rules"} {
		if _, err := tx.ExecContext(ctx, db.d.bind("DELETE FROM "+table+" WHERE report_id = ?"), id); err != nil {
			return fmt.Errorf("store: update analysis of report %d: %w", id, mapError(err))
		}
	}
	if err := db.insertIndicatorsAndRules(ctx, tx, []int64{id}, [][]ReportIndicator{inds}, [][]string{rules}); err != nil {
		return fmt.Errorf("store: update analysis of report %d: %w", id, mapError(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: update analysis of report %d: %w", id, mapError(err))
	}
	return nil
}

// insertIndicatorsAndRules stores inds[i] and rules[i] (either may be
// nil) for report ids[i]; repeats are stored once.
func (db *DB) insertIndicatorsAndRules(ctx context.Context, tx *sql.Tx, ids []int64, inds [][]ReportIndicator, rules [][]string) error {
	var args []any
	for i, id := range ids {
		if i < len(inds) {
			for _, ind := range inds[i] {
				args = append(args, id, ind.Type, ind.Value, ind.Field)
			}
		}
	}
	if _, err := db.execRows(ctx, tx, "INSERT INTO report_indicators (report_id, type, value, field)", " ON CONFLICT DO NOTHING", 4, 500, args); err != nil {
		return err
	}
	args = args[:0]
	for i, id := range ids {
		if i < len(rules) {
			for _, rule := range slices.Compact(slices.Sorted(slices.Values(rules[i]))) {
				args = append(args, id, rule)
			}
		}
	}
	_, err := db.execRows(ctx, tx, "INSERT INTO report_rules (report_id, rule)", " ON CONFLICT DO NOTHING", 2, 500, args)
	return err
}
