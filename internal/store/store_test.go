package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"portcullis/internal/indicator"
	"portcullis/internal/intel"
)

// The suite runs every test against SQLite and PostgreSQL. PostgreSQL is
// found at $PORTCULLIS_TEST_POSTGRES or postgres://postgres@127.0.0.1:5432
// (then user root); each run creates its own database and drops it at the
// end. Without PostgreSQL the PostgreSQL half skips, except when $CI is set.

// backend makes fresh, empty databases of one kind.
type backend struct {
	name string
	// fresh returns the DSN of an empty database that lives until tb ends.
	fresh func(tb testing.TB) string
}

func sqliteBackend() backend {
	return backend{name: SQLite, fresh: func(tb testing.TB) string {
		return filepath.Join(tb.TempDir(), "data", "portcullis.db")
	}}
}

// postgresBackend creates a database for this run; each fresh DSN is a new
// schema in it (search_path), so every test starts empty.
func postgresBackend(tb testing.TB) (backend, bool) {
	tb.Helper()
	admin, adminURL := postgresAdmin(tb)
	if admin == nil {
		return backend{}, false
	}
	name := "portcullis_test_" + randomHex(6)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	u := *adminURL
	u.Path = "/" + name
	n := 0
	var mu sync.Mutex
	return backend{name: Postgres, fresh: func(tb testing.TB) string {
		mu.Lock()
		n++
		schema := fmt.Sprintf("t%d", n)
		mu.Unlock()
		db, err := sql.Open("pgx", u.String())
		if err != nil {
			tb.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
			tb.Fatalf("create schema: %v", err)
		}
		v := u
		q := v.Query()
		q.Set("search_path", schema)
		v.RawQuery = q.Encode()
		return v.String()
	}}, true
}

// postgresAdmin connects to the server's maintenance database, or skips
// (fails under CI) when there is none.
func postgresAdmin(tb testing.TB) (*sql.DB, *url.URL) {
	tb.Helper()
	candidates := []string{
		"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"postgres://root@127.0.0.1:5432/postgres?sslmode=disable",
	}
	if dsn := os.Getenv("PORTCULLIS_TEST_POSTGRES"); dsn != "" {
		candidates = []string{dsn}
	}
	var errs []error
	for _, dsn := range candidates {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("PostgreSQL test DSN: %v", err)
		}
		db, err := sql.Open("pgx", dsn)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = db.PingContext(ctx)
			cancel()
			if err == nil {
				return db, u
			}
			db.Close()
		}
		errs = append(errs, err)
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("PostgreSQL is required under CI: %v", errors.Join(errs...))
	}
	tb.Skipf("PostgreSQL not reachable, skipping its half of the suite: %v", errors.Join(errs...))
	return nil, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// forEachBackend runs fn as a subtest on each database.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Run(SQLite, func(t *testing.T) { fn(t, sqliteBackend()) })
	t.Run(Postgres, func(t *testing.T) {
		b, ok := postgresBackend(t)
		if ok {
			fn(t, b)
		}
	})
}

// clock is a settable clock for DB.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var t0 = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

func openDB(tb testing.TB, dsn string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), dsn, nil)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// openFresh opens an empty store whose clock stands at t0.
func openFresh(t *testing.T, b backend) (*DB, *clock) {
	t.Helper()
	db := openDB(t, b.fresh(t))
	c := &clock{t: t0}
	db.Now = c.Now
	return db, c
}

func put(t *testing.T, db *DB, es ...*intel.Entry) (inserted, updated int) {
	t.Helper()
	ins, upd, err := db.PutIndicators(context.Background(), es)
	if err != nil {
		t.Fatalf("PutIndicators: %v", err)
	}
	return ins, upd
}

func amanda() *intel.Entry {
	return &intel.Entry{
		Type: indicator.Person, Value: "Amanda Qiu", Kind: intel.Watch, Aliases: []string{"Qiu Amanda"},
		Source:     intel.Source{Name: "MI5 Espionage Alert to Parliament", URL: "https://example.org/mi5", Date: "2025-11-18"},
		TLP:        "clear",
		Confidence: 80,
		ValidFrom:  time.Date(2025, 11, 18, 0, 0, 0, 0, time.UTC),
		Tags:       []string{"mi5-2025", "headhunter"}, Description: "LinkedIn headhunter named by MI5",
		ContextOrganizations: []string{"BR-YR Executive Search"}, ContextLocations: []string{"Beijing"},
	}
}

