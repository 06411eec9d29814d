package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/text/unicode/norm"

	"portcullis/internal/indicator"
	"portcullis/internal/intel"
)

// Record is a stored watchlist entry with its identity and history.
type Record struct {
	// ID is stable: derived from the entry's type, normalised value and
	// source name, so the same indicator from the same source has the
	// same ID on every database.
	ID        string
	Entry     *intel.Entry
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiredAt *time.Time // set once the indicator was expired by hand
}

// Filter selects indicators for ListIndicators and CountIndicators.
type Filter struct {
	// Search matches, ignoring case, a substring of the value, aliases,
	// source, tags, context organisations and locations or description.
	Search string
	Type   indicator.Type // empty: any
	Kind   string         // intel.Watch, intel.Allow, intel.Context; empty: any
	// IncludeExpired also returns indicators that were expired by hand
	// or whose validity has ended.
	IncludeExpired bool
	Limit          int // 0: no limit
	Offset         int
}

// IndicatorID returns the ID an indicator of type t with the given
// normalised value (see Key) and source name is stored under.
func IndicatorID(t indicator.Type, key, sourceName string) string {
	h := sha256.Sum256([]byte(string(t) + ":" + key + "\x00" + sourceName))
	return hex.EncodeToString(h[:16])
}

// Key returns the normalised value an indicator is stored and found by,
// and the display value, or "" when v is not a valid value of type t.
// Names (people, organisations) keep their spelling for display and are
// keyed without case; other types are keyed by their normal form.
func Key(t indicator.Type, v string) (key, display string) {
	display = indicator.Normalize(t, v)
	if display == "" {
		return "", ""
	}
	switch t {
	case indicator.Person, indicator.Organization:
		return norm.NFC.String(strings.ToLower(display)), display
	}
	return display, display
}

// upsertColumns are the columns appendArgs gives values for, in order, with
// the PostgreSQL array type each is sent as (see upsertPostgres); the
// last two, the times, take one value for the whole statement.
var upsertColumns = []struct{ name, pgArray string }{
	{"id", "text[]"}, {"type", "text[]"}, {"value", "text[]"}, {"display", "text[]"}, {"kind", "text[]"},
	{"aliases", "text[]"}, {"context_organizations", "text[]"}, {"context_locations", "text[]"},
	{"source_name", "text[]"}, {"source_url", "text[]"}, {"source_date", "text[]"}, {"tlp", "text[]"},
	{"confidence", "int[]"}, {"valid_from", "timestamptz[]"}, {"valid_until", "timestamptz[]"},
	{"description", "text[]"}, {"tags", "text[]"}, {"search", "text[]"},
	{"created_at", ""}, {"updated_at", ""},
}

var indicatorColumns = func() string {
	var names []string
	for _, c := range upsertColumns {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}()

// updatable are the columns an upsert may change; a row is only written
// (and its updated_at moved) when one of them differs.
var updatable = []string{"display", "kind", "aliases", "context_organizations", "context_locations",
	"source_url", "source_date", "tlp", "confidence", "valid_from", "valid_until", "description", "tags"}

// sqliteUpsertRows is the number of rows per INSERT on SQLite (20
// parameters each, well under its limit of 32766); measured fastest
// between 50 and 1600.
const sqliteUpsertRows = 200

// sqliteUpsertSQL returns the statement that upserts n rows on SQLite.
func (db *DB) sqliteUpsertSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO indicators (" + indicatorColumns + ") VALUES ")
	row := "(" + strings.Repeat("?, ", len(upsertColumns)-1) + "?)"
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(db.upsertTail())
	return b.String()
}

// row is a validated entry waiting to be written.
type row struct {
	key       [3]string // type, value (normalised), source_name: the unique key
	display   string
	kind, tlp string // with defaults applied
	e         *intel.Entry
}

