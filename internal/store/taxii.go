package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// What the TAXII 2.1 server keeps: collections of STIX objects with every
// version of each, in the order they were added (seq); the partners who
// read and write them; the status of their additions.

// Kinds of TAXII collection.
const (
	CollectionIndicators = "indicators" // the watchlist, as STIX
	CollectionSightings  = "sightings"  // anonymised sightings of those indicators
	CollectionAdvisories = "advisories" // advisories as STIX reports
	CollectionInbox      = "inbox"      // where partners' additions land
	CollectionCustom     = "custom"     // made by an admin
)

// TAXIIVersionLayout is the one form a TAXII object's Version takes: a
// STIX timestamp in UTC with milliseconds. It is fixed-width, so versions
// compare as text.
const TAXIIVersionLayout = "2006-01-02T15:04:05.000Z"

// TAXIICollection is a TAXII collection.
type TAXIICollection struct {
	ID          string // a UUID; CreateTAXIICollection makes a random one when empty
	Alias       string // optional, unique when set
	Title       string
	Description string
	Kind        string // CollectionIndicators, ..., CollectionCustom
	// DefaultTLP is the TLP level an unmarked object in the collection
	// counts as: clear, green, amber, amber+strict or red.
	DefaultTLP string
	// What a partner without a right of its own on the collection may do.
	CanReadDefault  bool
	CanWriteDefault bool
	CreatedAt       time.Time
}

// TAXIIObject is one version of a STIX object in a collection.
type TAXIIObject struct {
	// Seq is the order of additions across the store; set when added.
	Seq          int64
	CollectionID string
	ObjectID     string // the STIX id
	// Version is the object's modified (else created) timestamp in
	// TAXIIVersionLayout. Left empty, the object has no version of its
	// own (a cyber-observable): PutTAXIIObjects adds it only when its body
	// differs from the stored one, with its DateAdded as its version.
	Version     string
	SpecVersion string
	Type        string
	// TLP is the TLP level its markings carry ("" when it has none).
	TLP       string
	DateAdded time.Time // set when added; strictly increasing within a collection
	Body      []byte    // the object as JSON
}

// TAXIIQuery selects objects of a collection, in the order they were
// added.
type TAXIIQuery struct {
	CollectionID string
	// AddedAfter keeps objects added after it (zero: all).
	AddedAfter time.Time
	// AfterSeq keeps objects after that Seq: the cursor of a paging client.
	AfterSeq int64
	// Each non-empty list keeps the objects that match one of its values.
	IDs          []string // at most 1,000
	Types        []string
	SpecVersions []string
	// Versions are "first", "last", "all" or a version in
	// TAXIIVersionLayout; none means "last". "last" and "first" are
	// decided among every stored version of an object.
	Versions []string
	// TLPs, when not nil, keeps objects whose TLP is one of them ("" for
	// unmarked objects); an empty, non-nil list keeps nothing.
	TLPs []string
	// Limit is the most objects returned; 0 or less: no limit.
	Limit int
	// WithoutBody leaves Body nil, for manifests.
	WithoutBody bool
}

// Partner is another organisation's system that reads and writes TAXII
// collections.
type Partner struct {
	ID   int64
	Name string // unique
	// MaxTLP is the most restrictive TLP level the partner receives:
	// clear, green, amber or amber+strict. TLP:RED is never shared.
	MaxTLP string
	// BearerHash is the SHA-256 hex of the partner's bearer token ("": none).
	BearerHash string
	// BasicUser and BasicHash (argon2id) are its HTTP Basic credentials.
	BasicUser string // unique when set
	BasicHash string
	Disabled  bool
	CreatedAt time.Time
}

// PartnerRight is what a partner may do with a collection, in place of the
// collection's defaults.
type PartnerRight struct {
	PartnerID    int64
	CollectionID string
	CanRead      bool
	CanWrite     bool
}

// TAXII status values.
const (
	TAXIIPending  = "pending"
	TAXIIComplete = "complete"
)

// TAXIIStatus is the outcome of a partner's addition of objects.
type TAXIIStatus struct {
	ID           string // a UUID; CreateTAXIIStatus makes one when empty
	PartnerID    int64
	Status       string // TAXIIPending or TAXIIComplete
	Total        int
	SuccessCount int
	FailureCount int
	PendingCount int
	Successes    []TAXIIStatusDetail
	Failures     []TAXIIStatusDetail
	CreatedAt    time.Time
}

