package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portcullis/internal/auth"
	"portcullis/internal/store"
)

// env is a TAXII server on a real store, served over real HTTP.
type env struct {
	t   *testing.T
	db  *store.DB
	srv *Server
	ts  *httptest.Server
}

// newEnv serves over plain HTTP, as tests do.
func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	cfg.AllowHTTP = true
	return openEnv(t, cfg)
}

func openEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "portcullis.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if cfg.Password == (auth.Params{}) {
		cfg.Password = auth.TestParams
	}
	srv, err := New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix, srv)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return &env{t: t, db: db, srv: srv, ts: ts}
}

// creds authenticates a request.
type creds func(*http.Request)

func bearer(tok string) creds {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func basic(user, pw string) creds {
	return func(r *http.Request) { r.SetBasicAuth(user, pw) }
}

// addPartner adds a partner and returns its bearer credentials.
func (e *env) addPartner(name, maxTLP string) (*store.Partner, creds) {
	e.t.Helper()
	p, tok, err := e.srv.AddPartner(context.Background(), name, maxTLP)
	if err != nil {
		e.t.Fatal(err)
	}
	return p, bearer(tok)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
}

// do sends a request with the TAXII Accept header (unless hdr sets one).
func (e *env) do(method, path string, c creds, hdr map[string]string, body []byte) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept", MediaType)
	if body != nil {
		req.Header.Set("Content-Type", MediaType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c != nil {
		c(req)
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// get GETs path and wants status 200.
func (e *env) get(path string, c creds) response {
	e.t.Helper()
	r := e.do(http.MethodGet, path, c, nil, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET %s = %d, want 200: %s", path, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != MediaType {
		e.t.Fatalf("GET %s: Content-Type %q, want %q", path, ct, MediaType)
	}
	return r
}

func collPath(id string) string { return apiRoot + "collections/" + id + "/" }

// envelope is a TAXII envelope as a client reads it.
type envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next"`
	Objects []json.RawMessage `json:"objects"`
}

type head struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Modified string `json:"modified"`
	Created  string `json:"created"`
}

func heads(t *testing.T, objs []json.RawMessage) []head {
	t.Helper()
	var out []head
	for _, raw := range objs {
		var h head
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatal(err)
		}
		out = append(out, h)
	}
	return out
}

// testUUID makes a UUID from a number, for object ids.
func testUUID(n int) string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", n)
}

// indicatorJSON is a minimal STIX 2.1 indicator marked with the given
// marking ids.
func indicatorJSON(n int, modified string, markings ...string) []byte {
	m := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": "indicator--" + testUUID(n),
		"created": "2026-01-01T00:00:00.000Z", "modified": modified,
		"pattern": fmt.Sprintf("[domain-name:value = 'd%d.example']", n), "pattern_type": "stix",
		"valid_from": "2026-01-01T00:00:00Z",
	}
	if len(markings) > 0 {
		m["object_marking_refs"] = markings
	}
	b, _ := json.Marshal(m)
	return b
}

// putRaw stores raw STIX objects in a collection through the store.
func (e *env) putRaw(collectionID string, raws ...[]byte) []store.TAXIIObject {
	e.t.Helper()
	var objs []store.TAXIIObject
	for _, raw := range raws {
		o, err := parseObject(raw)
		if err != nil {
			e.t.Fatalf("parseObject(%s): %v", raw, err)
		}
		objs = append(objs, o)
	}
	added, err := e.db.PutTAXIIObjects(context.Background(), collectionID, objs)
	if err != nil {
		e.t.Fatal(err)
	}
	return added
}

