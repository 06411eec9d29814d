package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"time"
)

// bulkReportColumns are the columns BulkCreateReports writes, id first.
const bulkReportColumns = "id, reporter_id, channel, intent, platform, replied, shared_info, met, title, raw, raw_name, " +
	"kind, score, level, summary, analysis, status, verdict, assignee_id, feedback, feedback_at, created_at, updated_at, triaged_at"

const bulkReportWidth = 24

// bulkIndicator and bulkBand are rows BulkCreateReports writes.
type (
	bulkIndicator struct {
		reportID int64
		ReportIndicator
	}
	bulkBand struct{ key, reportID int64 }
)

// BulkCreateReports stores many reports at once, with the indicators
// (inds[i] for reports[i]) and LSH band keys (bands[i], see
// PutFingerprint) of each, in one transaction and with multi-row inserts:
// the fast path for generating test data. inds and bands may be nil, or
// as long as reports. There is no audit event and no attachment.
//
// Each report's ID is set; CreatedAt, UpdatedAt and TriagedAt are kept
// when set (CreatedAt defaults to now, UpdatedAt to CreatedAt), and
// Status defaults to StatusNew. An unknown status, verdict, reporter or
// assignee, or an indicator without a type or value, is ErrInvalid, and
// nothing is stored.
//
// Larger calls are faster per report: the indexes that find reports by
// indicator and by band key take rows all over, and each transaction
// writes the index pages it touched.
func (db *DB) BulkCreateReports(ctx context.Context, reports []*Report, inds [][]ReportIndicator, bands [][]uint64) error {
	if (inds != nil && len(inds) != len(reports)) || (bands != nil && len(bands) != len(reports)) {
		return fmt.Errorf("store: bulk create reports: %w", errorf(ErrInvalid, "inds and bands must be nil or one per report"))
	}
	if len(reports) == 0 {
		return nil
	}
	var users []int64 // reporters and assignees, to check
	for i, r := range reports {
		if r == nil {
			return fmt.Errorf("store: bulk create reports: report %d: %w", i+1, errorf(ErrInvalid, "report is nil"))
		}
		if status := cmp.Or(r.Status, StatusNew); !validStatus(status) || !validVerdict(r.Verdict) {
			return fmt.Errorf("store: bulk create reports: report %d: %w", i+1,
				errorf(ErrInvalid, fmt.Sprintf("status %q or verdict %q is not known", r.Status, r.Verdict)))
		}
		users = append(users, r.ReporterID)
		if r.AssigneeID != nil && *r.AssigneeID != 0 {
			users = append(users, *r.AssigneeID)
		}
		if i < len(inds) {
			for _, ind := range inds[i] {
				if ind.Type == "" || ind.Value == "" {
					return fmt.Errorf("store: bulk create reports: report %d: %w", i+1, errorf(ErrInvalid, "an indicator needs a type and a value"))
				}
			}
		}
	}
	slices.Sort(users)
	users = slices.Compact(users)

	now := db.now()
	var ids []int64
	err := db.bulkTx(ctx, func(tx *sql.Tx) error {
		if err := db.usersExist(ctx, tx, users); err != nil {
			return err
		}
		var err error
		if ids, err = db.reserveReportIDs(ctx, tx, len(reports)); err != nil {
			return err
		}
		return db.bulkInsert(ctx, tx, reports, ids, inds, bands, now)
	})
	if err != nil {
		return fmt.Errorf("store: bulk create reports: %w", err)
	}
	for i, r := range reports {
		r.ID = ids[i]
		if r.CreatedAt.IsZero() {
			r.CreatedAt = now
		}
		if r.UpdatedAt.IsZero() {
			r.UpdatedAt = r.CreatedAt
		}
		r.Status = cmp.Or(r.Status, StatusNew)
	}
	return nil
}

// bulkTx runs fn in a write transaction. On SQLite the transaction runs
// with foreign keys off (fn checks them itself): a multi-row statement
// that may fail a foreign key must keep a journal of every page it
// touches, so that it alone can be undone, and on the indexes keyed by
// indicator and band that is nearly a page per row. The INSERT OR FAIL
// statements need none, and an error still rolls back the whole
// transaction. The connection gets its foreign keys back before it is
// used again, or is closed.
func (db *DB) bulkTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if db.driver != SQLite {
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return mapError(err)
		}
		defer tx.Rollback()
		if err := fn(tx); err != nil {
			return mapError(err)
		}
		return mapError(tx.Commit())
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return mapError(err)
	}
	defer conn.Close()
	// PRAGMA foreign_keys is a no-op inside a transaction: it is set
	// around it, and it expires the statements prepared under the other
	// setting.
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return mapError(err)
	}
	defer func() {
		var on int
		_, err := conn.ExecContext(context.Background(), "PRAGMA foreign_keys = ON")
		if err == nil {
			err = conn.QueryRowContext(context.Background(), "PRAGMA foreign_keys").Scan(&on)
		}
		if err != nil || on != 1 {
			db.logger.Error("store: foreign keys could not be turned back on; closing the connection", "err", err)
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return mapError(err)
	}
	return mapError(tx.Commit())
}

