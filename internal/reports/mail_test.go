package reports_test

import (
	"errors"
	"testing"

	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// forwardedMail is an approach forwarded by the reporter to the security
// team's address.
const forwardedMail = "From: Test Reporter <Reporter@Parliament.UK>\r\n" +
	"To: Security Reports <security.reports@parliament.uk>\r\n" +
	"Subject: Fwd: Paid research opportunity\r\n" +
	"Date: Thu, 16 Jan 2025 10:05:41 +0000\r\n" +
	"Message-ID: <fwd-1@parliament.uk>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Can security have a look at this before I reply?\r\n" +
	"\r\n" +
	"---------- Forwarded message ---------\r\n" +
	"From: Amanda Qiu <amanda.qiu@internationalcareer.example>\r\n" +
	"Date: Wed, 15 Jan 2025 at 16:22\r\n" +
	"Subject: Paid research opportunity\r\n" +
	"To: <reporter@parliament.uk>\r\n" +
	"\r\n" +
	"Dear colleague, our client pays 5,000 GBP for a short report on non-public thinking in your committee.\r\n" +
	"All expenses paid trip to Shanghai. Please keep this confidential.\r\n"

func TestKnownSender(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.UpdateUser(e.ctx, e.admin, e.other.ID, reportsDisable(), ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		want bool
	}{
		{"reporter@parliament.uk", true},
		{"Reporter@PARLIAMENT.uk", true},
		{"analyst@parliament.uk", true},
		{"other@parliament.uk", false}, // disabled
		{"stranger@example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := e.svc.KnownSender(e.ctx, tt.addr)
			if err != nil || got != tt.want {
				t.Errorf("KnownSender(%q) = %t, %v; want %t, nil", tt.addr, got, err, tt.want)
			}
		})
	}
}

func TestSubmitMail(t *testing.T) {
	e := newEnv(t)
	r, res, u, err := e.svc.SubmitMail(e.ctx, "Reporter@Parliament.UK", []byte(forwardedMail))
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != e.reporter.ID || r.ReporterID != e.reporter.ID {
		t.Errorf("report by %d (user %d), want %d", r.ReporterID, u.ID, e.reporter.ID)
	}
	if r.Channel != "email" || r.Intent != store.IntentReport || r.Kind != "email" {
		t.Errorf("channel, intent, kind = %q, %q, %q; want email, report, email", r.Channel, r.Intent, r.Kind)
	}
	if want := "Amanda Qiu: Paid research opportunity"; r.Title != want {
		t.Errorf("title = %q, want the original's %q", r.Title, want)
	}
	if res.Reporter != "reporter@parliament.uk" {
		t.Errorf("result's reporter = %q, want the forwarder", res.Reporter)
	}
	if res.Level != "critical" && res.Level != "high" {
		t.Errorf("forwarded hostile approach scored %s (%d)", res.Level, res.Score)
	}
	got, err := e.svc.Report(e.ctx, e.reporter, r.ID, "")
	if err != nil || got.Channel != "email" {
		t.Errorf("the reporter's view of their mailed report = %v, %v", got, err)
	}
}

func TestSubmitMailRejected(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.UpdateUser(e.ctx, e.admin, e.other.ID, reportsDisable(), ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, raw string
	}{
		{"unknown sender", "stranger@example.com", forwardedMail},
		{"disabled user", "other@parliament.uk", forwardedMail},
		{"empty mail", "reporter@parliament.uk", " \r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, res, u, err := e.svc.SubmitMail(e.ctx, tt.from, []byte(tt.raw))
			if !errors.Is(err, reports.ErrMailRejected) {
				t.Fatalf("error = %v, want ErrMailRejected", err)
			}
			if r != nil || res != nil || u != nil {
				t.Errorf("rejected mail returned %v, %v, %v", r, res, u)
			}
		})
	}
	if n, err := e.db.CountAllReports(e.ctx); err != nil || n != 0 {
		t.Errorf("reports after rejected mail = %d, %v; want 0", n, err)
	}
}

func TestSubmitMailTooLarge(t *testing.T) {
	e := newEnv(t, func(c *reports.Config) { c.MaxBytes = 1 << 20 })
	big := make([]byte, 1<<20+1)
	for i := range big {
		big[i] = 'a'
	}
	_, _, _, err := e.svc.SubmitMail(e.ctx, "reporter@parliament.uk", big)
	if !errors.Is(err, reports.ErrMailRejected) {
		t.Errorf("oversize mail: error = %v, want ErrMailRejected", err)
	}
}
