package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestTAXII(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b backend)
	}{
		{"Collections", testTAXIICollections},
		{"PutObjects", testTAXIIPut},
		{"Unversioned", testTAXIIUnversioned},
		{"ListObjects", testTAXIIList},
		{"PagingWhileWriting", testTAXIIPagingWhileWriting},
		{"SparsePages", testTAXIISparsePages},
		{"Partners", testTAXIIPartners},
		{"Status", testTAXIIStatus},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
		}
	})
}

func newCollection(t *testing.T, db *DB, kind string) *TAXIICollection {
	t.Helper()
	c := &TAXIICollection{Title: "Test " + kind, Kind: kind, DefaultTLP: "amber", CanReadDefault: true}
	if err := db.CreateTAXIICollection(context.Background(), c); err != nil {
		t.Fatalf("CreateTAXIICollection: %v", err)
	}
	return c
}

// stixObj makes a TAXII object version with a small JSON body.
func stixObj(id, version, tlp string) TAXIIObject {
	typ, _, _ := cutID(id)
	return TAXIIObject{ObjectID: id, Version: version, SpecVersion: "2.1", Type: typ, TLP: tlp,
		Body: []byte(fmt.Sprintf(`{"type":%q,"id":%q,"modified":%q}`, typ, id, version))}
}

func cutID(id string) (string, string, bool) {
	for i := 0; i+1 < len(id); i++ {
		if id[i] == '-' && id[i+1] == '-' {
			return id[:i], id[i+2:], true
		}
	}
	return id, "", false
}

func putObjects(t *testing.T, db *DB, coll string, objs ...TAXIIObject) []TAXIIObject {
	t.Helper()
	added, err := db.PutTAXIIObjects(context.Background(), coll, objs)
	if err != nil {
		t.Fatalf("PutTAXIIObjects: %v", err)
	}
	return added
}

func objectIDs(objs []TAXIIObject) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.ObjectID+"@"+o.Version)
	}
	return out
}