// usersExist returns ErrInvalid unless every one of ids (sorted, without
// repeats) is a user.
func (db *DB) usersExist(ctx context.Context, tx *sql.Tx, ids []int64) error {
	return chunks(ids, func(ids []int64) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.d.bind("SELECT COUNT(*) FROM users WHERE id IN ("+placeholders(len(ids))+")"), anys(ids)...).Scan(&n); err != nil {
			return err
		}
		if n != len(ids) {
			return errorf(ErrInvalid, "a reporter or assignee is not a user")
		}
		return nil
	})
}

// bulkInsert writes reports[i] under ids[i] with inds[i] and bands[i].
func (db *DB) bulkInsert(ctx context.Context, tx *sql.Tx, reports []*Report, ids []int64, inds [][]ReportIndicator, bands [][]uint64, now time.Time) error {
	// The indicator and band rows are made on another core while the
	// database takes the reports.
	type more struct {
		inds  []bulkIndicator
		bands []bulkBand
	}
	rows := make(chan more, 1)
	go func() { rows <- more{indicatorRows(ids, inds), bandRows(ids, bands)} }()
	var err error
	if db.driver == Postgres {
		err = db.bulkReportsPostgres(ctx, tx, reports, ids, now)
	} else {
		err = db.bulkReportsSQLite(ctx, tx, reports, ids, now)
	}
	m := <-rows
	if err != nil {
		return err
	}
	if db.driver == Postgres {
		return bulkIndexRowsPostgres(ctx, tx, m.inds, m.bands)
	}
	args := make([]any, 0, 4*len(m.inds))
	for _, r := range m.inds {
		args = append(args, r.reportID, r.Type, r.Value, r.Field)
	}
	// INSERT OR FAIL: no statement journal (see bulkTx).
	if _, err := db.execRows(ctx, tx, "INSERT OR FAIL INTO report_indicators (report_id, type, value, field)", "", 4, 500, args); err != nil {
		return err
	}
	args = args[:0]
	for _, r := range m.bands {
		args = append(args, r.key, r.reportID)
	}
	_, err = db.execRows(ctx, tx, "INSERT OR FAIL INTO report_bands (band_key, report_id)", "", 2, 1000, args)
	return err
}

// bulkTimes returns a report's created_at and updated_at with their
// defaults: now, and created_at.
func bulkTimes(r *Report, now time.Time) (created, updated time.Time) {
	created = r.CreatedAt
	if created.IsZero() {
		created = now
	}
	updated = r.UpdatedAt
	if updated.IsZero() {
		updated = created
	}
	return created, updated
}

func (db *DB) bulkReportsSQLite(ctx context.Context, tx *sql.Tx, reports []*Report, ids []int64, now time.Time) error {
	args := make([]any, 0, bulkReportWidth*len(reports))
	for i, r := range reports {
		created, updated := bulkTimes(r, now)
		var assignee any
		if r.AssigneeID != nil {
			assignee = nullID(*r.AssigneeID)
		}
		args = append(args, ids[i], r.ReporterID, r.Channel, r.Intent, r.Platform, r.Replied, r.SharedInfo, r.Met,
			r.Title, nonNil(r.Raw), r.RawName, r.Kind, r.Score, r.Level, r.Summary, nonNil(r.Analysis),
			cmp.Or(r.Status, StatusNew), r.Verdict, assignee, r.Feedback, db.timePtr(r.FeedbackAt),
			db.d.time(created), db.d.time(updated), db.timePtr(r.TriagedAt))
	}
	// INSERT OR FAIL: no statement journal (see bulkTx).
	_, err := db.execRows(ctx, tx, "INSERT OR FAIL INTO reports ("+bulkReportColumns+")", "", bulkReportWidth, 200, args)
	return err
}

// postgresBulkRows is the most rows one PostgreSQL statement takes: each
// column goes as one array, unnested on the server, which is far cheaper
// than as many parameters.
const postgresBulkRows = 10_000