// newCollection makes a custom collection readable by default.
func (e *env) newCollection(defaultTLP string) *store.TAXIICollection {
	e.t.Helper()
	c := &store.TAXIICollection{Title: "custom " + defaultTLP, Kind: store.CollectionCustom, DefaultTLP: defaultTLP, CanReadDefault: true}
	if err := e.db.CreateTAXIICollection(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func TestDiscoveryAndCollections(t *testing.T) {
	e := newEnv(t, Config{Title: "Parliament TAXII", Description: "Counter-intelligence sharing", Contact: "security@parliament.example"})
	_, c := e.addPartner("BfV", "amber")

	var d struct {
		Title, Description, Contact, Default string
		APIRoots                             []string `json:"api_roots"`
	}
	e.get(Prefix, c).json(t, &d)
	root := e.ts.URL + apiRoot
	if d.Title != "Parliament TAXII" || d.Contact != "security@parliament.example" || d.Default != root ||
		len(d.APIRoots) != 1 || d.APIRoots[0] != root {
		t.Errorf("discovery = %+v", d)
	}

	var a struct {
		Title            string
		Versions         []string
		MaxContentLength int64 `json:"max_content_length"`
	}
	e.get(apiRoot, c).json(t, &a)
	if a.Title != "Parliament TAXII" || len(a.Versions) != 1 || a.Versions[0] != "application/taxii+json;version=2.1" || a.MaxContentLength != 10<<20 {
		t.Errorf("API root = %+v", a)
	}

	var cs struct{ Collections []collectionResource }
	e.get(apiRoot+"collections/", c).json(t, &cs)
	got := map[string]collectionResource{}
	for _, r := range cs.Collections {
		got[r.Alias] = r
	}
	for _, want := range []struct {
		kind        string
		read, write bool
	}{
		{store.CollectionIndicators, true, false},
		{store.CollectionSightings, true, false},
		{store.CollectionAdvisories, true, false},
		{store.CollectionInbox, false, true},
	} {
		r, ok := got[want.kind]
		if !ok {
			t.Errorf("collection %s missing from %+v", want.kind, cs.Collections)
			continue
		}
		if r.ID != CollectionID(want.kind) || r.CanRead != want.read || r.CanWrite != want.write ||
			len(r.MediaTypes) != 1 || r.MediaTypes[0] != STIXMediaType || r.Title == "" {
			t.Errorf("collection %s = %+v", want.kind, r)
		}
	}
	if len(cs.Collections) != 4 {
		t.Errorf("%d collections, want 4", len(cs.Collections))
	}

	// One collection, by id and by alias.
	var one collectionResource
	e.get(collPath(CollectionID(store.CollectionIndicators)), c).json(t, &one)
	if one.Alias != "indicators" || !one.CanRead || one.CanWrite {
		t.Errorf("indicators collection = %+v", one)
	}
	e.get(collPath("inbox"), c).json(t, &one)
	if one.ID != CollectionID(store.CollectionInbox) {
		t.Errorf("inbox by alias = %+v", one)
	}

	// The default collections have the same ids on every installation,
	// and New is idempotent.
	if _, err := New(e.db, Config{AllowHTTP: true}); err != nil {
		t.Fatal(err)
	}
	if all, _ := e.srv.Collections(context.Background()); len(all) != 4 {
		t.Errorf("after a second New: %d collections, want 4", len(all))
	}
	if CollectionID("indicators") != uuid5(collectionNamespace, "indicators") || CollectionID("indicators") == CollectionID("sightings") {
		t.Error("collection ids are not UUIDv5 of their kind")
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	p, c := e.addPartner("BfV", "amber")
	other, oc := e.addPartner("AIVD", "green")
	if err := e.srv.SetBasic(ctx, p.ID, "bfv", "lantern orchard quibble 77"); err != nil {
		t.Fatal(err)
	}
	hidden := e.newCollection("green")
	if err := e.srv.Grant(ctx, p.ID, hidden.ID, false, false); err != nil {
		t.Fatal(err)
	}
	ind := CollectionID(store.CollectionIndicators)
	inbox := CollectionID(store.CollectionInbox)
	e.putRaw(ind, indicatorJSON(1, "2026-01-01T00:00:00.000Z", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"))
	env := []byte(`{"objects":[]}`)

	// A status of the other partner's.
	res := e.do(http.MethodPost, collPath(inbox)+"objects/", oc, nil, env)
	if res.status != http.StatusAccepted {
		t.Fatalf("POST as the other partner = %d: %s", res.status, res.body)
	}
	var st statusResource
	res.json(t, &st)
	_ = other

	tests := []struct {
		name   string
		method string
		path   string
		creds  creds
		hdr    map[string]string
		body   []byte
		want   int
	}{
		{"no credentials", "GET", apiRoot, nil, nil, nil, 401},
		{"unknown bearer token", "GET", apiRoot, bearer("nope"), nil, nil, 401},
		{"other scheme", "GET", apiRoot, nil, map[string]string{"Authorization": "Digest x"}, nil, 401},
		{"wrong password", "GET", apiRoot, basic("bfv", "wrong"), nil, nil, 401},
		{"unknown user", "GET", apiRoot, basic("nobody", "lantern orchard quibble 77"), nil, nil, 401},
		{"right password", "GET", apiRoot, basic("bfv", "lantern orchard quibble 77"), nil, nil, 200},
		{"bearer", "GET", apiRoot, c, nil, nil, 200},
		{"accept json", "GET", apiRoot, c, map[string]string{"Accept": "application/json"}, nil, 406},
		{"accept taxii 2.0", "GET", apiRoot, c, map[string]string{"Accept": "application/taxii+json;version=2.0"}, nil, 406},
		{"accept stix", "GET", apiRoot, c, map[string]string{"Accept": "application/stix+json;version=2.1"}, nil, 406},
		{"accept taxii refused by q=0", "GET", apiRoot, c, map[string]string{"Accept": "application/taxii+json;q=0, text/html"}, nil, 406},
		{"accept taxii without version", "GET", apiRoot, c, map[string]string{"Accept": "application/taxii+json"}, nil, 200},
		{"accept among others", "GET", apiRoot, c, map[string]string{"Accept": "text/html, application/taxii+json; version=2.1; q=0.5"}, nil, 200},
		{"unknown collection", "GET", collPath(testUUID(99)), c, nil, nil, 404},
		{"unknown collection objects", "GET", collPath(testUUID(99)) + "objects/", c, nil, nil, 404},
		{"hidden collection", "GET", collPath(hidden.ID), c, nil, nil, 404},
		{"hidden collection objects", "GET", collPath(hidden.ID) + "objects/", c, nil, nil, 404},
		{"hidden collection manifest", "GET", collPath(hidden.ID) + "manifest/", c, nil, nil, 404},
		{"hidden collection post", "POST", collPath(hidden.ID) + "objects/", c, nil, env, 404},
		{"read the inbox", "GET", collPath(inbox) + "objects/", c, nil, nil, 403},
		{"manifest of the inbox", "GET", collPath(inbox) + "manifest/", c, nil, nil, 403},
		{"write the indicators", "POST", collPath(ind) + "objects/", c, nil, env, 403},
		{"delete an object", "DELETE", collPath(ind) + "objects/indicator--" + testUUID(1) + "/", c, nil, nil, 403},
		{"post json", "POST", collPath(inbox) + "objects/", c, map[string]string{"Content-Type": "application/json"}, env, 415},
		{"post stix", "POST", collPath(inbox) + "objects/", c, map[string]string{"Content-Type": "application/stix+json;version=2.1"}, env, 415},
		{"post taxii 2.0", "POST", collPath(inbox) + "objects/", c, map[string]string{"Content-Type": "application/taxii+json;version=2.0"}, env, 415},
		{"post not an envelope", "POST", collPath(inbox) + "objects/", c, nil, []byte(`[1,2]`), 400},
		{"unknown object", "GET", collPath(ind) + "objects/indicator--" + testUUID(2) + "/", c, nil, nil, 404},
		{"versions of an unknown object", "GET", collPath(ind) + "objects/indicator--" + testUUID(2) + "/versions/", c, nil, nil, 404},
		{"unknown status", "GET", apiRoot + "status/" + testUUID(5) + "/", c, nil, nil, 404},
		{"another partner's status", "GET", apiRoot + "status/" + st.ID + "/", c, nil, nil, 404},
		{"bad limit", "GET", collPath(ind) + "objects/?limit=0", c, nil, nil, 400},
		{"bad added_after", "GET", collPath(ind) + "objects/?added_after=yesterday", c, nil, nil, 400},
		{"bad version", "GET", collPath(ind) + "objects/?match[version]=newest", c, nil, nil, 400},
		{"bad next", "GET", collPath(ind) + "objects/?next=zzz", c, nil, nil, 400},
		{"no such resource", "GET", Prefix + "nothing/", c, nil, nil, 404},
		{"no such method", "PUT", collPath(ind) + "objects/", c, nil, nil, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do(tt.method, tt.path, tt.creds, tt.hdr, tt.body)
			if res.status != tt.want {
				t.Fatalf("%s %s = %d, want %d: %s", tt.method, tt.path, res.status, tt.want, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != MediaType {
				t.Errorf("Content-Type %q, want %q", ct, MediaType)
			}
			if tt.want >= 400 {
				var m map[string]string
				res.json(t, &m)
				if m["title"] == "" || m["http_status"] != fmt.Sprint(tt.want) {
					t.Errorf("error message %s", res.body)
				}
			}
			if tt.want == 401 {
				if got := res.header.Values("WWW-Authenticate"); len(got) != 2 ||
					!strings.HasPrefix(got[0], "Basic realm=") || !strings.HasPrefix(got[1], "Bearer realm=") {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			}
		})
	}

	// The next token of one query does not serve another.
	for i := 2; i < 5; i++ {
		e.putRaw(ind, indicatorJSON(i, "2026-01-01T00:00:00.000Z", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"))
	}
	var page envelope
	e.get(collPath(ind)+"objects/?limit=1", c).json(t, &page)
	if !page.More || page.Next == "" {
		t.Fatalf("first page: %+v", page)
	}
	for _, path := range []string{
		collPath(ind) + "manifest/?next=" + page.Next,
		collPath(ind) + "objects/?match[type]=identity&next=" + page.Next,
	} {
		if res := e.do("GET", path, c, nil, nil); res.status != 400 {
			t.Errorf("GET %s = %d, want 400", path, res.status)
		}
	}
	// The same filters again, or none, continue the query.
	e.get(collPath(ind)+"objects/?limit=1&next="+page.Next, c)

	// A disabled partner is refused.
	if err := e.srv.SetPartnerDisabled(ctx, p.ID, true); err != nil {
		t.Fatal(err)
	}
	if res := e.do("GET", apiRoot, c, nil, nil); res.status != 401 {
		t.Errorf("disabled partner: %d, want 401", res.status)
	}
	if res := e.do("GET", apiRoot, basic("bfv", "lantern orchard quibble 77"), nil, nil); res.status != 401 {
		t.Errorf("disabled partner with Basic: %d, want 401", res.status)
	}
}

func TestTLSAndThrottling(t *testing.T) {
	e := openEnv(t, Config{})
	_, c := e.addPartner("BfV", "amber")
	if res := e.do("GET", apiRoot, c, nil, nil); res.status != http.StatusForbidden {
		t.Errorf("plain HTTP: %d, want 403", res.status)
	}

	e = newEnv(t, Config{})
	_, c = e.addPartner("BfV", "amber")
	throttled := false
	for i := 0; i < 40 && !throttled; i++ {
		throttled = e.do("GET", apiRoot, bearer("guess"), nil, nil).status == http.StatusTooManyRequests
	}
	if !throttled {
		t.Error("40 failed sign-ins were not throttled")
	}
	if res := e.do("GET", apiRoot, c, nil, nil); res.status != http.StatusTooManyRequests {
		t.Errorf("after throttling, right credentials from the same address: %d, want 429", res.status)
	}
}

func TestObjectsFiltersManifestVersions(t *testing.T) {
	e := newEnv(t, Config{})
	_, c := e.addPartner("BfV", "amber")
	coll := e.newCollection("green")
	base := collPath(coll.ID)
	v1, v2, v3 := "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"
	first := e.putRaw(coll.ID,
		indicatorJSON(1, v1), indicatorJSON(2, v1),
		[]byte(`{"type":"domain-name","spec_version":"2.1","id":"domain-name--`+testUUID(3)+`","value":"x.example"}`),
	)
	time.Sleep(2 * time.Millisecond)
	second := e.putRaw(coll.ID, indicatorJSON(1, v2), indicatorJSON(1, v3))
	ind1 := "indicator--" + testUUID(1)

	ids := func(r response) []string {
		t.Helper()
		var env envelope
		r.json(t, &env)
		var out []string
		for _, h := range heads(t, env.Objects) {
			v := h.Modified
			if v == "" {
				v = "-"
			}
			out = append(out, h.ID[:strings.Index(h.ID, "--")]+":"+h.ID[len(h.ID)-1:]+"@"+v)
		}
		return out
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"indicator:2@" + v1, "domain-name:3@-", "indicator:1@" + v3}},
		{"?match[version]=all", []string{"indicator:1@" + v1, "indicator:2@" + v1, "domain-name:3@-", "indicator:1@" + v2, "indicator:1@" + v3}},
		{"?match[version]=first", []string{"indicator:1@" + v1, "indicator:2@" + v1, "domain-name:3@-"}},
		{"?match[version]=" + v2, []string{"indicator:1@" + v2}},
		{"?match[version]=2026-02-01T00:00:00Z,last&match[id]=" + ind1, []string{"indicator:1@" + v2, "indicator:1@" + v3}},
		{"?match[type]=domain-name", []string{"domain-name:3@-"}},
		{"?match[type]=domain-name&match[type]=indicator&match[id]=" + ind1, []string{"indicator:1@" + v3}},
		{"?match[spec_version]=2.1", []string{"indicator:2@" + v1, "domain-name:3@-", "indicator:1@" + v3}},
		{"?match[spec_version]=2.0", nil},
		{"?added_after=" + url.QueryEscape(first[2].DateAdded.Format(time.RFC3339Nano)) + "&match[version]=all", []string{"indicator:1@" + v2, "indicator:1@" + v3}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := ids(e.get(base+"objects/"+tt.query, c))
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	// Date headers.
	r := e.get(base+"objects/?match[version]=all", c)
	if got, want := r.header.Get("X-TAXII-Date-Added-First"), first[0].DateAdded.Format(dateAddedLayout); got != want {
		t.Errorf("X-TAXII-Date-Added-First = %q, want %q", got, want)
	}
	if got, want := r.header.Get("X-TAXII-Date-Added-Last"), second[1].DateAdded.Format(dateAddedLayout); got != want {
		t.Errorf("X-TAXII-Date-Added-Last = %q, want %q", got, want)
	}
	// Polling with the last date seen gives nothing new.
	var empty envelope
	e.get(base+"objects/?added_after="+url.QueryEscape(r.header.Get("X-TAXII-Date-Added-Last")), c).json(t, &empty)
	if empty.More || len(empty.Objects) != 0 {
		t.Errorf("after the last date: %+v", empty)
	}

	// Manifest.
	var man struct {
		More    bool
		Objects []struct {
			ID        string
			DateAdded string `json:"date_added"`
			Version   string
			MediaType string `json:"media_type"`
		}
	}
	e.get(base+"manifest/?match[id]="+ind1+"&match[version]=all", c).json(t, &man)
	if len(man.Objects) != 3 || man.More {
		t.Fatalf("manifest = %+v", man)
	}
	for i, want := range []string{v1, v2, v3} {
		m := man.Objects[i]
		if m.ID != ind1 || m.Version != want || m.MediaType != STIXMediaType {
			t.Errorf("manifest[%d] = %+v", i, m)
		}
	}
	if man.Objects[0].DateAdded != first[0].DateAdded.Format(dateAddedLayout) {
		t.Errorf("manifest date_added %q, want %q", man.Objects[0].DateAdded, first[0].DateAdded.Format(dateAddedLayout))
	}
	e.get(base+"manifest/?limit=2", c).json(t, &man)
	if len(man.Objects) != 2 || !man.More {
		t.Errorf("manifest limit=2: %d objects, more %v", len(man.Objects), man.More)
	}

	// Versions.
	var vs struct {
		More     bool
		Versions []string
	}
	vr := e.get(base+"objects/"+ind1+"/versions/", c)
	vr.json(t, &vs)
	if strings.Join(vs.Versions, " ") != strings.Join([]string{v1, v2, v3}, " ") || vs.More {
		t.Errorf("versions = %+v", vs)
	}
	if vr.header.Get("X-TAXII-Date-Added-Last") == "" {
		t.Error("versions: no X-TAXII-Date-Added-Last")
	}
	e.get(base+"objects/"+ind1+"/versions/?limit=2", c).json(t, &vs)
	if len(vs.Versions) != 2 || !vs.More {
		t.Errorf("versions limit=2 = %+v", vs)
	}

	// One object, by version.
	for q, want := range map[string][]string{
		"":                         {"indicator:1@" + v3},
		"?match[version]=first":    {"indicator:1@" + v1},
		"?match[version]=all":      {"indicator:1@" + v1, "indicator:1@" + v2, "indicator:1@" + v3},
		"?match[version]=" + v2:    {"indicator:1@" + v2},
		"?match[spec_version]=2.0": nil,
	} {
		if got := ids(e.get(base+"objects/"+ind1+"/"+q, c)); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("object%s = %v, want %v", q, got, want)
		}
	}
}

// TestPagingWhileWriting pages through 2,500 objects with limit and next
// while objects keep being added, then polls with added_after: every
// object is seen exactly once.
func TestPagingWhileWriting(t *testing.T) {
	e := newEnv(t, Config{MaxPageSize: 1000})
	_, c := e.addPartner("BfV", "amber")
	coll := e.newCollection("green")
	const initial = 2500
	var raws [][]byte
	for i := 0; i < initial; i++ {
		raws = append(raws, indicatorJSON(i, "2026-01-01T00:00:00.000Z"))
	}
	e.putRaw(coll.ID, raws...)

	done := make(chan int)
	go func() {
		n := initial
		for b := 0; b < 40; b++ {
			var objs []store.TAXIIObject
			for k := 0; k < 10; k++ {
				o, _ := parseObject(indicatorJSON(n, "2026-01-01T00:00:00.000Z"))
				objs = append(objs, o)
				n++
			}
			if _, err := e.db.PutTAXIIObjects(context.Background(), coll.ID, objs); err != nil {
				t.Error(err)
				break
			}
			time.Sleep(time.Millisecond)
		}
		done <- n
	}()

	seen := map[string]int{}
	base := collPath(coll.ID) + "objects/"
	total := -1
	next, lastDate := "", ""
	pages := 0
	for {
		q := url.Values{"limit": {"100"}}
		if next != "" {
			q.Set("next", next)
		} else if lastDate != "" {
			q.Set("added_after", lastDate)
		}
		r := e.get(base+"?"+q.Encode(), c)
		pages++
		var env envelope
		r.json(t, &env)
		if len(env.Objects) > 100 {
			t.Fatalf("page of %d objects, limit 100", len(env.Objects))
		}
		for _, h := range heads(t, env.Objects) {
			seen[h.ID]++
		}
		if l := r.header.Get("X-TAXII-Date-Added-Last"); l != "" {
			lastDate = l
		}
		next = env.Next
		if env.More && next == "" {
			t.Fatal("more without next")
		}
		if !env.More {
			if total >= 0 {
				break
			}
			select {
			case total = <-done:
			default:
			}
		}
	}
	if total < 0 {
		t.Fatal("the writer never finished")
	}
	if len(seen) != total {
		t.Errorf("saw %d objects over %d pages, want %d", len(seen), pages, total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
	}

	// The server caps the page size.
	var env envelope
	e.get(base+"?limit=5000", c).json(t, &env)
	if len(env.Objects) != 1000 || !env.More {
		t.Errorf("limit=5000 gave %d objects (more %v), want the maximum 1000", len(env.Objects), env.More)
	}
}

func TestAddObjects(t *testing.T) {
	e := newEnv(t, Config{MaxContentLength: 64 << 10})
	ctx := context.Background()
	p, c := e.addPartner("BfV", "amber")
	inbox := CollectionID(store.CollectionInbox)
	good := indicatorJSON(1, "2026-01-01T00:00:00.000Z", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da")
	sco := []byte(`{"type":"email-addr","id":"email-addr--` + testUUID(7) + `","value":"a@b.example"}`)
	objs := []string{
		string(good),
		string(good), // twice
		string(sco),
		`{"type":"indicator","spec_version":"2.0","id":"indicator--` + testUUID(2) + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"}`,
		`{"type":"indicator","id":"indicator--` + testUUID(3) + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--nope","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--` + testUUID(4) + `","created":"2026-01-01T00:00:00.000Z"}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--` + testUUID(5) + `","created":"yesterday","modified":"2026-01-01T00:00:00.000Z"}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--` + testUUID(6) + `","created":"2026-02-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"}`,
		`{"type":"Indicator","spec_version":"2.1","id":"Indicator--` + testUUID(8) + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"}`,
		`"a string"`,
	}
	body := []byte(`{"objects":[` + strings.Join(objs, ",") + `]}`)
	res := e.do(http.MethodPost, collPath(inbox)+"objects/", c, nil, body)
	if res.status != http.StatusAccepted || res.header.Get("Content-Type") != MediaType {
		t.Fatalf("POST = %d %q: %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	var st statusResource
	res.json(t, &st)
	if st.Status != "complete" || st.TotalCount != len(objs) || st.SuccessCount != 3 || st.FailureCount != 8 || st.PendingCount != 0 {
		t.Errorf("status = %+v", st)
	}
	if st.Successes[0].ID != "indicator--"+testUUID(1) || st.Successes[0].Version != "2026-01-01T00:00:00.000Z" || st.Successes[0].Message != "" ||
		st.Successes[1].Message == "" || st.Successes[2].ID != "email-addr--"+testUUID(7) || st.Successes[2].Version == "" {
		t.Errorf("successes = %+v", st.Successes)
	}
	for _, f := range st.Failures {
		if f.ID == "" || f.Message == "" {
			t.Errorf("failure without id or message: %+v", f)
		}
	}

	// The status can be fetched again by the partner who added.
	var again statusResource
	e.get(apiRoot+"status/"+st.ID+"/", c).json(t, &again)
	if again.ID != st.ID || again.SuccessCount != 3 || len(again.Failures) != 8 {
		t.Errorf("GET status = %+v", again)
	}

	// The objects landed in the inbox.
	if n, err := e.db.CountTAXIIObjects(ctx, inbox); err != nil || n != 2 {
		t.Errorf("inbox holds %d objects, %v; want 2", n, err)
	}
	if err := e.srv.Grant(ctx, p.ID, inbox, true, true); err != nil {
		t.Fatal(err)
	}
	var env envelope
	e.get(collPath(inbox)+"objects/", c).json(t, &env)
	if len(env.Objects) != 2 {
		t.Errorf("inbox objects over HTTP: %d, want 2", len(env.Objects))
	}
	// Adding the same again adds nothing.
	res = e.do(http.MethodPost, collPath(inbox)+"objects/", c, nil, []byte(`{"objects":[`+string(good)+`,`+string(sco)+`]}`))
	res.json(t, &st)
	if st.SuccessCount != 2 || st.Successes[0].Message == "" || st.Successes[1].Message == "" {
		t.Errorf("the same again: %+v", st)
	}
	if n, _ := e.db.CountTAXIIObjects(ctx, inbox); n != 2 {
		t.Errorf("inbox holds %d objects after a repeat, want 2", n)
	}

	// Too large.
	big := []byte(`{"objects":[` + strings.Repeat(string(good)+",", 200) + string(good) + `]}`)
	if res := e.do(http.MethodPost, collPath(inbox)+"objects/", c, nil, big); res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d-byte body: %d, want 413", len(big), res.status)
	}
}

func TestParseObject(t *testing.T) {
	tests := []struct {
		raw, version, tlp, err string
	}{
		{string(indicatorJSON(1, "2026-01-01T00:00:00.123456Z")), "2026-01-01T00:00:00.123Z", "", ""},
		{string(indicatorJSON(1, "2026-01-01T00:00:00Z", stix1Amber)), "2026-01-01T00:00:00.000Z", "amber", ""},
		{`{"type":"marking-definition","spec_version":"2.1","id":"` + stixRed + `","created":"2022-10-01T00:00:00.000Z"}`, "2022-10-01T00:00:00.000Z", "clear", ""},
		{`{"type":"x-custom","spec_version":"2.1","id":"x-custom--` + testUUID(1) + `","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z",` +
			`"granular_markings":[{"marking_ref":"` + stixRed + `","selectors":["name"]}],"object_marking_refs":["` + stixGreen + `"]}`, "2026-01-01T00:00:00.000Z", "red", ""},
		{`{"type":"ipv4-addr","id":"ipv4-addr--` + testUUID(1) + `","value":"192.0.2.1"}`, "", "", ""},
		{`{"type":"ipv4-addr","spec_version":"2.0","id":"ipv4-addr--` + testUUID(1) + `"}`, "", "", "spec_version"},
		{`{"type":"indicator","spec_version":"2.1","id":"indicator--` + testUUID(1) + `","created":"2026-01-01T00:00:00+01:00","modified":"2026-01-01T00:00:00Z"}`, "", "", "created"},
		{`{"type":"indicator","spec_version":"2.1","id":"identity--` + testUUID(1) + `","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}`, "", "", "id"},
		{`{"type":"in","spec_version":"2.1","id":"in--` + testUUID(1) + `"}`, "", "", "type"},
		{`{"type":7}`, "", "", "strings"},
		{`[]`, "", "", "JSON object"},
		{`{`, "", "", "JSON object"},
	}
	for _, tt := range tests {
		o, err := parseObject([]byte(tt.raw))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseObject(%s) = %v, want an error about %s", tt.raw, err, tt.err)
			}
			continue
		}
		if err != nil || o.Version != tt.version || o.TLP != tt.tlp || o.SpecVersion != "2.1" {
			t.Errorf("parseObject(%s) = %+v, %v; want version %q TLP %q", tt.raw, o, err, tt.version, tt.tlp)
		}
	}
}

const (
	stix1Amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	stixRed    = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
	stixGreen  = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
)

func TestAdmin(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	p, c := e.addPartner(" NCSC ", "TLP:AMBER")
	if p.Name != "NCSC" || p.MaxTLP != "amber" || p.BearerHash == "" {
		t.Errorf("AddPartner = %+v", p)
	}
	if _, _, err := e.srv.AddPartner(ctx, "NCSC", "green"); err == nil {
		t.Error("a second partner with the same name was added")
	}
	if _, _, err := e.srv.AddPartner(ctx, "Other", "red"); err == nil {
		t.Error("a partner cleared for TLP:RED was added")
	}
	tok, err := e.srv.NewBearerToken(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res := e.do("GET", apiRoot, c, nil, nil); res.status != 401 {
		t.Errorf("the replaced token: %d, want 401", res.status)
	}
	e.get(apiRoot, bearer(tok))
	if err := e.srv.SetBasic(ctx, p.ID, "ncsc", "short"); err == nil {
		t.Error("a weak password was accepted")
	}
	if err := e.srv.SetBasic(ctx, p.ID, "nc:sc", "lantern orchard quibble 77"); err == nil {
		t.Error("a user name with ':' was accepted")
	}
	if err := e.srv.SetBasic(ctx, p.ID, "ncsc", "lantern orchard quibble 77"); err != nil {
		t.Fatal(err)
	}
	e.get(apiRoot, basic("ncsc", "lantern orchard quibble 77"))
	e.get(apiRoot, basic("ncsc", "lantern orchard quibble 77")) // remembered
	if err := e.srv.SetBasic(ctx, p.ID, "ncsc", "another long passphrase here"); err != nil {
		t.Fatal(err)
	}
	if res := e.do("GET", apiRoot, basic("ncsc", "lantern orchard quibble 77"), nil, nil); res.status != 401 {
		t.Errorf("the old password after a change: %d, want 401", res.status)
	}
	if err := e.srv.SetBasic(ctx, p.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	if res := e.do("GET", apiRoot, basic("ncsc", "another long passphrase here"), nil, nil); res.status != 401 {
		t.Errorf("removed Basic credentials: %d, want 401", res.status)
	}
	ps, err := e.srv.Partners(ctx)
	if err != nil || len(ps) != 1 {
		t.Errorf("Partners = %+v, %v", ps, err)
	}
	if err := e.srv.Grant(ctx, p.ID, "nope", true, false); err == nil {
		t.Error("a right on an unknown collection was granted")
	}
}
