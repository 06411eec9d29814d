package server

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portcullis/internal/intel"
	"portcullis/internal/store"
)

// chromium finds Debian's Chromium. Without it the browser tests skip on
// a laptop, and fail under CI, where .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (apt-get install -y chromium); browser tests cannot skip in CI")
	}
	t.Skip("chromium is not installed; skipping browser tests")
	return ""
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	return ctx
}

// unlabelled counts visible form controls without a label: every field
// must be announced by a screen reader.
const unlabelled = `[...document.querySelectorAll('input:not([type=hidden]),select,textarea')].filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id)`

func checkLabels(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	missing, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](unlabelled))
	if err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	if len(missing) > 0 {
		t.Errorf("%s: form controls without a label: %v", page, missing)
	}
}

// TestBrowserReportTriageFeedback drives the real UI in Chromium: a
// reporter reports an approach and reads the verdict; an analyst triages
// it and adds the sender's profile to the watchlist; the reporter sees
// the security team's feedback.
func TestBrowserReportTriageFeedback(t *testing.T) {
	bctx := newBrowser(t)
	// Steps share a deadline; the page is still readable after it passes.
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	srv := startServer(t, Config{})
	reporter := addUser(t, srv, "jo.bloggs@parliament.uk", "Jo Bloggs", store.RoleReporter)
	analyst := addUser(t, srv, "sam.analyst@parliament.uk", "Sam Analyst", store.RoleAnalyst)
	base := srv.URL()

	type steps = []chromedp.Action[chromedp.Void]
	do := func(what string, ss ...steps) {
		t.Helper()
		var all steps
		for _, s := range ss {
			all = append(all, s...)
		}
		if err := chromedp.Do(ctx, all...); err != nil {
			page, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
			t.Fatalf("%s: %v\npage: %.1500s", what, err, page)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	signIn := func(u *store.User) steps {
		return steps{
			chromedp.Navigate(base + "/signin"),
			chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), u.Email),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
			chromedp.Submit(chromedp.CSS("#password")),
			chromedp.WaitVisible(chromedp.CSS(`form.signout`)),
		}
	}
	signOut := steps{
		chromedp.Click(chromedp.CSS(`form.signout button`)),
		chromedp.WaitVisible(chromedp.CSS("#email")),
	}

	// 1. The reporter reports an approach and reads the verdict.
	const profile = "https://www.linkedin.com/in/amanda-qiu-77aa1"
	do("reporter signs in", signIn(reporter))
	// The keyboard reaches the skip link first, and it leads to the content.
	do("home", steps{chromedp.Navigate(base + "/"), chromedp.WaitVisible(chromedp.CSS("main")), chromedp.KeyEvent("\t")})
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`))
	if err != nil {
		t.Fatal(err)
	}
	if focused != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", focused)
	}
	do("skip", steps{chromedp.KeyEvent("\r")})
	if id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`)); err != nil || id != "main" {
		t.Errorf("after the skip link, focus is on %q (%v), want main", id, err)
	}
	do("report form", steps{chromedp.Navigate(base + "/report"), chromedp.WaitVisible(chromedp.CSS("#text"))})
	checkLabels(t, ctx, "report form")
	do("report", steps{
		chromedp.SendKeys(chromedp.CSS("#text"), "Dear colleague, I am a headhunter for a think tank. Our client pays 5,000 GBP for a short report on non-public thinking in your committee, plus an all-expenses-paid trip to Shanghai. Please keep this confidential and let's continue on WhatsApp."),
		chromedp.SendKeys(chromedp.CSS("#name"), "Amanda Qiu"),
		chromedp.SendKeys(chromedp.CSS("#headline"), "Senior Partner at Internationalcareer"),
		chromedp.SendKeys(chromedp.CSS("#profile_url"), profile),
		chromedp.Click(chromedp.CSS("#replied")),
		chromedp.Click(chromedp.CSS(`button[value="report"]`)),
		chromedp.WaitVisible(chromedp.CSS("#summary")),
	})
	level, summary := text("h1 .level"), text("#summary")
	if l := strings.ToLower(level); !strings.Contains(l, "high") && !strings.Contains(l, "critical") {
		t.Errorf("verdict level = %q, want high or critical", level)
	}
	if summary == "" {
		t.Error("no summary on the result page")
	}
	list, err := srv.Store().ListReports(context.Background(), store.ReportFilter{ReporterID: reporter.ID})
	if err != nil || len(list) != 1 {
		t.Fatalf("reporter's stored reports = %d (%v), want 1", len(list), err)
	}
	rep := list[0]
	if !rep.Replied {
		t.Error("the 'I replied' box was not stored")
	}

	// 2. The analyst triages it and adds the profile to the watchlist.
	do("analyst opens the report", signOut, signIn(analyst), steps{
		chromedp.Navigate(base + "/queue"),
		chromedp.WaitVisible(chromedp.CSS("table.queue")),
		chromedp.Click(chromedp.CSS(`table.queue tbody tr:first-child a`)),
		chromedp.WaitVisible(chromedp.CSS("#case-h")),
	})
	checkLabels(t, ctx, "triage page")
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('pre.text mark').length`))
	if err != nil {
		t.Fatal(err)
	}
	if marks == 0 {
		t.Error("no evidence highlighted in the approach text")
	}
	const feedback = "Thank you: this is a known hostile profile. Do not reply further; we will call you today."
	do("set case fields", steps{
		chromedp.SetValue(chromedp.CSS("#status"), "closed"),
		chromedp.SetValue(chromedp.CSS("#verdict"), "hostile"),
		chromedp.SendKeys(chromedp.CSS("#feedback"), feedback),
	})
	do("save case", steps{chromedp.Click(chromedp.CSS(`#case-h ~ form button[type=submit]`))})
	do("case saved", steps{chromedp.WaitVisible(chromedp.Search(`//p[@class="flash" and contains(., "case was updated")]`))})
	do("add to watchlist", steps{chromedp.Click(chromedp.Search(`//tr[td[1][normalize-space()="linkedin_profile"]]//button[normalize-space()="Add to watchlist"]`))})
	do("added", steps{chromedp.WaitVisible(chromedp.Search(`//p[@class="flash" and contains(., "added to the watchlist")]`))})
	got, err := srv.Store().GetReport(context.Background(), rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusClosed || got.Verdict != store.VerdictHostile || got.Feedback != feedback {
		t.Errorf("case after triage: status %q verdict %q feedback %q", got.Status, got.Verdict, got.Feedback)
	}
	recs, err := srv.Store().ListIndicators(context.Background(), store.Filter{Kind: intel.Watch, Search: "amanda-qiu-77aa1"})
	if err != nil || len(recs) != 1 {
		t.Fatalf("watchlist entries for the profile = %d (%v), want 1", len(recs), err)
	}

	// 3. The reporter sees the feedback.
	do("reporter reads the feedback", signOut, signIn(reporter), steps{
		chromedp.Navigate(base + "/reports"),
		chromedp.WaitVisible(chromedp.CSS("table")),
		chromedp.Click(chromedp.CSS(`table tbody tr:first-child a`)),
		chromedp.WaitVisible(chromedp.CSS("#feedback")),
	})
	fb := text("#feedback")
	if !strings.Contains(fb, "known hostile profile") {
		t.Errorf("reporter's feedback panel = %q", fb)
	}
}
