package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Report list limits.
const (
	DefaultReportLimit = 50
	MaxReportLimit     = 500
)

// reportListColumns are the columns of a report in lists: all but raw and
// analysis, which can be large.
const reportListColumns = "id, reporter_id, channel, intent, platform, replied, shared_info, met, title, raw_name, " +
	"kind, score, level, summary, status, verdict, assignee_id, feedback, feedback_at, created_at, updated_at, triaged_at"

// reportQueueOrder is the analysts' queue: highest risk first, then the
// report that has waited longest.
const reportQueueOrder = " ORDER BY score DESC, created_at, id"

// scanReport scans reportListColumns, then raw and analysis when full.
func scanReport(s interface{ Scan(...any) error }, full bool) (*Report, error) {
	var (
		r                   Report
		assignee            sql.NullInt64
		feedbackAt          dbTime
		createdAt, updateAt dbTime
		triagedAt           dbTime
	)
	dst := []any{&r.ID, &r.ReporterID, &r.Channel, &r.Intent, &r.Platform, &r.Replied, &r.SharedInfo, &r.Met,
		&r.Title, &r.RawName, &r.Kind, &r.Score, &r.Level, &r.Summary, &r.Status, &r.Verdict,
		&assignee, &r.Feedback, &feedbackAt, &createdAt, &updateAt, &triagedAt}
	if full {
		dst = append(dst, &r.Raw, &r.Analysis)
	}
	if err := s.Scan(dst...); err != nil {
		return nil, err
	}
	if assignee.Valid {
		id := assignee.Int64
		r.AssigneeID = &id
	}
	r.FeedbackAt, r.CreatedAt, r.UpdatedAt, r.TriagedAt = feedbackAt.ptr(), createdAt.T, updateAt.T, triagedAt.ptr()
	return &r, nil
}

// reportIndicatorRows is the number of indicators per INSERT (4
// parameters each).
const reportIndicatorRows = 500

// CreateReport stores a report with the indicators extracted from it,
// the IDs of the rules that fired on it and its attachments, in one
// transaction. It sets r's ID, CreatedAt and UpdatedAt, and Status to
// StatusNew when empty; and each attachment's ID and ReportID, its SHA256
// when empty and its Size when 0, from Data. Indicators or rules given
// twice are stored once.
func (db *DB) CreateReport(ctx context.Context, r *Report, inds []ReportIndicator, rules []string, atts []Attachment) error {
	if r == nil {
		return fmt.Errorf("store: create report: %w", errorf(ErrInvalid, "report is nil"))
	}
	if r.Status == "" {
		r.Status = StatusNew
	}
	if !validStatus(r.Status) || !validVerdict(r.Verdict) {
		return fmt.Errorf("store: create report: %w", errorf(ErrInvalid, fmt.Sprintf("status %q or verdict %q is not known", r.Status, r.Verdict)))
	}
	for i := range atts {
		a := &atts[i]
		if a.SHA256 == "" {
			sum := sha256.Sum256(a.Data)
			a.SHA256 = hex.EncodeToString(sum[:])
		}
		if a.Size == 0 {
			a.Size = int64(len(a.Data))
		}
	}
	now := db.now()
	var assignee any
	if r.AssigneeID != nil {
		assignee = nullID(*r.AssigneeID)
	}

	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: create report: %w", mapError(err))
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, db.d.bind("INSERT INTO reports (reporter_id, channel, intent, platform, replied, shared_info, met, "+
		"title, raw, raw_name, kind, score, level, summary, analysis, status, verdict, assignee_id, feedback, feedback_at, created_at, updated_at) "+
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
		r.ReporterID, r.Channel, r.Intent, r.Platform, r.Replied, r.SharedInfo, r.Met,
		r.Title, nonNil(r.Raw), r.RawName, r.Kind, r.Score, r.Level, r.Summary, nonNil(r.Analysis),
		r.Status, r.Verdict, assignee, r.Feedback, db.timePtr(r.FeedbackAt), db.d.time(now), db.d.time(now)).Scan(&id)
	if err != nil {
		return fmt.Errorf("store: create report: %w", mapError(err))
	}
	for start := 0; start < len(inds); start += reportIndicatorRows {
		batch := inds[start:min(start+reportIndicatorRows, len(inds))]
		q := "INSERT INTO report_indicators (report_id, type, value, field) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(batch)), ", ") + " ON CONFLICT DO NOTHING"
		args := make([]any, 0, 4*len(batch))
		for _, ind := range batch {
			args = append(args, id, ind.Type, ind.Value, ind.Field)
		}
		if _, err := tx.ExecContext(ctx, db.d.bind(q), args...); err != nil {
			return fmt.Errorf("store: create report: indicators: %w", mapError(err))
		}
	}
	if len(rules) > 0 {
		q := "INSERT INTO report_rules (report_id, rule) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?), ", len(rules)), ", ") + " ON CONFLICT DO NOTHING"
		args := make([]any, 0, 2*len(rules))
		for _, rule := range rules {
			args = append(args, id, rule)
		}
		if _, err := tx.ExecContext(ctx, db.d.bind(q), args...); err != nil {
			return fmt.Errorf("store: create report: rules: %w", mapError(err))
		}
	}
	for i := range atts {
		a := &atts[i]
		err := tx.QueryRowContext(ctx, db.d.bind("INSERT INTO attachments (report_id, name, content_type, sha256, size, data) "+
			"VALUES (?, ?, ?, ?, ?, ?) RETURNING id"), id, a.Name, a.ContentType, a.SHA256, a.Size, nonNil(a.Data)).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("store: create report: attachment %d: %w", i+1, mapError(err))
		}
		a.ReportID = id
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: create report: %w", mapError(err))
	}
	r.ID, r.CreatedAt, r.UpdatedAt = id, now, now
	return nil
}

