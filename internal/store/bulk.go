package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// bulkReportColumns are the columns BulkCreateReports writes, id first.
const bulkReportColumns = "id, reporter_id, channel, intent, platform, replied, shared_info, met, title, raw, raw_name, " +
	"kind, score, level, summary, analysis, status, verdict, assignee_id, feedback, feedback_at, created_at, updated_at, triaged_at"

const bulkReportWidth = 24

// BulkCreateReports stores many reports at once, with the indicators
// (inds[i] for reports[i]) and LSH band keys (bands[i], see
// PutFingerprint) of each, in one transaction and with multi-row inserts:
// the fast path for generating test data. inds and bands may be nil, or
// as long as reports. There is no audit event and no attachment.
//
// Each report's ID is set; CreatedAt, UpdatedAt and TriagedAt are kept
// when set (CreatedAt defaults to now, UpdatedAt to CreatedAt), and
// Status defaults to StatusNew. An unknown status or verdict is
// ErrInvalid, and nothing is stored.
func (db *DB) BulkCreateReports(ctx context.Context, reports []*Report, inds [][]ReportIndicator, bands [][]uint64) error {
	if (inds != nil && len(inds) != len(reports)) || (bands != nil && len(bands) != len(reports)) {
		return fmt.Errorf("store: bulk create reports: %w", errorf(ErrInvalid, "inds and bands must be nil or one per report"))
	}
	if len(reports) == 0 {
		return nil
	}
	now := db.now()
	for i, r := range reports {
		if r == nil {
			return fmt.Errorf("store: bulk create reports: report %d: %w", i+1, errorf(ErrInvalid, "report is nil"))
		}
		status := r.Status
		if status == "" {
			status = StatusNew
		}
		if !validStatus(status) || !validVerdict(r.Verdict) {
			return fmt.Errorf("store: bulk create reports: report %d: %w", i+1,
				errorf(ErrInvalid, fmt.Sprintf("status %q or verdict %q is not known", r.Status, r.Verdict)))
		}
	}

	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: bulk create reports: %w", mapError(err))
	}
	defer tx.Rollback()
	ids, err := db.reserveReportIDs(ctx, tx, len(reports))
	if err != nil {
		return fmt.Errorf("store: bulk create reports: %w", mapError(err))
	}
	args := make([]any, 0, bulkReportWidth*len(reports))
	for i, r := range reports {
		created := r.CreatedAt
		if created.IsZero() {
			created = now
		}
		updated := r.UpdatedAt
		if updated.IsZero() {
			updated = created
		}
		status := r.Status
		if status == "" {
			status = StatusNew
		}
		var assignee any
		if r.AssigneeID != nil {
			assignee = nullID(*r.AssigneeID)
		}
		args = append(args, ids[i], r.ReporterID, r.Channel, r.Intent, r.Platform, r.Replied, r.SharedInfo, r.Met,
			r.Title, nonNil(r.Raw), r.RawName, r.Kind, r.Score, r.Level, r.Summary, nonNil(r.Analysis),
			status, r.Verdict, assignee, r.Feedback, db.timePtr(r.FeedbackAt), db.d.time(created), db.d.time(updated), db.timePtr(r.TriagedAt))
	}
	if _, err := db.execRows(ctx, tx, "INSERT OR FAIL INTO reports ("+bulkReportColumns+")", "", bulkReportWidth, 200, args); err != nil {
		return fmt.Errorf("store: bulk create reports: %w", mapError(err))
	}
	args = args[:0]
	type irow struct {
		id int64
		ReportIndicator
	}
	var irows []irow
	for i := range inds {
		for _, ind := range inds[i] {
			irows = append(irows, irow{ids[i], ind})
		}
	}
	if sortRows {
		slices.SortFunc(irows, func(a, b irow) int {
			return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Value, b.Value), cmp.Compare(a.id, b.id))
		})
	}
	for _, r := range irows {
		args = append(args, r.id, r.Type, r.Value, r.Field)
	}
	if _, err := db.execRows(ctx, tx, "INSERT OR IGNORE INTO report_indicators (report_id, type, value, field)", "", 4, 500, args); err != nil {
		return fmt.Errorf("store: bulk create reports: indicators: %w", mapError(err))
	}
	args = args[:0]
	var brows [][2]int64
	for i := range bands {
		for _, k := range uniqueBands(bands[i]) {
			brows = append(brows, [2]int64{k, ids[i]})
		}
	}
	if sortRows {
		slices.SortFunc(brows, func(a, b [2]int64) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	}
	for _, r := range brows {
		args = append(args, r[0], r[1])
	}
	if _, err := db.execRows(ctx, tx, "INSERT OR FAIL INTO report_bands (band_key, report_id)", "", 2, 1000, args); err != nil {
		return fmt.Errorf("store: bulk create reports: bands: %w", mapError(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: bulk create reports: %w", mapError(err))
	}
	for i, r := range reports {
		r.ID = ids[i]
		if r.CreatedAt.IsZero() {
			r.CreatedAt = now
		}
		if r.UpdatedAt.IsZero() {
			r.UpdatedAt = r.CreatedAt
		}
		if r.Status == "" {
			r.Status = StatusNew
		}
	}
	return nil
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

var sortRows = false
