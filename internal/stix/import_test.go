package stix

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"portcullis/internal/indicator"
	"portcullis/internal/intel"
)

// entryKey identifies an entry in comparisons.
func entryKey(e *intel.Entry) string { return string(e.Type) + " " + e.Value + " " + e.Kind }

// describe renders everything an entry holds, for comparing entries.
func describe(e *intel.Entry) string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	list := func(l []string) string { return strings.Join(l, "|") }
	return fmt.Sprintf("type=%s value=%q kind=%s aliases=%q source=%q/%q/%q tlp=%s confidence=%d from=%s until=%s description=%q tags=%q orgs=%q places=%q",
		e.Type, e.Value, e.Kind, list(e.Aliases), e.Source.Name, e.Source.URL, e.Source.Date, e.TLP, e.Confidence,
		ts(e.ValidFrom), ts(e.ValidUntil), e.Description, list(e.Tags), list(e.ContextOrganizations), list(e.ContextLocations))
}

// TestRoundTrip exports the seed and the fixtures and imports them back:
// export then import loses nothing of ours.
func TestRoundTrip(t *testing.T) {
	entries := append(intel.Seed(), testEntries()...)
	b := mustExport(t, entries, ExportOptions{})
	got, rep, err := ImportWith(b, ImportOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, e := range entries {
		if !exportable(e) {
			continue
		}
		w := *e
		w.TLP = entryTLP(e)
		w.Value = indicator.Normalize(e.Type, e.Value)
		want[entryKey(&w)] = describe(&w)
	}
	have := map[string]string{}
	for _, e := range got {
		k := entryKey(e)
		if _, dup := have[k]; dup {
			t.Errorf("imported %s twice", k)
		}
		have[k] = describe(e)
	}
	for k, w := range want {
		if g, ok := have[k]; !ok {
			t.Errorf("lost %s", w)
		} else if g != w {
			t.Errorf("changed in the round trip:\n got %s\nwant %s", g, w)
		}
	}
	for k, g := range have {
		if _, ok := want[k]; !ok {
			t.Errorf("gained %s", g)
		}
	}
	// Everything else in the bundle is understood: the producer and the
	// observables the indicators describe are the only things skipped.
	for _, s := range rep.Skipped {
		if s.Reason != "described by an indicator in the bundle" && !strings.Contains(s.Reason, "producer") {
			t.Errorf("skipped %s %s: %s", s.Type, s.ID, s.Reason)
		}
	}
	if len(rep.Notes) != 0 {
		t.Errorf("notes on our own export: %v", rep.Notes)
	}
	n := 0
	for _, c := range rep.Imported {
		n += c
	}
	if n != len(got) {
		t.Errorf("report counts %d entries, import returned %d", n, len(got))
	}

	// Importing, exporting and importing again changes nothing.
	b2, err := ExportWith(got, now, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Error("export(import(export(x))) differs from export(x)")
	}
}

func TestImportPartnerBundle(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "partner-bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, rep, err := ImportWith(data, ImportOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, e := range got {
		have = append(have, fmt.Sprintf("%s %s %s %s", e.Type, e.Value, e.Kind, e.TLP))
	}
	want := []string{
		"email recruiter@front-consulting.example watch green",
		"domain front-consulting.example watch amber",
		"domain front-consult.example watch amber",
		"linkedin_profile https://www.linkedin.com/in/fake-profile-1 watch green",
		"domain mail.front-consulting.example watch green",
		"domain cdn.front-consulting.example watch green",
		"domain ok.example watch green",
		"domain expired.example watch green",
		"handle telegram:frontrecruit watch green",
		"domain partner-parliament.example allow clear",
		"email hr@front-consulting.example watch red",
		"domain unmarked.example watch amber",
		"file_sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 watch green",
		"ip 2001:db8::1 watch green",
		"phone +442079460999 watch green",
		"url https://evil.example/?next=linkedin.com/in/someone watch green",
		"person Lena Fischer watch green",
		"organization Front Consulting GmbH watch green",
		"domain loose-observable.example watch green",
		"linkedin_profile https://www.linkedin.com/in/another-fake watch amber",
	}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("imported\n%s\nwant\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}

	// Details of the richest objects.
	byValue := map[string]*intel.Entry{}
	for _, e := range got {
		byValue[e.Value] = e
	}
	r := byValue["recruiter@front-consulting.example"]
	if r == nil {
		t.Fatal("no recruiter entry")
	}
	if r.Confidence != 70 || r.Source.Name != "CERT-Example report 7" || r.Source.URL != "https://cert.example/r/7" ||
		!reflect.DeepEqual(r.Tags, []string{"headhunter"}) || r.Description != "Sends consultancy offers to parliamentary staff" ||
		!r.ValidFrom.Equal(date("2025-10-02T08:00:00Z")) {
		t.Errorf("recruiter entry: %s", describe(r))
	}
	if d := byValue["front-consulting.example"]; d == nil || d.Source.Name != "CERT-Example" {
		t.Errorf("an object without external references should name its producer as the source: %v", d)
	}
	l := byValue["Lena Fischer"]
	if l == nil || !reflect.DeepEqual(l.Aliases, []string{"L. Fischer", "Lena Fisher"}) ||
		!reflect.DeepEqual(l.ContextOrganizations, []string{"Front Consulting GmbH"}) || l.Confidence != 60 {
		t.Errorf("Lena Fischer: %v", l)
	}
	if e := byValue["expired.example"]; e == nil || !e.ValidUntil.Equal(date("2025-01-01T00:00:00Z")) || e.Active(now) {
		t.Errorf("expired.example: %v", e)
	}

	skipped := map[string]string{}
	for _, s := range rep.Skipped {
		skipped[s.ID] = s.Reason
	}
	wantSkipped := map[string]string{
		"identity--c0000000-0000-4000-8000-000000000001":      "producer",
		"indicator--a0000000-0000-4000-8000-000000000001":     "older version",
		"indicator--a0000000-0000-4000-8000-000000000004":     "'198.51.100.0/24' is not a valid ip",
		"indicator--a0000000-0000-4000-8000-000000000005":     "file hash MD5: the watchlist holds SHA-256 only",
		"indicator--a0000000-0000-4000-8000-000000000006":     "FOLLOWEDBY is not supported",
		"indicator--a0000000-0000-4000-8000-000000000007":     "pattern_type yara is not stix",
		"indicator--a0000000-0000-4000-8000-000000000008":     "LIKE with wildcards",
		"indicator--a0000000-0000-4000-8000-00000000000b":     "revoked",
		"indicator--a0000000-0000-4000-8000-00000000000e":     "a unix account is not a messaging handle",
		"indicator--a0000000-0000-4000-8000-00000000000f":     "pattern: column 34: expected ']'",
		"indicator--a0000000-0000-4000-8000-000000000013":     "AND of conditions on email-addr:value and email-addr:display_name",
		"threat-actor--b0000000-0000-4000-8000-000000000002":  "a group, not a persona",
		"identity--b0000000-0000-4000-8000-000000000004":      "no threat actor is related to",
		"relationship--b0000000-0000-4000-8000-000000000006":  "a targets relationship from threat-actor to identity",
		"relationship--b0000000-0000-4000-8000-000000000007":  "indicates relationship to an object not in the bundle",
		"identity--b0000000-0000-4000-8000-000000000008":      "an identity of class individual is not held",
		"identity--b0000000-0000-4000-8000-000000000009":      "no threat actor is related to",
		"relationship--b0000000-0000-4000-8000-00000000000a":  "a related-to relationship from identity to identity",
		"email-addr--d0000000-0000-4000-8000-000000000001":    "recipient of an email message",
		"email-addr--d0000000-0000-4000-8000-000000000002":    "described by an indicator",
		"email-message--d0000000-0000-4000-8000-000000000003": "an email message is not held",
		"malware--d0000000-0000-4000-8000-000000000006":       "does not hold malware objects",
		"indicator--d0000000-0000-4000-8000-000000000007":     "malformed",
		"indicator--d0000000-0000-4000-8000-000000000008":     "an object needs a type and an id",
		"objects[44]": "malformed",
	}
	for id, reason := range wantSkipped {
		if !strings.Contains(skipped[id], reason) {
			t.Errorf("skipped %s: %q, want a reason with %q", id, skipped[id], reason)
		}
	}
	for id, reason := range skipped {
		if _, ok := wantSkipped[id]; !ok {
			t.Errorf("skipped %s unexpectedly: %s", id, reason)
		}
	}
	if rep.Objects != 45 {
		t.Errorf("report read %d objects, want 45", rep.Objects)
	}
	if rep.Linked != 1 {
		t.Errorf("report linked %d relationships, want 1", rep.Linked)
	}
	if !reflect.DeepEqual(rep.Expired, []string{"indicator--a0000000-0000-4000-8000-00000000000c"}) {
		t.Errorf("expired %v", rep.Expired)
	}
	notes := map[string]string{}
	for _, n := range rep.Notes {
		notes[n.ID] += n.Reason + "; "
	}
	for id, want := range map[string]string{
		"indicator--a0000000-0000-4000-8000-00000000000a":    "partly imported: file hash MD5",
		"indicator--a0000000-0000-4000-8000-00000000000c":    "expired at 2025-01-01T00:00:00.000Z",
		"indicator--a0000000-0000-4000-8000-000000000012":    "no TLP marking: treated as TLP:AMBER",
		"user-account--d0000000-0000-4000-8000-000000000005": "no TLP marking",
	} {
		if !strings.Contains(notes[id], want) {
			t.Errorf("notes on %s: %q, want %q", id, notes[id], want)
		}
	}
	counts := map[string]int{}
	for _, e := range got {
		counts[string(e.Type)]++
	}
	if !reflect.DeepEqual(counts, rep.Imported) {
		t.Errorf("report counts %v, entries %v", rep.Imported, counts)
	}
}

func TestImportShapes(t *testing.T) {
	ind := `{"type":"indicator","spec_version":"2.1","id":"indicator--e0000000-0000-4000-8000-000000000001","created":"2025-01-01T00:00:00Z","modified":"2025-01-01T00:00:00Z","pattern":"[domain-name:value = 'one.example']","pattern_type":"stix","valid_from":"2025-01-01T00:00:00Z"}`
	tests := []struct {
		name string
		doc  string
		n    int
		err  string
	}{
		{"single object", ind, 1, ""},
		{"array", "[" + ind + "," + strings.NewReplacer("one.example", "two.example", "00000001", "00000002").Replace(ind) + "]", 2, ""},
		{"bundle", `{"type":"bundle","id":"bundle--e0000000-0000-4000-8000-000000000002","objects":[` + ind + `]}`, 1, ""},
		{"empty bundle", `{"type":"bundle","id":"bundle--e0000000-0000-4000-8000-000000000002"}`, 0, ""},
		{"byte order mark", "\xef\xbb\xbf" + ind, 1, ""},
		{"STIX 2.0 indicator without pattern_type", strings.Replace(ind, `"pattern_type":"stix",`, "", 1), 1, ""},
		{"empty", "  ", 0, "empty document"},
		{"not JSON", "hello", 0, "not a STIX bundle"},
		{"JSON without type", `{"objects":[]}`, 0, "no \"type\""},
		{"truncated", ind[:40], 0, "not a STIX bundle or object"},
		{"number", `42`, 0, "not a STIX bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, _, err := Import([]byte(tt.doc))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != tt.n {
				t.Errorf("%d entries, want %d", len(es), tt.n)
			}
		})
	}
}