func TestStore(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"Migrations", testMigrations},
		{"RoundTrip", testRoundTrip},
		{"Upsert", testUpsert},
		{"Search", testSearch},
		{"ListFilters", testListFilters},
		{"Expiry", testExpiry},
		{"Validity", testValidity},
		{"Errors", testErrors},
		{"DriverErrors", testDriverErrors},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Backup", testBackup},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
		}
	})
}

func testMigrations(t *testing.T, b backend) {
	ctx := context.Background()
	dsn := b.fresh(t)
	ms, err := migrations(b.name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	if _, _, err := db.PutIndicators(ctx, []*intel.Entry{amanda()}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Reopening applies nothing and keeps the data.
	for i := 0; i < 2; i++ {
		db, err = Open(ctx, dsn, nil)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		var n, maxV int
		if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&n, &maxV); err != nil {
			t.Fatal(err)
		}
		if n != len(ms) || maxV != len(ms) {
			t.Errorf("schema_migrations has %d rows up to %d, want %d", n, maxV, len(ms))
		}
		if got, err := db.CountIndicators(ctx, Filter{}); err != nil || got != 1 {
			t.Errorf("CountIndicators after reopen = %d, %v; want 1", got, err)
		}
		db.Close()
	}

	// A schema from a newer binary is refused.
	db, err = Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, db.d.bind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
		len(ms)+1, "future", db.d.time(time.Now())); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, dsn, nil)
	if err == nil || !strings.Contains(err.Error(), "newer portcullis") {
		t.Errorf("Open of a newer schema: got %v, want an error about a newer portcullis", err)
	}
}

func TestMigrationFiles(t *testing.T) {
	for _, d := range []string{SQLite, Postgres} {
		ms, err := migrations(d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if len(ms) == 0 {
			t.Fatalf("%s: no migrations", d)
		}
	}
	s, _ := migrations(SQLite)
	p, _ := migrations(Postgres)
	if len(s) != len(p) {
		t.Fatalf("sqlite has %d migrations, postgres %d: each change needs both", len(s), len(p))
	}
	for i := range s {
		if s[i].name != p[i].name {
			t.Errorf("migration %d is %q on sqlite but %q on postgres", i+1, s[i].name, p[i].name)
		}
	}
}

func testRoundTrip(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	want := amanda()
	want.ValidUntil = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	put(t, db, want)
	key, _ := Key(want.Type, want.Value)
	id := IndicatorID(want.Type, key, want.Source.Name)
	got, err := db.GetIndicator(ctx, id)
	if err != nil {
		t.Fatalf("GetIndicator: %v", err)
	}
	if !reflect.DeepEqual(got.Entry, want) {
		t.Errorf("GetIndicator entry\n got %+v\nwant %+v", got.Entry, want)
	}
	if got.ID != id || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) || got.ExpiredAt != nil {
		t.Errorf("record = id %s created %v updated %v expired %v; want id %s, t0, t0, nil", got.ID, got.CreatedAt, got.UpdatedAt, got.ExpiredAt, id)
	}
	// Defaults: kind watch, TLP amber; the value is kept in its normal form.
	put(t, db, &intel.Entry{Type: indicator.Email, Value: " Recruiter@Example.COM ", Confidence: 10})
	rs, err := db.ListIndicators(ctx, Filter{Type: indicator.Email})
	if err != nil || len(rs) != 1 {
		t.Fatalf("ListIndicators(email) = %d records, %v", len(rs), err)
	}
	if e := rs[0].Entry; e.Value != "recruiter@example.com" || e.Kind != intel.Watch || e.TLP != "amber" || e.Aliases != nil {
		t.Errorf("defaults: got %+v", e)
	}
}