// TAXIIStatusDetail is one object of a TAXIIStatus.
type TAXIIStatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// NewUUID returns a random (version 4) UUID.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func validTLP(l string) bool {
	switch l {
	case "clear", "green", "amber", "amber+strict", "red":
		return true
	}
	return false
}

// Collections.

const collectionColumns = "id, alias, title, description, kind, default_tlp, can_read_default, can_write_default, created_at"

func scanCollection(s interface{ Scan(...any) error }) (*TAXIICollection, error) {
	var c TAXIICollection
	var created dbTime
	if err := s.Scan(&c.ID, &c.Alias, &c.Title, &c.Description, &c.Kind, &c.DefaultTLP,
		&c.CanReadDefault, &c.CanWriteDefault, &created); err != nil {
		return nil, err
	}
	c.CreatedAt = created.T
	return &c, nil
}

func checkCollection(c *TAXIICollection) error {
	switch {
	case c == nil:
		return errorf(ErrInvalid, "collection is nil")
	case strings.TrimSpace(c.Title) == "":
		return errorf(ErrInvalid, "a collection needs a title")
	case !validTLP(c.DefaultTLP):
		return errorf(ErrInvalid, fmt.Sprintf("default TLP %q is not clear, green, amber, amber+strict or red", c.DefaultTLP))
	}
	switch c.Kind {
	case CollectionIndicators, CollectionSightings, CollectionAdvisories, CollectionInbox, CollectionCustom:
	default:
		return errorf(ErrInvalid, fmt.Sprintf("collection kind %q is not indicators, sightings, advisories, inbox or custom", c.Kind))
	}
	return nil
}

// CreateTAXIICollection adds c and sets its CreatedAt (and its ID, when
// empty). An existing ID or alias is ErrConflict.
func (db *DB) CreateTAXIICollection(ctx context.Context, c *TAXIICollection) error {
	if err := checkCollection(c); err != nil {
		return fmt.Errorf("store: create TAXII collection: %w", err)
	}
	if c.ID == "" {
		c.ID = NewUUID()
	}
	now := db.now()
	_, err := db.write.ExecContext(ctx, db.d.bind("INSERT INTO taxii_collections ("+collectionColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		c.ID, c.Alias, c.Title, c.Description, c.Kind, c.DefaultTLP, c.CanReadDefault, c.CanWriteDefault, db.d.time(now))
	if err != nil {
		return fmt.Errorf("store: create TAXII collection %s: %w", c.ID, mapError(err))
	}
	c.CreatedAt = now
	return nil
}

// GetTAXIICollection returns the collection with the given ID.
func (db *DB) GetTAXIICollection(ctx context.Context, id string) (*TAXIICollection, error) {
	c, err := scanCollection(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+collectionColumns+" FROM taxii_collections WHERE id = ?"), id))
	if err != nil {
		return nil, fmt.Errorf("store: get TAXII collection %s: %w", id, mapError(err))
	}
	return c, nil
}

// ListTAXIICollections returns every collection, oldest first.
func (db *DB) ListTAXIICollections(ctx context.Context) ([]TAXIICollection, error) {
	rs, err := db.read.QueryContext(ctx, "SELECT "+collectionColumns+" FROM taxii_collections ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("store: list TAXII collections: %w", mapError(err))
	}
	defer rs.Close()
	var out []TAXIICollection
	for rs.Next() {
		c, err := scanCollection(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list TAXII collections: %w", mapError(err))
		}
		out = append(out, *c)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list TAXII collections: %w", mapError(err))
	}
	return out, nil
}

// UpdateTAXIICollection saves c's alias, title, description, default TLP
// and default rights; its kind stays.
func (db *DB) UpdateTAXIICollection(ctx context.Context, c *TAXIICollection) error {
	if err := checkCollection(c); err != nil {
		return fmt.Errorf("store: update TAXII collection: %w", err)
	}
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE taxii_collections SET alias = ?, title = ?, description = ?, default_tlp = ?, "+
		"can_read_default = ?, can_write_default = ? WHERE id = ?"),
		c.Alias, c.Title, c.Description, c.DefaultTLP, c.CanReadDefault, c.CanWriteDefault, c.ID)
	if err := oneRow(res, err, "no such TAXII collection"); err != nil {
		return fmt.Errorf("store: update TAXII collection %s: %w", c.ID, err)
	}
	return nil
}