func TestImportRefusesLargeDocuments(t *testing.T) {
	big := bytes.Repeat([]byte(" "), MaxImportBytes+1)
	if _, _, err := Import(big); err == nil || !strings.Contains(err.Error(), "larger than 64 MB") {
		t.Errorf("Import(64 MB + 1) = %v, want a size error", err)
	}
}

func TestImportHostilePatterns(t *testing.T) {
	// Alternatives that multiply, deep nesting and long IN lists are bounded.
	var ors []string
	for i := 0; i < 200; i++ {
		ors = append(ors, fmt.Sprintf("domain-name:value = 'd%d.example'", i))
	}
	or := "(" + strings.Join(ors, " OR ") + ")"
	patterns := []string{
		"[" + or + " AND " + or + " AND " + or + "]",                                                             // 8,000,000 alternatives
		strings.Repeat("(", 5000) + "[a:b = 1]" + strings.Repeat(")", 5000),                                      // deep
		"[domain-name:value IN (" + strings.Repeat("'x.example', ", 50000) + "'y.example')]",                     // long set
		"[" + strings.Repeat("domain-name:value = 'x.example' AND ", 20000) + "domain-name:value = 'y.example']", // long AND
		strings.Repeat("[domain-name:value = 'x.example'] OR ", 20000) + "[domain-name:value = 'y.example']",     // long OR
	}
	for _, p := range patterns {
		doc := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--e0000000-0000-4000-8000-000000000003","pattern":%q,"pattern_type":"stix","valid_from":"2025-01-01T00:00:00Z"}`, p)
		start := time.Now()
		es, rep, err := Import([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("pattern of %d bytes took %v", len(p), d)
		}
		if len(es) > 2 {
			t.Errorf("pattern of %d bytes gave %d entries", len(p), len(es))
		}
		if len(es) == 0 && len(rep.Skipped) != 1 {
			t.Errorf("pattern of %d bytes neither imported nor skipped: %+v", len(p), rep)
		}
	}
}

func TestImportKeepsNewestVersion(t *testing.T) {
	v := func(modified, value string) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--e0000000-0000-4000-8000-000000000004","created":"2025-01-01T00:00:00Z","modified":%q,"pattern":"[domain-name:value = '%s']","pattern_type":"stix","valid_from":"2025-01-01T00:00:00Z"}`, modified, value)
	}
	for _, order := range [][]string{
		{v("2025-01-01T00:00:00Z", "old.example"), v("2025-06-01T00:00:00Z", "new.example")},
		{v("2025-06-01T00:00:00Z", "new.example"), v("2025-01-01T00:00:00Z", "old.example")},
	} {
		es, rep, err := Import([]byte("[" + strings.Join(order, ",") + "]"))
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Value != "new.example" || len(rep.Skipped) != 1 {
			t.Errorf("versions %v: got %v, skipped %v", order, es, rep.Skipped)
		}
	}
}