func testUpsert(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	es := []*intel.Entry{
		amanda(),
		{Type: indicator.Organization, Value: "BR-YR Executive Search", Source: intel.Source{Name: "MI5"}, TLP: "clear", Confidence: 80},
		{Type: indicator.Domain, Value: "bryr.example", Source: intel.Source{Name: "MI5"}, TLP: "green", Confidence: 60},
	}
	steps := []struct {
		name         string
		entries      func() []*intel.Entry
		ins, upd     int
		wantCount    int
		wantUpdateAt time.Time // of amanda
	}{
		{"insert", func() []*intel.Entry { return es }, 3, 0, 3, t0},
		{"same again", func() []*intel.Entry { return es }, 0, 0, 3, t0},
		{"change one", func() []*intel.Entry {
			a := amanda()
			a.Description = "updated"
			return []*intel.Entry{a, es[1]}
		}, 0, 1, 3, t0.Add(2 * time.Hour)},
		{"new and changed and a duplicate", func() []*intel.Entry {
			a := amanda()
			a.Confidence = 90
			n := &intel.Entry{Type: indicator.Email, Value: "amanda@bryr.example", Source: intel.Source{Name: "MI5"}, TLP: "clear", Confidence: 80}
			// Case differences in a name are the same indicator; the later one wins.
			dup := amanda()
			dup.Value, dup.Confidence = "amanda  QIU", 95
			return []*intel.Entry{a, n, dup}
		}, 1, 1, 4, t0.Add(3 * time.Hour)},
		{"same name, other source", func() []*intel.Entry {
			a := amanda()
			a.Source = intel.Source{Name: "BfV"}
			return []*intel.Entry{a}
		}, 1, 0, 5, t0.Add(3 * time.Hour)},
	}
	for i, s := range steps {
		c.Set(t0.Add(time.Duration(i) * time.Hour))
		ins, upd := put(t, db, s.entries()...)
		if ins != s.ins || upd != s.upd {
			t.Errorf("%s: inserted, updated = %d, %d; want %d, %d", s.name, ins, upd, s.ins, s.upd)
		}
		if n, err := db.CountIndicators(ctx, Filter{}); err != nil || n != s.wantCount {
			t.Errorf("%s: count = %d, %v; want %d", s.name, n, err, s.wantCount)
		}
		key, _ := Key(indicator.Person, "Amanda Qiu")
		r, err := db.GetIndicator(ctx, IndicatorID(indicator.Person, key, "MI5 Espionage Alert to Parliament"))
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !r.UpdatedAt.Equal(s.wantUpdateAt) || !r.CreatedAt.Equal(t0) {
			t.Errorf("%s: created %v updated %v; want %v, %v", s.name, r.CreatedAt, r.UpdatedAt, t0, s.wantUpdateAt)
		}
	}
	key, _ := Key(indicator.Person, "Amanda Qiu")
	r, _ := db.GetIndicator(ctx, IndicatorID(indicator.Person, key, "MI5 Espionage Alert to Parliament"))
	if r.Entry.Value != "amanda QIU" || r.Entry.Confidence != 95 {
		t.Errorf("after duplicate: value %q confidence %d; want the later entry (\"amanda QIU\", 95)", r.Entry.Value, r.Entry.Confidence)
	}
}

func testSearch(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	put(t, db,
		amanda(),
		&intel.Entry{Type: indicator.Person, Value: "Shirly Shen", Aliases: []string{"Shirley Shen"}, Source: intel.Source{Name: "MI5 Espionage Alert to Parliament"}, Tags: []string{"mi5-2025"}},
		&intel.Entry{Type: indicator.Organization, Value: "Müller & Söhne Beratung", Source: intel.Source{Name: "BfV"}, Tags: []string{"front_company"}, Description: "100% fake"},
		&intel.Entry{Type: indicator.Domain, Value: "smiao-intelligence.example", Source: intel.Source{Name: "FDD research"}, Tags: []string{"fdd-2025"}},
	)
	tests := []struct {
		q    string
		want []string // display values, in list order
	}{
		{"qiu", []string{"Amanda Qiu"}},                          // value
		{"SHIRLEY", []string{"Shirly Shen"}},                     // alias
		{"mi5 espionage", []string{"Amanda Qiu", "Shirly Shen"}}, // source
		{"Headhunt", []string{"Amanda Qiu"}},                     // tag
		{"MÜLLER", []string{"Müller & Söhne Beratung"}},          // non-ASCII case
		{"beijing", []string{"Amanda Qiu"}},                      // context location
		{"fdd", []string{"smiao-intelligence.example"}},          // source and tag
		{"SMIAO-INTEL", []string{"smiao-intelligence.example"}},  // domain value
		{"%", []string{"Müller & Söhne Beratung"}},               // % is literal
		{"r_y", nil}, // _ is literal (else BR-YR)
		{"t_c", []string{"Müller & Söhne Beratung"}}, // _ is literal (front_company)
		{"nothing like this", nil},                   // no match
		{"", []string{"smiao-intelligence.example", "Müller & Söhne Beratung", "Amanda Qiu", "Shirly Shen"}}, // all, by type then value
	}
	for _, tt := range tests {
		rs, err := db.ListIndicators(ctx, Filter{Search: tt.q})
		if err != nil {
			t.Fatalf("search %q: %v", tt.q, err)
		}
		var got []string
		for _, r := range rs {
			got = append(got, r.Entry.Value)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("search %q = %q, want %q", tt.q, got, tt.want)
		}
		if n, err := db.CountIndicators(ctx, Filter{Search: tt.q}); err != nil || n != len(tt.want) {
			t.Errorf("count %q = %d, %v; want %d", tt.q, n, err, len(tt.want))
		}
	}
}

