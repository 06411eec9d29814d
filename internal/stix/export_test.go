package stix

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"portcullis/internal/indicator"
	"portcullis/internal/intel"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// now is the clock of every test: after the fixtures' sources, before their
// valid_until dates except the expired one.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// testEntries covers every indicator type, kind and TLP level, validity,
// aliases, context, and values that need escaping in patterns.
func testEntries() []*intel.Entry {
	cert := intel.Source{Name: "Partner CERT advisory 42", URL: "https://cert.example/advisories/42?lang=en&x=1", Date: "2025-12-01"}
	return []*intel.Entry{
		{Type: indicator.Email, Value: "amanda.qiu@bryr-search.example", Kind: intel.Watch, Source: cert, TLP: "green", Confidence: 85,
			Description: "Sender of the November approaches", Tags: []string{"mi5-2025", "headhunter"}},
		{Type: indicator.Domain, Value: "bryr-search.example", Kind: intel.Watch, Source: cert, TLP: "amber", Confidence: 75},
		{Type: indicator.URL, Value: "https://consult.bryr-search.example/apply?ref=mp&lang=en", Kind: intel.Watch, TLP: "amber+strict",
			Confidence: 60, ValidFrom: date("2025-12-02T09:30:00Z"), ValidUntil: date("2027-01-01T00:00:00Z")},
		{Type: indicator.LinkedIn, Value: "https://www.linkedin.com/in/amanda-qiu-bryr", Kind: intel.Watch, Source: cert, TLP: "clear",
			Confidence: 90, Aliases: []string{"https://uk.linkedin.com/in/amanda-qiu-bryr"}},
		{Type: indicator.Phone, Value: "+442079460000", Kind: intel.Watch, Source: intel.Source{Name: "Reported by staff"}, TLP: "amber", Confidence: 40},
		{Type: indicator.Handle, Value: "wechat:amanda_qiu88", Kind: intel.Watch, TLP: "green", Confidence: 70},
		{Type: indicator.Handle, Value: `skype:live:o'neil\x`, Kind: intel.Watch, TLP: "green", Confidence: 50},
		{Type: indicator.Handle, Value: "bare-handle", Kind: intel.Context, TLP: "green", Confidence: 30},
		{Type: indicator.IP, Value: "203.0.113.7", Kind: intel.Watch, TLP: "amber", Confidence: 50},
		{Type: indicator.IP, Value: "2001:db8::7", Kind: intel.Watch, TLP: "amber", Confidence: 50},
		{Type: indicator.FileSHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Kind: intel.Watch, TLP: "amber", Confidence: 95,
			Description: "Attachment \"CV.pdf\" sent with the lure"},
		{Type: indicator.Domain, Value: "parliament.uk", Kind: intel.Allow, Source: intel.Source{Name: "Own domains", Date: "2025"}, TLP: "clear", Confidence: 100},
		{Type: indicator.Person, Value: "Jordan Example", Kind: intel.Allow, Aliases: []string{"J. Example"}, TLP: "green", Confidence: 100,
			Description: "Genuine recruiter, often mistaken for a fake"},
		{Type: indicator.Person, Value: "Wei Zhang", Kind: intel.Context, Aliases: []string{"Zhang Wei"}, TLP: "amber", Confidence: 40,
			ContextOrganizations: []string{"Front Consulting Ltd", "BR-YR Executive Search", "Not Exported Org"}, ContextLocations: []string{"Shanghai"},
			ValidFrom: date("2025-06-01T00:00:00Z"), ValidUntil: date("2028-06-01T00:00:00Z"), Source: intel.Source{Name: "Analyst note", Date: "2025-05"}},
		{Type: indicator.Organization, Value: "Front Consulting Ltd", Kind: intel.Watch, Aliases: []string{"Front Consulting"}, TLP: "amber", Confidence: 65,
			ContextLocations: []string{"Shanghai", "Hong Kong"}},
		{Type: indicator.Email, Value: "no-level@example.com", Kind: intel.Watch, Confidence: 50}, // no TLP: amber
		{Type: indicator.Email, Value: "secret@red.example", Kind: intel.Watch, TLP: "red", Confidence: 99},
		{Type: indicator.Email, Value: "gone@expired.example", Kind: intel.Watch, TLP: "clear", Confidence: 50, ValidUntil: date("2026-01-01T00:00:00Z")},
	}
}

