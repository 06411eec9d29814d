package store

import (
	"context"
	"testing"
	"time"
)

func TestZZBulkKnobs(t *testing.T) {
	ctx := context.Background()
	for _, v := range []struct {
		name  string
		sql   []string
		batch int
		sort  bool
	}{
		{"fkoff ckpt", []string{"PRAGMA foreign_keys = OFF", "PRAGMA wal_autocheckpoint = 10000"}, 2000, false},
		{"fkoff ckpt sort", []string{"PRAGMA foreign_keys = OFF", "PRAGMA wal_autocheckpoint = 10000"}, 2000, true},
		{"fkoff ckpt sort b10k", []string{"PRAGMA foreign_keys = OFF", "PRAGMA wal_autocheckpoint = 10000"}, 10000, true},
		{"fkoff ckpt sort nosync b10k", []string{"PRAGMA foreign_keys = OFF", "PRAGMA wal_autocheckpoint = 10000", "PRAGMA synchronous = OFF"}, 10000, true},
	} {
		sortRows = v.sort
		db := openDB(t, sqliteBackend().fresh(t))
		for _, q := range v.sql {
			if _, err := db.write.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		u := &User{Email: "r@x", Role: RoleReporter}
		db.CreateUser(ctx, u)
		g := newReportGen([]int64{u.ID})
		var took time.Duration
		const n = 100000
		for done := 0; done < n; done += v.batch {
			rs, inds, bands := g.next(v.batch)
			start := time.Now()
			if err := db.BulkCreateReports(ctx, rs, inds, bands); err != nil {
				t.Fatal(err)
			}
			took += time.Since(start)
		}
		t.Logf("%s: %.0f reports/s", v.name, n/took.Seconds())
		db.Close()
	}
}