// rowFor validates e and works out its key.
func rowFor(e *intel.Entry) (row, error) {
	if e == nil {
		return row{}, errorf(ErrInvalid, "entry is nil")
	}
	if !slices.Contains(indicator.Types, e.Type) {
		return row{}, errorf(ErrInvalid, fmt.Sprintf("type %q is not one of %v", e.Type, indicator.Types))
	}
	key, display := Key(e.Type, e.Value)
	if key == "" {
		return row{}, errorf(ErrInvalid, fmt.Sprintf("%q is not a valid %s", e.Value, e.Type))
	}
	kind := e.Kind
	switch kind {
	case "":
		kind = intel.Watch
	case intel.Watch, intel.Allow, intel.Context:
	default:
		return row{}, errorf(ErrInvalid, fmt.Sprintf("kind %q is not watch, allow or context", e.Kind))
	}
	tlp := e.TLP
	switch tlp {
	case "":
		tlp = "amber"
	case "clear", "green", "amber", "amber+strict", "red":
	default:
		return row{}, errorf(ErrInvalid, fmt.Sprintf("tlp %q is not clear, green, amber, amber+strict or red", e.TLP))
	}
	if e.Confidence < 0 || e.Confidence > 100 {
		return row{}, errorf(ErrInvalid, fmt.Sprintf("confidence %d is not from 0 to 100", e.Confidence))
	}
	if !e.ValidFrom.IsZero() && !e.ValidUntil.IsZero() && !e.ValidFrom.Before(e.ValidUntil) {
		return row{}, errorf(ErrInvalid, "valid_from is not before valid_until")
	}
	return row{key: [3]string{string(e.Type), key, strings.TrimSpace(e.Source.Name)},
		display: display, kind: kind, tlp: tlp, e: e}, nil
}

// appendArgs appends the values of r's columns (upsertColumns) to dst.
// They are made batch by batch, so a large import does not hold them all.
func (db *DB) appendArgs(dst []any, r row, now any) []any {
	e, key, src := r.e, r.key[1], r.key[2]
	var search strings.Builder
	for _, s := range [][]string{{key, r.display, src}, e.Aliases, e.Tags, e.ContextOrganizations, e.ContextLocations, {e.Description}} {
		for _, v := range s {
			search.WriteString(v)
			search.WriteByte('\n')
		}
	}
	return append(dst,
		IndicatorID(e.Type, key, src), string(e.Type), key, r.display, r.kind,
		jsonList(e.Aliases), jsonList(e.ContextOrganizations), jsonList(e.ContextLocations),
		src, e.Source.URL, e.Source.Date, r.tlp, e.Confidence,
		db.nullTime(e.ValidFrom), db.nullTime(e.ValidUntil),
		e.Description, jsonList(e.Tags), strings.ToLower(search.String()),
		now, now,
	)
}

// PutIndicators adds entries to the watchlist, or updates those already
// there (same type, normalised value and source name), in one transaction.
// An entry given twice counts once, the later one winning. Unchanged
// entries are left alone and counted in neither number. Expiry is not
// touched: an indicator expired by hand stays expired when re-imported.
func (db *DB) PutIndicators(ctx context.Context, entries []*intel.Entry) (inserted, updated int, err error) {
	rows := make([]row, 0, len(entries))
	seen := make(map[[3]string]int, len(entries))
	for i, e := range entries {
		r, err := rowFor(e)
		if err != nil {
			return 0, 0, fmt.Errorf("store: put indicators: entry %d: %w", i+1, err)
		}
		if j, ok := seen[r.key]; ok {
			rows[j] = r
			continue
		}
		seen[r.key] = len(rows)
		rows = append(rows, r)
	}
	// One order for every writer, so that concurrent PostgreSQL
	// transactions lock rows in the same order and cannot deadlock.
	slices.SortFunc(rows, func(a, b row) int {
		for i := range a.key {
			if c := strings.Compare(a.key[i], b.key[i]); c != 0 {
				return c
			}
		}
		return 0
	})

	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("store: put indicators: %w", mapError(err))
	}
	defer tx.Rollback()
	inserted, updated, err = db.upsert(ctx, tx, rows, db.d.time(db.Now()))
	if err != nil {
		return 0, 0, fmt.Errorf("store: put indicators: %w", mapError(err))
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("store: put indicators: %w", mapError(err))
	}
	return inserted, updated, nil
}