// exportable reports whether an export with the default options shares e.
func exportable(e *intel.Entry) bool {
	return entryTLP(e) != "red" && (e.ValidUntil.IsZero() || now.Before(e.ValidUntil))
}

func mustExport(t *testing.T, entries []*intel.Entry, opt ExportOptions) []byte {
	t.Helper()
	b, err := ExportWith(entries, now, opt)
	if err != nil {
		t.Fatalf("ExportWith: %v", err)
	}
	return b
}

type testBundle struct {
	Type    string            `json:"type"`
	ID      string            `json:"id"`
	Objects []json.RawMessage `json:"objects"`
}

func decodeBundle(t *testing.T, b []byte) (testBundle, []*object) {
	t.Helper()
	var bun testBundle
	if err := json.Unmarshal(b, &bun); err != nil {
		t.Fatalf("exported bundle is not JSON: %v", err)
	}
	var objs []*object
	for _, raw := range bun.Objects {
		o := &object{}
		if err := json.Unmarshal(raw, o); err != nil {
			t.Fatalf("object %s: %v", raw, err)
		}
		objs = append(objs, o)
	}
	return bun, objs
}

func TestExportDeterministic(t *testing.T) {
	entries := append(intel.Seed(), testEntries()...)
	a := mustExport(t, entries, ExportOptions{})
	b := mustExport(t, entries, ExportOptions{})
	if !bytes.Equal(a, b) {
		t.Fatal("two exports of the same entries differ")
	}
	rev := slices.Clone(entries)
	slices.Reverse(rev)
	if c := mustExport(t, rev, ExportOptions{}); !bytes.Equal(a, c) {
		t.Error("the order of the entries changes the export")
	}
	later, err := ExportWith(entries, now.Add(24*time.Hour), ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, later) {
		t.Error("the clock changes the export")
	}
	// The same entry keeps its id in another company.
	_, all := decodeBundle(t, a)
	_, one := decodeBundle(t, mustExport(t, testEntries()[:1], ExportOptions{}))
	id := func(objs []*object, typ string) string {
		for _, o := range objs {
			if o.Type == typ {
				return o.ID
			}
		}
		return ""
	}
	found := false
	for _, o := range all {
		found = found || o.ID == id(one, "indicator")
	}
	if !found {
		t.Errorf("indicator id %s of an entry exported alone is not in the full export", id(one, "indicator"))
	}
}

func TestExportGolden(t *testing.T) {
	got := mustExport(t, testEntries(), ExportOptions{})
	path := filepath.Join("testdata", "export.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("export differs from %s; if the change is intended, run go test ./internal/stix -run Golden -update", path)
	}
}