// nonNil stores a nil byte slice as an empty one, for NOT NULL columns.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func validStatus(s string) bool {
	return slices.Contains([]string{StatusNew, StatusTriaging, StatusEscalated, StatusClosed}, s)
}

func validVerdict(v string) bool {
	return slices.Contains([]string{"", VerdictHostile, VerdictSuspicious, VerdictBenign, VerdictExercise}, v)
}

// GetReport returns the report with the given ID, with its Raw input and
// its Analysis.
func (db *DB) GetReport(ctx context.Context, id int64) (*Report, error) {
	r, err := scanReport(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+reportListColumns+", raw, analysis FROM reports WHERE id = ?"), id), true)
	if err != nil {
		return nil, fmt.Errorf("store: get report %d: %w", id, mapError(err))
	}
	return r, nil
}

// reportWhere builds the WHERE clause for f; withLevelStatus says
// whether f.Levels and f.Status count.
func (db *DB) reportWhere(f ReportFilter, withLevelStatus bool) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if f.ReporterID != 0 {
		add("reporter_id = ?", f.ReporterID)
	}
	if withLevelStatus && len(f.Levels) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(f.Levels)), ", ")
		var a []any
		for _, l := range f.Levels {
			a = append(a, l)
		}
		add("level IN ("+ph+")", a...)
	}
	if withLevelStatus && f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Platform != "" {
		add("platform = ?", f.Platform)
	}
	if f.Intent != "" {
		add("intent = ?", f.Intent)
	}
	switch {
	case f.AssigneeID < 0:
		conds = append(conds, "assignee_id IS NULL")
	case f.AssigneeID > 0:
		add("assignee_id = ?", f.AssigneeID)
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", db.d.time(f.Since))
	}
	if !f.Until.IsZero() {
		add("created_at < ?", db.d.time(f.Until))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListReports returns the reports f selects, without Raw and Analysis,
// highest score first, then oldest first (risk, then age). f.Limit is
// DefaultReportLimit when 0 and at most MaxReportLimit; Since is
// inclusive, Until exclusive.
func (db *DB) ListReports(ctx context.Context, f ReportFilter) ([]Report, error) {
	if f.Limit < 0 || f.Offset < 0 {
		return nil, fmt.Errorf("store: list reports: %w", errorf(ErrInvalid, "limit and offset may not be negative"))
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultReportLimit
	}
	limit = min(limit, MaxReportLimit)
	where, args := db.reportWhere(f, true)
	args = append(args, limit, f.Offset)
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+reportListColumns+" FROM reports"+where+reportQueueOrder+" LIMIT ? OFFSET ?"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list reports: %w", mapError(err))
	}
	defer rs.Close()
	var out []Report
	for rs.Next() {
		r, err := scanReport(rs, false)
		if err != nil {
			return nil, fmt.Errorf("store: list reports: %w", mapError(err))
		}
		out = append(out, *r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list reports: %w", mapError(err))
	}
	return out, nil
}

// CountReports counts the reports f selects, ignoring f.Levels and
// f.Status (so that the counts can label those filters), and its Limit
// and Offset: in all, by level and by status.
func (db *DB) CountReports(ctx context.Context, f ReportFilter) (ReportCounts, error) {
	c := ReportCounts{ByLevel: map[string]int{}, ByStatus: map[string]int{}}
	where, args := db.reportWhere(f, false)
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT level, status, COUNT(*) FROM reports"+where+" GROUP BY level, status"), args...)
	if err != nil {
		return ReportCounts{}, fmt.Errorf("store: count reports: %w", mapError(err))
	}
	defer rs.Close()
	for rs.Next() {
		var level, status string
		var n int
		if err := rs.Scan(&level, &status, &n); err != nil {
			return ReportCounts{}, fmt.Errorf("store: count reports: %w", mapError(err))
		}
		c.Total += n
		c.ByLevel[level] += n
		c.ByStatus[status] += n
	}
	if err := rs.Err(); err != nil {
		return ReportCounts{}, fmt.Errorf("store: count reports: %w", mapError(err))
	}
	return c, nil
}

// CountAllReports returns the number of reports.
func (db *DB) CountAllReports(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM reports").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count reports: %w", mapError(err))
	}
	return n, nil
}

