package reports_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/stix"
	"portcullis/internal/store"
)

// matches returns the watchlist values that an analysis of raw matched.
func matches(t *testing.T, e *env, raw string) []string {
	t.Helper()
	res, err := e.svc.Analyze([]byte(raw), "test")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range res.WatchlistMatches {
		out = append(out, m.Indicator.Type+" "+m.Indicator.Value)
	}
	return out
}

func entry(t *testing.T, fields map[string]string) *intel.Entry {
	t.Helper()
	en, err := intel.ParseEntry(fields)
	if err != nil {
		t.Fatal(err)
	}
	return en
}

func TestPutIndicatorsReloadsTheMatcher(t *testing.T) {
	e := newEnv(t)
	const want = "email jo.bloggs@front-example.net"
	if got := matches(t, e, benignApproach); slices.Contains(got, want) {
		t.Fatalf("matched %q before it was on the watchlist", want)
	}
	before := len(e.audit(t))
	ent, err := reports.ParseIndicator(e.analyst, map[string]string{"type": "email", "value": "Jo.Bloggs@Front-Example.net"})
	if err != nil {
		t.Fatal(err)
	}
	ins, upd, err := e.svc.PutIndicators(e.ctx, e.analyst, []*intel.Entry{ent}, "add", "192.0.2.7")
	if err != nil || ins != 1 || upd != 0 {
		t.Fatalf("PutIndicators = %d inserted, %d updated, %v; want 1, 0, nil", ins, upd, err)
	}
	if got := matches(t, e, benignApproach); !slices.Contains(got, want) {
		t.Errorf("matches after PutIndicators = %q, want %q among them", got, want)
	}
	_, res, err := e.svc.Submit(e.ctx, e.reporter, reports.Submission{Channel: "web", Raw: []byte(benignApproach)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.WatchlistMatches) == 0 || res.Score == 0 {
		t.Errorf("a submitted report with a watched address: %d matches, score %d", len(res.WatchlistMatches), res.Score)
	}
	evs := findAudit(e.auditSince(t, before), "indicator.add")
	if len(evs) != 1 || evs[0].Target != "indicator:email:jo.bloggs@front-example.net" || evs[0].Detail != `{"how":"add","inserted":1,"updated":0}` {
		t.Errorf("indicator.add events = %+v", evs)
	}

	// The same entry again changes nothing.
	ins, upd, err = e.svc.PutIndicators(e.ctx, e.analyst, []*intel.Entry{ent}, "add", "")
	if err != nil || ins != 0 || upd != 0 {
		t.Errorf("PutIndicators again = %d, %d, %v; want 0, 0, nil", ins, upd, err)
	}

	// ExpireIndicator stops it matching.
	recs, n, err := e.svc.Indicators(e.ctx, e.analyst, store.Filter{})
	if err != nil || n != 1 || len(recs) != 1 {
		t.Fatalf("Indicators = %d records, count %d, %v; want 1", len(recs), n, err)
	}
	if err := e.svc.ExpireIndicator(e.ctx, e.analyst, recs[0].ID, ""); err != nil {
		t.Fatal(err)
	}
	if got := matches(t, e, benignApproach); slices.Contains(got, want) {
		t.Errorf("matches after ExpireIndicator = %q, want %q gone", got, want)
	}
	if _, n, err := e.svc.Indicators(e.ctx, e.analyst, store.Filter{}); err != nil || n != 0 {
		t.Errorf("active indicators after expiry = %d, %v; want 0", n, err)
	}
	err = e.svc.ExpireIndicator(e.ctx, e.analyst, "no-such-id", "")
	wantKind(t, err, store.ErrNotFound)
}

func TestPutIndicatorsRefusesNothing(t *testing.T) {
	e := newEnv(t)
	for _, entries := range [][]*intel.Entry{nil, {}} {
		_, _, err := e.svc.PutIndicators(e.ctx, e.analyst, entries, "add", "")
		wantErrContains(t, err, store.ErrInvalid, "no indicators")
	}
}

func TestParseIndicator(t *testing.T) {
	en, err := reports.ParseIndicator(&store.User{Email: "analyst@parliament.uk"}, map[string]string{"type": "domain", "value": "Front-Example.NET"})
	if err != nil {
		t.Fatal(err)
	}
	if en.Kind != intel.Watch || en.TLP != "amber" || en.Confidence != 70 || en.Source.Name != "security team (analyst@parliament.uk)" || en.Value != "front-example.net" || en.Source.Date == "" {
		t.Errorf("entry = %+v; want a watch entry, TLP amber, confidence 70, the analyst as source, today's date", en)
	}
	en, err = reports.ParseIndicator(nil, map[string]string{"type": "domain", "value": "x.example", "kind": "allow", "tlp": "green", "confidence": "90", "source_name": "NCSC"})
	if err != nil {
		t.Fatal(err)
	}
	if en.Kind != intel.Allow || en.TLP != "green" || en.Confidence != 90 || en.Source.Name != "NCSC" {
		t.Errorf("given fields not kept: %+v", en)
	}
	for _, f := range []map[string]string{
		{"type": "shoe", "value": "x"},
		{"type": "email", "value": "not an address"},
		{"type": "domain", "value": "x.example", "tlp": "purple"},
		{"type": "domain", "value": "x.example", "confidence": "101"},
	} {
		if _, err := reports.ParseIndicator(nil, f); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ParseIndicator(%v): error = %v, want ErrInvalid", f, err)
		}
	}
}

