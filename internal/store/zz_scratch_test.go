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
	}{
		{"fkoff", []string{"PRAGMA foreign_keys = OFF"}, 2000},
		{"fkoff b10k", []string{"PRAGMA foreign_keys = OFF"}, 10000},
		{"fkoff mmap", []string{"PRAGMA foreign_keys = OFF", "PRAGMA mmap_size = 1073741824"}, 2000},
		{"fkoff cache256", []string{"PRAGMA foreign_keys = OFF", "PRAGMA cache_size = -262144"}, 2000},
		{"fkoff ckpt", []string{"PRAGMA foreign_keys = OFF", "PRAGMA wal_autocheckpoint = 10000"}, 2000},
		{"fkoff all b10k", []string{"PRAGMA foreign_keys = OFF", "PRAGMA wal_autocheckpoint = 10000", "PRAGMA cache_size = -262144", "PRAGMA mmap_size = 1073741824"}, 10000},
	} {
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