func testTAXIICollections(t *testing.T, b backend) {
	ctx := context.Background()
	db, _ := openFresh(t, b)
	c := &TAXIICollection{ID: "4f1d7a6e-9a3e-5c55-8d2b-111111111111", Alias: "ind", Title: "Indicators", Description: "d",
		Kind: CollectionIndicators, DefaultTLP: "amber", CanReadDefault: true}
	if err := db.CreateTAXIICollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetTAXIICollection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *c || !got.CreatedAt.Equal(t0) {
		t.Errorf("GetTAXIICollection = %+v, want %+v", got, c)
	}
	inbox := &TAXIICollection{Title: "Inbox", Kind: CollectionInbox, DefaultTLP: "amber", CanWriteDefault: true}
	if err := db.CreateTAXIICollection(ctx, inbox); err != nil {
		t.Fatal(err)
	}
	if len(inbox.ID) != 36 {
		t.Errorf("generated ID %q is not a UUID", inbox.ID)
	}
	for _, bad := range []*TAXIICollection{
		{ID: c.ID, Title: "again", Kind: CollectionCustom, DefaultTLP: "green"},
		{Alias: "ind", Title: "same alias", Kind: CollectionCustom, DefaultTLP: "green"},
	} {
		if err := db.CreateTAXIICollection(ctx, bad); !errors.Is(err, ErrConflict) {
			t.Errorf("CreateTAXIICollection(%+v) = %v, want ErrConflict", bad, err)
		}
	}
	for _, bad := range []*TAXIICollection{
		{Title: "", Kind: CollectionCustom, DefaultTLP: "green"},
		{Title: "x", Kind: "secret", DefaultTLP: "green"},
		{Title: "x", Kind: CollectionCustom, DefaultTLP: "white"},
	} {
		if err := db.CreateTAXIICollection(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateTAXIICollection(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	list, err := db.ListTAXIICollections(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListTAXIICollections = %d, %v; want 2", len(list), err)
	}
	c.Title, c.DefaultTLP, c.CanReadDefault = "Watchlist", "green", false
	if err := db.UpdateTAXIICollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetTAXIICollection(ctx, c.ID); got.Title != "Watchlist" || got.DefaultTLP != "green" || got.CanReadDefault {
		t.Errorf("after update: %+v", got)
	}
	putObjects(t, db, c.ID, stixObj("indicator--1", "2026-01-01T00:00:00.000Z", "green"))
	if err := db.DeleteTAXIICollection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetTAXIICollection(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted collection: %v, want ErrNotFound", err)
	}
	if n, err := db.CountTAXIIObjects(ctx, c.ID); err != nil || n != 0 {
		t.Errorf("objects of a deleted collection: %d, %v", n, err)
	}
	if err := db.DeleteTAXIICollection(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete again: %v, want ErrNotFound", err)
	}
	if _, err := db.PutTAXIIObjects(ctx, c.ID, []TAXIIObject{stixObj("indicator--1", "2026-01-01T00:00:00.000Z", "")}); !errors.Is(err, ErrNotFound) {
		t.Errorf("put into a deleted collection: %v, want ErrNotFound", err)
	}
}

func testTAXIIPut(t *testing.T, b backend) {
	ctx := context.Background()
	db, clk := openFresh(t, b)
	c := newCollection(t, db, CollectionIndicators)
	other := newCollection(t, db, CollectionSightings)

	v1, v2 := "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z"
	added := putObjects(t, db, c.ID,
		stixObj("indicator--a", v1, "green"),
		stixObj("indicator--b", v1, "amber"),
		stixObj("indicator--a", v1, "green"), // repeated in the batch
	)
	if got, want := objectIDs(added), []string{"indicator--a@" + v1, "indicator--b@" + v1}; !slices.Equal(got, want) {
		t.Fatalf("added %v, want %v", got, want)
	}
	// The clock stands still, yet date_added strictly increases.
	if !added[0].DateAdded.Equal(t0) || !added[1].DateAdded.After(added[0].DateAdded) || added[1].Seq <= added[0].Seq {
		t.Errorf("first batch: seq %d, %d; date_added %v, %v", added[0].Seq, added[1].Seq, added[0].DateAdded, added[1].DateAdded)
	}
	// A known version is skipped; a new one is added; so is the same
	// object in another collection.
	again := putObjects(t, db, c.ID, stixObj("indicator--a", v1, "green"), stixObj("indicator--a", v2, "amber"))
	if got, want := objectIDs(again), []string{"indicator--a@" + v2}; !slices.Equal(got, want) {
		t.Errorf("second batch added %v, want %v", got, want)
	}
	if !again[0].DateAdded.After(added[1].DateAdded) || again[0].Seq <= added[1].Seq {
		t.Errorf("second batch: seq %d date_added %v not after %d %v", again[0].Seq, again[0].DateAdded, added[1].Seq, added[1].DateAdded)
	}
	if got := putObjects(t, db, other.ID, stixObj("indicator--a", v1, "green")); len(got) != 1 {
		t.Errorf("same object in another collection: added %d, want 1", len(got))
	}
	// The clock going back does not take date_added back.
	clk.Set(t0.Add(-time.Hour))
	back := putObjects(t, db, c.ID, stixObj("indicator--c", v1, ""))
	if !back[0].DateAdded.After(again[0].DateAdded) {
		t.Errorf("after the clock went back: date_added %v, not after %v", back[0].DateAdded, again[0].DateAdded)
	}
	clk.Set(t0.Add(time.Hour))
	later := putObjects(t, db, c.ID, stixObj("indicator--d", v1, ""))
	if !later[0].DateAdded.Equal(t0.Add(time.Hour)) {
		t.Errorf("date_added = %v, want the clock's %v", later[0].DateAdded, t0.Add(time.Hour))
	}

	if n, err := db.CountTAXIIObjects(ctx, c.ID); err != nil || n != 5 {
		t.Errorf("CountTAXIIObjects = %d, %v; want 5", n, err)
	}
	vs, err := db.GetTAXIIObjectVersions(ctx, c.ID, "indicator--a")
	if err != nil || len(vs) != 2 || vs[0].Version != v1 || vs[1].Version != v2 || string(vs[1].Body) != string(stixObj("indicator--a", v2, "").Body) {
		t.Errorf("GetTAXIIObjectVersions = %v, %v", objectIDs(vs), err)
	}
	if _, err := db.GetTAXIIObjectVersions(ctx, c.ID, "indicator--zzz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("versions of an unknown object: %v, want ErrNotFound", err)
	}
	latest, err := db.LatestTAXIIObjects(ctx, c.ID, []string{"indicator--a", "indicator--b", "indicator--zzz"})
	if err != nil || len(latest) != 2 || latest["indicator--a"].Version != v2 || latest["indicator--a"].TLP != "amber" {
		t.Errorf("LatestTAXIIObjects = %+v, %v", latest, err)
	}

	for _, bad := range []TAXIIObject{
		{ObjectID: "", Type: "x", Body: []byte("{}")},
		{ObjectID: "x--1", Type: "x", Body: nil},
		{ObjectID: "x--1", Type: "x", TLP: "white", Body: []byte("{}")},
		{ObjectID: "x--1", Type: "x", Version: "2026-01-01T00:00:00Z", Body: []byte("{}")},
	} {
		if _, err := db.PutTAXIIObjects(ctx, c.ID, []TAXIIObject{bad}); !errors.Is(err, ErrInvalid) {
			t.Errorf("PutTAXIIObjects(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

func testTAXIIUnversioned(t *testing.T, b backend) {
	ctx := context.Background()
	db, _ := openFresh(t, b)
	c := newCollection(t, db, CollectionIndicators)
	sco := func(body string) TAXIIObject {
		return TAXIIObject{ObjectID: "email-addr--1", SpecVersion: "2.1", Type: "email-addr", TLP: "green", Body: []byte(body)}
	}
	first := putObjects(t, db, c.ID, sco(`{"a":1}`))
	if len(first) != 1 || first[0].Version != t0.Format(TAXIIVersionLayout) {
		t.Fatalf("first put: %+v", first)
	}
	if got := putObjects(t, db, c.ID, sco(`{"a":1}`)); len(got) != 0 {
		t.Errorf("same body again: added %d, want 0", len(got))
	}
	// A changed body within the same millisecond gets a later version.
	changed := putObjects(t, db, c.ID, sco(`{"a":2}`), sco(`{"a":2}`), sco(`{"a":3}`))
	if len(changed) != 2 || changed[0].Version <= first[0].Version || changed[1].Version <= changed[0].Version {
		t.Errorf("changed bodies: %v", objectIDs(changed))
	}
	if n, _ := db.CountTAXIIObjects(ctx, c.ID); n != 3 {
		t.Errorf("%d versions, want 3", n)
	}
}

func testTAXIIList(t *testing.T, b backend) {
	ctx := context.Background()
	db, clk := openFresh(t, b)
	c := newCollection(t, db, CollectionIndicators)
	d1, d2, d3 := "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", "2026-01-03T00:00:00.000Z"
	putObjects(t, db, c.ID,
		stixObj("indicator--a", d2, "green"),
		stixObj("indicator--b", d1, "amber"),
		stixObj("identity--c", d1, ""),
	)
	clk.Set(t0.Add(time.Minute))
	putObjects(t, db, c.ID,
		stixObj("indicator--a", d1, "green"), // an older version, added later
		stixObj("indicator--b", d3, "red"),
		stixObj("relationship--d", d1, "clear"),
	)
	list := func(q TAXIIQuery) ([]string, bool) {
		t.Helper()
		q.CollectionID = c.ID
		objs, more, err := db.ListTAXIIObjects(ctx, q)
		if err != nil {
			t.Fatalf("ListTAXIIObjects(%+v): %v", q, err)
		}
		return objectIDs(objs), more
	}
	tests := []struct {
		name string
		q    TAXIIQuery
		want []string
	}{
		{"default is last", TAXIIQuery{}, []string{"indicator--a@" + d2, "identity--c@" + d1, "indicator--b@" + d3, "relationship--d@" + d1}},
		{"all", TAXIIQuery{Versions: []string{"all"}}, []string{"indicator--a@" + d2, "indicator--b@" + d1, "identity--c@" + d1,
			"indicator--a@" + d1, "indicator--b@" + d3, "relationship--d@" + d1}},
		{"first", TAXIIQuery{Versions: []string{"first"}}, []string{"indicator--b@" + d1, "identity--c@" + d1, "indicator--a@" + d1, "relationship--d@" + d1}},
		{"first or last", TAXIIQuery{Versions: []string{"first", "last"}, IDs: []string{"indicator--a"}}, []string{"indicator--a@" + d2, "indicator--a@" + d1}},
		{"a version", TAXIIQuery{Versions: []string{d1}, Types: []string{"indicator"}}, []string{"indicator--b@" + d1, "indicator--a@" + d1}},
		{"ids", TAXIIQuery{IDs: []string{"identity--c", "relationship--d"}}, []string{"identity--c@" + d1, "relationship--d@" + d1}},
		{"types", TAXIIQuery{Types: []string{"relationship", "identity"}}, []string{"identity--c@" + d1, "relationship--d@" + d1}},
		{"spec versions", TAXIIQuery{SpecVersions: []string{"2.0"}}, nil},
		{"TLPs", TAXIIQuery{TLPs: []string{"", "green"}}, []string{"indicator--a@" + d2, "identity--c@" + d1}},
		// The last version of b is red: b does not fall back to an older one.
		{"last is decided before TLP", TAXIIQuery{TLPs: []string{"amber"}}, nil},
		{"no TLP", TAXIIQuery{TLPs: []string{}}, nil},
		{"added after", TAXIIQuery{AddedAfter: t0.Add(time.Second), Versions: []string{"all"}}, []string{"indicator--a@" + d1, "indicator--b@" + d3, "relationship--d@" + d1}},
		{"added after the last", TAXIIQuery{AddedAfter: t0.Add(time.Hour)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, more := list(tt.q)
			if !slices.Equal(got, tt.want) || more {
				t.Errorf("got %v (more %v), want %v", got, more, tt.want)
			}
		})
	}

	// Paging: limit and the seq cursor.
	var seen []string
	var after int64
	for pages := 0; ; pages++ {
		objs, more, err := db.ListTAXIIObjects(ctx, TAXIIQuery{CollectionID: c.ID, Versions: []string{"all"}, AfterSeq: after, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, objectIDs(objs)...)
		if pages == 0 && (len(objs) != 4 || !more) {
			t.Fatalf("first page: %d objects, more %v; want 4, true", len(objs), more)
		}
		if !more {
			break
		}
		after = objs[len(objs)-1].Seq
	}
	if len(seen) != 6 {
		t.Errorf("paged through %d objects, want 6: %v", len(seen), seen)
	}
	objs, _, err := db.ListTAXIIObjects(ctx, TAXIIQuery{CollectionID: c.ID, WithoutBody: true, Limit: 1})
	if err != nil || len(objs) != 1 || objs[0].Body != nil || objs[0].TLP != "green" || !objs[0].DateAdded.Equal(t0) {
		t.Errorf("WithoutBody: %+v, %v", objs, err)
	}
	if _, _, err := db.ListTAXIIObjects(ctx, TAXIIQuery{CollectionID: c.ID, IDs: make([]string, inChunk+1)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("too many ids: %v, want ErrInvalid", err)
	}
}

// testTAXIIPagingWhileWriting has writers add objects while a reader pages
// by seq: the reader sees every object exactly once.
func testTAXIIPagingWhileWriting(t *testing.T, b backend) {
	ctx := context.Background()
	db := openDB(t, b.fresh(t))
	c := newCollection(t, db, CollectionIndicators)
	const writers, batches, perBatch = 4, 25, 20
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < batches; i++ {
				var objs []TAXIIObject
				for k := 0; k < perBatch; k++ {
					objs = append(objs, stixObj(fmt.Sprintf("indicator--%d-%d-%d", w, i, k), "2026-01-01T00:00:00.000Z", "green"))
				}
				if _, err := db.PutTAXIIObjects(ctx, c.ID, objs); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	seen := map[string]int{}
	var after int64
	var lastAdded time.Time
	finished := false
	for {
		objs, more, err := db.ListTAXIIObjects(ctx, TAXIIQuery{CollectionID: c.ID, AfterSeq: after, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			seen[o.ObjectID]++
			if !o.DateAdded.After(lastAdded) {
				t.Errorf("%s: date_added %v not after %v", o.ObjectID, o.DateAdded, lastAdded)
			}
			lastAdded = o.DateAdded
			after = o.Seq
		}
		if !more {
			if finished {
				break
			}
			select {
			case <-done:
				finished = true // one more pass after the writers stop
			default:
			}
		}
	}
	if len(seen) != writers*batches*perBatch {
		t.Errorf("saw %d objects, want %d", len(seen), writers*batches*perBatch)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
	}
}

// testTAXIISparsePages pages through a collection whose seqs are far
// apart (another collection took the ones between) and whose matches
// are rare: no object is missed or repeated.
func testTAXIISparsePages(t *testing.T, b backend) {
	ctx := context.Background()
	db, _ := openFresh(t, b)
	a := newCollection(t, db, CollectionIndicators)
	other := newCollection(t, db, CollectionCustom)
	var want []string
	for i := 0; i < 30; i++ {
		typ := "indicator"
		if i%10 == 3 {
			typ = "identity"
		}
		id := fmt.Sprintf("%s--%d", typ, i)
		putObjects(t, db, a.ID, stixObj(id, "2026-01-01T00:00:00.000Z", ""))
		want = append(want, id+"@2026-01-01T00:00:00.000Z")
		var filler []TAXIIObject
		for k := 0; k < 40; k++ {
			filler = append(filler, stixObj(fmt.Sprintf("indicator--%d-%d", i, k), "2026-01-01T00:00:00.000Z", ""))
		}
		putObjects(t, db, other.ID, filler...)
	}
	page := func(q TAXIIQuery) []string {
		t.Helper()
		var got []string
		for {
			objs, more, err := db.ListTAXIIObjects(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) > q.Limit {
				t.Fatalf("%d objects, limit %d", len(objs), q.Limit)
			}
			got = append(got, objectIDs(objs)...)
			if !more {
				return got
			}
			q.AfterSeq = objs[len(objs)-1].Seq
		}
	}
	if got := page(TAXIIQuery{CollectionID: a.ID, Limit: 4}); !slices.Equal(got, want) {
		t.Errorf("paged %v, want %v", got, want)
	}
	if got := page(TAXIIQuery{CollectionID: a.ID, Limit: 1, Types: []string{"identity"}}); len(got) != 3 {
		t.Errorf("rare type: %v, want 3 identities", got)
	}
}

func testTAXIIPartners(t *testing.T, b backend) {
	ctx := context.Background()
	db, _ := openFresh(t, b)
	c := newCollection(t, db, CollectionIndicators)
	p := &Partner{Name: "BfV", MaxTLP: "amber", BearerHash: "h1", BasicUser: "bfv", BasicHash: "$argon2id$x"}
	if err := db.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, get := range []func() (*Partner, error){
		func() (*Partner, error) { return db.GetPartner(ctx, p.ID) },
		func() (*Partner, error) { return db.GetPartnerByName(ctx, "BfV") },
		func() (*Partner, error) { return db.GetPartnerByBearerHash(ctx, "h1") },
		func() (*Partner, error) { return db.GetPartnerByBasicUser(ctx, "bfv") },
	} {
		got, err := get()
		if err != nil || *got != *p {
			t.Errorf("get partner = %+v, %v; want %+v", got, err, p)
		}
	}
	if _, err := db.GetPartnerByBearerHash(ctx, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty bearer hash: %v, want ErrNotFound", err)
	}
	if _, err := db.GetPartnerByBasicUser(ctx, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty user: %v, want ErrNotFound", err)
	}
	// Two partners without credentials are fine; taken ones conflict.
	for _, q := range []*Partner{{Name: "AIVD", MaxTLP: "green"}, {Name: "PST", MaxTLP: "clear"}} {
		if err := db.CreatePartner(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []*Partner{
		{Name: "BfV", MaxTLP: "green"},
		{Name: "x", MaxTLP: "green", BearerHash: "h1"},
		{Name: "y", MaxTLP: "green", BasicUser: "bfv"},
	} {
		if err := db.CreatePartner(ctx, bad); !errors.Is(err, ErrConflict) {
			t.Errorf("CreatePartner(%+v) = %v, want ErrConflict", bad, err)
		}
	}
	for _, bad := range []*Partner{{Name: "z", MaxTLP: "red"}, {Name: "", MaxTLP: "green"}, {Name: "z", MaxTLP: ""}} {
		if err := db.CreatePartner(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("CreatePartner(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	ps, err := db.ListPartners(ctx)
	if err != nil || len(ps) != 3 || ps[0].Name != "AIVD" {
		t.Errorf("ListPartners = %+v, %v", ps, err)
	}
	p.Disabled, p.MaxTLP, p.BearerHash = true, "green", "h2"
	if err := db.UpdatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetPartner(ctx, p.ID); !got.Disabled || got.MaxTLP != "green" || got.BearerHash != "h2" {
		t.Errorf("after update: %+v", got)
	}

	if err := db.SetPartnerRight(ctx, PartnerRight{PartnerID: p.ID, CollectionID: c.ID, CanRead: true}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPartnerRight(ctx, PartnerRight{PartnerID: p.ID, CollectionID: c.ID, CanRead: false, CanWrite: true}); err != nil {
		t.Fatal(err)
	}
	rights, err := db.PartnerRights(ctx, p.ID)
	if err != nil || len(rights) != 1 || rights[c.ID] != (PartnerRight{PartnerID: p.ID, CollectionID: c.ID, CanWrite: true}) {
		t.Errorf("PartnerRights = %+v, %v", rights, err)
	}
	if err := db.SetPartnerRight(ctx, PartnerRight{PartnerID: p.ID, CollectionID: "nope", CanRead: true}); !errors.Is(err, ErrInvalid) {
		t.Errorf("right on an unknown collection: %v, want ErrInvalid", err)
	}
	if err := db.DeletePartnerRight(ctx, p.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if rights, _ := db.PartnerRights(ctx, p.ID); len(rights) != 0 {
		t.Errorf("rights after delete: %+v", rights)
	}
	db.SetPartnerRight(ctx, PartnerRight{PartnerID: p.ID, CollectionID: c.ID, CanRead: true})
	if err := db.DeletePartner(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetPartner(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted partner: %v", err)
	}
	if rights, _ := db.PartnerRights(ctx, p.ID); len(rights) != 0 {
		t.Errorf("rights outlived their partner: %+v", rights)
	}
}

func testTAXIIStatus(t *testing.T, b backend) {
	ctx := context.Background()
	db, clk := openFresh(t, b)
	p := &Partner{Name: "BfV", MaxTLP: "amber"}
	if err := db.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	s := &TAXIIStatus{PartnerID: p.ID, Status: TAXIIComplete, Total: 2, SuccessCount: 1, FailureCount: 1,
		Successes: []TAXIIStatusDetail{{ID: "indicator--1", Version: "2026-01-01T00:00:00.000Z"}},
		Failures:  []TAXIIStatusDetail{{ID: "indicator--2", Message: "spec_version is not 2.1"}}}
	if err := db.CreateTAXIIStatus(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetTAXIIStatus(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != s.ID || got.PartnerID != p.ID || got.Total != 2 || got.SuccessCount != 1 || got.FailureCount != 1 ||
		!slices.Equal(got.Successes, s.Successes) || !slices.Equal(got.Failures, s.Failures) || !got.CreatedAt.Equal(t0) {
		t.Errorf("GetTAXIIStatus = %+v, want %+v", got, s)
	}
	empty := &TAXIIStatus{PartnerID: p.ID, Status: TAXIIPending}
	if err := db.CreateTAXIIStatus(ctx, empty); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetTAXIIStatus(ctx, empty.ID); got.Successes == nil || got.Failures == nil {
		t.Errorf("empty lists come back nil: %+v", got)
	}
	if err := db.CreateTAXIIStatus(ctx, &TAXIIStatus{PartnerID: p.ID, Status: "done"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad status: %v, want ErrInvalid", err)
	}
	if _, err := db.GetTAXIIStatus(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown status: %v, want ErrNotFound", err)
	}
	clk.Set(t0.Add(48 * time.Hour))
	if n, err := db.DeleteTAXIIStatusBefore(ctx, t0.Add(time.Hour)); err != nil || n != 2 {
		t.Errorf("DeleteTAXIIStatusBefore = %d, %v; want 2", n, err)
	}
}