// DeleteTAXIICollection deletes a collection with its objects and rights.
func (db *DB) DeleteTAXIICollection(ctx context.Context, id string) error {
	res, err := db.write.ExecContext(ctx, db.d.bind("DELETE FROM taxii_collections WHERE id = ?"), id)
	if err := oneRow(res, err, "no such TAXII collection"); err != nil {
		return fmt.Errorf("store: delete TAXII collection %s: %w", id, err)
	}
	return nil
}

// Objects.

func checkObject(o *TAXIIObject) error {
	switch {
	case o.ObjectID == "" || o.Type == "":
		return errorf(ErrInvalid, "a TAXII object needs an id and a type")
	case o.TLP != "" && !validTLP(o.TLP):
		return errorf(ErrInvalid, fmt.Sprintf("object %s: TLP %q is not a TLP 2.0 level", o.ObjectID, o.TLP))
	case len(o.Body) == 0:
		return errorf(ErrInvalid, fmt.Sprintf("object %s has no body", o.ObjectID))
	}
	if o.Version != "" {
		if t, err := time.Parse(TAXIIVersionLayout, o.Version); err != nil || t.Format(TAXIIVersionLayout) != o.Version {
			return errorf(ErrInvalid, fmt.Sprintf("object %s: version %q is not a timestamp like %s", o.ObjectID, o.Version, TAXIIVersionLayout))
		}
	}
	return nil
}

// putObjectsPerStmt is how many objects one INSERT carries: 9 parameters
// each, under SQLite's 32766.
const putObjectsPerStmt = 3000

