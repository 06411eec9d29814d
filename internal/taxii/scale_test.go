package taxii

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"portcullis/internal/auth"
	"portcullis/internal/store"
)

// TestScale fills a collection with $PORTCULLIS_TAXII_SCALE objects
// through the bulk path (PutTAXIIObjects, 10,000 at a time) and pages
// through all of them over HTTP with limit=1000, as a partner would. It
// reports objects per second both ways, the time of the first and last
// pages, and the Go heap in use (after a GC) as paging goes on, which must
// not grow with the collection. It runs only when asked:
//
//	PORTCULLIS_TAXII_SCALE=1000000 go test -run TestScale -v -timeout 1h ./internal/taxii/
//
// Without it, it runs with 20,000 objects.
//
// on SQLite in a temporary directory, or on the (empty, throwaway)
// PostgreSQL database named by $PORTCULLIS_TAXII_SCALE_DSN.
func TestScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PORTCULLIS_TAXII_SCALE"))
	if n <= 0 {
		// A small run always: every object paged exactly once. The
		// figures in docs/sharing.md come from PORTCULLIS_TAXII_SCALE=1000000.
		n = 20000
	}
	ctx := context.Background()
	dsn := os.Getenv("PORTCULLIS_TAXII_SCALE_DSN")
	if dsn == "" {
		dsn = filepath.Join(t.TempDir(), "portcullis.db")
	}
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv, err := New(db, Config{AllowHTTP: true, Password: auth.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	_, tok, err := srv.AddPartner(ctx, "scale "+store.NewUUID(), "amber")
	if err != nil {
		t.Fatal(err)
	}
	coll := &store.TAXIICollection{Title: "scale", Kind: store.CollectionCustom, DefaultTLP: "green", CanReadDefault: true}
	if err := db.CreateTAXIICollection(ctx, coll); err != nil {
		t.Fatal(err)
	}
	defer db.DeleteTAXIICollection(context.Background(), coll.ID)

	// Fill.
	const batch = 10_000
	start := time.Now()
	objs := make([]store.TAXIIObject, 0, batch)
	bytesIn := 0
	for i := 0; i < n; i += batch {
		objs = objs[:0]
		for k := i; k < min(i+batch, n); k++ {
			o, err := parseObject(indicatorJSON(k, "2026-01-01T00:00:00.000Z", markingID[levels[k%3]]))
			if err != nil {
				t.Fatal(err)
			}
			bytesIn += len(o.Body)
			objs = append(objs, o)
		}
		if _, err := db.PutTAXIIObjects(ctx, coll.ID, objs); err != nil {
			t.Fatal(err)
		}
	}
	fill := time.Since(start)
	t.Logf("%s: filled %d objects (%.0f bytes each) in %v: %.0f objects/s", db.Driver(), n, float64(bytesIn)/float64(n), fill.Round(time.Millisecond), float64(n)/fill.Seconds())
	objs = nil

	// Page.
	seen := make([]bool, n)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	client := ts.Client()
	type pageResult struct {
		More    bool   `json:"more"`
		Next    string `json:"next"`
		Objects []struct {
			ID string `json:"id"`
		} `json:"objects"`
	}
	var samples []string
	var heaps []uint64
	var firstPages, lastPages time.Duration
	pages, total := 0, 0
	next := ""
	start = time.Now()
	for {
		q := url.Values{"limit": {"1000"}}
		if next != "" {
			q.Set("next", next)
		}
		req, _ := http.NewRequest(http.MethodGet, ts.URL+collPath(coll.ID)+"objects/?"+q.Encode(), nil)
		req.Header.Set("Accept", MediaType)
		req.Header.Set("Authorization", "Bearer "+tok)
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p pageResult
		err = json.NewDecoder(res.Body).Decode(&p)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %d, %v", pages, res.StatusCode, err)
		}
		took := time.Since(t0)
		if pages < 10 {
			firstPages += took
		}
		for _, o := range p.Objects {
			k, err := strconv.ParseInt(o.ID[strings.LastIndexByte(o.ID, '-')+1:], 16, 64)
			if err != nil || k < 0 || int(k) >= n || seen[k] {
				t.Fatalf("object %s out of place or seen twice", o.ID)
			}
			seen[k] = true
		}
		total += len(p.Objects)
		pages++
		if pages == 1 || total*4/n > (total-len(p.Objects))*4/n || !p.More {
			h := heap()
			heaps = append(heaps, h)
			samples = append(samples, fmt.Sprintf("%d objects: %.1f MiB", total, float64(h)/(1<<20)))
		}
		if !p.More {
			lastPages += took
			break
		}
		if n-total <= 10_000 {
			lastPages += took
		}
		next = p.Next
	}
	paging := time.Since(start)
	rate := float64(total) / paging.Seconds()
	t.Logf("%s: paged %d objects in %d pages in %v: %.0f objects/s; first 10 pages %v, last 10 pages %v",
		db.Driver(), total, pages, paging.Round(time.Millisecond), rate, firstPages.Round(time.Millisecond), lastPages.Round(time.Millisecond))
	t.Logf("heap in use while paging: %s", strings.Join(samples, "; "))
	if rss := vmRSS(); rss != "" {
		t.Logf("process resident set at the end: %s", rss)
	}
	if total != n {
		t.Errorf("paged %d objects, want %d", total, n)
	}
	if rate < 5000 {
		t.Errorf("paging ran at %.0f objects/s, want at least 5,000", rate)
	}
	if grow := int64(heaps[len(heaps)-1]) - int64(heaps[0]); grow > 16<<20 {
		t.Errorf("the heap grew by %.1f MiB while paging", float64(grow)/(1<<20))
	}
}

// vmRSS returns the process's resident set size as Linux reports it.
func vmRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