func TestImportIndicatorsCSV(t *testing.T) {
	e := newEnv(t)
	const csvData = "\ufefftype,value,kind,tlp,source_name\r\n" +
		"email,agent@front-example.net,watch,green,Partner\r\n" +
		"domain,front-example.net,,amber,Partner\r\n"
	before := len(e.audit(t))
	ins, upd, notes, err := e.svc.ImportIndicators(e.ctx, e.analyst, []byte(csvData), "")
	if err != nil || ins != 2 || upd != 0 || len(notes) != 0 {
		t.Fatalf("ImportIndicators = %d, %d, %q, %v; want 2, 0, none, nil", ins, upd, notes, err)
	}
	if got := matches(t, e, strings.Replace(benignApproach, "jo.bloggs@", "agent@", 1)); !slices.Contains(got, "email agent@front-example.net") {
		t.Errorf("matches after the import = %q", got)
	}
	if evs := findAudit(e.auditSince(t, before), "indicator.import"); len(evs) != 1 || evs[0].Target != "" {
		t.Errorf("indicator.import events = %+v, want one without a single target", evs)
	}
	ins, upd, _, err = e.svc.ImportIndicators(e.ctx, e.analyst, []byte(strings.Replace(csvData, "watch,green", "watch,red", 1)), "")
	if err != nil || ins != 0 || upd != 1 {
		t.Errorf("re-import with one change = %d, %d, %v; want 0, 1, nil", ins, upd, err)
	}
}