// PutTAXIIObjects adds objects to a collection in their order and returns
// those added, with Seq, DateAdded (and Version, when it was empty) set. A
// version the collection already holds (the same ObjectID and Version) is
// skipped, as is an unversioned object whose body equals its newest
// stored body. Additions to one collection are serialised, so each gets
// a greater Seq and a later DateAdded than every object added before it:
// a reader paging by Seq never misses one. An unknown collection is
// ErrNotFound.
func (db *DB) PutTAXIIObjects(ctx context.Context, collectionID string, objs []TAXIIObject) ([]TAXIIObject, error) {
	for i := range objs {
		if err := checkObject(&objs[i]); err != nil {
			return nil, fmt.Errorf("store: put TAXII objects: %w", err)
		}
	}
	fail := func(err error) ([]TAXIIObject, error) {
		return nil, fmt.Errorf("store: put TAXII objects into %s: %w", collectionID, mapError(err))
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	lock := ""
	if db.driver == Postgres {
		lock = " FOR UPDATE"
	}
	var last dbTime
	if err := tx.QueryRowContext(ctx, db.d.bind("SELECT last_added FROM taxii_collections WHERE id = ?"+lock), collectionID).Scan(&last); err != nil {
		return fail(err)
	}
	if len(objs) == 0 {
		return nil, tx.Commit()
	}

	// Unversioned objects are added when their body differs from the
	// newest stored one: look those up. Versioned ones are left to the
	// UNIQUE index (ON CONFLICT DO NOTHING), so a bulk load reads nothing.
	type newest struct {
		version string
		body    string
		seq     int64
	}
	var unversioned []string
	seen := map[string]bool{}
	for _, o := range objs {
		if o.Version == "" && !seen[o.ObjectID] {
			seen[o.ObjectID] = true
			unversioned = append(unversioned, o.ObjectID)
		}
	}
	latest := map[string]newest{} // by object ID
	err = chunks(unversioned, func(part []string) error {
		rs, err := tx.QueryContext(ctx, db.d.bind("SELECT object_id, version, seq FROM taxii_objects WHERE collection_id = ? AND object_id IN ("+
			placeholders(len(part))+")"), append([]any{collectionID}, anys(part)...)...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var n newest
			var id string
			if err := rs.Scan(&id, &n.version, &n.seq); err != nil {
				return err
			}
			if l, ok := latest[id]; !ok || n.seq > l.seq {
				latest[id] = n
			}
		}
		return rs.Err()
	})
	if err != nil {
		return fail(err)
	}
	for id, n := range latest {
		if err := tx.QueryRowContext(ctx, db.d.bind("SELECT body FROM taxii_objects WHERE seq = ?"), n.seq).Scan(&n.body); err != nil {
			return fail(err)
		}
		latest[id] = n
	}

	// Date and number the candidates in order.
	next := db.now()
	if last.Valid && !next.After(last.T) {
		next = last.T.Add(time.Microsecond)
	}
	var cands []TAXIIObject
	inBatch := map[string]bool{} // id + "\x00" + version
	for _, o := range objs {
		if o.Version == "" {
			n, ok := latest[o.ObjectID]
			if ok && n.body == string(o.Body) {
				continue
			}
			v := next.Truncate(time.Millisecond)
			if ok {
				// Keep the versions of one object apart and in order, even
				// within one millisecond.
				if pv, err := time.Parse(TAXIIVersionLayout, n.version); err == nil && !v.After(pv) {
					v = pv.Add(time.Millisecond)
				}
			}
			o.Version = v.Format(TAXIIVersionLayout)
			latest[o.ObjectID] = newest{version: o.Version, body: string(o.Body)}
		}
		key := o.ObjectID + "\x00" + o.Version
		if inBatch[key] {
			continue
		}
		inBatch[key] = true
		o.CollectionID, o.DateAdded = collectionID, next
		next = next.Add(time.Microsecond)
		cands = append(cands, o)
	}
	if len(cands) == 0 {
		return nil, tx.Commit()
	}
	seqs, err := db.nextTAXIISeqs(ctx, tx, len(cands))
	if err != nil {
		return fail(err)
	}
	for i := range cands {
		cands[i].Seq = seqs[i]
	}

	// Insert; the versions already there are skipped and not returned.
	inserted := make(map[int64]bool, len(cands))
	for start := 0; start < len(cands); start += putObjectsPerStmt {
		part := cands[start:min(start+putObjectsPerStmt, len(cands))]
		args := make([]any, 0, 9*len(part))
		for _, o := range part {
			args = append(args, o.Seq, collectionID, o.ObjectID, o.Version, o.SpecVersion, o.Type, o.TLP, db.d.time(o.DateAdded), string(o.Body))
		}
		q := "INSERT INTO taxii_objects (seq, collection_id, object_id, version, spec_version, type, tlp, date_added, body) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(part)), ", ") +
			" ON CONFLICT (collection_id, object_id, version) DO NOTHING RETURNING seq"
		rs, err := tx.QueryContext(ctx, db.d.bind(q), args...)
		if err != nil {
			return fail(err)
		}
		for rs.Next() {
			var seq int64
			if err := rs.Scan(&seq); err != nil {
				rs.Close()
				return fail(err)
			}
			inserted[seq] = true
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return fail(err)
		}
	}
	var added []TAXIIObject
	for _, o := range cands {
		if inserted[o.Seq] {
			added = append(added, o)
		}
	}
	if len(added) == 0 {
		return nil, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, db.d.bind("UPDATE taxii_collections SET last_added = ? WHERE id = ?"),
		db.d.time(added[len(added)-1].DateAdded), collectionID); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return added, nil
}

// nextTAXIISeqs hands out n new, increasing seqs, never used before.
func (db *DB) nextTAXIISeqs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	seqs := make([]int64, 0, n)
	if db.driver == Postgres {
		rs, err := tx.QueryContext(ctx, "SELECT nextval(pg_get_serial_sequence('taxii_objects', 'seq')) FROM generate_series(1, $1)", n)
		if err != nil {
			return nil, err
		}
		defer rs.Close()
		for rs.Next() {
			var s int64
			if err := rs.Scan(&s); err != nil {
				return nil, err
			}
			seqs = append(seqs, s)
		}
		if err := rs.Err(); err != nil {
			return nil, err
		}
		slices.Sort(seqs)
		return seqs, nil
	}
	// SQLite has one writer; AUTOINCREMENT's sqlite_sequence remembers the
	// highest seq ever used, so none is used twice.
	var top int64
	if err := tx.QueryRowContext(ctx, "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'taxii_objects'), 0), "+
		"COALESCE((SELECT MAX(seq) FROM taxii_objects), 0))").Scan(&top); err != nil {
		return nil, err
	}
	for i := 1; i <= n; i++ {
		seqs = append(seqs, top+int64(i))
	}
	return seqs, nil
}

const objectColumns = "seq, collection_id, object_id, version, spec_version, type, tlp, date_added"