// UpdateCase applies u's non-nil fields to a report's case, sets its
// UpdatedAt and returns the report as it now is, without Raw and
// Analysis. The first time Status leaves StatusNew sets TriagedAt. An
// AssigneeID pointing at 0 unassigns; setting Feedback sets
// FeedbackAt to now (or clears it with the feedback, when ""). An unknown
// status or verdict, or an assignee who is not a user, is ErrInvalid.
func (db *DB) UpdateCase(ctx context.Context, id int64, u CaseUpdate) (*Report, error) {
	now := db.now()
	var sets []string
	var args []any
	set := func(col string, v any) {
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	if u.Status != nil {
		if !validStatus(*u.Status) {
			return nil, fmt.Errorf("store: update case %d: %w", id, errorf(ErrInvalid, fmt.Sprintf("status %q is not new, triaging, escalated or closed", *u.Status)))
		}
		set("status", *u.Status)
		if *u.Status != StatusNew {
			sets = append(sets, "triaged_at = COALESCE(triaged_at, ?)")
			args = append(args, db.d.time(now))
		}
	}
	if u.Verdict != nil {
		if !validVerdict(*u.Verdict) {
			return nil, fmt.Errorf("store: update case %d: %w", id, errorf(ErrInvalid, fmt.Sprintf("verdict %q is not hostile, suspicious, benign, exercise or empty", *u.Verdict)))
		}
		set("verdict", *u.Verdict)
	}
	if u.AssigneeID != nil {
		set("assignee_id", nullID(*u.AssigneeID))
	}
	if u.Feedback != nil {
		set("feedback", *u.Feedback)
		if *u.Feedback == "" {
			set("feedback_at", nil)
		} else {
			set("feedback_at", db.d.time(now))
		}
	}
	set("updated_at", db.d.time(now))
	args = append(args, id)
	r, err := scanReport(db.write.QueryRowContext(ctx, db.d.bind("UPDATE reports SET "+strings.Join(sets, ", ")+
		" WHERE id = ? RETURNING "+reportListColumns), args...), false)
	if err != nil {
		return nil, fmt.Errorf("store: update case %d: %w", id, mapError(err))
	}
	return r, nil
}

// ReportIndicators returns the indicators stored with a report, ordered
// by type, value and field.
func (db *DB) ReportIndicators(ctx context.Context, reportID int64) ([]ReportIndicator, error) {
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT type, value, field FROM report_indicators WHERE report_id = ? ORDER BY type, value, field"), reportID)
	if err != nil {
		return nil, fmt.Errorf("store: report %d indicators: %w", reportID, mapError(err))
	}
	defer rs.Close()
	var out []ReportIndicator
	for rs.Next() {
		var ind ReportIndicator
		if err := rs.Scan(&ind.Type, &ind.Value, &ind.Field); err != nil {
			return nil, fmt.Errorf("store: report %d indicators: %w", reportID, mapError(err))
		}
		out = append(out, ind)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: report %d indicators: %w", reportID, mapError(err))
	}
	return out, nil
}

// RelatedReports returns the other reports that share an indicator (type
// and value) with a report, newest first, at most limit rows (limit <= 0:
// no limit). A report that shares several indicators comes once for each,
// so that the caller can leave out the types it does not trust.
func (db *DB) RelatedReports(ctx context.Context, reportID int64, limit int) ([]Related, error) {
	if limit <= 0 {
		limit = noLimit
	}
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT DISTINCT r.id, r.title, r.level, r.score, r.created_at, o.type, o.value "+
		"FROM report_indicators AS m "+
		"JOIN report_indicators AS o ON o.type = m.type AND o.value = m.value AND o.report_id <> m.report_id "+
		"JOIN reports AS r ON r.id = o.report_id "+
		"WHERE m.report_id = ? "+
		"ORDER BY r.created_at DESC, r.id DESC, o.type, o.value LIMIT ?"), reportID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: reports related to %d: %w", reportID, mapError(err))
	}
	defer rs.Close()
	var out []Related
	for rs.Next() {
		var rel Related
		var created dbTime
		if err := rs.Scan(&rel.ReportID, &rel.Title, &rel.Level, &rel.Score, &created, &rel.Type, &rel.Value); err != nil {
			return nil, fmt.Errorf("store: reports related to %d: %w", reportID, mapError(err))
		}
		rel.CreatedAt = created.T
		out = append(out, rel)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: reports related to %d: %w", reportID, mapError(err))
	}
	return out, nil
}

