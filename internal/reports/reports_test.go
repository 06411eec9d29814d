package reports_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"portcullis/internal/analysis"
	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

func TestNewNeedsStore(t *testing.T) {
	if _, err := reports.New(t.Context(), reports.Config{}); err == nil {
		t.Fatal("New without a store: got no error")
	}
}

func TestSubmitInputs(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name         string
		raw          string
		wantKind     string
		wantTitle    string
		wantPlatform string
	}{
		{"approach JSON titled by its sender", hostileApproach, "approach", "Amanda Qiu", "linkedin"},
		{"approach JSON with a subject", benignApproach, "approach", "Jo Bloggs: Coffee next week?", "linkedin"},
		{"raw mail titled by sender and subject", attachmentMail, "email", "Rebecca Shaw: Senior Policy Advisor - job description attached", "email"},
		{"pasted text titled by its first line", "Hello, I am a recruiter.\nWe pay well for short reports.", "text", "Hello, I am a recruiter. We pay well for short reports.", "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, res, err := e.svc.Submit(e.ctx, e.reporter, reports.Submission{Channel: "web", Raw: []byte(tt.raw)})
			if err != nil {
				t.Fatalf("Submit: %v", err)
			}
			if r.ID == 0 {
				t.Error("report has no ID")
			}
			if r.Kind != tt.wantKind || res.Kind != tt.wantKind {
				t.Errorf("kind = %q (result %q), want %q", r.Kind, res.Kind, tt.wantKind)
			}
			if r.Title != tt.wantTitle {
				t.Errorf("title = %q, want %q", r.Title, tt.wantTitle)
			}
			if r.Platform != tt.wantPlatform {
				t.Errorf("platform = %q, want %q", r.Platform, tt.wantPlatform)
			}
			if r.ReporterID != e.reporter.ID || r.Channel != "web" || r.Status != store.StatusNew {
				t.Errorf("reporter, channel, status = %d, %q, %q; want %d, web, new", r.ReporterID, r.Channel, r.Status, e.reporter.ID)
			}
			if !bytes.Equal(r.Raw, []byte(tt.raw)) {
				t.Error("stored raw input differs from the input")
			}
		})
	}
}

func TestSubmitTitleIsShortAndOnOneLine(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("word ", 100)
	r := e.submit(t, e.reporter, `{"format":"portcullis.approach/v1","messages":[{"text":"`+long+`\n\tend"}]}`)
	if n := len([]rune(r.Title)); n != 120 {
		t.Errorf("title has %d characters, want 120: %q", n, r.Title)
	}
	if !strings.HasSuffix(r.Title, "…") || strings.ContainsAny(r.Title, "\n\t") || strings.Contains(r.Title, "  ") {
		t.Errorf("title = %q, want one line of single spaces ending in …", r.Title)
	}
}

func TestSubmitIntentAndPlatform(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name         string
		intent       string
		platform     string
		wantIntent   string
		wantPlatform string
		wantErr      string // "" for success
	}{
		{"default intent is report", "", "", store.IntentReport, "linkedin", ""},
		{"check", store.IntentCheck, "", store.IntentCheck, "linkedin", ""},
		{"report", store.IntentReport, "", store.IntentReport, "linkedin", ""},
		{"platform as the reporter said", "", "whatsapp", store.IntentReport, "whatsapp", ""},
		{"unknown intent", "escalate", "", "", "", "intent must be"},
		{"intent in capitals", "CHECK", "", "", "", "intent must be"},
		{"unknown platform", "", "myspace", "", "", "platform must be one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, err := e.svc.Submit(e.ctx, e.reporter, reports.Submission{Channel: "api", Intent: tt.intent, Platform: tt.platform, Raw: []byte(hostileApproach)})
			if tt.wantErr != "" {
				wantErrContains(t, err, store.ErrInvalid, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Submit: %v", err)
			}
			if r.Intent != tt.wantIntent || r.Platform != tt.wantPlatform {
				t.Errorf("intent, platform = %q, %q; want %q, %q", r.Intent, r.Platform, tt.wantIntent, tt.wantPlatform)
			}
		})
	}
}