func scanObject(s interface{ Scan(...any) error }, withBody bool) (TAXIIObject, error) {
	var o TAXIIObject
	var added dbTime
	dest := []any{&o.Seq, &o.CollectionID, &o.ObjectID, &o.Version, &o.SpecVersion, &o.Type, &o.TLP, &added}
	if withBody {
		dest = append(dest, &o.Body)
	}
	if err := s.Scan(dest...); err != nil {
		return o, err
	}
	o.DateAdded = added.T
	return o, nil
}

// ListTAXIIObjects returns the objects q selects in the order they were
// added (by Seq), at most q.Limit of them, and whether more follow.
//
// A page reads the (collection_id, seq) index in windows of seqs that
// grow until the page is full, so its cost follows the page, not the
// collection, whatever the query planner believes about the table (right
// after a bulk load PostgreSQL's statistics can make it sort a whole
// collection for one page). A query for given IDs reads their versions
// straight from the (collection_id, object_id, version) index.
func (db *DB) ListTAXIIObjects(ctx context.Context, q TAXIIQuery) ([]TAXIIObject, bool, error) {
	fail := func(err error) ([]TAXIIObject, bool, error) {
		return nil, false, fmt.Errorf("store: list TAXII objects of %s: %w", q.CollectionID, mapError(err))
	}
	if q.TLPs != nil && len(q.TLPs) == 0 {
		return nil, false, nil
	}
	if len(q.IDs) > inChunk {
		return fail(errorf(ErrInvalid, fmt.Sprintf("at most %d ids at once", inChunk)))
	}
	after := q.AfterSeq
	var where strings.Builder
	args := []any{q.CollectionID}
	where.WriteString("o.collection_id = ?")
	if !q.AddedAfter.IsZero() {
		// date_added grows with seq within a collection: the first object
		// added after AddedAfter bounds the seqs to read.
		var first int64
		err := db.read.QueryRowContext(ctx, db.d.bind("SELECT seq FROM taxii_objects WHERE collection_id = ? AND date_added > ? ORDER BY date_added LIMIT 1"),
			q.CollectionID, db.d.time(q.AddedAfter)).Scan(&first)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, nil
		}
		if err != nil {
			return fail(err)
		}
		after = max(after, first-1)
		where.WriteString(" AND o.date_added > ?")
		args = append(args, db.d.time(q.AddedAfter))
	}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where.WriteString(" AND " + col + " IN (" + placeholders(len(vals)) + ")")
		args = append(args, anys(vals)...)
	}
	in("o.object_id", q.IDs)
	in("o.type", q.Types)
	in("o.spec_version", q.SpecVersions)
	in("o.tlp", q.TLPs)
	versions := q.Versions
	if len(versions) == 0 {
		versions = []string{"last"}
	}
	if !slices.Contains(versions, "all") {
		var ors []string
		for _, v := range versions {
			switch v {
			case "last":
				ors = append(ors, "NOT EXISTS (SELECT 1 FROM taxii_objects n WHERE n.collection_id = o.collection_id AND n.object_id = o.object_id AND n.version > o.version)")
			case "first":
				ors = append(ors, "NOT EXISTS (SELECT 1 FROM taxii_objects n WHERE n.collection_id = o.collection_id AND n.object_id = o.object_id AND n.version < o.version)")
			default:
				ors = append(ors, "o.version = ?")
				args = append(args, v)
			}
		}
		where.WriteString(" AND (" + strings.Join(ors, " OR ") + ")")
	}
	limit := q.Limit
	if limit <= 0 || limit >= noLimit {
		limit = noLimit - 1
	}
	cols := "o.seq, o.collection_id, o.object_id, o.version, o.spec_version, o.type, o.tlp, o.date_added"
	if !q.WithoutBody {
		cols += ", o.body"
	}
	query := db.d.bind("SELECT " + cols + " FROM taxii_objects o WHERE o.seq > ? AND o.seq <= ? AND " + where.String() + " ORDER BY o.seq LIMIT ?")

	// The highest seq now: the windows stop there.
	var top int64
	if err := db.read.QueryRowContext(ctx, db.d.bind("SELECT COALESCE(MAX(seq), 0) FROM taxii_objects WHERE collection_id = ?"), q.CollectionID).Scan(&top); err != nil {
		return fail(err)
	}
	window := top - after // one window: IDs, or no limit
	if len(q.IDs) == 0 && limit < noLimit-1 {
		window = int64(4 * (limit + 1))
	}
	var out []TAXIIObject
	for lo := after; lo < top && len(out) <= limit; {
		hi := min(lo+window, top)
		err := func() error {
			rs, err := db.read.QueryContext(ctx, query, append(append([]any{lo, hi}, args...), limit+1-len(out))...)
			if err != nil {
				return err
			}
			defer rs.Close()
			for rs.Next() {
				o, err := scanObject(rs, !q.WithoutBody)
				if err != nil {
					return err
				}
				out = append(out, o)
			}
			return rs.Err()
		}()
		if err != nil {
			return fail(err)
		}
		lo = hi
		window = min(2*window, 1<<24)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// GetTAXIIObjectVersions returns every version of an object in a
// collection, in the order they were added; none is ErrNotFound.
func (db *DB) GetTAXIIObjectVersions(ctx context.Context, collectionID, objectID string) ([]TAXIIObject, error) {
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+objectColumns+", body FROM taxii_objects WHERE collection_id = ? AND object_id = ? ORDER BY seq"),
		collectionID, objectID)
	if err != nil {
		return nil, fmt.Errorf("store: versions of %s: %w", objectID, mapError(err))
	}
	defer rs.Close()
	var out []TAXIIObject
	for rs.Next() {
		o, err := scanObject(rs, true)
		if err != nil {
			return nil, fmt.Errorf("store: versions of %s: %w", objectID, mapError(err))
		}
		out = append(out, o)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: versions of %s: %w", objectID, mapError(err))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: versions of %s: %w", objectID, errorf(ErrNotFound, "no such object in the collection"))
	}
	return out, nil
}