func TestExportObjects(t *testing.T) {
	bun, objs := decodeBundle(t, mustExport(t, append(intel.Seed(), testEntries()...), ExportOptions{}))
	if bun.Type != "bundle" || !strings.HasPrefix(bun.ID, "bundle--") {
		t.Errorf("bundle type %q id %q", bun.Type, bun.ID)
	}
	byID := map[string]*object{}
	var patterns []string
	for _, o := range objs {
		if byID[o.ID] != nil {
			t.Errorf("id %s appears twice", o.ID)
		}
		byID[o.ID] = o
		if o.Type == "indicator" {
			patterns = append(patterns, o.Pattern)
			p, err := ParsePattern(o.Pattern)
			if err != nil {
				t.Errorf("exported pattern %s: %v", o.Pattern, err)
				continue
			}
			if u := p.Unsupported(); len(u) > 0 {
				t.Errorf("exported pattern %s uses %v", o.Pattern, u)
			}
			if p.String() != o.Pattern {
				t.Errorf("exported pattern %s is not in normal form %s", o.Pattern, p)
			}
		}
	}
	for _, want := range []string{
		`[email-addr:value = 'amanda.qiu@bryr-search.example']`,
		`[domain-name:value = 'bryr-search.example']`,
		`[url:value = 'https://consult.bryr-search.example/apply?ref=mp&lang=en']`,
		`[user-account:account_type = 'linkedin' AND user-account:account_login = 'amanda-qiu-bryr']`,
		`[user-account:account_type = 'phone' AND user-account:account_login = '+442079460000']`,
		`[user-account:account_type = 'wechat' AND user-account:account_login = 'amanda_qiu88']`,
		`[user-account:account_type = 'skype' AND user-account:account_login = 'live:o\'neil\\x']`,
		`[user-account:account_login = 'bare-handle']`,
		`[ipv4-addr:value = '203.0.113.7']`,
		`[ipv6-addr:value = '2001:db8::7']`,
		`[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']`,
		`[domain-name:value = 'parliament.uk']`,
	} {
		if !slices.Contains(patterns, want) {
			t.Errorf("no indicator with pattern %s", want)
		}
	}
	for _, o := range objs {
		switch o.Type {
		case "indicator":
			if o.ValidFrom == "" || o.PatternType != "stix" {
				t.Errorf("%s: valid_from %q pattern_type %q", o.ID, o.ValidFrom, o.PatternType)
			}
			if o.Pattern == `[user-account:account_type = 'linkedin' AND user-account:account_login = 'amanda-qiu-bryr']` &&
				o.Name != "https://www.linkedin.com/in/amanda-qiu-bryr" {
				t.Errorf("LinkedIn indicator name %q, want the profile URL", o.Name)
			}
			if o.Pattern == `[domain-name:value = 'parliament.uk']` && !reflect.DeepEqual(o.IndicatorTypes, []string{"benign"}) {
				t.Errorf("allowlisted domain has indicator_types %v, want [benign]", o.IndicatorTypes)
			}
		case "threat-actor":
			if !reflect.DeepEqual(o.ThreatActorTypes, []string{"spy"}) {
				t.Errorf("%s %s: threat_actor_types %v", o.ID, o.Name, o.ThreatActorTypes)
			}
		case "relationship":
			src, dst := byID[o.SourceRef], byID[o.TargetRef]
			if src == nil || dst == nil {
				t.Errorf("relationship %s points outside the bundle", o.ID)
				continue
			}
			if o.RelationshipType == "related-to" && (src.Type != "threat-actor" || dst.IdentityClass != "organization") {
				t.Errorf("related-to from %s to %s", src.Type, dst.Type)
			}
		}
		if o.Type != "marking-definition" && len(o.ObjectMarkingRefs) != 1 {
			t.Errorf("%s has markings %v, want one TLP marking", o.ID, o.ObjectMarkingRefs)
		}
		for _, ref := range o.ObjectMarkingRefs {
			if byID[ref] == nil {
				t.Errorf("%s is marked %s, which the bundle does not define", o.ID, ref)
			}
		}
		if o.CreatedByRef != "" && byID[o.CreatedByRef] == nil {
			t.Errorf("%s is created by %s, which is not in the bundle", o.ID, o.CreatedByRef)
		}
	}
	// Amanda Qiu's threat actor is related to BR-YR Executive Search, and
	// Wei Zhang to the two organisations that are exported.
	related := map[string][]string{}
	for _, o := range objs {
		if o.Type == "relationship" && o.RelationshipType == "related-to" {
			related[byID[o.SourceRef].Name] = append(related[byID[o.SourceRef].Name], byID[o.TargetRef].Name)
		}
	}
	if got := related["Amanda Qiu"]; !reflect.DeepEqual(got, []string{"BR-YR Executive Search"}) {
		t.Errorf("Amanda Qiu related to %v", got)
	}
	if got := related["Wei Zhang"]; !reflect.DeepEqual(got, []string{"Front Consulting Ltd", "BR-YR Executive Search"}) {
		t.Errorf("Wei Zhang related to %v", got)
	}
}