func TestSubmitRefusesBadInput(t *testing.T) {
	e := newEnv(t, func(c *reports.Config) { c.MaxBytes = 1 << 20 })
	tests := []struct {
		name    string
		raw     []byte
		wantErr string
	}{
		{"nil", nil, "there is nothing to check"},
		{"empty", []byte{}, "there is nothing to check"},
		{"only white space", []byte(" \r\n\t \n"), "there is nothing to check"},
		{"one byte too large", bytes.Repeat([]byte("a"), 1<<20+1), "larger than 1 MB"},
		{"invalid approach JSON", []byte(`{"format":"portcullis.approach/v1","platform":"myspace","messages":[{"text":"hi"}]}`), "could not be read"},
	}
	before := len(e.audit(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, res, err := e.svc.Submit(e.ctx, e.reporter, reports.Submission{Channel: "web", Raw: tt.raw})
			wantErrContains(t, err, store.ErrInvalid, tt.wantErr)
			if r != nil || res != nil {
				t.Errorf("Submit returned a report or result with an error: %v, %v", r, res)
			}
		})
	}
	if n, err := e.db.CountAllReports(e.ctx); err != nil || n != 0 {
		t.Errorf("reports stored after refused input: %d, %v; want 0", n, err)
	}
	if got := findAudit(e.auditSince(t, before), "report.create"); len(got) != 0 {
		t.Errorf("report.create audited for refused input: %v", got)
	}
}

func TestSubmitAtSizeLimit(t *testing.T) {
	e := newEnv(t, func(c *reports.Config) { c.MaxBytes = 1 << 20 })
	if got := e.svc.MaxBytes(); got != 1<<20 {
		t.Errorf("MaxBytes() = %d, want %d", got, 1<<20)
	}
	raw := append([]byte("Hello, "), bytes.Repeat([]byte("a"), 1<<20-7)...)
	if _, _, err := e.svc.Submit(e.ctx, e.reporter, reports.Submission{Channel: "web", Raw: raw}); err != nil {
		t.Errorf("Submit of exactly MaxBytes: %v", err)
	}
}

func TestDefaultMaxBytes(t *testing.T) {
	e := newEnv(t)
	if got, want := e.svc.MaxBytes(), int64(25<<20); got != want {
		t.Errorf("MaxBytes() = %d, want %d", got, want)
	}
}

