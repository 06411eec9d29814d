package store

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// ReportsPerWeek counts the reports that came in from since on, by week
// (Monday 00:00 UTC to the next) and level, oldest week first, then by
// level. Weeks without reports are left out; a since in the middle of a
// week counts only the rest of that week.
func (db *DB) ReportsPerWeek(ctx context.Context, since time.Time) ([]WeekCount, error) {
	// The week's Monday as YYYY-MM-DD text, computed by the database.
	week := "date(substr(created_at, 1, 10), '-6 days', 'weekday 1')" // the Monday on or before the day
	if db.driver == Postgres {
		week = "to_char(date_trunc('week', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
	}
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+week+" AS week, level, COUNT(*) FROM reports WHERE created_at >= ? "+
		"GROUP BY 1, 2 ORDER BY 1, 2"), db.d.time(since))
	if err != nil {
		return nil, fmt.Errorf("store: reports per week: %w", mapError(err))
	}
	defer rs.Close()
	var out []WeekCount
	for rs.Next() {
		var w WeekCount
		var day string
		if err := rs.Scan(&day, &w.Level, &w.N); err != nil {
			return nil, fmt.Errorf("store: reports per week: %w", mapError(err))
		}
		if w.Week, err = time.Parse(time.DateOnly, day); err != nil {
			return nil, fmt.Errorf("store: reports per week: week %q: %w", day, err)
		}
		out = append(out, w)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: reports per week: %w", mapError(err))
	}
	return out, nil
}

// TriageTimes returns how long the reports triaged from since on waited
// from coming in to leaving StatusNew (see Report.TriagedAt): the median
// and the 90th percentile (nearest rank, to the millisecond), and how
// many reports that is. With none, all three are zero.
func (db *DB) TriageTimes(ctx context.Context, since time.Time) (median, p90 time.Duration, n int, err error) {
	// Seconds between the two, computed by the database.
	wait := "unixepoch(triaged_at, 'subsec') - unixepoch(created_at, 'subsec')"
	if db.driver == Postgres {
		wait = "EXTRACT(EPOCH FROM triaged_at - created_at)::float8"
	}
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+wait+" FROM reports WHERE triaged_at IS NOT NULL AND triaged_at >= ?"), db.d.time(since))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("store: triage times: %w", mapError(err))
	}
	defer rs.Close()
	var waits []time.Duration
	for rs.Next() {
		var s float64
		if err := rs.Scan(&s); err != nil {
			return 0, 0, 0, fmt.Errorf("store: triage times: %w", mapError(err))
		}
		waits = append(waits, time.Duration(math.Round(s*1000))*time.Millisecond)
	}
	if err := rs.Err(); err != nil {
		return 0, 0, 0, fmt.Errorf("store: triage times: %w", mapError(err))
	}
	if len(waits) == 0 {
		return 0, 0, 0, nil
	}
	slices.Sort(waits)
	rank := func(p float64) time.Duration {
		return waits[max(int(math.Ceil(p*float64(len(waits))))-1, 0)]
	}
	return rank(0.5), rank(0.9), len(waits), nil
}

// OpenCases returns the number of reports sent to the security team
// (IntentReport) whose case is not closed.
func (db *DB) OpenCases(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, db.d.bind("SELECT COUNT(*) FROM reports WHERE intent = 'report' AND status <> 'closed'")).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: open cases: %w", mapError(err))
	}
	return n, nil
}

// TargetedBy counts the reports that came in from since on by the
// reporter's "role" or "office" (field; anything else is ErrInvalid):
// the one in the people directory, found by e-mail address, or else the
// user's own. The most reports come first, then by label; at most limit
// labels (limit <= 0: no limit). Reporters with none count under "".
func (db *DB) TargetedBy(ctx context.Context, field string, since time.Time, limit int) ([]Count, error) {
	if field != "role" && field != "office" {
		return nil, fmt.Errorf("store: reports by %s: %w", field, errorf(ErrInvalid, fmt.Sprintf("field %q is not role or office", field)))
	}
	if limit <= 0 {
		limit = noLimit
	}
	// users.email and people.email are both stored lower-cased.
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT COALESCE(NULLIF(p."+field+", ''), u."+field+") AS label, CAST(SUM(c.n) AS BIGINT) "+
		"FROM (SELECT reporter_id, COUNT(*) AS n FROM reports WHERE created_at >= ? GROUP BY reporter_id) AS c "+
		"JOIN users AS u ON u.id = c.reporter_id LEFT JOIN people AS p ON p.email = u.email "+
		"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?"), db.d.time(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store: reports by %s: %w", field, mapError(err))
	}
	defer rs.Close()
	var out []Count
	for rs.Next() {
		var c Count
		if err := rs.Scan(&c.Label, &c.N); err != nil {
			return nil, fmt.Errorf("store: reports by %s: %w", field, mapError(err))
		}
		out = append(out, c)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: reports by %s: %w", field, mapError(err))
	}
	return out, nil
}
