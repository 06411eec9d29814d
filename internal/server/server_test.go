package server

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"portcullis/internal/auth"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

const testPassword = "plum orbit lantern 42"

// startServer boots the real service on 127.0.0.1:0 with a temporary
// SQLite database and cheap password hashing.
func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	dir := t.TempDir()
	if cfg.DataDir == "" {
		cfg.DataDir = dir
	}
	cfg.Addr = "127.0.0.1:0"
	p := auth.TestParams
	cfg.PasswordParams = &p
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv
}

// addUser creates a user with testPassword.
func addUser(t *testing.T, srv *Server, email, name, role string) *store.User {
	t.Helper()
	ctx := context.Background()
	u, err := srv.Service().CreateUser(ctx, nil, newUser(email, name, role), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Service().SetPassword(ctx, u, "", testPassword, ""); err != nil {
		t.Fatal(err)
	}
	u, err = srv.Store().GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestFirstStartPrintsOneTimeLink(t *testing.T) {
	var console bytes.Buffer
	srv := startServer(t, Config{Console: &console, AdminEmail: "security@parliament.uk"})
	m := regexp.MustCompile(`(http://\S+/signin/link/\S+)`).FindStringSubmatch(console.String())
	if m == nil {
		t.Fatalf("no sign-in link on the console:\n%s", console.String())
	}
	users, err := srv.Store().ListUsers(context.Background())
	if err != nil || len(users) != 1 || users[0].Role != store.RoleAdmin || users[0].PasswordHash != "" {
		t.Fatalf("users after first start = %+v (%v), want one admin without a password", users, err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// GET shows a button and does not spend the link (mail scanners fetch links).
	resp, err := client.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	post := func() *http.Response {
		req, _ := http.NewRequest("POST", m[1], nil)
		req.Header.Set("Origin", srv.URL())
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post(); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/account") {
		t.Fatalf("using the link: %d to %q, want a redirect to choose a password", r.StatusCode, r.Header.Get("Location"))
	}
	if r := post(); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("using the link twice: %d, want 401", r.StatusCode)
	}
	// A second start prints nothing: there are users now.
	console.Reset()
	if _, err := srv.Service().Bootstrap(context.Background(), "x@y.z"); err != nil || console.Len() != 0 {
		t.Errorf("bootstrap with users: %v %q", err, console.String())
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	srv := startServer(t, Config{})
	u := addUser(t, srv, "ops@parliament.uk", "Ops", store.RoleAnalyst)
	tok, _, err := srv.Service().CreateAPIToken(context.Background(), u, "prometheus", "")
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(srv.URL() + "/metrics"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics without a token: %v %v, want 401", resp.StatusCode, err)
	}
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "portcullis_http_requests_total"} {
		req, _ := http.NewRequest("GET", srv.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %q, want %q", path, resp.StatusCode, b, want)
		}
	}
}

// relay is a real SMTP server (go-smtp) standing in for the
// organisation's mail relay; it keeps what it is sent.
type relay struct {
	mu   sync.Mutex
	msgs []relayed
}

type relayed struct {
	from string
	to   []string
	data []byte
}

func (r *relay) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &relaySession{r: r}, nil }

type relaySession struct {
	r   *relay
	cur relayed
}

func (s *relaySession) AuthPlain(string, string) error { return nil }
func (s *relaySession) Mail(from string, _ *gosmtp.MailOptions) error {
	s.cur.from = from
	return nil
}
func (s *relaySession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, s.cur)
	s.r.mu.Unlock()
	return nil
}
func (s *relaySession) Reset()        { s.cur = relayed{} }
func (s *relaySession) Logout() error { return nil }

func startRelay(t *testing.T) (*relay, string) {
	t.Helper()
	r := &relay{}
	s := gosmtp.NewServer(r)
	s.Addr = "127.0.0.1:0"
	s.Domain = "relay.test"
	s.AllowInsecureAuth = true
	ln, err := netListen(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return r, ln.Addr().String()
}

// TestReportByEmail forwards a mail over SMTP as a known user: it is
// stored and analysed, and the verdict comes back by mail through the
// relay. An unknown sender is refused with a reply that says what to do.
func TestReportByEmail(t *testing.T) {
	rl, relayAddr := startRelay(t)
	srv := startServer(t, Config{SMTPAddr: "127.0.0.1:0", ReportAddress: []string{"report@security.parliament.uk"},
		SMTPRelay: relayAddr, SMTPFrom: "portcullis@security.parliament.uk"})
	u := addUser(t, srv, "jo.bloggs@parliament.uk", "Jo Bloggs", store.RoleReporter)

	forward := "From: Jo Bloggs <jo.bloggs@parliament.uk>\r\nTo: report@security.parliament.uk\r\nSubject: Fwd: Paid report opportunity\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLooks odd.\r\n\r\n" +
		"---------- Forwarded message ---------\r\nFrom: Amanda Qiu <amanda.qiu@internationalcareer.example>\r\nDate: Mon, 3 Nov 2025 09:12:00 +0000\r\n" +
		"Subject: Paid report opportunity\r\nTo: Jo Bloggs <jo.bloggs@parliament.uk>\r\n\r\n" +
		"Dear Jo, our client, a think tank, pays 5,000 GBP for a short report on non-public thinking in your committee, " +
		"with an all-expenses-paid trip to Shanghai. Please keep this confidential.\r\n"
	if err := smtp.SendMail(srv.SMTPAddr(), nil, u.Email, []string{"report@security.parliament.uk"}, []byte(forward)); err != nil {
		t.Fatalf("forwarding as a user: %v", err)
	}
	err := smtp.SendMail(srv.SMTPAddr(), nil, "stranger@example.com", []string{"report@security.parliament.uk"}, []byte(forward))
	if err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "not a registered") {
		t.Errorf("unknown sender: %v, want a 550 saying they are not registered", err)
	}
	var list []store.Report
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		list, _ = srv.Store().ListReports(context.Background(), store.ReportFilter{ReporterID: u.ID})
		if len(list) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(list) != 1 {
		t.Fatalf("reports from the forwarder = %d, want 1", len(list))
	}
	if list[0].Channel != "email" || analysisRank(list[0].Level) < 2 {
		t.Errorf("emailed report: channel %q level %q, want email and at least medium", list[0].Channel, list[0].Level)
	}
	for time.Now().Before(deadline) {
		rl.mu.Lock()
		n := 0
		for _, m := range rl.msgs {
			if len(m.to) == 1 && m.to[0] == u.Email {
				n++
			}
		}
		rl.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	var verdicts []relayed
	for _, m := range rl.msgs {
		if len(m.to) == 1 && m.to[0] == u.Email {
			verdicts = append(verdicts, m)
		}
	}
	if len(verdicts) != 1 {
		t.Fatalf("verdict mails to %s: %d, want 1", u.Email, len(verdicts))
	}
	if body := string(verdicts[0].data); !strings.Contains(body, "Subject: Portcullis: your report") || !strings.Contains(body, "/reports/") {
		t.Errorf("verdict mail:\n%s", body)
	}
}

func analysisRank(level string) int {
	return map[string]int{"none": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}[level]
}

// TestGracefulShutdown: a request in flight when shutdown begins
// finishes, and its report is stored.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	p := auth.TestParams
	srv, err := New(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: dir, PasswordParams: &p})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	u := addUser(t, srv, "jo@parliament.uk", "Jo", store.RoleReporter)
	secret, _, err := srv.Service().CreateAPIToken(context.Background(), u, "t", "")
	if err != nil {
		t.Fatal(err)
	}
	// A slow body keeps the request in flight while shutdown starts.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", srv.URL()+"/api/v1/reports", pr)
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "text/plain")
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight request failed: %v", err)
			done <- nil
			return
		}
		done <- resp
	}()
	pw.Write([]byte("Our client pays 5,000 GBP for a confidential report. "))
	time.Sleep(200 * time.Millisecond)
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- srv.Shutdown(ctx)
	}()
	time.Sleep(200 * time.Millisecond)
	pw.Write([]byte("All expenses paid trip to Shanghai."))
	pw.Close()
	resp := <-done
	if resp == nil {
		t.FailNow()
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("in-flight report: %d, want 201", resp.StatusCode)
	}
	if err := <-shut; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "portcullis.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.CountAllReports(context.Background()); err != nil || n != 1 {
		t.Errorf("reports after shutdown = %d (%v), want 1", n, err)
	}
}

func newUser(email, name, role string) reports.NewUser {
	return reports.NewUser{Email: email, Name: name, Role: role}
}

func netListen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