// upsertTail is the conflict clause shared by both upsert statements.
func (db *DB) upsertTail() string {
	var b strings.Builder
	b.WriteString(" ON CONFLICT (type, value, source_name) DO UPDATE SET ")
	for _, c := range updatable {
		b.WriteString(c + " = excluded." + c + ", ")
	}
	b.WriteString("search = excluded.search, updated_at = excluded.updated_at WHERE ")
	for i, c := range updatable {
		if i > 0 {
			b.WriteString(" OR ")
		}
		fmt.Fprintf(&b, "indicators.%s %s excluded.%s", c, db.d.distinct, c)
	}
	return b.String()
}

// postgresUpsertRows is the number of rows per statement on PostgreSQL,
// which takes one array per column rather than one parameter per value.
const postgresUpsertRows = 10_000

// upsertPostgres sends each column as one array and unnests them on the
// server: far fewer parameters to encode and parse than a VALUES list.
func (db *DB) upsertPostgres(ctx context.Context, tx *sql.Tx, rows []row, now any) (inserted, updated int, err error) {
	arrays := upsertColumns[:len(upsertColumns)-2]
	var b strings.Builder
	nowParam := len(arrays) + 1 // for created_at and updated_at
	fmt.Fprintf(&b, "INSERT INTO indicators (%s) SELECT u.*, $%d, $%d FROM unnest(", indicatorColumns, nowParam, nowParam)
	for i, c := range arrays {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d::%s", i+1, c.pgArray)
	}
	b.WriteString(") AS u" + db.upsertTail() + " RETURNING (xmax = 0)")
	q := b.String()
	for start := 0; start < len(rows); start += postgresUpsertRows {
		batch := rows[start:min(start+postgresUpsertRows, len(rows))]
		// Each row's values, then one array per column.
		vals := make([]any, 0, len(batch)*len(upsertColumns))
		for _, r := range batch {
			vals = db.appendArgs(vals, r, now)
		}
		at := func(i, c int) any { return vals[i*len(upsertColumns)+c] }
		args := make([]any, 0, len(arrays)+1)
		for c, col := range arrays {
			switch col.pgArray {
			case "int[]":
				v := make([]int, len(batch))
				for i := range batch {
					v[i] = at(i, c).(int)
				}
				args = append(args, v)
			case "timestamptz[]":
				v := make([]*time.Time, len(batch))
				for i := range batch {
					if t, ok := at(i, c).(time.Time); ok {
						v[i] = &t
					}
				}
				args = append(args, v)
			default:
				v := make([]string, len(batch))
				for i := range batch {
					v[i] = at(i, c).(string)
				}
				args = append(args, v)
			}
		}
		args = append(args, now) // created_at = updated_at
		// ON CONFLICT arbitrates one unique index, (type, value,
		// source_name); a concurrent transaction inserting the same row
		// trips the other (id) after it commits. Retrying the batch from
		// a savepoint then finds the committed row and updates it.
		for attempt := 1; ; attempt++ {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT upsert"); err != nil {
				return 0, 0, err
			}
			ins, upd, err := upsertPostgresBatch(ctx, tx, q, args)
			if err == nil {
				if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT upsert"); err != nil {
					return 0, 0, err
				}
				inserted, updated = inserted+ins, updated+upd
				break
			}
			if pe := (*pgconn.PgError)(nil); attempt == 5 || !errors.As(err, &pe) || pe.Code != "23505" {
				return 0, 0, err
			}
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT upsert"); err != nil {
				return 0, 0, err
			}
		}
	}
	return inserted, updated, nil
}

func upsertPostgresBatch(ctx context.Context, tx *sql.Tx, q string, args []any) (inserted, updated int, err error) {
	rs, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, 0, err
	}
	defer rs.Close()
	for rs.Next() {
		var ins bool
		if err := rs.Scan(&ins); err != nil {
			return 0, 0, err
		}
		if ins {
			inserted++
		} else {
			updated++
		}
	}
	return inserted, updated, rs.Err()
}

