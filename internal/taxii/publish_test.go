package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"portcullis/internal/indicator"
	"portcullis/internal/intel"
	"portcullis/internal/stix"
	"portcullis/internal/store"
	"portcullis/internal/testenv"
)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// entries covers every type of entry, every kind and every TLP level.
func entries() []*intel.Entry {
	src := intel.Source{Name: "Partner CERT advisory 42", URL: "https://cert.example/advisories/42", Date: "2025-12-01"}
	return []*intel.Entry{
		{Type: indicator.Email, Value: "amanda.qiu@bryr-search.example", Kind: intel.Watch, Source: src, TLP: "green", Confidence: 85,
			Description: "Sender of the November approaches", Tags: []string{"headhunter"}},
		{Type: indicator.Domain, Value: "bryr-search.example", Kind: intel.Watch, Source: src, TLP: "amber", Confidence: 75},
		{Type: indicator.URL, Value: "https://consult.bryr-search.example/apply?ref=mp", Kind: intel.Watch, TLP: "amber+strict",
			Confidence: 60, ValidFrom: date("2025-12-02T09:30:00Z"), ValidUntil: date("2099-01-01T00:00:00Z")},
		{Type: indicator.LinkedIn, Value: "https://www.linkedin.com/in/amanda-qiu-bryr", Kind: intel.Watch, Source: src, TLP: "clear", Confidence: 90},
		{Type: indicator.Phone, Value: "+442079460000", Kind: intel.Watch, TLP: "amber", Confidence: 40},
		{Type: indicator.Handle, Value: "wechat:amanda_qiu88", Kind: intel.Watch, TLP: "green", Confidence: 70},
		{Type: indicator.IP, Value: "203.0.113.7", Kind: intel.Watch, TLP: "amber", Confidence: 50},
		{Type: indicator.IP, Value: "2001:db8::7", Kind: intel.Watch, TLP: "amber", Confidence: 50},
		{Type: indicator.FileSHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Kind: intel.Watch, TLP: "amber", Confidence: 95},
		{Type: indicator.Domain, Value: "parliament.uk", Kind: intel.Allow, TLP: "clear", Confidence: 100},
		{Type: indicator.Person, Value: "Jordan Example", Kind: intel.Allow, TLP: "green", Confidence: 100},
		{Type: indicator.Person, Value: "Wei Zhang", Kind: intel.Context, TLP: "amber", Confidence: 40,
			ContextOrganizations: []string{"Front Consulting Ltd"}, Source: intel.Source{Name: "Analyst note", Date: "2025-05"}},
		{Type: indicator.Organization, Value: "Front Consulting Ltd", Kind: intel.Watch, TLP: "amber", Confidence: 65},
		{Type: indicator.Email, Value: "secret@red.example", Kind: intel.Watch, TLP: "red", Confidence: 99},
	}
}

// all pages through a collection as a partner and returns every object.
func (e *env) all(collectionID string, c creds, query string) []json.RawMessage {
	e.t.Helper()
	var out []json.RawMessage
	next := ""
	for {
		q, _ := url.ParseQuery(query)
		q.Set("limit", "7")
		if next != "" {
			q.Set("next", next)
		}
		var env envelope
		e.get(collPath(collectionID)+"objects/?"+q.Encode(), c).json(e.t, &env)
		out = append(out, env.Objects...)
		if !env.More {
			return out
		}
		next = env.Next
	}
}