func TestImportIndicatorsRefused(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ name, data string }{
		{"empty", ""},
		{"no type column", "value\nx.example\n"},
		{"bad row", "type,value\nshoe,x\n"},
		{"header only", "type,value\n"},
		{"broken JSON", `{"type": "bundle", "objects": [`},
		{"JSON that is not STIX", `["a", "b"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := e.svc.ImportIndicators(e.ctx, e.analyst, []byte(tt.data), "")
			wantKind(t, err, store.ErrInvalid)
		})
	}
	if _, n, err := e.svc.Indicators(e.ctx, e.analyst, store.Filter{}); err != nil || n != 0 {
		t.Errorf("indicators after refused imports = %d, %v; want 0", n, err)
	}
}

func partnerBundle(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "stix", "testdata", "partner-bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestImportIndicatorsSTIX(t *testing.T) {
	for _, tt := range []struct {
		name   string
		prefix string
	}{
		{"bundle", ""},
		{"bundle after white space", "\n\t "},
		{"bundle after a byte order mark", "\ufeff"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			data := append([]byte(tt.prefix), partnerBundle(t)...)
			want, rep, err := stix.Import(partnerBundle(t))
			if err != nil {
				t.Fatal(err)
			}
			ins, upd, notes, err := e.svc.ImportIndicators(e.ctx, e.analyst, data, "")
			if err != nil {
				t.Fatalf("ImportIndicators: %v", err)
			}
			if ins == 0 || ins+upd > len(want) {
				t.Errorf("inserted %d, updated %d; the bundle has %d entries", ins, upd, len(want))
			}
			if len(notes) != len(rep.Skipped)+len(rep.Notes) || len(notes) == 0 {
				t.Errorf("got %d notes, want one for each of %d skipped objects and %d remarks", len(notes), len(rep.Skipped), len(rep.Notes))
			}
			var skipped int
			for _, n := range notes {
				if strings.HasPrefix(n, "skipped ") {
					skipped++
				}
			}
			if skipped != len(rep.Skipped) {
				t.Errorf("%d notes say what was skipped, want %d: %q", skipped, len(rep.Skipped), notes)
			}
			approach := strings.Replace(benignApproach, "jo.bloggs@front-example.net", "Recruiter@Front-Consulting.example", 1)
			if got := matches(t, e, approach); !slices.Contains(got, "email recruiter@front-consulting.example") {
				t.Errorf("matches after the STIX import = %q", got)
			}
		})
	}
}

func TestExportIndicators(t *testing.T) {
	e := newEnv(t)
	var entries []*intel.Entry
	for _, tlp := range []string{"clear", "green", "amber", "amber+strict", "red"} {
		entries = append(entries, entry(t, map[string]string{"type": "domain", "value": "tlp-" + strings.ReplaceAll(tlp, "+", "-") + ".example", "tlp": tlp, "source_name": "test"}))
	}
	if _, _, err := e.svc.PutIndicators(e.ctx, e.analyst, entries, "add", ""); err != nil {
		t.Fatal(err)
	}
	all := []string{"tlp-clear.example", "tlp-green.example", "tlp-amber.example", "tlp-amber-strict.example"}
	tests := []struct {
		format, tlpMax string
		want           []string
	}{
		{"csv", "", all[:3]},
		{"csv", "clear", all[:1]},
		{"csv", "green", all[:2]},
		{"csv", "amber+strict", all},
		{"csv", "red", all},
		{"csv", "TLP:RED", all},
		{"stix", "", all[:3]},
		{"stix", "clear", all[:1]},
		{"stix", "amber+strict", all},
		{"stix", "red", all},
	}
	for _, tt := range tests {
		t.Run(tt.format+" "+tt.tlpMax, func(t *testing.T) {
			before := len(e.audit(t))
			out, err := e.svc.ExportIndicators(e.ctx, e.analyst, tt.format, tt.tlpMax, "192.0.2.8")
			if err != nil {
				t.Fatal(err)
			}
			var got []*intel.Entry
			if tt.format == "csv" {
				got, err = intel.ReadCSV(bytes.NewReader(out))
			} else {
				if !json.Valid(out) {
					t.Fatalf("STIX export is not JSON: %.200s", out)
				}
				got, _, err = stix.Import(out)
			}
			if err != nil {
				t.Fatalf("reading the export back: %v", err)
			}
			var values []string
			for _, en := range got {
				values = append(values, en.Value)
				if en.TLP == "red" {
					t.Errorf("TLP:RED entry %s exported", en.Value)
				}
			}
			if bytes.Contains(out, []byte("tlp-red.example")) {
				t.Error("the export mentions the TLP:RED indicator")
			}
			slices.Sort(values)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(values, want) {
				t.Errorf("exported %q, want %q", values, want)
			}
			evs := findAudit(e.auditSince(t, before), "indicator.export")
			if len(evs) != 1 || evs[0].ActorID != e.analyst.ID || evs[0].IP != "192.0.2.8" || !strings.Contains(evs[0].Detail, `"format":"`+tt.format+`"`) {
				t.Errorf("indicator.export events = %+v", evs)
			}
		})
	}
}

func TestExportIndicatorsRefused(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ name, format, tlpMax string }{
		{"unknown format", "xml", ""},
		{"empty format", "", ""},
		{"unknown TLP", "csv", "purple"},
		{"unknown TLP for STIX", "stix", "purple"},
	}
	before := len(e.audit(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.ExportIndicators(e.ctx, e.analyst, tt.format, tt.tlpMax, "")
			wantKind(t, err, store.ErrInvalid)
		})
	}
	if evs := findAudit(e.auditSince(t, before), "indicator.export"); len(evs) != 0 {
		t.Errorf("refused exports audited: %+v", evs)
	}
}

func TestIndicatorsPaging(t *testing.T) {
	e := newEnv(t)
	var entries []*intel.Entry
	for _, v := range []string{"a.example", "b.example", "c.example"} {
		entries = append(entries, entry(t, map[string]string{"type": "domain", "value": v}))
	}
	if _, _, err := e.svc.PutIndicators(e.ctx, e.analyst, entries, "import", ""); err != nil {
		t.Fatal(err)
	}
	recs, n, err := e.svc.Indicators(e.ctx, e.analyst, store.Filter{Limit: 2, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || len(recs) != 2 || recs[0].Entry.Value != "b.example" {
		t.Errorf("page = %d records from %q, count %d; want 2 from b.example, count 3", len(recs), recs[0].Entry.Value, n)
	}
	rec, err := e.svc.Indicator(e.ctx, e.analyst, recs[0].ID)
	if err != nil || rec.Entry.Value != "b.example" {
		t.Errorf("Indicator = %v, %v", rec, err)
	}
	_, err = e.svc.Indicator(e.ctx, e.analyst, "nope")
	wantKind(t, err, store.ErrNotFound)
}

// TestWatchlistValidity checks that an entry matches exactly while it is
// valid by the service's clock.
func TestWatchlistValidity(t *testing.T) {
	const want = "email jo.bloggs@front-example.net"
	t.Run("until", func(t *testing.T) {
		e := newEnv(t)
		until := e.clk.Now().Add(time.Hour).Format(time.RFC3339)
		ent := entry(t, map[string]string{"type": "email", "value": "jo.bloggs@front-example.net", "valid_until": until})
		if _, _, err := e.svc.PutIndicators(e.ctx, e.analyst, []*intel.Entry{ent}, "add", ""); err != nil {
			t.Fatal(err)
		}
		if got := matches(t, e, benignApproach); !slices.Contains(got, want) {
			t.Errorf("matches while valid = %q, want %q", got, want)
		}
		e.clk.Advance(2 * time.Hour)
		if got := matches(t, e, benignApproach); slices.Contains(got, want) {
			t.Errorf("matches after valid_until = %q, want no %q", got, want)
		}
	})
	t.Run("from", func(t *testing.T) {
		e := newEnv(t)
		from := e.clk.Now().Add(time.Hour).Format(time.RFC3339)
		ent := entry(t, map[string]string{"type": "email", "value": "jo.bloggs@front-example.net", "valid_from": from})
		if _, _, err := e.svc.PutIndicators(e.ctx, e.analyst, []*intel.Entry{ent}, "add", ""); err != nil {
			t.Fatal(err)
		}
		if got := matches(t, e, benignApproach); slices.Contains(got, want) {
			t.Errorf("matches before valid_from = %q, want no %q", got, want)
		}
		e.clk.Advance(2 * time.Hour)
		if got := matches(t, e, benignApproach); !slices.Contains(got, want) {
			t.Errorf("matches after valid_from = %q, want %q", got, want)
		}
	})
}

func TestImportIndicatorsQuotedHeaderAfterBOM(t *testing.T) {
	e := newEnv(t)
	ins, _, _, err := e.svc.ImportIndicators(e.ctx, e.analyst, []byte("\ufeff\"type\",\"value\"\r\n\"domain\",\"bom.example\"\r\n"), "")
	if err != nil || ins != 1 {
		t.Errorf("ImportIndicators = %d, %v; want 1, nil", ins, err)
	}
}