func testListFilters(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	var es []*intel.Entry
	for i := 0; i < 25; i++ {
		kind := intel.Watch
		if i%5 == 0 {
			kind = intel.Allow
		}
		es = append(es, &intel.Entry{Type: indicator.Domain, Value: fmt.Sprintf("d%02d.example", i), Kind: kind})
	}
	es = append(es, &intel.Entry{Type: indicator.Organization, Value: "Shanghai Academy of Social Sciences", Kind: intel.Context})
	put(t, db, es...)
	tests := []struct {
		f     Filter
		first string
		n     int
	}{
		{Filter{}, "d00.example", 26},
		{Filter{Type: indicator.Domain}, "d00.example", 25},
		{Filter{Kind: intel.Allow}, "d00.example", 5},
		{Filter{Kind: intel.Context}, "Shanghai Academy of Social Sciences", 1},
		{Filter{Type: indicator.Domain, Limit: 10, Offset: 10}, "d10.example", 10},
		{Filter{Type: indicator.Domain, Limit: 10, Offset: 20}, "d20.example", 5},
		{Filter{Type: indicator.Domain, Offset: 24}, "d24.example", 1},
	}
	for _, tt := range tests {
		rs, err := db.ListIndicators(ctx, tt.f)
		if err != nil {
			t.Fatalf("%+v: %v", tt.f, err)
		}
		if len(rs) != tt.n || len(rs) > 0 && rs[0].Entry.Value != tt.first {
			first := ""
			if len(rs) > 0 {
				first = rs[0].Entry.Value
			}
			t.Errorf("%+v: got %d records from %q, want %d from %q", tt.f, len(rs), first, tt.n, tt.first)
		}
	}
	if _, err := db.ListIndicators(ctx, Filter{Limit: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative limit: got %v, want ErrInvalid", err)
	}
}

func testExpiry(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	put(t, db, amanda(), &intel.Entry{Type: indicator.Domain, Value: "bryr.example"})
	key, _ := Key(indicator.Domain, "bryr.example")
	id := IndicatorID(indicator.Domain, key, "")
	c.Set(t0.Add(time.Hour))
	if err := db.ExpireIndicator(ctx, id, time.Time{}); err != nil {
		t.Fatalf("ExpireIndicator: %v", err)
	}
	active, err := db.ActiveIndicators(ctx, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 1 || active[0].Value != "Amanda Qiu" {
		t.Errorf("ActiveIndicators after expiry = %v, want only Amanda Qiu", values(active))
	}
	if n, _ := db.CountIndicators(ctx, Filter{}); n != 1 {
		t.Errorf("default count after expiry = %d, want 1", n)
	}
	rs, err := db.ListIndicators(ctx, Filter{IncludeExpired: true, Type: indicator.Domain})
	if err != nil || len(rs) != 1 {
		t.Fatalf("list with expired: %d, %v", len(rs), err)
	}
	if rs[0].ExpiredAt == nil || !rs[0].ExpiredAt.Equal(t0.Add(time.Hour)) || !rs[0].UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("expired record: expired_at %v updated_at %v, want both %v", rs[0].ExpiredAt, rs[0].UpdatedAt, t0.Add(time.Hour))
	}
	// Re-importing does not bring an indicator expired by hand back.
	put(t, db, &intel.Entry{Type: indicator.Domain, Value: "bryr.example", Description: "again"})
	if r, _ := db.GetIndicator(ctx, id); r.ExpiredAt == nil {
		t.Error("re-import cleared expired_at")
	}
}

func values(es []*intel.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Value)
	}
	return out
}