// RuleHits returns the number of reports each rule fired on, by rule ID.
func (db *DB) RuleHits(ctx context.Context) (map[string]int, error) {
	rs, err := db.read.QueryContext(ctx, "SELECT rule, COUNT(*) FROM report_rules GROUP BY rule")
	if err != nil {
		return nil, fmt.Errorf("store: rule hits: %w", mapError(err))
	}
	defer rs.Close()
	out := map[string]int{}
	for rs.Next() {
		var rule string
		var n int
		if err := rs.Scan(&rule, &n); err != nil {
			return nil, fmt.Errorf("store: rule hits: %w", mapError(err))
		}
		out[rule] = n
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: rule hits: %w", mapError(err))
	}
	return out, nil
}

// Note kinds.
const (
	NoteText   = "note"   // an analyst's note
	NoteChange = "change" // a record of a change to the case
)

// AddNote adds a note to a report's timeline and sets its ID and
// CreatedAt. Kind defaults to NoteText; AuthorID 0 is the system. An
// unknown report or author is ErrInvalid.
func (db *DB) AddNote(ctx context.Context, n *Note) error {
	if n == nil {
		return fmt.Errorf("store: add note: %w", errorf(ErrInvalid, "note is nil"))
	}
	if n.Kind == "" {
		n.Kind = NoteText
	}
	now := db.now()
	err := db.write.QueryRowContext(ctx, db.d.bind("INSERT INTO notes (report_id, author_id, kind, text, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id"),
		n.ReportID, nullID(n.AuthorID), n.Kind, n.Text, db.d.time(now)).Scan(&n.ID)
	if err != nil {
		return fmt.Errorf("store: add note to report %d: %w", n.ReportID, mapError(err))
	}
	n.CreatedAt = now
	return nil
}

// ListNotes returns a report's timeline, oldest first.
func (db *DB) ListNotes(ctx context.Context, reportID int64) ([]Note, error) {
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT id, report_id, author_id, kind, text, created_at FROM notes WHERE report_id = ? ORDER BY id"), reportID)
	if err != nil {
		return nil, fmt.Errorf("store: list notes of report %d: %w", reportID, mapError(err))
	}
	defer rs.Close()
	var out []Note
	for rs.Next() {
		var n Note
		var author sql.NullInt64
		var created dbTime
		if err := rs.Scan(&n.ID, &n.ReportID, &author, &n.Kind, &n.Text, &created); err != nil {
			return nil, fmt.Errorf("store: list notes of report %d: %w", reportID, mapError(err))
		}
		n.AuthorID, n.CreatedAt = author.Int64, created.T
		out = append(out, n)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list notes of report %d: %w", reportID, mapError(err))
	}
	return out, nil
}

// ListAttachments returns a report's attachments without their Data, in
// the order they were stored.
func (db *DB) ListAttachments(ctx context.Context, reportID int64) ([]Attachment, error) {
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT id, report_id, name, content_type, sha256, size FROM attachments WHERE report_id = ? ORDER BY id"), reportID)
	if err != nil {
		return nil, fmt.Errorf("store: list attachments of report %d: %w", reportID, mapError(err))
	}
	defer rs.Close()
	var out []Attachment
	for rs.Next() {
		var a Attachment
		if err := rs.Scan(&a.ID, &a.ReportID, &a.Name, &a.ContentType, &a.SHA256, &a.Size); err != nil {
			return nil, fmt.Errorf("store: list attachments of report %d: %w", reportID, mapError(err))
		}
		out = append(out, a)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list attachments of report %d: %w", reportID, mapError(err))
	}
	return out, nil
}

// GetAttachment returns attachment id of report reportID with its Data;
// an attachment of another report is ErrNotFound.
func (db *DB) GetAttachment(ctx context.Context, reportID, id int64) (*Attachment, error) {
	var a Attachment
	err := db.read.QueryRowContext(ctx, db.d.bind("SELECT id, report_id, name, content_type, sha256, size, data FROM attachments WHERE id = ? AND report_id = ?"),
		id, reportID).Scan(&a.ID, &a.ReportID, &a.Name, &a.ContentType, &a.SHA256, &a.Size, &a.Data)
	if err != nil {
		return nil, fmt.Errorf("store: get attachment %d of report %d: %w", id, reportID, mapError(err))
	}
	return &a, nil
}