func (db *DB) upsert(ctx context.Context, tx *sql.Tx, rows []row, now any) (inserted, updated int, err error) {
	if db.driver == Postgres {
		return db.upsertPostgres(ctx, tx, rows, now)
	}
	// SQLite: the single writer connection makes the change in COUNT(*)
	// the number of rows inserted; the rest of the rows changed were updated.
	var before, after, changed int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM indicators").Scan(&before); err != nil {
		return 0, 0, err
	}
	var full *sql.Stmt
	if len(rows) >= sqliteUpsertRows {
		if full, err = tx.PrepareContext(ctx, db.sqliteUpsertSQL(sqliteUpsertRows)); err != nil {
			return 0, 0, err
		}
		defer full.Close()
	}
	args := make([]any, 0, sqliteUpsertRows*len(upsertColumns))
	for start := 0; start < len(rows); start += sqliteUpsertRows {
		batch := rows[start:min(start+sqliteUpsertRows, len(rows))]
		args = args[:0]
		for _, r := range batch {
			args = db.appendArgs(args, r, now)
		}
		var res sql.Result
		if len(batch) == sqliteUpsertRows {
			res, err = full.ExecContext(ctx, args...)
		} else {
			res, err = tx.ExecContext(ctx, db.sqliteUpsertSQL(len(batch)), args...)
		}
		if err != nil {
			return 0, 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, 0, err
		}
		changed += int(n)
	}
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM indicators").Scan(&after); err != nil {
		return 0, 0, err
	}
	return after - before, changed - (after - before), nil
}

const selectColumns = "id, type, display, kind, aliases, context_organizations, context_locations, " +
	"source_name, source_url, source_date, tlp, confidence, valid_from, valid_until, description, tags, created_at, updated_at, expired_at"

func scanRecord(s interface{ Scan(...any) error }) (*Record, error) {
	var (
		r                              Record
		e                              intel.Entry
		typ                            string
		aliases, orgs, locs, tags      string
		validFrom, validUntil, expired dbTime
		created, updatedAt             dbTime
	)
	err := s.Scan(&r.ID, &typ, &e.Value, &e.Kind, &aliases, &orgs, &locs,
		&e.Source.Name, &e.Source.URL, &e.Source.Date, &e.TLP, &e.Confidence,
		&validFrom, &validUntil, &e.Description, &tags, &created, &updatedAt, &expired)
	if err != nil {
		return nil, err
	}
	e.Type = indicator.Type(typ)
	for _, l := range []struct {
		s   string
		dst *[]string
	}{{aliases, &e.Aliases}, {orgs, &e.ContextOrganizations}, {locs, &e.ContextLocations}, {tags, &e.Tags}} {
		if *l.dst, err = parseList(l.s); err != nil {
			return nil, fmt.Errorf("indicator %s: %w", r.ID, err)
		}
	}
	e.ValidFrom, e.ValidUntil = validFrom.T, validUntil.T
	r.Entry, r.CreatedAt, r.UpdatedAt = &e, created.T, updatedAt.T
	if expired.Valid {
		t := expired.T
		r.ExpiredAt = &t
	}
	return &r, nil
}

// GetIndicator returns the indicator with the given ID.
func (db *DB) GetIndicator(ctx context.Context, id string) (*Record, error) {
	r, err := scanRecord(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+selectColumns+" FROM indicators WHERE id = ?"), id))
	if err != nil {
		return nil, fmt.Errorf("store: get indicator %s: %w", id, mapError(err))
	}
	return r, nil
}