func (db *DB) bulkReportsPostgres(ctx context.Context, tx *sql.Tx, reports []*Report, ids []int64, now time.Time) error {
	const q = "INSERT INTO reports (" + bulkReportColumns + ") SELECT * FROM unnest($1::bigint[], $2::bigint[], " +
		"$3::text[], $4::text[], $5::text[], $6::bool[], $7::bool[], $8::bool[], $9::text[], $10::bytea[], $11::text[], " +
		"$12::text[], $13::int[], $14::text[], $15::text[], $16::bytea[], $17::text[], $18::text[], $19::bigint[], $20::text[], " +
		"$21::timestamptz[], $22::timestamptz[], $23::timestamptz[], $24::timestamptz[])"
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC().Truncate(time.Microsecond)
		return &u
	}
	for start := 0; start < len(reports); start += postgresBulkRows {
		batch := reports[start:min(start+postgresBulkRows, len(reports))]
		n := len(batch)
		var (
			reporter                                     = make([]int64, n)
			channel, intent, platform, title, rawName    = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
			kind, level, summary, status, verdict, fback = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
			replied, shared, met                         = make([]bool, n), make([]bool, n), make([]bool, n)
			raw, analysis                                = make([][]byte, n), make([][]byte, n)
			score                                        = make([]int, n)
			assignee                                     = make([]*int64, n)
			created, updated                             = make([]time.Time, n), make([]time.Time, n)
			feedbackAt, triagedAt                        = make([]*time.Time, n), make([]*time.Time, n)
		)
		for i, r := range batch {
			reporter[i], channel[i], intent[i], platform[i], title[i], rawName[i] = r.ReporterID, r.Channel, r.Intent, r.Platform, r.Title, r.RawName
			kind[i], level[i], summary[i], status[i], verdict[i], fback[i] = r.Kind, r.Level, r.Summary, cmp.Or(r.Status, StatusNew), r.Verdict, r.Feedback
			replied[i], shared[i], met[i] = r.Replied, r.SharedInfo, r.Met
			raw[i], analysis[i], score[i] = nonNil(r.Raw), nonNil(r.Analysis), r.Score
			if r.AssigneeID != nil && *r.AssigneeID != 0 {
				assignee[i] = r.AssigneeID
			}
			c, u := bulkTimes(r, now)
			created[i], updated[i] = c.UTC().Truncate(time.Microsecond), u.UTC().Truncate(time.Microsecond)
			feedbackAt[i], triagedAt[i] = utc(r.FeedbackAt), utc(r.TriagedAt)
		}
		_, err := tx.ExecContext(ctx, q, ids[start:start+n], reporter, channel, intent, platform, replied, shared, met,
			title, raw, rawName, kind, score, level, summary, analysis, status, verdict, assignee, fback,
			feedbackAt, created, updated, triagedAt)
		if err != nil {
			return err
		}
	}
	return nil
}

func bulkIndexRowsPostgres(ctx context.Context, tx *sql.Tx, inds []bulkIndicator, bands []bulkBand) error {
	for start := 0; start < len(inds); start += postgresBulkRows {
		batch := inds[start:min(start+postgresBulkRows, len(inds))]
		ids, types, values, fields := make([]int64, len(batch)), make([]string, len(batch)), make([]string, len(batch)), make([]string, len(batch))
		for i, r := range batch {
			ids[i], types[i], values[i], fields[i] = r.reportID, r.Type, r.Value, r.Field
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO report_indicators (report_id, type, value, field) "+
			"SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])", ids, types, values, fields); err != nil {
			return err
		}
	}
	for start := 0; start < len(bands); start += postgresBulkRows {
		batch := bands[start:min(start+postgresBulkRows, len(bands))]
		keys, ids := make([]int64, len(batch)), make([]int64, len(batch))
		for i, r := range batch {
			keys[i], ids[i] = r.key, r.reportID
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO report_bands (band_key, report_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])", keys, ids); err != nil {
			return err
		}
	}
	return nil
}

// indicatorRows returns the report_indicators rows for inds[i] of report
// ids[i], without repeats, in the order of the index that finds reports
// by indicator, so that consecutive rows land on the same pages.
func indicatorRows(ids []int64, inds [][]ReportIndicator) []bulkIndicator {
	var rows []bulkIndicator
	for i := range inds {
		for _, ind := range inds[i] {
			rows = append(rows, bulkIndicator{ids[i], ind})
		}
	}
	slices.SortFunc(rows, func(a, b bulkIndicator) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Value, b.Value), cmp.Compare(a.reportID, b.reportID), cmp.Compare(a.Field, b.Field))
	})
	return slices.Compact(rows)
}

// bandRows returns the report_bands rows for bands[i] of report ids[i],
// without repeats, in key order.
func bandRows(ids []int64, bands [][]uint64) []bulkBand {
	var rows []bulkBand
	for i := range bands {
		for _, k := range uniqueBands(bands[i]) {
			rows = append(rows, bulkBand{k, ids[i]})
		}
	}
	slices.SortFunc(rows, func(a, b bulkBand) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.reportID, b.reportID)) })
	return rows
}

// reserveReportIDs returns n new report IDs, ascending, for rows written
// with explicit IDs. On SQLite the transaction holds the write lock, so
// the IDs after the largest are free; on PostgreSQL they come from the
// identity column's sequence.
func (db *DB) reserveReportIDs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	if db.driver == Postgres {
		rs, err := tx.QueryContext(ctx, "SELECT nextval(pg_get_serial_sequence('reports', 'id')) FROM generate_series(1, $1)", n)
		if err != nil {
			return nil, err
		}
		ids, err := scanIDs(rs)
		if err != nil {
			return nil, err
		}
		slices.Sort(ids)
		return ids, nil
	}
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM reports").Scan(&last); err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + 1 + int64(i)
	}
	return ids, nil
}