// TestSubmitStoresTheAnalysis checks that what is stored is what a fresh
// analysis of the same input says, so the verdict does not depend on the
// channel.
func TestSubmitStoresTheAnalysis(t *testing.T) {
	for _, raw := range []string{hostileApproach, attachmentMail, benignApproach} {
		t.Run(strings.Fields(raw)[0], func(t *testing.T) {
			e := newEnv(t)
			r, res, err := e.svc.Submit(e.ctx, e.reporter, reports.Submission{Channel: "api", Raw: []byte(raw)})
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := e.svc.Analyze([]byte(raw), "api")
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.svc.Report(e.ctx, e.analyst, r.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if got.Level != fresh.Level || got.Score != fresh.Score || got.Kind != fresh.Kind || got.Summary != fresh.Summary {
				t.Errorf("stored level, score, kind = %s, %d, %s; fresh analysis %s, %d, %s", got.Level, got.Score, got.Kind, fresh.Level, fresh.Score, fresh.Kind)
			}
			if res.Score != fresh.Score {
				t.Errorf("returned score %d, fresh %d", res.Score, fresh.Score)
			}
			dec, err := reports.Result(got)
			if err != nil {
				t.Fatalf("Result: %v", err)
			}
			if dec.Score != fresh.Score || dec.Level != fresh.Level || len(dec.Findings) != len(fresh.Findings) {
				t.Errorf("stored analysis: score %d, level %s, %d findings; want %d, %s, %d",
					dec.Score, dec.Level, len(dec.Findings), fresh.Score, fresh.Level, len(fresh.Findings))
			}

			inds, err := e.svc.ReportIndicators(e.ctx, e.analyst, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			var gotInds, wantInds []string
			for _, in := range inds {
				gotInds = append(gotInds, in.Type+" "+in.Value+" "+in.Field)
			}
			for _, in := range fresh.Indicators {
				wantInds = append(wantInds, string(in.Type)+" "+in.Value+" "+in.Field)
			}
			slices.Sort(gotInds)
			slices.Sort(wantInds)
			if !slices.Equal(gotInds, wantInds) {
				t.Errorf("stored indicators\n%s\nwant\n%s", strings.Join(gotInds, "\n"), strings.Join(wantInds, "\n"))
			}

			hits, err := e.svc.RuleHits(e.ctx, e.analyst)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			for _, f := range fresh.Findings {
				want[f.Rule] = 1
			}
			if fmt.Sprint(hits) != fmt.Sprint(want) {
				t.Errorf("rule hits = %v, want %v", hits, want)
			}
		})
	}
}

func TestResultOfUnreadableAnalysis(t *testing.T) {
	if _, err := reports.Result(&store.Report{ID: 7, Analysis: []byte("{not json")}); err == nil {
		t.Error("Result of an unreadable analysis: got no error")
	}
}

func TestSubmitStoresAttachments(t *testing.T) {
	e := newEnv(t)
	r := e.submit(t, e.reporter, attachmentMail)
	atts, err := e.svc.Attachments(e.ctx, e.analyst, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 1 {
		t.Fatalf("got %d attachments, want 1: %+v", len(atts), atts)
	}
	data, err := base64.StdEncoding.DecodeString(attachmentBase64)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	a := atts[0]
	if a.Name != "Job_Description.pdf.exe" || a.ContentType != "pe-executable" || a.Size != int64(len(data)) || a.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("attachment = %q %q %d %s; want Job_Description.pdf.exe pe-executable %d %x", a.Name, a.ContentType, a.Size, a.SHA256, len(data), sum)
	}
	if a.ReportID != r.ID || a.Data != nil {
		t.Errorf("attachment report %d (want %d), data %d bytes in a list (want none)", a.ReportID, r.ID, len(a.Data))
	}

	// An approach has no attachments.
	r2 := e.submit(t, e.reporter, hostileApproach)
	if atts, err := e.svc.Attachments(e.ctx, e.analyst, r2.ID); err != nil || len(atts) != 0 {
		t.Errorf("attachments of an approach = %v, %v; want none", atts, err)
	}
}

func TestSubmitOptionsStored(t *testing.T) {
	e := newEnv(t)
	r, _, err := e.svc.Submit(e.ctx, e.reporter, reports.Submission{Channel: "web", Replied: true, Shared: true, Met: true,
		Raw: []byte(hostileApproach), RawName: "C:\\Users\\me\\..\\evil\"\x00\x1b.json"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Report(e.ctx, e.reporter, r.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Replied || !got.SharedInfo || !got.Met {
		t.Errorf("replied, shared, met = %t, %t, %t; want all true", got.Replied, got.SharedInfo, got.Met)
	}
	if got.RawName != "evil.json" {
		t.Errorf("raw name = %q, want the base name without quotes or control characters, evil.json", got.RawName)
	}
}

func TestSubmitAudited(t *testing.T) {
	e := newEnv(t)
	before := len(e.audit(t))
	r, _, err := e.svc.Submit(e.ctx, e.reporter, reports.Submission{Channel: "api", Intent: store.IntentCheck, Raw: []byte(hostileApproach)})
	if err != nil {
		t.Fatal(err)
	}
	got := findAudit(e.auditSince(t, before), "report.create")
	if len(got) != 1 {
		t.Fatalf("got %d report.create events, want 1", len(got))
	}
	ev := got[0]
	if ev.ActorID != e.reporter.ID || ev.Actor != e.reporter.Email || ev.Target != fmt.Sprintf("report:%d", r.ID) {
		t.Errorf("event actor %d %q target %q; want %d %q report:%d", ev.ActorID, ev.Actor, ev.Target, e.reporter.ID, e.reporter.Email, r.ID)
	}
	if want := `{"channel":"api","intent":"check","level":"critical"}`; ev.Detail != want {
		t.Errorf("detail = %s, want %s", ev.Detail, want)
	}
}

func TestSubmitCallsOnReport(t *testing.T) {
	var got []string
	e := newEnv(t, func(c *reports.Config) {
		c.OnReport = func(r *store.Report, res *analysis.Result, reporter *store.User) {
			got = append(got, fmt.Sprintf("%d %s %s", r.ID, res.Level, reporter.Email))
		}
	})
	r := e.submit(t, e.reporter, hostileApproach)
	want := []string{fmt.Sprintf("%d critical %s", r.ID, e.reporter.Email)}
	if !slices.Equal(got, want) {
		t.Errorf("OnReport calls = %q, want %q", got, want)
	}
	if _, _, err := e.svc.Submit(e.ctx, e.reporter, reports.Submission{}); err == nil {
		t.Fatal("empty submission accepted")
	}
	if len(got) != 1 {
		t.Errorf("OnReport called for a refused submission: %q", got)
	}
}

func TestAnalyzeStoresNothing(t *testing.T) {
	e := newEnv(t)
	res, err := e.svc.Analyze([]byte(hostileApproach), "upload.json")
	if err != nil {
		t.Fatal(err)
	}
	if res.Input != "upload.json" || res.Level != "critical" {
		t.Errorf("input, level = %q, %q; want upload.json, critical", res.Input, res.Level)
	}
	if n, err := e.db.CountAllReports(e.ctx); err != nil || n != 0 {
		t.Errorf("reports after Analyze: %d, %v; want 0", n, err)
	}
}

func TestReportVisibility(t *testing.T) {
	e := newEnv(t)
	mine := e.submit(t, e.reporter, hostileApproach)
	theirs := e.submit(t, e.other, hostileApproach)

	if r, err := e.svc.Report(e.ctx, e.reporter, mine.ID, ""); err != nil || r.ID != mine.ID {
		t.Errorf("reporter reading their own report: %v, %v", r, err)
	}
	_, err := e.svc.Report(e.ctx, e.reporter, theirs.ID, "")
	wantKind(t, err, store.ErrNotFound)
	// The same answer as for a report that does not exist.
	_, err = e.svc.Report(e.ctx, e.reporter, 9999, "")
	wantKind(t, err, store.ErrNotFound)
	for _, u := range []*store.User{e.analyst, e.admin} {
		if r, err := e.svc.Report(e.ctx, u, theirs.ID, ""); err != nil || r.ID != theirs.ID {
			t.Errorf("%s reading any report: %v, %v", u.Role, r, err)
		}
	}
	_, err = e.svc.Report(e.ctx, e.analyst, 9999, "")
	wantKind(t, err, store.ErrNotFound)
}

func TestReportViewsAudited(t *testing.T) {
	e := newEnv(t)
	r := e.submit(t, e.reporter, hostileApproach)

	before := len(e.audit(t))
	if _, err := e.svc.Report(e.ctx, e.reporter, r.ID, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if got := e.auditSince(t, before); len(got) != 0 {
		t.Errorf("a reporter's view of their own report was audited: %+v", got)
	}

	if _, err := e.svc.Report(e.ctx, e.analyst, r.ID, "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	got := findAudit(e.auditSince(t, before), "report.view")
	if len(got) != 1 {
		t.Fatalf("got %d report.view events, want 1", len(got))
	}
	if ev := got[0]; ev.ActorID != e.analyst.ID || ev.Target != fmt.Sprintf("report:%d", r.ID) || ev.IP != "192.0.2.2" {
		t.Errorf("report.view by %d on %q from %q; want %d, report:%d, 192.0.2.2", ev.ActorID, ev.Target, ev.IP, e.analyst.ID, r.ID)
	}

	// Downloading the raw input is audited too.
	before = len(e.audit(t))
	raw, err := e.svc.Raw(e.ctx, e.analyst, r.ID, "192.0.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if string(raw.Raw) != hostileApproach {
		t.Error("Raw does not return the submitted input")
	}
	if got := findAudit(e.auditSince(t, before), "report.download"); len(got) != 1 {
		t.Errorf("got %d report.download events, want 1", len(got))
	}
}

func TestListAndCountsForReporters(t *testing.T) {
	e := newEnv(t)
	mine := []int64{e.submit(t, e.reporter, hostileApproach).ID, e.submit(t, e.reporter, benignApproach).ID}
	theirs := e.submit(t, e.other, hostileApproach).ID

	tests := []struct {
		name    string
		actor   *store.User
		filter  store.ReportFilter
		wantIDs []int64
	}{
		{"reporter sees their own", e.reporter, store.ReportFilter{}, mine},
		{"reporter asking for another's sees their own", e.reporter, store.ReportFilter{ReporterID: e.other.ID}, mine},
		{"reporter filtering by level", e.reporter, store.ReportFilter{ReporterID: e.other.ID, Levels: []string{"critical"}}, mine[:1]},
		{"analyst sees all", e.analyst, store.ReportFilter{}, append([]int64{theirs}, mine...)},
		{"analyst filtering by reporter", e.analyst, store.ReportFilter{ReporterID: e.other.ID}, []int64{theirs}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := e.svc.List(e.ctx, tt.actor, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range list {
				ids = append(ids, r.ID)
			}
			slices.Sort(ids)
			want := slices.Sorted(slices.Values(tt.wantIDs))
			if !slices.Equal(ids, want) {
				t.Errorf("List ids = %v, want %v", ids, want)
			}
		})
	}

	countTests := []struct {
		name         string
		actor        *store.User
		filter       store.ReportFilter
		wantTotal    int
		wantCritical int
	}{
		{"reporter", e.reporter, store.ReportFilter{}, 2, 1},
		{"reporter asking for another's", e.reporter, store.ReportFilter{ReporterID: e.other.ID}, 2, 1},
		{"analyst", e.analyst, store.ReportFilter{}, 3, 2},
		{"analyst filtering by reporter", e.analyst, store.ReportFilter{ReporterID: e.other.ID}, 1, 1},
	}
	for _, tt := range countTests {
		t.Run("counts/"+tt.name, func(t *testing.T) {
			c, err := e.svc.Counts(e.ctx, tt.actor, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if c.Total != tt.wantTotal || c.ByLevel["critical"] != tt.wantCritical {
				t.Errorf("Counts = total %d, critical %d; want %d, %d", c.Total, c.ByLevel["critical"], tt.wantTotal, tt.wantCritical)
			}
		})
	}
}

func TestErrorf(t *testing.T) {
	err := reports.Errorf(reports.ErrForbidden, "no %s here", "entry")
	if err.Error() != "no entry here" {
		t.Errorf("message = %q, want %q", err, "no entry here")
	}
	if !errors.Is(err, reports.ErrForbidden) || errors.Is(err, reports.ErrUnauthenticated) {
		t.Errorf("kind of %v is wrong", err)
	}
}

// TestConcurrentUse runs submissions, watchlist changes, sign-ins and
// reads at once (run it with -race).
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	e.setPassword(t, e.reporter, goodPassword)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 4 {
		wg.Go(func() {
			if _, _, err := e.svc.Submit(e.ctx, e.reporter, reports.Submission{Channel: "api", Raw: []byte(hostileApproach)}); err != nil {
				errs <- fmt.Errorf("Submit: %w", err)
			}
		})
		wg.Go(func() {
			ent, err := reports.ParseIndicator(e.analyst, map[string]string{"type": "domain", "value": fmt.Sprintf("d%d.example", i)})
			if err == nil {
				_, _, err = e.svc.PutIndicators(e.ctx, e.analyst, []*intel.Entry{ent}, "add", "")
			}
			if err != nil {
				errs <- fmt.Errorf("PutIndicators: %w", err)
			}
		})
		wg.Go(func() {
			if _, err := e.svc.SignIn(e.ctx, e.reporter.Email, goodPassword, ""); err != nil {
				errs <- fmt.Errorf("SignIn: %w", err)
			}
		})
		wg.Go(func() {
			if _, err := e.svc.List(e.ctx, e.analyst, store.ReportFilter{}); err != nil {
				errs <- fmt.Errorf("List: %w", err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, err := e.db.CountAllReports(e.ctx); err != nil || n != 4 {
		t.Errorf("reports = %d, %v; want 4", n, err)
	}
	if _, n, err := e.svc.Indicators(e.ctx, e.analyst, store.Filter{}); err != nil || n != 4 {
		t.Errorf("indicators = %d, %v; want 4", n, err)
	}
	if _, err := e.db.VerifyAudit(e.ctx); err != nil {
		t.Errorf("audit chain after concurrent use: %v", err)
	}
}
