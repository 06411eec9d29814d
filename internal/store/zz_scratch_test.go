package store

import (
	"context"
	"testing"
	"time"
)

func TestZZBulkVariants(t *testing.T) {
	ctx := context.Background()
	for _, v := range []struct {
		name string
		sql  []string
		raw  int
	}{
		{"baseline", nil, 0},
		{"nofk", []string{"PRAGMA foreign_keys = OFF"}, 0},
		{"ckpt10k", []string{"PRAGMA wal_autocheckpoint = 20000"}, 0},
		{"smallraw", nil, 200},
		{"nobandidx", []string{"DROP INDEX report_bands_report"}, 0},
		{"nonewidx", []string{"DROP INDEX reports_created", "DROP INDEX reports_open"}, 0},
		{"sync_off", []string{"PRAGMA synchronous = OFF"}, 0},
	} {
		db := openDB(t, sqliteBackend().fresh(t))
		for _, q := range v.sql {
			if _, err := db.write.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		var reporters []int64
		u := &User{Email: "r@x", Role: RoleReporter}
		db.CreateUser(ctx, u)
		reporters = append(reporters, u.ID)
		g := newReportGen(reporters)
		if v.raw > 0 {
			g.raw = g.raw[:v.raw]
			g.anal = g.anal[:v.raw/2]
		}
		var took time.Duration
		for done := 0; done < 60000; done += 2000 {
			rs, inds, bands := g.next(2000)
			start := time.Now()
			if err := db.BulkCreateReports(ctx, rs, inds, bands); err != nil {
				t.Fatal(err)
			}
			took += time.Since(start)
		}
		t.Logf("%s: %.0f reports/s", v.name, 60000/took.Seconds())
		db.Close()
	}
}