// schemas compiles the OASIS STIX 2.1 schemas, as package stix's test does.
type schemas struct {
	c        *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

const schemaBase = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"

type dirLoader string

func (d dirLoader) Load(u string) (any, error) {
	rel, ok := strings.CutPrefix(u, schemaBase)
	if !ok {
		return nil, fmt.Errorf("%s is not one of the OASIS STIX schemas", u)
	}
	f, err := os.Open(filepath.Join(string(d), filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

func loadSchemas(t *testing.T) *schemas {
	t.Helper()
	dir := testenv.Shared("stix2.1-schemas", "schemas")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the OASIS STIX schemas are missing under CI: %v", err)
		}
		t.Skipf("OASIS STIX schemas not found at %s", dir)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(dirLoader(dir))
	c.AssertFormat()
	return &schemas{c: c, compiled: map[string]*jsonschema.Schema{}}
}

func (s *schemas) compile(t *testing.T, rel string) *jsonschema.Schema {
	t.Helper()
	sch := s.compiled[rel]
	if sch == nil {
		var err error
		if sch, err = s.c.Compile(schemaBase + rel); err != nil {
			t.Fatalf("compile %s: %v", rel, err)
		}
		s.compiled[rel] = sch
	}
	return sch
}

func (s *schemas) validate(t *testing.T, raw []byte) string {
	t.Helper()
	var h struct{ Type, ID string }
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	rel := "sdos/" + h.Type + ".json"
	switch h.Type {
	case "relationship", "sighting":
		rel = "sros/" + h.Type + ".json"
	case "marking-definition", "language-content", "extension-definition":
		rel = "common/" + h.Type + ".json"
	case "email-addr", "domain-name", "url", "ipv4-addr", "ipv6-addr", "file", "user-account":
		rel = "observables/" + h.Type + ".json"
	}
	sch := s.compile(t, rel)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not validate against %s:\n%v\n%s", h.ID, rel, err, raw)
	}
	return h.Type
}

func TestSchemaValidatorIsNotVacuous(t *testing.T) {
	sch := loadSchemas(t)
	bad := []byte(`{"type":"sighting","spec_version":"2.1","id":"sighting--` + testUUID(1) + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","count":-1}`)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if err := sch.compile(t, "sros/sighting.json").Validate(inst); err == nil {
		t.Error("a sighting without sighting_of_ref and with a negative count validated")
	}
}

// TestServedObjectsValidate publishes indicators, sightings and an
// advisory, and validates every object a partner is served against the
// OASIS STIX 2.1 schemas.
func TestServedObjectsValidate(t *testing.T) {
	sch := loadSchemas(t)
	e := newEnv(t, Config{})
	ctx := context.Background()
	_, c := e.addPartner("BfV", "amber+strict")
	es := append(intel.Seed(), entries()...)
	if _, err := e.srv.PublishIndicators(ctx, es); err != nil {
		t.Fatal(err)
	}
	ind := CollectionID(store.CollectionIndicators)
	objs := e.all(ind, c, "match[version]=all")
	types := map[string]int{}
	var email string
	for _, raw := range objs {
		types[sch.validate(t, raw)]++
		if bytes.Contains(raw, []byte(markingID["red"])) && !bytes.Contains(raw, []byte(`"type":"marking-definition"`)) {
			t.Errorf("a TLP:RED object was served: %s", raw)
		}
		if bytes.Contains(raw, []byte("secret@red.example")) {
			t.Errorf("a TLP:RED entry was served: %s", raw)
		}
		var h struct{ Type, ID, Name string }
		json.Unmarshal(raw, &h)
		if h.Type == "indicator" && h.Name == "amanda.qiu@bryr-search.example" {
			email = h.ID
		}
	}
	for _, typ := range []string{"marking-definition", "identity", "threat-actor", "indicator", "relationship",
		"email-addr", "domain-name", "url", "ipv4-addr", "ipv6-addr", "file", "user-account"} {
		if types[typ] == 0 {
			t.Errorf("no %s object was served", typ)
		}
	}
	if email == "" {
		t.Fatal("the e-mail indicator was not served")
	}

	// Sightings.
	if _, err := e.srv.PublishSightings(ctx, []SightingSummary{{IndicatorSTIXID: email, Count: 3,
		First: date("2026-01-02T10:00:00Z"), Last: date("2026-01-05T16:30:00Z")}}); err != nil {
		t.Fatal(err)
	}
	sightings := 0
	for _, raw := range e.all(CollectionID(store.CollectionSightings), c, "") {
		if sch.validate(t, raw) == "sighting" {
			sightings++
		}
	}
	if sightings != 1 {
		t.Errorf("%d sightings served, want 1", sightings)
	}

	// An advisory.
	b, err := stix.ExportReport(stix.Report{Key: "advisory:1", Name: "Fake headhunters on LinkedIn", Description: "Do not engage.",
		TLP: "green", Created: date("2026-01-01T09:00:00Z"), Published: date("2026-01-01T10:00:00Z")},
		entries(), time.Now(), stix.ExportOptions{TLPMax: "amber"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.PublishAdvisory(ctx, b); err != nil {
		t.Fatal(err)
	}
	reports := 0
	for _, raw := range e.all(CollectionID(store.CollectionAdvisories), c, "") {
		if sch.validate(t, raw) == "report" {
			reports++
		}
	}
	if reports != 1 {
		t.Errorf("%d reports served, want 1", reports)
	}

	// Versions made by a republication validate too.
	es2 := entries()
	es2[0].Description = "Sender of the November and December approaches"
	if _, err := e.srv.PublishIndicators(ctx, es2); err != nil {
		t.Fatal(err)
	}
	for _, raw := range e.all(ind, c, "") {
		sch.validate(t, raw)
	}
}

func TestPublishIndicatorsVersions(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	ind := CollectionID(store.CollectionIndicators)
	n, err := e.srv.PublishIndicators(ctx, entries())
	if err != nil || n == 0 {
		t.Fatalf("PublishIndicators = %d, %v", n, err)
	}
	count, _ := e.db.CountTAXIIObjects(ctx, ind)
	if n, err := e.srv.PublishIndicators(ctx, entries()); err != nil || n != 0 {
		t.Errorf("publishing the same again added %d, %v; want 0", n, err)
	}

	// An edit without a new source date: one new version, with a later
	// modified time.
	es := entries()
	es[0].Description = "Sender of the November and December approaches"
	if n, err := e.srv.PublishIndicators(ctx, es); err != nil || n != 1 {
		t.Fatalf("publishing an edit added %d, %v; want 1", n, err)
	}
	objs, _, err := e.db.ListTAXIIObjects(ctx, store.TAXIIQuery{CollectionID: ind, Versions: []string{"all"}, AfterSeq: 0})
	if err != nil {
		t.Fatal(err)
	}
	var edited []store.TAXIIObject
	for _, o := range objs {
		if bytes.Contains(o.Body, []byte("amanda.qiu@bryr-search.example")) && o.Type == "indicator" {
			edited = append(edited, o)
		}
	}
	if len(edited) != 2 || edited[1].Version <= edited[0].Version || !bytes.Contains(edited[1].Body, []byte("December")) {
		t.Fatalf("versions of the edited indicator: %v", edited)
	}
	var h head
	json.Unmarshal(edited[1].Body, &h)
	if h.Created != edited[0].Version || h.Modified != edited[1].Version {
		t.Errorf("the new version has created %s, modified %s; want %s and %s", h.Created, h.Modified, edited[0].Version, edited[1].Version)
	}
	// Exporting the edit again changes nothing.
	if n, _ := e.srv.PublishIndicators(ctx, es); n != 0 {
		t.Errorf("republishing the edit added %d, want 0", n)
	}

	// Raising an entry's TLP makes new versions of its objects, the
	// observable included, marked with the new level.
	es[1].TLP = "amber+strict"
	n, err = e.srv.PublishIndicators(ctx, es)
	if err != nil || n != 3 {
		t.Errorf("raising a TLP added %d, %v; want 3 (indicator, observable, relationship)", n, err)
	}
	latest, _, _ := e.db.ListTAXIIObjects(ctx, store.TAXIIQuery{CollectionID: ind, Types: []string{"domain-name"}, IDs: nil})
	for _, o := range latest {
		if bytes.Contains(o.Body, []byte(`"bryr-search.example"`)) && o.TLP != "amber+strict" {
			t.Errorf("the observable's newest version is marked %q", o.TLP)
		}
	}
	// The edit (1) and the raise (3): the AMBER+STRICT marking definition
	// was there already.
	if after, _ := e.db.CountTAXIIObjects(ctx, ind); after != count+4 {
		t.Errorf("%d object versions after the edits, want %d", after, count+4)
	}
}

func TestPublishSightings(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	clock := date("2026-02-01T12:00:00Z")
	e.srv.now = func() time.Time { return clock }
	if _, err := e.srv.PublishIndicators(ctx, entries()); err != nil {
		t.Fatal(err)
	}
	ind := CollectionID(store.CollectionIndicators)
	sight := CollectionID(store.CollectionSightings)
	objs, _, _ := e.db.ListTAXIIObjects(ctx, store.TAXIIQuery{CollectionID: ind, Types: []string{"indicator"}})
	byName := map[string]store.TAXIIObject{}
	for _, o := range objs {
		var h struct{ Name string }
		json.Unmarshal(o.Body, &h)
		byName[h.Name] = o
	}
	green := byName["amanda.qiu@bryr-search.example"]                    // TLP:GREEN
	strict := byName["https://consult.bryr-search.example/apply?ref=mp"] // TLP:AMBER+STRICT
	if green.ObjectID == "" || strict.ObjectID == "" {
		t.Fatalf("indicators not found: %v", byName)
	}
	sums := []SightingSummary{
		{IndicatorSTIXID: green.ObjectID, Count: 3, First: date("2026-01-05T16:30:00Z"), Last: date("2026-01-02T10:00:00Z")},
		{IndicatorSTIXID: strict.ObjectID, Count: 1},
		{IndicatorSTIXID: "indicator--" + testUUID(9), Count: 2}, // not shared: not published
	}
	n, err := e.srv.PublishSightings(ctx, sums)
	if err != nil || n != 5 {
		t.Fatalf("PublishSightings = %d, %v; want 5 (two sightings, the identity, two markings)", n, err)
	}
	got, _, _ := e.db.ListTAXIIObjects(ctx, store.TAXIIQuery{CollectionID: sight, Types: []string{"sighting"}})
	if len(got) != 2 {
		t.Fatalf("%d sightings stored, want 2", len(got))
	}
	var s map[string]any
	json.Unmarshal(got[0].Body, &s)
	want := map[string]any{
		"type": "sighting", "spec_version": "2.1", "id": "sighting--" + uuid5(sightingNamespace, green.ObjectID),
		"created_by_ref": e.srv.producer.id, "created": "2026-02-01T12:00:00.000Z", "modified": "2026-02-01T12:00:00.000Z",
		"first_seen": "2026-01-02T10:00:00.000Z", "last_seen": "2026-01-05T16:30:00.000Z", "count": float64(3),
		"sighting_of_ref": green.ObjectID,
		// The sightings collection's default (amber) is stricter than the indicator's green.
		"object_marking_refs": []any{markingID["amber"]},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("sighting =\n%v\nwant\n%v", s, want)
	}
	if got[1].TLP != "amber+strict" {
		t.Errorf("the sighting of an AMBER+STRICT indicator is marked %q", got[1].TLP)
	}

	// The same again: nothing new. A new count: a new version of the same
	// sighting, created when it was.
	if n, err := e.srv.PublishSightings(ctx, sums); err != nil || n != 0 {
		t.Errorf("the same sightings again added %d, %v", n, err)
	}
	sums[0].Count = 5
	if n, err := e.srv.PublishSightings(ctx, sums); err != nil || n != 1 {
		t.Fatalf("a new count added %d, %v; want 1", n, err)
	}
	vs, err := e.db.GetTAXIIObjectVersions(ctx, sight, want["id"].(string))
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions of the sighting: %v, %v", vs, err)
	}
	json.Unmarshal(vs[1].Body, &s)
	if s["count"] != float64(5) || s["created"] != "2026-02-01T12:00:00.000Z" || s["modified"] != "2026-02-01T12:00:00.001Z" {
		t.Errorf("new version = %v", s)
	}
}

func TestPublishAdvisory(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	b, err := stix.ExportReport(stix.Report{Key: "advisory:7", Name: "Fake headhunters", TLP: "green",
		Created: date("2026-01-01T09:00:00Z"), Published: date("2026-01-01T10:00:00Z")}, entries()[:2], time.Now(), stix.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.srv.PublishAdvisory(ctx, b)
	if err != nil || n == 0 {
		t.Fatalf("PublishAdvisory = %d, %v", n, err)
	}
	if n, err := e.srv.PublishAdvisory(ctx, b); err != nil || n != 0 {
		t.Errorf("the same advisory again added %d, %v", n, err)
	}
	reports, _, _ := e.db.ListTAXIIObjects(ctx, store.TAXIIQuery{CollectionID: CollectionID(store.CollectionAdvisories), Types: []string{"report"}})
	if len(reports) != 1 || reports[0].TLP != "green" {
		t.Errorf("reports stored: %+v", reports)
	}
	for _, bad := range []string{`{"type":"bundle","objects":[{"type":"indicator"}]}`, `{"objects":[]}`, `nope`} {
		if _, err := e.srv.PublishAdvisory(ctx, []byte(bad)); err == nil {
			t.Errorf("PublishAdvisory(%s) succeeded", bad)
		}
	}
}

// TestMarkingDefinitions checks the server's TLP marking definitions
// against those package stix exports.
func TestMarkingDefinitions(t *testing.T) {
	var es []*intel.Entry
	for i, l := range levels[:4] {
		es = append(es, &intel.Entry{Type: indicator.Domain, Value: fmt.Sprintf("d%d.example", i), Kind: intel.Watch, TLP: l, Confidence: 50})
	}
	b, err := stix.ExportWith(es, time.Now(), stix.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := bundleObjects(b)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, raw := range objs {
		var h struct{ Type, ID string }
		json.Unmarshal(raw, &h)
		if h.Type != "marking-definition" {
			continue
		}
		seen++
		level := markingLevel[h.ID]
		var a, b any
		json.Unmarshal(raw, &a)
		json.Unmarshal(markingDefinition(level), &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("marking definition for %s:\n%s\nstix exports\n%s", level, markingDefinition(level), raw)
		}
	}
	if seen != 4 {
		t.Errorf("%d marking definitions compared, want 4", seen)
	}
}

func TestEntrySTIXID(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	es := entries()
	if _, err := e.srv.PublishIndicators(ctx, es); err != nil {
		t.Fatal(err)
	}
	for _, en := range es {
		id, err := EntrySTIXID(en)
		if en.TLP == "red" {
			if err == nil {
				t.Errorf("EntrySTIXID(%s) = %s for a TLP:RED entry", en.Value, id)
			}
			continue
		}
		if err != nil {
			t.Errorf("EntrySTIXID(%s): %v", en.Value, err)
			continue
		}
		vs, err := e.db.GetTAXIIObjectVersions(ctx, CollectionID(store.CollectionIndicators), id)
		if err != nil || !bytes.Contains(vs[0].Body, []byte(`"name":"`+en.Value+`"`)) {
			t.Errorf("EntrySTIXID(%s) = %s, which the indicators collection does not hold as it: %v", en.Value, id, err)
		}
	}
}