// TestTLPMarkingDefinitions checks the marking definitions against the
// objects OASIS publishes in cti-stix-common-objects.
func TestTLPMarkingDefinitions(t *testing.T) {
	oasis := map[string]string{
		"clear":        `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}}`,
		"green":        `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}`,
		"amber":        `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber"}}}`,
		"amber+strict": `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER+STRICT","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}}`,
		"red":          `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","created":"2022-10-01T00:00:00.000Z","name":"TLP:RED","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"red"}}}`,
	}
	for _, level := range tlpLevels {
		got, err := json.Marshal(markingFor(level))
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		json.Unmarshal(got, &g)
		json.Unmarshal([]byte(oasis[level]), &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("TLP:%s marking\n got %s\nwant %s", level, got, oasis[level])
		}
	}
}

func TestExportTLPFilter(t *testing.T) {
	levels := []string{"clear", "green", "amber", "amber+strict", "red", "", "white", "TLP:AMBER", "purple"}
	maxes := []string{"", "clear", "white", "green", "amber", "TLP:Amber", "amber+strict", "red"}
	for _, level := range levels {
		for _, tlpMax := range maxes {
			e := &intel.Entry{Type: indicator.Email, Value: "x@tlp.example", Kind: intel.Watch, TLP: level, Confidence: 50}
			b, err := ExportWith([]*intel.Entry{e}, now, ExportOptions{TLPMax: tlpMax})
			if err != nil {
				t.Fatalf("tlp %q max %q: %v", level, tlpMax, err)
			}
			effMax := normalTLP(tlpMax)
			if effMax == "" || effMax == "red" {
				effMax = "amber+strict"
			}
			eff := entryTLP(e)
			want := eff != "red" && tlpRank(eff) <= tlpRank(effMax)
			got := bytes.Contains(b, []byte("x@tlp.example"))
			if got != want {
				t.Errorf("entry TLP %q with --tlp-max %q: exported %v, want %v", level, tlpMax, got, want)
			}
			if bytes.Contains(b, []byte(MarkingRed)) || bytes.Contains(b, []byte("TLP:RED")) {
				t.Errorf("entry TLP %q with --tlp-max %q: TLP:RED in the export", level, tlpMax)
			}
			_, objs := decodeBundle(t, b)
			for _, o := range objs {
				for _, ref := range o.ObjectMarkingRefs {
					for l, id := range tlpMarking {
						if id == ref && tlpRank(l) > tlpRank(effMax) {
							t.Errorf("entry TLP %q with --tlp-max %q: %s marked %s", level, tlpMax, o.ID, l)
						}
					}
				}
			}
		}
	}
	if _, err := ExportWith(nil, now, ExportOptions{TLPMax: "purple"}); err == nil {
		t.Error("tlp-max purple accepted")
	}
	// RED never leaves, with every option.
	b := mustExport(t, testEntries(), ExportOptions{TLPMax: "red", IncludeExpired: true})
	if bytes.Contains(b, []byte("secret@red.example")) {
		t.Error("a TLP:RED entry was exported")
	}
}

func TestExportExpired(t *testing.T) {
	if b := mustExport(t, testEntries(), ExportOptions{}); bytes.Contains(b, []byte("gone@expired.example")) {
		t.Error("an expired entry was exported by default")
	}
	if b := mustExport(t, testEntries(), ExportOptions{IncludeExpired: true}); !bytes.Contains(b, []byte("gone@expired.example")) {
		t.Error("IncludeExpired left the expired entry out")
	}
}

