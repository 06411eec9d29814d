package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The look-ups correlation makes for each new report. Each is one query
// of UNION ALL arms, one arm per key, each read newest first from an
// index and cut at its limit, so that a key shared by a great many
// reports (a free-mail domain, boilerplate text) costs no more than its
// limit, however many reports the store holds.

// lookupArms is the most arms in one statement.
const lookupArms = 100

// unionLookup runs, for each key, arm (with "%d" for the key's index)
// with that key's arguments, UNION ALL, and calls fn with each row's key
// index and report ID.
func (db *DB) unionLookup(ctx context.Context, n int, arm string, args func(i int) []any, fn func(i int, reportID int64)) error {
	for start := 0; start < n; start += lookupArms {
		end := min(start+lookupArms, n)
		var q strings.Builder
		var a []any
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(" UNION ALL ")
			}
			fmt.Fprintf(&q, arm, i, i)
			a = append(a, args(i)...)
		}
		rs, err := db.read.QueryContext(ctx, db.d.bind(q.String()), a...)
		if err != nil {
			return err
		}
		for rs.Next() {
			var i int
			var id int64
			if err := rs.Scan(&i, &id); err != nil {
				rs.Close()
				return err
			}
			fn(i, id)
		}
		if err := rs.Close(); err != nil {
			return err
		}
		if err := rs.Err(); err != nil {
			return err
		}
	}
	return nil
}

// ReportsWithIndicators finds the other reports that carry any of inds
// (by type and value; Field is not compared): for each indicator, at
// most limitPerIndicator reports (limitPerIndicator <= 0: no limit), the
// newest (highest ID) first, leaving out report exclude. It returns, by
// report ID, the indicators of inds each shares, once per type and value
// and as given in inds.
func (db *DB) ReportsWithIndicators(ctx context.Context, inds []ReportIndicator, exclude int64, limitPerIndicator int) (map[int64][]ReportIndicator, error) {
	if limitPerIndicator <= 0 {
		limitPerIndicator = noLimit
	}
	var keys []ReportIndicator
	seen := make(map[[2]string]bool, len(inds))
	for _, ind := range inds {
		k := [2]string{ind.Type, ind.Value}
		if ind.Type != "" && ind.Value != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, ind)
		}
	}
	out := make(map[int64][]ReportIndicator)
	err := db.unionLookup(ctx, len(keys),
		"SELECT %d AS k, report_id FROM (SELECT DISTINCT report_id FROM report_indicators "+
			"WHERE type = ? AND value = ? AND report_id <> ? ORDER BY report_id DESC LIMIT ?) AS s%d",
		func(i int) []any { return []any{keys[i].Type, keys[i].Value, exclude, limitPerIndicator} },
		func(i int, id int64) { out[id] = append(out[id], keys[i]) })
	if err != nil {
		return nil, fmt.Errorf("store: reports with indicators: %w", mapError(err))
	}
	return out, nil
}

// uniqueBands returns bands without repeats, as the int64s with the same
// bits that the store keeps.
func uniqueBands(bands []uint64) []int64 {
	seen := make(map[uint64]bool, len(bands))
	out := make([]int64, 0, len(bands))
	for _, b := range bands {
		if !seen[b] {
			seen[b] = true
			out = append(out, int64(b))
		}
	}
	return out
}

// PutFingerprint replaces the LSH band keys stored for a report's text,
// by which ReportsWithBands finds near-duplicates. An unknown report is
// ErrInvalid.
func (db *DB) PutFingerprint(ctx context.Context, reportID int64, bands []uint64) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: put fingerprint of report %d: %w", reportID, mapError(err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, db.d.bind("DELETE FROM report_bands WHERE report_id = ?"), reportID); err != nil {
		return fmt.Errorf("store: put fingerprint of report %d: %w", reportID, mapError(err))
	}
	keys := uniqueBands(bands)
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k, reportID)
	}
	if _, err := db.execRows(ctx, tx, "INSERT INTO report_bands (band_key, report_id)", "", 2, 500, args); err != nil {
		return fmt.Errorf("store: put fingerprint of report %d: %w", reportID, mapError(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: put fingerprint of report %d: %w", reportID, mapError(err))
	}
	return nil
}

// ReportsWithBands finds the other reports that share LSH band keys with
// bands: for each key, at most limit reports (limit <= 0: no limit), the
// newest first, leaving out report exclude. It returns the number of keys
// each report shares, by report ID.
func (db *DB) ReportsWithBands(ctx context.Context, bands []uint64, exclude int64, limit int) (map[int64]int, error) {
	if limit <= 0 {
		limit = noLimit
	}
	keys := uniqueBands(bands)
	out := make(map[int64]int)
	err := db.unionLookup(ctx, len(keys),
		"SELECT %d AS k, report_id FROM (SELECT report_id FROM report_bands "+
			"WHERE band_key = ? AND report_id <> ? ORDER BY report_id DESC LIMIT ?) AS s%d",
		func(i int) []any { return []any{keys[i], exclude, limit} },
		func(_ int, id int64) { out[id]++ })
	if err != nil {
		return nil, fmt.Errorf("store: reports with bands: %w", mapError(err))
	}
	return out, nil
}

// SetReportSignature stores the text signature of a report (replacing
// any before), by which a near-duplicate candidate is confirmed. An
// unknown report is ErrInvalid.
func (db *DB) SetReportSignature(ctx context.Context, id int64, sig []byte) error {
	return db.SetReportSignatures(ctx, map[int64][]byte{id: sig})
}

// SetReportSignatures stores the text signatures of many reports, by
// report ID, in one transaction; see SetReportSignature.
func (db *DB) SetReportSignatures(ctx context.Context, sigs map[int64][]byte) error {
	if len(sigs) == 0 {
		return nil
	}
	// One order for every writer, so that concurrent PostgreSQL
	// transactions lock rows in the same order and cannot deadlock.
	ids := slices.Sorted(maps.Keys(sigs))
	args := make([]any, 0, 2*len(sigs))
	for _, id := range ids {
		args = append(args, id, nonNil(sigs[id]))
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: set report signatures: %w", mapError(err))
	}
	defer tx.Rollback()
	if _, err := db.execRows(ctx, tx, "INSERT INTO report_signatures (report_id, signature)",
		" ON CONFLICT (report_id) DO UPDATE SET signature = excluded.signature", 2, 500, args); err != nil {
		return fmt.Errorf("store: set report signatures: %w", mapError(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: set report signatures: %w", mapError(err))
	}
	return nil
}

// ReportSignatures returns the stored signatures of the reports that
// have one, by report ID.
func (db *DB) ReportSignatures(ctx context.Context, ids []int64) (map[int64][]byte, error) {
	out := make(map[int64][]byte)
	err := chunks(uniqueIDs(ids), func(ids []int64) error {
		rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT report_id, signature FROM report_signatures WHERE report_id IN ("+placeholders(len(ids))+")"), anys(ids)...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var id int64
			var sig []byte
			if err := rs.Scan(&id, &sig); err != nil {
				return err
			}
			out[id] = sig
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: report signatures: %w", mapError(err))
	}
	return out, nil
}

// scanIDs reads one int64 column.
func scanIDs(rs *sql.Rows) ([]int64, error) {
	defer rs.Close()
	var out []int64
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rs.Err()
}
