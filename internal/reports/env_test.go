package reports_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"portcullis/internal/auth"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// clock is a settable clock shared by the service and the store, so that
// time-based behaviour (lockouts, link and session expiry) is testable.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a real service on a temporary SQLite database with one user per
// role (and a second reporter, other), all without passwords.
type env struct {
	ctx context.Context
	db  *store.DB
	svc *reports.Service
	clk *clock

	reporter, other, analyst, admin *store.User
}

// newEnv starts a service; configure, when given, changes its Config first.
func newEnv(t *testing.T, configure ...func(*reports.Config)) *env {
	t.Helper()
	e := newEmptyEnv(t, configure...)
	e.reporter = e.createUser(t, "reporter@parliament.uk", "Test Reporter", store.RoleReporter)
	e.other = e.createUser(t, "other@parliament.uk", "Other Reporter", store.RoleReporter)
	e.analyst = e.createUser(t, "analyst@parliament.uk", "Test Analyst", store.RoleAnalyst)
	e.admin = e.createUser(t, "admin@parliament.uk", "Test Admin", store.RoleAdmin)
	return e
}

// newEmptyEnv starts a service on a database with no users.
func newEmptyEnv(t *testing.T, configure ...func(*reports.Config)) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := newClock()
	db.Now = clk.Now
	cfg := reports.Config{Store: db, Now: clk.Now}
	for _, f := range configure {
		f(&cfg)
	}
	svc, err := reports.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc.SetPasswordParams(auth.TestParams)
	return &env{ctx: ctx, db: db, svc: svc, clk: clk}
}

func (e *env) createUser(t *testing.T, email, name, role string) *store.User {
	t.Helper()
	u, err := e.svc.CreateUser(e.ctx, nil, reports.NewUser{Email: email, Name: name, Role: role}, "")
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// user re-reads a user from the store.
func (e *env) user(t *testing.T, id int64) *store.User {
	t.Helper()
	u, err := e.db.GetUser(e.ctx, id)
	if err != nil {
		t.Fatalf("GetUser(%d): %v", id, err)
	}
	return u
}

// setPassword gives u a password through the service, as a user would.
func (e *env) setPassword(t *testing.T, u *store.User, pw string) {
	t.Helper()
	if err := e.svc.SetPassword(e.ctx, u, "", pw, ""); err != nil {
		t.Fatalf("SetPassword(%s): %v", u.Email, err)
	}
}

// submit stores raw as a web report by actor.
func (e *env) submit(t *testing.T, actor *store.User, raw string) *store.Report {
	t.Helper()
	r, _, err := e.svc.Submit(e.ctx, actor, reports.Submission{Channel: "web", Raw: []byte(raw)})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return r
}

// audit returns the whole audit log.
func (e *env) audit(t *testing.T) []store.AuditEvent {
	t.Helper()
	var all []store.AuditEvent
	var after int64
	for {
		page, err := e.db.ListAudit(e.ctx, after, store.MaxAuditLimit)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
}

// auditSince returns the audit events appended after the first n.
func (e *env) auditSince(t *testing.T, n int) []store.AuditEvent {
	t.Helper()
	all := e.audit(t)
	if n > len(all) {
		t.Fatalf("audit log shrank from %d to %d events", n, len(all))
	}
	return all[n:]
}

// findAudit returns the events with the given action.
func findAudit(events []store.AuditEvent, action string) []store.AuditEvent {
	var out []store.AuditEvent
	for _, ev := range events {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

// wantKind fails unless err is of the given kind.
func wantKind(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want one of kind %v", err, kind)
	}
}

// wantErrContains fails unless err is of kind and its message has sub.
func wantErrContains(t *testing.T, err, kind error, sub string) {
	t.Helper()
	wantKind(t, err, kind)
	if !strings.Contains(err.Error(), sub) {
		t.Errorf("error = %q, want it to contain %q", err, sub)
	}
}

func ptr[T any](v T) *T { return &v }

// Inputs.

const hostileApproach = `{"format":"portcullis.approach/v1","platform":"linkedin","kind":"message",
 "sender":{"name":"Amanda Qiu","headline":"Senior Partner at Internationalcareer","profile_url":"https://www.linkedin.com/in/amanda-qiu-4b1a2"},
 "messages":[{"from":"sender","text":"Dear colleague, our client pays 5,000 GBP for a short report on non-public thinking in your committee. All expenses paid trip to Shanghai. Please keep this confidential."}]}`

const benignApproach = `{"format":"portcullis.approach/v1","platform":"linkedin","kind":"message",
 "sender":{"name":"Jo Bloggs","email":"jo.bloggs@front-example.net"},
 "messages":[{"from":"sender","subject":"Coffee next week?","text":"Hello, it was good to meet you at the conference. Coffee next week?"}]}`

const pastedText = `WhatsApp, +44 7700 900123:
Hello, I represent a consultancy. We pay 3000 USD for your notes on the defence review. Reply on Telegram please.`

// attachmentMail is a mail with an attached executable.
const attachmentMail = "From: \"Rebecca Shaw\" <rebecca.shaw@northgate-talent.example>\r\n" +
	"To: <liam.foster@parliament.uk>\r\n" +
	"Subject: Senior Policy Advisor - job description attached\r\n" +
	"Date: Fri, 30 May 2025 11:47:14 +0100\r\n" +
	"Message-ID: <e0b7c1a2@northgate-talent.example>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Hi Liam, please find the job description attached. It is a self-opening PDF: choose Run anyway.\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: application/octet-stream; name=\"Job_Description.pdf.exe\"\r\n" +
	"Content-Disposition: attachment; filename=\"Job_Description.pdf.exe\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAFRoaXMgcHJvZ3JhbSBjYW5ub3QgYmUgcnVuIGlu\r\n" +
	"IERPUyBtb2RlLg0NCiQAAFBFAABMAQ==\r\n" +
	"\r\n" +
	"--b1--\r\n"

// attachmentBase64 is the attachment of attachmentMail, encoded.
const attachmentBase64 = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAFRoaXMgcHJvZ3JhbSBjYW5ub3QgYmUgcnVuIGluIERPUyBtb2RlLg0NCiQAAFBFAABMAQ=="

// reportsDisable is the change that disables a user.
func reportsDisable() reports.UserChange { return reports.UserChange{Disabled: ptr(true)} }