// where builds the WHERE clause for f.
func (db *DB) where(f Filter) (string, []any, error) {
	if f.Limit < 0 || f.Offset < 0 {
		return "", nil, errorf(ErrInvalid, "limit and offset may not be negative")
	}
	var conds []string
	var args []any
	if f.Search != "" {
		conds = append(conds, `search LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(f.Search))+"%")
	}
	if f.Type != "" {
		conds = append(conds, "type = ?")
		args = append(args, string(f.Type))
	}
	if f.Kind != "" {
		conds = append(conds, "kind = ?")
		args = append(args, f.Kind)
	}
	if !f.IncludeExpired {
		conds = append(conds, "expired_at IS NULL AND (valid_until IS NULL OR valid_until > ?)")
		args = append(args, db.d.time(db.Now()))
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ListIndicators returns the indicators f selects, ordered by type,
// value and source. Unless f.IncludeExpired, indicators expired by hand
// or past their validity are left out; those not yet valid are listed.
func (db *DB) ListIndicators(ctx context.Context, f Filter) ([]*Record, error) {
	where, args, err := db.where(f)
	if err != nil {
		return nil, fmt.Errorf("store: list indicators: %w", err)
	}
	limit := noLimit
	if f.Limit > 0 {
		limit = f.Limit
	}
	q := "SELECT " + selectColumns + " FROM indicators" + where + " ORDER BY type, value, source_name LIMIT ? OFFSET ?"
	args = append(args, limit, f.Offset)
	rs, err := db.read.QueryContext(ctx, db.d.bind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list indicators: %w", mapError(err))
	}
	defer rs.Close()
	var out []*Record
	for rs.Next() {
		r, err := scanRecord(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list indicators: %w", mapError(err))
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list indicators: %w", mapError(err))
	}
	return out, nil
}

// CountIndicators returns how many indicators f selects, ignoring its
// Limit and Offset.
func (db *DB) CountIndicators(ctx context.Context, f Filter) (int, error) {
	where, args, err := db.where(f)
	if err != nil {
		return 0, fmt.Errorf("store: count indicators: %w", err)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, db.d.bind("SELECT COUNT(*) FROM indicators"+where), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count indicators: %w", mapError(err))
	}
	return n, nil
}

// ExpireIndicator marks an indicator expired from at (the store's clock
// when at is zero): it stops matching and leaves the default list.
func (db *DB) ExpireIndicator(ctx context.Context, id string, at time.Time) error {
	now := db.Now()
	if at.IsZero() {
		at = now
	}
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE indicators SET expired_at = ?, updated_at = ? WHERE id = ?"),
		db.d.time(at), db.d.time(now), id)
	if err != nil {
		return fmt.Errorf("store: expire indicator %s: %w", id, mapError(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: expire indicator %s: %w", id, mapError(err))
	} else if n == 0 {
		return fmt.Errorf("store: expire indicator %s: %w", id, errorf(ErrNotFound, "no such indicator"))
	}
	return nil
}

// ActiveIndicators returns the entries that match at time now: not
// expired by hand and within their validity (intel.Entry.Active), in no
// particular order. This is what the matching engine loads.
func (db *DB) ActiveIndicators(ctx context.Context, now time.Time) ([]*intel.Entry, error) {
	t := db.d.time(now)
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+selectColumns+" FROM indicators WHERE expired_at IS NULL "+
		"AND (valid_from IS NULL OR valid_from <= ?) AND (valid_until IS NULL OR valid_until > ?)"), t, t)
	if err != nil {
		return nil, fmt.Errorf("store: active indicators: %w", mapError(err))
	}
	defer rs.Close()
	var out []*intel.Entry
	for rs.Next() {
		r, err := scanRecord(rs)
		if err != nil {
			return nil, fmt.Errorf("store: active indicators: %w", mapError(err))
		}
		out = append(out, r.Entry)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: active indicators: %w", mapError(err))
	}
	return out, nil
}

// nullTime is the argument for an optional time: NULL when zero.
func (db *DB) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return db.d.time(t)
}

// dbTime scans a time stored as TIMESTAMPTZ (PostgreSQL) or as text in
// the sqliteTime layout (SQLite); NULL leaves it zero and not Valid.
type dbTime struct {
	T     time.Time
	Valid bool
}

func (d *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = dbTime{}
		return nil
	case time.Time:
		*d = dbTime{T: v.UTC(), Valid: true}
		return nil
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	}
	return fmt.Errorf("cannot scan %T into a time", src)
}

func (d *dbTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("stored time %q: %w", s, err)
	}
	*d = dbTime{T: t.UTC(), Valid: true}
	return nil
}

// jsonList encodes a list of strings as a JSON array ("[]" when empty).
func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, err := json.Marshal(l)
	if err != nil { // cannot happen for []string
		panic(err)
	}
	return string(b)
}

func parseList(s string) ([]string, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("stored list %q: %w", s, err)
	}
	return l, nil
}