// LatestTAXIIObjects returns the newest version (the greatest Version) of
// each of the objects the collection holds, by object ID.
func (db *DB) LatestTAXIIObjects(ctx context.Context, collectionID string, objectIDs []string) (map[string]TAXIIObject, error) {
	out := map[string]TAXIIObject{}
	err := chunks(objectIDs, func(part []string) error {
		rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+objectColumns+", body FROM taxii_objects o WHERE collection_id = ? AND object_id IN ("+
			placeholders(len(part))+") AND NOT EXISTS (SELECT 1 FROM taxii_objects n WHERE n.collection_id = o.collection_id "+
			"AND n.object_id = o.object_id AND n.version > o.version)"), append([]any{collectionID}, anys(part)...)...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			o, err := scanObject(rs, true)
			if err != nil {
				return err
			}
			out[o.ObjectID] = o
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: latest TAXII objects of %s: %w", collectionID, mapError(err))
	}
	return out, nil
}

// CountTAXIIObjects counts the object versions in a collection.
func (db *DB) CountTAXIIObjects(ctx context.Context, collectionID string) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, db.d.bind("SELECT COUNT(*) FROM taxii_objects WHERE collection_id = ?"), collectionID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count TAXII objects of %s: %w", collectionID, mapError(err))
	}
	return n, nil
}

// Partners.

const partnerColumns = "id, name, max_tlp, bearer_hash, basic_user, basic_hash, disabled, created_at"

func scanPartner(s interface{ Scan(...any) error }) (*Partner, error) {
	var p Partner
	var created dbTime
	if err := s.Scan(&p.ID, &p.Name, &p.MaxTLP, &p.BearerHash, &p.BasicUser, &p.BasicHash, &p.Disabled, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = created.T
	return &p, nil
}

func checkPartner(p *Partner) error {
	switch {
	case p == nil:
		return errorf(ErrInvalid, "partner is nil")
	case strings.TrimSpace(p.Name) == "":
		return errorf(ErrInvalid, "a partner needs a name")
	case !validTLP(p.MaxTLP) || p.MaxTLP == "red":
		return errorf(ErrInvalid, fmt.Sprintf("max TLP %q is not clear, green, amber or amber+strict (TLP:RED is never shared)", p.MaxTLP))
	}
	return nil
}

// CreatePartner adds p and sets its ID and CreatedAt. A name, bearer hash
// or Basic user already taken is ErrConflict.
func (db *DB) CreatePartner(ctx context.Context, p *Partner) error {
	if err := checkPartner(p); err != nil {
		return fmt.Errorf("store: create partner: %w", err)
	}
	now := db.now()
	var id int64
	err := db.write.QueryRowContext(ctx, db.d.bind("INSERT INTO partners (name, max_tlp, bearer_hash, basic_user, basic_hash, disabled, created_at) "+
		"VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"),
		p.Name, p.MaxTLP, p.BearerHash, p.BasicUser, p.BasicHash, p.Disabled, db.d.time(now)).Scan(&id)
	if err != nil {
		return fmt.Errorf("store: create partner %q: %w", p.Name, mapError(err))
	}
	p.ID, p.CreatedAt = id, now
	return nil
}

func (db *DB) getPartner(ctx context.Context, what, where string, arg any) (*Partner, error) {
	p, err := scanPartner(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+partnerColumns+" FROM partners WHERE "+where), arg))
	if err != nil {
		return nil, fmt.Errorf("store: get partner by %s: %w", what, mapError(err))
	}
	return p, nil
}