func TestImportTLP(t *testing.T) {
	obj := func(markings ...string) string {
		refs := `"` + strings.Join(markings, `","`) + `"`
		if len(markings) == 0 {
			refs = ""
		}
		return fmt.Sprintf(`[{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--e0000000-0000-4000-8000-000000000009","created":"2022-10-01T00:00:00.000Z","name":"custom amber+strict","extensions":{"%s":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}},
		{"type":"marking-definition","spec_version":"2.1","id":"%s","created":"2022-10-01T00:00:00.000Z","name":"a forged clear","extensions":{"%s":{"extension_type":"property-extension","tlp_2_0":"clear"}}},
		{"type":"domain-name","spec_version":"2.1","id":"domain-name--e0000000-0000-4000-8000-000000000005","value":"tlp.example","object_marking_refs":[%s]}]`,
			tlp2Extension, MarkingRed, tlp2Extension, refs)
	}
	tests := []struct {
		markings []string
		want     string
	}{
		{[]string{MarkingClear}, "clear"},
		{[]string{MarkingGreen}, "green"},
		{[]string{MarkingAmber}, "amber"},
		{[]string{MarkingAmberStrict}, "amber+strict"},
		{[]string{MarkingRed}, "red"}, // a bundle cannot redefine the fixed ids
		{[]string{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"}, "clear"},
		{[]string{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"}, "red"},
		{[]string{"marking-definition--e0000000-0000-4000-8000-000000000009"}, "amber+strict"},
		{[]string{MarkingClear, MarkingAmber, MarkingGreen}, "amber"},
		{[]string{"marking-definition--e0000000-0000-4000-8000-00000000ffff"}, "amber"},
		{nil, "amber"},
	}
	for _, tt := range tests {
		es, _, err := Import([]byte(obj(tt.markings...)))
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].TLP != tt.want {
			t.Errorf("markings %v: %v, want TLP %s", tt.markings, es, tt.want)
		}
	}
}

func TestImportUserAccounts(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{`[user-account:account_type = 'linkedin' AND user-account:account_login = 'Amanda-Qiu']`, []string{"linkedin_profile https://www.linkedin.com/in/amanda-qiu"}},
		{`[user-account:account_type = 'linkedin' AND user-account:user_id = 'https://de.linkedin.com/in/x-y/']`, []string{"linkedin_profile https://www.linkedin.com/in/x-y"}},
		{`[user-account:account_login = 'Amanda-Qiu' AND user-account:account_type = 'linkedin']`, []string{"linkedin_profile https://www.linkedin.com/in/amanda-qiu"}},
		{`[user-account:account_type = 'whatsapp' AND user-account:account_login IN ('+447700900001', '+447700900002')]`,
			[]string{"handle whatsapp:+447700900001", "handle whatsapp:+447700900002"}},
		{`[(user-account:account_type = 'wechat' OR user-account:account_type = 'qq') AND user-account:account_login = 'z123456']`,
			[]string{"handle wechat:z123456", "handle qq:z123456"}},
		{`[user-account:account_login = 'someone']`, []string{"handle someone"}},
		{`[user-account:account_type = 'linkedin']`, nil},
		{`[user-account:account_type = 'linkedin' AND user-account:display_name = 'A']`, nil},
		{`[user-account:account_type = 'phone' AND user-account:account_login = '12']`, nil},
		{`[user-account:account_type = 'linkedin' AND user-account:account_login = 'https://evil.example/in/x']`, nil},
	}
	for _, tt := range tests {
		doc := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--e0000000-0000-4000-8000-000000000006","pattern":%q,"pattern_type":"stix","valid_from":"2025-01-01T00:00:00Z"}`, tt.pattern)
		es, rep, err := Import([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, string(e.Type)+" "+e.Value)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v (skipped %v)", tt.pattern, got, tt.want, rep.Skipped)
		}
		if got == nil && len(rep.Skipped) != 1 {
			t.Errorf("%s: nothing imported and %d skips", tt.pattern, len(rep.Skipped))
		}
	}
}

func TestImportedEntriesAreValid(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "partner-bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	es, _, err := Import(data)
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, es)
}

// checkEntries fails unless every entry is one the watchlist accepts:
// a known type, a normal value, a kind, a TLP level, a confidence.
func checkEntries(t *testing.T, es []*intel.Entry) {
	t.Helper()
	for _, e := range es {
		if !slices.Contains(indicator.Types, e.Type) {
			t.Errorf("entry of unknown type %q", e.Type)
		}
		if e.Value == "" || indicator.Normalize(e.Type, e.Value) != e.Value {
			t.Errorf("%s value %q is not in normal form", e.Type, e.Value)
		}
		if !slices.Contains([]string{intel.Watch, intel.Allow, intel.Context}, e.Kind) {
			t.Errorf("%s %s: kind %q", e.Type, e.Value, e.Kind)
		}
		if tlpRank(e.TLP) < 0 {
			t.Errorf("%s %s: TLP %q", e.Type, e.Value, e.TLP)
		}
		if e.Confidence < 0 || e.Confidence > 100 {
			t.Errorf("%s %s: confidence %d", e.Type, e.Value, e.Confidence)
		}
	}
	keys := make([]string, 0, len(es))
	for _, e := range es {
		keys = append(keys, entryKey(e))
	}
	sort.Strings(keys)
}