func testValidity(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	d := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	put(t, db,
		&intel.Entry{Type: indicator.Domain, Value: "always.example"},
		&intel.Entry{Type: indicator.Domain, Value: "from2026.example", ValidFrom: d("2026-01-01")},
		&intel.Entry{Type: indicator.Domain, Value: "until2026.example", ValidUntil: d("2026-01-01")},
		&intel.Entry{Type: indicator.Domain, Value: "during2025.example", ValidFrom: d("2025-01-01"), ValidUntil: d("2025-12-31")},
	)
	tests := []struct {
		at   time.Time
		want []string
	}{
		{d("2024-06-01"), []string{"always.example", "until2026.example"}},
		{d("2025-06-01"), []string{"always.example", "during2025.example", "until2026.example"}},
		{d("2026-01-01"), []string{"always.example", "from2026.example"}}, // from is inclusive, until exclusive
		{d("2026-01-01").Add(-time.Microsecond), []string{"always.example", "until2026.example"}},
	}
	for _, tt := range tests {
		es, err := db.ActiveIndicators(ctx, tt.at)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, e.Value)
			if !e.Active(tt.at) {
				t.Errorf("at %v: %s returned but intel.Entry.Active says no", tt.at, e.Value)
			}
		}
		slices.Sort(got)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ActiveIndicators(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
	// The default list hides what is past its validity (clock at t0, 2026-01-10).
	rs, err := db.ListIndicators(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rs); got != 2 {
		t.Errorf("default list at t0 has %d records, want 2 (always, from2026)", got)
	}
}

func testErrors(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	if _, err := db.GetIndicator(ctx, "no-such-id"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetIndicator(missing) = %v, want ErrNotFound", err)
	}
	if err := db.ExpireIndicator(ctx, "no-such-id", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("ExpireIndicator(missing) = %v, want ErrNotFound", err)
	}
	bad := []*intel.Entry{
		nil,
		{Type: "fax", Value: "123"},
		{Type: indicator.Email, Value: "not an address"},
		{Type: indicator.Domain, Value: "ok.example", Kind: "maybe"},
		{Type: indicator.Domain, Value: "ok.example", TLP: "purple"},
		{Type: indicator.Domain, Value: "ok.example", Confidence: 101},
		{Type: indicator.Domain, Value: "ok.example", ValidFrom: t0, ValidUntil: t0},
	}
	for _, e := range bad {
		_, _, err := db.PutIndicators(ctx, []*intel.Entry{{Type: indicator.Domain, Value: "fine.example"}, e})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "entry 2") {
			t.Errorf("PutIndicators(%+v) = %v, want ErrInvalid naming entry 2", e, err)
		}
	}
	if n, _ := db.CountIndicators(ctx, Filter{IncludeExpired: true}); n != 0 {
		t.Errorf("a rejected batch stored %d rows, want 0", n)
	}
}