func TestExportRejectsInvalidEntries(t *testing.T) {
	for _, e := range []*intel.Entry{
		{Type: "nickname", Value: "x"},
		{Type: indicator.Email, Value: "not an email"},
		{Type: indicator.Email, Value: "a@b.example", Kind: "maybe"},
	} {
		if _, err := Export([]*intel.Entry{e}, now); err == nil {
			t.Errorf("Export(%+v) succeeded", *e)
		}
	}
	// nil entries are skipped, and an empty export is still a valid bundle.
	b, err := Export([]*intel.Entry{nil}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, objs := decodeBundle(t, b); len(objs) == 0 {
		t.Error("an empty export has no objects; the schema wants at least one")
	}
}

func TestExportDuplicates(t *testing.T) {
	a := &intel.Entry{Type: indicator.Domain, Value: "dup.example", Kind: intel.Watch, TLP: "clear", Source: intel.Source{Name: "A"}}
	b := &intel.Entry{Type: indicator.Domain, Value: "dup.example", Kind: intel.Allow, TLP: "green", Source: intel.Source{Name: "B"}}
	_, objs := decodeBundle(t, mustExport(t, []*intel.Entry{a, b}, ExportOptions{}))
	ids := map[string]bool{}
	scos := 0
	for _, o := range objs {
		if ids[o.ID] {
			t.Errorf("duplicate id %s", o.ID)
		}
		ids[o.ID] = true
		if o.Type == "domain-name" {
			scos++
			if want := []string{MarkingGreen}; !reflect.DeepEqual(o.ObjectMarkingRefs, want) {
				t.Errorf("shared observable marked %v, want the more restrictive %v", o.ObjectMarkingRefs, want)
			}
		}
	}
	if scos != 1 {
		t.Errorf("%d domain-name observables, want one shared", scos)
	}
}

func TestSCOIDs(t *testing.T) {
	tests := []struct {
		typ   string
		props map[string]any
		want  string
	}{
		// The STIX 2.1 specification's own examples (section 2.9).
		{"ipv4-addr", map[string]any{"value": "198.51.100.3"}, "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"},
		{"domain-name", map[string]any{"value": "example.com"}, "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"},
		// Computed with Python's uuid.uuid5 over json.dumps(sort_keys=True,
		// separators=(',', ':'), ensure_ascii=False), which is RFC 8785 for
		// string-valued objects.
		{"file", map[string]any{"hashes": map[string]string{"SHA-256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},
			"file--22f8ff52-8f62-5f03-a53a-6f50f54fd74c"},
		{"user-account", map[string]any{"account_type": "linkedin", "account_login": "amanda-qiu-bryr"},
			"user-account--21751028-c093-579c-b37d-38d4f713be21"},
		{"email-addr", map[string]any{"value": "zoë.\u0001\"q\"\\@example.com"}, "email-addr--88e89c0d-a83b-58fc-b2d7-02bd728fc13e"},
		{"url", map[string]any{"value": "https://consult.example/apply?ref=mp&lang=en"}, "url--80ef657a-4b87-5052-8cc7-5585c78639b4"},
	}
	for _, tt := range tests {
		if got := scoID(tt.typ, tt.props); got != tt.want {
			t.Errorf("scoID(%s, %v) = %s, want %s", tt.typ, tt.props, got, tt.want)
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{map[string]any{"b": "1", "a": "x"}, `{"a":"x","b":"1"}`},
		{map[string]any{"s": "\n\t\"\\é\u2028<&>\u007f\u001f/"}, `{"s":"\n\t\"\\é` + "\u2028" + `<&>` + "\u007f" + `\u001f/"}`},
		// RFC 8785 sorts by UTF-16 code units: U+1F600 (D83D DE00) before U+FB01.
		{map[string]any{"\ufb01": "a", "\U0001F600": "b"}, `{"` + "\U0001F600" + `":"b","` + "\ufb01" + `":"a"}`},
		{map[string]any{"h": map[string]string{"SHA-256": "x", "MD5": "y"}}, `{"h":{"MD5":"y","SHA-256":"x"}}`},
	}
	for _, tt := range tests {
		if got := canonicalJSON(tt.in); got != tt.want {
			t.Errorf("canonicalJSON(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestUUID5(t *testing.T) {
	// RFC 9562 appendix A.4: "www.example.com" in the DNS namespace.
	dns := mustUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	if got, want := uuid5(dns, "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2"; got != want {
		t.Errorf("uuid5 = %s, want %s", got, want)
	}
}