// GetPartner returns the partner with the given ID.
func (db *DB) GetPartner(ctx context.Context, id int64) (*Partner, error) {
	return db.getPartner(ctx, "id", "id = ?", id)
}

// GetPartnerByName returns the partner with the given name.
func (db *DB) GetPartnerByName(ctx context.Context, name string) (*Partner, error) {
	return db.getPartner(ctx, "name", "name = ?", name)
}

// GetPartnerByBearerHash returns the partner whose bearer token has the
// given SHA-256 hex.
func (db *DB) GetPartnerByBearerHash(ctx context.Context, hash string) (*Partner, error) {
	if hash == "" {
		return nil, fmt.Errorf("store: get partner by bearer token: %w", errorf(ErrNotFound, "not found"))
	}
	return db.getPartner(ctx, "bearer token", "bearer_hash = ?", hash)
}

// GetPartnerByBasicUser returns the partner with the given Basic user name.
func (db *DB) GetPartnerByBasicUser(ctx context.Context, user string) (*Partner, error) {
	if user == "" {
		return nil, fmt.Errorf("store: get partner by user: %w", errorf(ErrNotFound, "not found"))
	}
	return db.getPartner(ctx, "user", "basic_user = ?", user)
}

// ListPartners returns every partner by name.
func (db *DB) ListPartners(ctx context.Context) ([]Partner, error) {
	rs, err := db.read.QueryContext(ctx, "SELECT "+partnerColumns+" FROM partners ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("store: list partners: %w", mapError(err))
	}
	defer rs.Close()
	var out []Partner
	for rs.Next() {
		p, err := scanPartner(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list partners: %w", mapError(err))
		}
		out = append(out, *p)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list partners: %w", mapError(err))
	}
	return out, nil
}

// UpdatePartner saves p's name, max TLP, credentials and Disabled.
func (db *DB) UpdatePartner(ctx context.Context, p *Partner) error {
	if err := checkPartner(p); err != nil {
		return fmt.Errorf("store: update partner: %w", err)
	}
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE partners SET name = ?, max_tlp = ?, bearer_hash = ?, basic_user = ?, basic_hash = ?, disabled = ? WHERE id = ?"),
		p.Name, p.MaxTLP, p.BearerHash, p.BasicUser, p.BasicHash, p.Disabled, p.ID)
	if err := oneRow(res, err, "no such partner"); err != nil {
		return fmt.Errorf("store: update partner %d: %w", p.ID, err)
	}
	return nil
}

// DeletePartner deletes a partner with its rights and statuses.
func (db *DB) DeletePartner(ctx context.Context, id int64) error {
	res, err := db.write.ExecContext(ctx, db.d.bind("DELETE FROM partners WHERE id = ?"), id)
	if err := oneRow(res, err, "no such partner"); err != nil {
		return fmt.Errorf("store: delete partner %d: %w", id, err)
	}
	return nil
}

// SetPartnerRight sets what a partner may do with a collection, in place
// of the collection's defaults. An unknown partner or collection is
// ErrInvalid.
func (db *DB) SetPartnerRight(ctx context.Context, r PartnerRight) error {
	_, err := db.write.ExecContext(ctx, db.d.bind("INSERT INTO partner_rights (partner_id, collection_id, can_read, can_write) VALUES (?, ?, ?, ?) "+
		"ON CONFLICT (partner_id, collection_id) DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write"),
		r.PartnerID, r.CollectionID, r.CanRead, r.CanWrite)
	if err != nil {
		return fmt.Errorf("store: set right of partner %d on %s: %w", r.PartnerID, r.CollectionID, mapError(err))
	}
	return nil
}

