package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// Sighting sources.
const (
	SightingAnalysis = "analysis" // matched when the report came in
	SightingHunt     = "hunt"     // found by a retro-hunt
)

const sightingColumns = "indicator_id, report_id, source, field, matched, seen_at, created_at"

// AddSightings records indicators seen in reports, in one transaction,
// and returns how many were new: a sighting of an indicator in a report
// already recorded is left as it was. Source defaults to
// SightingAnalysis, SeenAt to when the report came in; CreatedAt is now.
// An empty IndicatorID or an unknown report is ErrInvalid.
func (db *DB) AddSightings(ctx context.Context, s []Sighting) (added int, err error) {
	if len(s) == 0 {
		return 0, nil
	}
	rows := slices.Clone(s)
	// One order for every writer, so that concurrent PostgreSQL
	// transactions lock rows in the same order and cannot deadlock.
	slices.SortFunc(rows, func(a, b Sighting) int {
		return cmp.Or(cmp.Compare(a.IndicatorID, b.IndicatorID), cmp.Compare(a.ReportID, b.ReportID))
	})
	now := db.d.time(db.now())
	args := make([]any, 0, 8*len(rows))
	for _, x := range rows {
		source := x.Source
		if source == "" {
			source = SightingAnalysis
		}
		args = append(args, x.IndicatorID, x.ReportID, source, x.Field, x.Matched, db.nullTime(x.SeenAt), x.ReportID, now)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: add sightings: %w", mapError(err))
	}
	defer tx.Rollback()
	// VALUES rows are "(?, ?, ?, ?, ?, ?, ?, ?)": seen_at is the sixth
	// value, or, when NULL, the report's created_at (the seventh is its ID).
	n, err := db.execRowsExpr(ctx, tx, "INSERT INTO sightings ("+sightingColumns+")",
		"(?, ?, ?, ?, ?, COALESCE(?, (SELECT created_at FROM reports WHERE id = ?)), ?)",
		" ON CONFLICT (indicator_id, report_id) DO NOTHING", 8, 400, args)
	if err != nil {
		return 0, fmt.Errorf("store: add sightings: %w", mapError(err))
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: add sightings: %w", mapError(err))
	}
	return int(n), nil
}

func (db *DB) sightings(ctx context.Context, where string, args ...any) ([]Sighting, error) {
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+sightingColumns+" FROM sightings "+where), args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []Sighting
	for rs.Next() {
		var x Sighting
		var seen, created dbTime
		if err := rs.Scan(&x.IndicatorID, &x.ReportID, &x.Source, &x.Field, &x.Matched, &seen, &created); err != nil {
			return nil, err
		}
		x.SeenAt, x.CreatedAt = seen.T, created.T
		out = append(out, x)
	}
	return out, rs.Err()
}

// SightingsOf returns the sightings of an indicator, newest first, at
// most limit of them (limit <= 0: no limit).
func (db *DB) SightingsOf(ctx context.Context, indicatorID string, limit int) ([]Sighting, error) {
	if limit <= 0 {
		limit = noLimit
	}
	out, err := db.sightings(ctx, "WHERE indicator_id = ? ORDER BY seen_at DESC, report_id DESC LIMIT ?", indicatorID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: sightings of %s: %w", indicatorID, mapError(err))
	}
	return out, nil
}

// SightingsForReport returns the sightings in a report, by indicator ID.
func (db *DB) SightingsForReport(ctx context.Context, reportID int64) ([]Sighting, error) {
	out, err := db.sightings(ctx, "WHERE report_id = ? ORDER BY indicator_id", reportID)
	if err != nil {
		return nil, fmt.Errorf("store: sightings in report %d: %w", reportID, mapError(err))
	}
	return out, nil
}

// ReportsSightingSame finds the other reports with a sighting of any of
// the indicators: for each indicator, at most limit reports (limit <= 0:
// no limit), the newest (highest ID) first, leaving out report exclude.
// It returns, by report ID, the indicators each was seen with, in the
// order given.
func (db *DB) ReportsSightingSame(ctx context.Context, indicatorIDs []string, exclude int64, limit int) (map[int64][]string, error) {
	if limit <= 0 {
		limit = noLimit
	}
	var keys []string
	seen := make(map[string]bool, len(indicatorIDs))
	for _, id := range indicatorIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			keys = append(keys, id)
		}
	}
	out := make(map[int64][]string)
	err := db.unionLookup(ctx, len(keys),
		"SELECT %d AS k, report_id FROM (SELECT report_id FROM sightings "+
			"WHERE indicator_id = ? AND report_id <> ? ORDER BY report_id DESC LIMIT ?) AS s%d",
		func(i int) []any { return []any{keys[i], exclude, limit} },
		func(i int, id int64) { out[id] = append(out[id], keys[i]) })
	if err != nil {
		return nil, fmt.Errorf("store: reports sighting the same indicators: %w", mapError(err))
	}
	return out, nil
}

// SightingCounts returns the number of reports each indicator was seen
// in, by indicator ID; indicators never seen are left out.
func (db *DB) SightingCounts(ctx context.Context, indicatorIDs []string) (map[string]int, error) {
	out := make(map[string]int)
	err := chunks(slices.Compact(slices.Sorted(slices.Values(indicatorIDs))), func(ids []string) error {
		rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT indicator_id, COUNT(*) FROM sightings WHERE indicator_id IN ("+
			placeholders(len(ids))+") GROUP BY indicator_id"), anys(ids)...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var id string
			var n int
			if err := rs.Scan(&id, &n); err != nil {
				return err
			}
			out[id] = n
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: sighting counts: %w", mapError(err))
	}
	return out, nil
}