// testDriverErrors checks that each driver's own errors become the shared kinds.
func testDriverErrors(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	put(t, db, &intel.Entry{Type: indicator.Domain, Value: "one.example"})
	key, _ := Key(indicator.Domain, "one.example")
	insert := db.d.bind("INSERT INTO indicators (id, type, value, display, kind, tlp, confidence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
	now := db.d.time(t0)
	tests := []struct {
		name string
		args []any
		want error
	}{
		{"duplicate id", []any{IndicatorID(indicator.Domain, key, ""), "domain", "other.example", "other.example", "watch", "amber", 1, now, now}, ErrConflict},
		{"duplicate key", []any{"x1", "domain", "one.example", "one.example", "watch", "amber", 1, now, now}, ErrConflict},
		{"check", []any{"x2", "domain", "two.example", "two.example", "bogus", "amber", 1, now, now}, ErrInvalid},
		{"not null", []any{"x3", "domain", nil, "x", "watch", "amber", 1, now, now}, ErrInvalid},
	}
	for _, tt := range tests {
		_, err := db.write.ExecContext(ctx, insert, tt.args...)
		if got := mapError(err); !errors.Is(got, tt.want) {
			t.Errorf("%s: mapError(%v) = %v, want %v", tt.name, err, got, tt.want)
		}
	}
}

func testConcurrentWriters(t *testing.T, b backend) {
	dsn := b.fresh(t)
	// Two handles on one database stand for two processes (a server and
	// the CLI); each has two goroutines writing, and one reading.
	dbs := []*DB{openDB(t, dsn), openDB(t, dsn)}
	ctx := context.Background()
	const writers, rounds, per = 4, 20, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds+100)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			db := dbs[w%2]
			for r := 0; r < rounds; r++ {
				var es []*intel.Entry
				for i := 0; i < per; i++ {
					// Half the values are shared by all writers, so they
					// update the same rows.
					v := fmt.Sprintf("w%d-r%d-%d.example", w, r, i)
					if i%2 == 0 {
						v = fmt.Sprintf("shared-%d.example", i)
					}
					es = append(es, &intel.Entry{Type: indicator.Domain, Value: v, Description: fmt.Sprintf("writer %d round %d", w, r)})
				}
				if _, _, err := db.PutIndicators(ctx, es); err != nil {
					errs <- fmt.Errorf("writer %d round %d: %w", w, r, err)
					return
				}
				if r%5 == 0 {
					if _, err := db.ListIndicators(ctx, Filter{Search: "shared", Limit: 10}); err != nil {
						errs <- fmt.Errorf("reader beside writer %d: %w", w, err)
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := writers*rounds*per/2 + per/2
	if n, err := dbs[0].CountIndicators(ctx, Filter{}); err != nil || n != want {
		t.Errorf("count after concurrent writes = %d, %v; want %d", n, err, want)
	}
}

func testBackup(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "backups", "snapshot.db")
	if b.name == Postgres {
		err := db.Backup(ctx, path)
		if err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("Backup on PostgreSQL = %v, want an error pointing to pg_dump", err)
		}
		return
	}
	var es []*intel.Entry
	for i := 0; i < 1000; i++ {
		es = append(es, &intel.Entry{Type: indicator.Domain, Value: fmt.Sprintf("b%d.example", i)})
	}
	put(t, db, es...)
	if err := db.Backup(ctx, path); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if err := db.Backup(ctx, path); !errors.Is(err, ErrConflict) {
		t.Errorf("Backup over an existing file = %v, want ErrConflict", err)
	}
	// Writes after the snapshot are not in it.
	put(t, db, &intel.Entry{Type: indicator.Domain, Value: "later.example"})
	snap := openDB(t, "sqlite:"+path)
	if n, err := snap.CountIndicators(ctx, Filter{}); err != nil || n != 1000 {
		t.Errorf("backup holds %d indicators, %v; want 1000", n, err)
	}
}

func TestOpenSQLitePaths(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for _, dsn := range []string{
		filepath.Join(dir, "a", "b", "plain.db"),
		"sqlite:" + filepath.Join(dir, "prefixed.db"),
		"sqlite://" + filepath.Join(dir, "url.db"),
	} {
		db, err := Open(ctx, dsn, nil)
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		if db.Driver() != SQLite {
			t.Errorf("Open(%q).Driver() = %q", dsn, db.Driver())
		}
		var mode string
		if err := db.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode = %q, %v; want wal", mode, err)
		}
		var fk, busy int
		db.read.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
		db.read.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy)
		if fk != 1 || busy < 1000 {
			t.Errorf("read pool: foreign_keys %d busy_timeout %d", fk, busy)
		}
		if _, err := db.read.ExecContext(ctx, "DELETE FROM indicators"); err == nil {
			t.Error("the read pool accepted a write")
		}
		db.Close()
	}
	if fi, err := os.Stat(filepath.Join(dir, "a", "b")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("created data directory: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	if fi, err := os.Stat(filepath.Join(dir, "a", "b", "plain.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if _, err := Open(ctx, filepath.Join(dir, "what?.db"), nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Open of a name with '?' = %v, want ErrInvalid", err)
	}
}

func TestDataDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := DataDir(env(nil)); got != "portcullis-data" {
		t.Errorf("DataDir() = %q, want portcullis-data", got)
	}
	if got := DataDir(env(map[string]string{"PORTCULLIS_DATA": "/var/lib/portcullis"})); got != "/var/lib/portcullis" {
		t.Errorf("DataDir($PORTCULLIS_DATA) = %q", got)
	}
	if got, want := DefaultDSN("/d"), filepath.Join("/d", "portcullis.db"); got != want {
		t.Errorf("DefaultDSN = %q, want %q", got, want)
	}
}