// DeletePartnerRight returns a partner to the collection's defaults.
func (db *DB) DeletePartnerRight(ctx context.Context, partnerID int64, collectionID string) error {
	_, err := db.write.ExecContext(ctx, db.d.bind("DELETE FROM partner_rights WHERE partner_id = ? AND collection_id = ?"), partnerID, collectionID)
	if err != nil {
		return fmt.Errorf("store: delete right of partner %d on %s: %w", partnerID, collectionID, mapError(err))
	}
	return nil
}

// PartnerRights returns a partner's own rights, by collection ID.
func (db *DB) PartnerRights(ctx context.Context, partnerID int64) (map[string]PartnerRight, error) {
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT partner_id, collection_id, can_read, can_write FROM partner_rights WHERE partner_id = ?"), partnerID)
	if err != nil {
		return nil, fmt.Errorf("store: rights of partner %d: %w", partnerID, mapError(err))
	}
	defer rs.Close()
	out := map[string]PartnerRight{}
	for rs.Next() {
		var r PartnerRight
		if err := rs.Scan(&r.PartnerID, &r.CollectionID, &r.CanRead, &r.CanWrite); err != nil {
			return nil, fmt.Errorf("store: rights of partner %d: %w", partnerID, mapError(err))
		}
		out[r.CollectionID] = r
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: rights of partner %d: %w", partnerID, mapError(err))
	}
	return out, nil
}

// Statuses.

// CreateTAXIIStatus stores s and sets its CreatedAt (and its ID, when
// empty); the counts are taken as given.
func (db *DB) CreateTAXIIStatus(ctx context.Context, s *TAXIIStatus) error {
	if s == nil || (s.Status != TAXIIPending && s.Status != TAXIIComplete) {
		return fmt.Errorf("store: create TAXII status: %w", errorf(ErrInvalid, "status is not pending or complete"))
	}
	if s.ID == "" {
		s.ID = NewUUID()
	}
	succ, err := json.Marshal(nonNilDetails(s.Successes))
	if err != nil {
		return fmt.Errorf("store: create TAXII status: %w", err)
	}
	fails, err := json.Marshal(nonNilDetails(s.Failures))
	if err != nil {
		return fmt.Errorf("store: create TAXII status: %w", err)
	}
	now := db.now()
	_, err = db.write.ExecContext(ctx, db.d.bind("INSERT INTO taxii_status (id, partner_id, status, total, success_count, failure_count, pending_count, "+
		"successes, failures, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		s.ID, s.PartnerID, s.Status, s.Total, s.SuccessCount, s.FailureCount, s.PendingCount, string(succ), string(fails), db.d.time(now))
	if err != nil {
		return fmt.Errorf("store: create TAXII status: %w", mapError(err))
	}
	s.CreatedAt = now
	return nil
}

func nonNilDetails(d []TAXIIStatusDetail) []TAXIIStatusDetail {
	if d == nil {
		return []TAXIIStatusDetail{}
	}
	return d
}

// GetTAXIIStatus returns the status with the given ID.
func (db *DB) GetTAXIIStatus(ctx context.Context, id string) (*TAXIIStatus, error) {
	var (
		s           TAXIIStatus
		succ, fails string
		created     dbTime
	)
	err := db.read.QueryRowContext(ctx, db.d.bind("SELECT id, partner_id, status, total, success_count, failure_count, pending_count, "+
		"successes, failures, created_at FROM taxii_status WHERE id = ?"), id).
		Scan(&s.ID, &s.PartnerID, &s.Status, &s.Total, &s.SuccessCount, &s.FailureCount, &s.PendingCount, &succ, &fails, &created)
	if err != nil {
		return nil, fmt.Errorf("store: get TAXII status %s: %w", id, mapError(err))
	}
	if err := json.Unmarshal([]byte(succ), &s.Successes); err != nil {
		return nil, fmt.Errorf("store: get TAXII status %s: stored successes: %w", id, err)
	}
	if err := json.Unmarshal([]byte(fails), &s.Failures); err != nil {
		return nil, fmt.Errorf("store: get TAXII status %s: stored failures: %w", id, err)
	}
	s.CreatedAt = created.T
	return &s, nil
}

// DeleteTAXIIStatusBefore deletes the statuses created before t and
// returns how many.
func (db *DB) DeleteTAXIIStatusBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := db.write.ExecContext(ctx, db.d.bind("DELETE FROM taxii_status WHERE created_at < ?"), db.d.time(t))
	if err != nil {
		return 0, fmt.Errorf("store: delete TAXII statuses: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: delete TAXII statuses: %w", mapError(err))
	}
	return int(n), nil
}
