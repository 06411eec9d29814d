package mailin

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	staff    = "kate.jones@parliament.uk"
	reportTo = "report@security.parliament.uk"
)

// sample is a forwarded message with lines that need dot-stuffing, 8-bit text and
// CRLF line ends, as the exact bytes SubmitMail must receive.
const sample = "From: Kate Jones <kate.jones@parliament.uk>\r\n" +
	"To: report@security.parliament.uk\r\n" +
	"Subject: Fwd: Consultancy opportunity\r\n" +
	"Message-ID: <sample-1@parliament.uk>\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"---------- Forwarded message ---------\r\n" +
	".A line that starts with a dot.\r\n" +
	"..two dots\r\n" +
	"Grüße from a headhunter: paid reports, all expenses.\r\n" +
	"\r\n"

// submission is one successful SubmitMail call.
type submission struct {
	from string
	raw  []byte
}

// fakeIntake stands in for the service. submit, when set, decides the
// result of the n-th SubmitMail call (n counts from 1).
type fakeIntake struct {
	known    map[string]bool
	knownErr error
	submit   func(ctx context.Context, n int) error

	mu    sync.Mutex
	calls int
	got   []submission
}

func newIntake(known ...string) *fakeIntake {
	in := &fakeIntake{known: make(map[string]bool)}
	for _, k := range known {
		in.known[strings.ToLower(k)] = true
	}
	return in
}

func (f *fakeIntake) KnownSender(ctx context.Context, addr string) (bool, error) {
	if f.knownErr != nil {
		return false, f.knownErr
	}
	return f.known[strings.ToLower(addr)], nil
}

func (f *fakeIntake) SubmitMail(ctx context.Context, from string, raw []byte) error {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	if f.submit != nil {
		if err := f.submit(ctx, n); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.got = append(f.got, submission{from, bytes.Clone(raw)})
	f.mu.Unlock()
	return nil
}

func (f *fakeIntake) snapshot() (calls int, got []submission) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, append([]submission(nil), f.got...)
}

// testLogger writes the server's logs into the test output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startServer starts a Server on 127.0.0.1:0 and shuts it down when the
// test ends. Empty fields of cfg get test values.
func startServer(t *testing.T, cfg Config, in Intake) *Server {
	t.Helper()
	s := newServer(t, cfg, in)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

// newServer starts a Server that the caller shuts down.
func newServer(t *testing.T, cfg Config, in Intake) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = t.TempDir()
	}
	if cfg.Recipients == nil {
		cfg.Recipients = []string{reportTo}
	}
	if cfg.Domain == "" {
		cfg.Domain = "mx.test"
	}
	if cfg.RetryMin == 0 {
		cfg.RetryMin = 10 * time.Millisecond
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = 100 * time.Millisecond
	}
	s, err := New(cfg, in, testLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return s
}

// send delivers one message with net/smtp.
func send(addr net.Addr, from string, to []string, msg string) error {
	c, err := smtp.Dial(addr.String())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// wantSMTPError checks that err is an SMTP reply with the code, and that
// its text contains each of parts.
func wantSMTPError(t *testing.T, err error, code int, parts ...string) {
	t.Helper()
	var te *textproto.Error
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want an SMTP %d reply", err, code)
	}
	if te.Code != code {
		t.Errorf("reply code = %d (%q), want %d", te.Code, te.Msg, code)
	}
	for _, p := range parts {
		if !strings.Contains(te.Msg, p) {
			t.Errorf("reply %d %q does not contain %q", te.Code, te.Msg, p)
		}
	}
}

// waitFor polls cond until it holds or the time runs out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// spoolFiles lists the files in dir (not directories).
func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestKnownSenderDelivered(t *testing.T) {
	in := newIntake(staff)
	spool := t.TempDir()
	s := startServer(t, Config{SpoolDir: spool}, in)

	// The envelope sender's case differs from the registered address.
	if err := send(s.Addr(), "Kate.Jones@parliament.uk", []string{"REPORT@security.parliament.uk"}, sample); err != nil {
		t.Fatalf("send: %v", err)
	}
	waitFor(t, "delivery", func() bool { _, got := in.snapshot(); return len(got) == 1 })
	_, got := in.snapshot()
	if got[0].from != "Kate.Jones@parliament.uk" {
		t.Errorf("from = %q, want the envelope sender", got[0].from)
	}
	if string(got[0].raw) != sample {
		t.Errorf("raw message differs:\ngot  %q\nwant %q", got[0].raw, sample)
	}
	waitFor(t, "empty spool", func() bool { return len(spoolFiles(t, spool)) == 0 })
	if f := spoolFiles(t, filepath.Join(spool, tmpDir)); len(f) != 0 {
		t.Errorf("tmp/ holds %v", f)
	}
}

// rawConn is an SMTP conversation typed by hand, for replies that
// net/smtp hides and for stopping half-way through DATA.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	text *textproto.Conn
}

func dialRaw(t *testing.T, addr net.Addr) *rawConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr.String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	r := &rawConn{t: t, conn: conn, text: textproto.NewConn(conn)}
	t.Cleanup(func() { conn.Close() })
	r.expect(220)
	return r
}

// expect reads one reply and fails unless it has the code.
func (r *rawConn) expect(code int) string {
	r.t.Helper()
	got, msg, err := r.text.ReadResponse(code)
	if err != nil {
		r.t.Fatalf("want %d, got %d %q: %v", code, got, msg, err)
	}
	return msg
}

// cmd sends a command and expects the code.
func (r *rawConn) cmd(code int, format string, args ...any) string {
	r.t.Helper()
	if err := r.text.PrintfLine(format, args...); err != nil {
		r.t.Fatal(err)
	}
	return r.expect(code)
}

func TestReplyNamesSpoolID(t *testing.T) {
	in := newIntake(staff)
	s := startServer(t, Config{}, in)
	r := dialRaw(t, s.Addr())
	r.cmd(250, "EHLO client.test")
	r.cmd(250, "MAIL FROM:<%s>", staff)
	r.cmd(250, "RCPT TO:<%s>", reportTo)
	r.cmd(354, "DATA")
	if _, err := io.WriteString(r.conn, "Subject: hi\r\n\r\nbody\r\n.\r\n"); err != nil {
		t.Fatal(err)
	}
	msg := r.expect(250)
	if !strings.HasPrefix(msg, "2.0.0 Thank you: your report is queued (id ") {
		t.Errorf("reply = %q", msg)
	}
	r.cmd(221, "QUIT")
	waitFor(t, "delivery", func() bool { _, got := in.snapshot(); return len(got) == 1 })
}

func TestBDAT(t *testing.T) {
	in := newIntake(staff)
	s := startServer(t, Config{}, in)
	r := dialRaw(t, s.Addr())
	r.cmd(250, "EHLO client.test")
	r.cmd(250, "MAIL FROM:<%s>", staff)
	r.cmd(250, "RCPT TO:<%s>", reportTo)
	half := len(sample) / 2
	r.text.PrintfLine("BDAT %d", half)
	io.WriteString(r.conn, sample[:half])
	r.expect(250)
	r.text.PrintfLine("BDAT %d LAST", len(sample)-half)
	io.WriteString(r.conn, sample[half:])
	if msg := r.expect(250); !strings.Contains(msg, "Thank you: your report is queued") {
		t.Errorf("reply = %q", msg)
	}
	waitFor(t, "delivery", func() bool { _, got := in.snapshot(); return len(got) == 1 })
	if _, got := in.snapshot(); string(got[0].raw) != sample {
		t.Errorf("raw message differs: %q", got[0].raw)
	}
}

func TestRefusals(t *testing.T) {
	const helpful = "is not a registered Portcullis user: forward from your work address, or report on the web"
	tests := []struct {
		name     string
		knownErr error
		from     string
		to       string
		code     int
		parts    []string
	}{
		{name: "unknown sender", from: "someone@gmail.com", to: reportTo, code: 550,
			parts: []string{"5.7.1", "<someone@gmail.com> " + helpful}},
		{name: "sender check fails", knownErr: errors.New("database is locked"), from: staff, to: reportTo, code: 451,
			parts: []string{"4.3.0", "try again later"}},
		{name: "wrong recipient", from: staff, to: "ceo@security.parliament.uk", code: 550,
			parts: []string{"5.1.1", "<ceo@security.parliament.uk> is not a report address", reportTo}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newIntake(staff)
			in.knownErr = tt.knownErr
			spool := t.TempDir()
			s := startServer(t, Config{SpoolDir: spool}, in)
			err := send(s.Addr(), tt.from, []string{tt.to}, sample)
			wantSMTPError(t, err, tt.code, tt.parts...)
			if calls, _ := in.snapshot(); calls != 0 {
				t.Errorf("SubmitMail called %d times", calls)
			}
			if f := spoolFiles(t, spool); len(f) != 0 {
				t.Errorf("spool holds %v", f)
			}
		})
	}
}

func TestNullSenderRefused(t *testing.T) {
	s := startServer(t, Config{}, newIntake(staff))
	r := dialRaw(t, s.Addr())
	r.cmd(250, "EHLO client.test")
	if msg := r.cmd(550, "MAIL FROM:<>"); !strings.Contains(msg, "5.7.1") {
		t.Errorf("reply = %q", msg)
	}
}

func TestAnyRecipientWhenNoneConfigured(t *testing.T) {
	in := newIntake(staff)
	s := startServer(t, Config{Recipients: []string{}}, in)
	if err := send(s.Addr(), staff, []string{"anything@anywhere.test"}, sample); err != nil {
		t.Fatalf("send: %v", err)
	}
	waitFor(t, "delivery", func() bool { _, got := in.snapshot(); return len(got) == 1 })
}

func TestOversizeRefused(t *testing.T) {
	in := newIntake(staff)
	spool := t.TempDir()
	s := startServer(t, Config{SpoolDir: spool, MaxBytes: 1024}, in)

	big := "Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 200)
	err := send(s.Addr(), staff, []string{reportTo}, big)
	wantSMTPError(t, err, 552, "5.3.4", "too big", "1 KiB", "report it on the web")

	// Exactly at the limit is accepted, one byte over is not.
	exact := "Subject: exact\r\n\r\n" + strings.Repeat("x", 1024-20) + "\r\n"
	if len(exact) != 1024 {
		t.Fatalf("test message is %d bytes", len(exact))
	}
	err = send(s.Addr(), staff, []string{reportTo}, exact[:20]+"y"+exact[20:])
	wantSMTPError(t, err, 552, "5.3.4")
	if err := send(s.Addr(), staff, []string{reportTo}, exact); err != nil {
		t.Fatalf("send at the limit: %v", err)
	}
	waitFor(t, "delivery", func() bool { _, got := in.snapshot(); return len(got) == 1 })
	if _, got := in.snapshot(); string(got[0].raw) != exact {
		t.Errorf("delivered the wrong message: %.40q", got[0].raw)
	}
	if f := spoolFiles(t, filepath.Join(spool, tmpDir)); len(f) != 0 {
		t.Errorf("tmp/ holds %v", f)
	}
}

func TestTooManyRecipients(t *testing.T) {
	s := startServer(t, Config{Recipients: []string{}, MaxRecipients: 2}, newIntake(staff))
	err := send(s.Addr(), staff, []string{"a@x.test", "b@x.test", "c@x.test"}, sample)
	wantSMTPError(t, err, 452, "4.5.3")
}

func TestTemporaryErrorsRetried(t *testing.T) {
	in := newIntake(staff)
	in.submit = func(_ context.Context, n int) error {
		if n <= 2 {
			return errors.New("store: database is locked")
		}
		return nil
	}
	spool := t.TempDir()
	s := startServer(t, Config{SpoolDir: spool}, in)
	if err := send(s.Addr(), staff, []string{reportTo}, sample); err != nil {
		t.Fatalf("send: %v", err)
	}
	waitFor(t, "delivery", func() bool { _, got := in.snapshot(); return len(got) == 1 })
	waitFor(t, "empty spool", func() bool { return len(spoolFiles(t, spool)) == 0 })
	time.Sleep(100 * time.Millisecond) // room for a wrong extra delivery
	calls, got := in.snapshot()
	if calls != 3 || len(got) != 1 {
		t.Errorf("calls = %d, deliveries = %d; want 3 and 1", calls, len(got))
	}
	if string(got[0].raw) != sample {
		t.Errorf("raw message differs")
	}
}

func TestRejectedMovedToFailed(t *testing.T) {
	in := newIntake(staff)
	in.submit = func(context.Context, int) error {
		return fmt.Errorf("analysis: not an email: %w", ErrRejected)
	}
	spool := t.TempDir()
	s := startServer(t, Config{SpoolDir: spool}, in)
	if err := send(s.Addr(), staff, []string{reportTo}, sample); err != nil {
		t.Fatalf("send: %v", err)
	}
	failed := filepath.Join(spool, failedDir)
	waitFor(t, "a file in failed/", func() bool { return len(spoolFiles(t, failed)) == 1 })
	if f := spoolFiles(t, spool); len(f) != 0 {
		t.Errorf("spool still holds %v", f)
	}
	time.Sleep(100 * time.Millisecond)
	if calls, _ := in.snapshot(); calls != 1 {
		t.Errorf("SubmitMail called %d times, want 1", calls)
	}
	data, err := os.ReadFile(filepath.Join(failed, spoolFiles(t, failed)[0]))
	if err != nil {
		t.Fatal(err)
	}
	env, raw, err := parseSpool(data)
	if err != nil || env.From != staff || string(raw) != sample {
		t.Errorf("failed/ file: from %q, err %v, message intact %v", env.From, err, string(raw) == sample)
	}
}

func TestGiveUpAfterRetryFor(t *testing.T) {
	var clock atomic.Int64
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock.Store(start.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }

	in := newIntake(staff)
	in.submit = func(_ context.Context, n int) error {
		if n == 2 {
			// The store has been down for longer than RetryFor.
			clock.Store(start.Add(2 * time.Hour).UnixNano())
		}
		return errors.New("store: unavailable")
	}
	spool := t.TempDir()
	s := startServer(t, Config{SpoolDir: spool, RetryFor: time.Hour, Now: now}, in)
	if err := send(s.Addr(), staff, []string{reportTo}, sample); err != nil {
		t.Fatalf("send: %v", err)
	}
	waitFor(t, "a file in failed/", func() bool { return len(spoolFiles(t, filepath.Join(spool, failedDir))) == 1 })
	if calls, _ := in.snapshot(); calls != 2 {
		t.Errorf("SubmitMail called %d times, want 2", calls)
	}
	name := spoolFiles(t, filepath.Join(spool, failedDir))[0]
	if !strings.HasPrefix(name, "20260301T090000.000000000Z-") {
		t.Errorf("spool file %q is not named from the injected clock", name)
	}
}

func TestRestartDeliversSpool(t *testing.T) {
	spool := t.TempDir()

	// First run: the store keeps failing, then the server stops.
	failing := newIntake(staff)
	failing.submit = func(context.Context, int) error { return errors.New("store: busy") }
	s1 := newServer(t, Config{SpoolDir: spool}, failing)
	if err := send(s1.Addr(), staff, []string{reportTo}, sample); err != nil {
		t.Fatalf("send 1: %v", err)
	}
	waitFor(t, "a failed attempt", func() bool { calls, _ := failing.snapshot(); return calls >= 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := s1.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown 1: %v", err)
	}
	cancel()

	// Second run: the store hangs and Shutdown has to cut it off.
	blocked := newIntake(staff)
	entered := make(chan struct{}, 1)
	blocked.submit = func(ctx context.Context, _ int) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	}
	s2 := newServer(t, Config{SpoolDir: spool}, blocked)
	second := strings.Replace(sample, "sample-1@", "sample-2@", 1)
	if err := send(s2.Addr(), staff, []string{reportTo}, second); err != nil {
		t.Fatalf("send 2: %v", err)
	}
	<-entered
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	err := s2.Shutdown(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown 2 = %v, want a deadline error", err)
	}
	if f := spoolFiles(t, spool); len(f) != 2 {
		t.Fatalf("spool holds %v, want 2 messages", f)
	}

	// Third run: both are delivered, oldest first.
	ok := newIntake(staff)
	startServer(t, Config{SpoolDir: spool}, ok)
	waitFor(t, "two deliveries", func() bool { _, got := ok.snapshot(); return len(got) == 2 })
	waitFor(t, "empty spool", func() bool { return len(spoolFiles(t, spool)) == 0 })
	_, got := ok.snapshot()
	if string(got[0].raw) != sample || string(got[1].raw) != second {
		t.Errorf("deliveries out of order or changed")
	}
}

func TestStartCleansSpool(t *testing.T) {
	spool := t.TempDir()
	for _, d := range []string{tmpDir, failedDir} {
		if err := os.MkdirAll(filepath.Join(spool, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(spool, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(tmpDir, "x-1.part"), "half a message")
	write("0001-corrupt.msg", "no envelope line")
	hdr, err := envelope{From: staff, Received: time.Now()}.header()
	if err != nil {
		t.Fatal(err)
	}
	write("0002-left-over.msg", string(hdr)+sample)
	write("notes.txt", "an administrator's notes stay put")

	in := newIntake(staff)
	startServer(t, Config{SpoolDir: spool}, in)
	waitFor(t, "delivery", func() bool { _, got := in.snapshot(); return len(got) == 1 })
	waitFor(t, "corrupt file in failed/", func() bool {
		return len(spoolFiles(t, filepath.Join(spool, failedDir))) == 1
	})
	if _, got := in.snapshot(); got[0].from != staff || string(got[0].raw) != sample {
		t.Errorf("left-over message delivered wrongly")
	}
	if f := spoolFiles(t, filepath.Join(spool, tmpDir)); len(f) != 0 {
		t.Errorf("tmp/ holds %v", f)
	}
	if f := spoolFiles(t, spool); len(f) != 1 || f[0] != "notes.txt" {
		t.Errorf("spool holds %v, want only notes.txt", f)
	}
}

func TestSpoolUnwritable(t *testing.T) {
	in := newIntake(staff)
	spool := t.TempDir()
	s := startServer(t, Config{SpoolDir: spool}, in)
	// Replace tmp/ by a file: creating the temporary file fails (even as root).
	if err := os.RemoveAll(filepath.Join(spool, tmpDir)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(spool, tmpDir), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := send(s.Addr(), staff, []string{reportTo}, sample)
	wantSMTPError(t, err, 451, "4.3.0", "try again later")
	if calls, _ := in.snapshot(); calls != 0 {
		t.Errorf("SubmitMail called %d times", calls)
	}
}

func TestConcurrentSenders(t *testing.T) {
	const senders, each = 20, 10
	in := newIntake(staff)
	// Every seventh call fails once, as a busy store would.
	in.submit = func(_ context.Context, n int) error {
		if n%7 == 0 {
			return errors.New("store: busy")
		}
		return nil
	}
	spool := t.TempDir()
	s := startServer(t, Config{SpoolDir: spool}, in)

	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				msg := fmt.Sprintf("Message-ID: <m-%d-%d@test>\r\nSubject: %d/%d\r\n\r\nbody\r\n", g, i, g, i)
				if err := send(s.Addr(), staff, []string{reportTo}, msg); err != nil {
					errs <- fmt.Errorf("sender %d message %d: %w", g, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitFor(t, "all deliveries", func() bool { _, got := in.snapshot(); return len(got) >= senders*each })
	waitFor(t, "empty spool", func() bool { return len(spoolFiles(t, spool)) == 0 })
	time.Sleep(100 * time.Millisecond)
	_, got := in.snapshot()
	seen := make(map[string]int)
	for _, g := range got {
		seen[string(g.raw)]++
	}
	if len(got) != senders*each || len(seen) != senders*each {
		t.Errorf("%d deliveries of %d distinct messages, want %d of each", len(got), len(seen), senders*each)
	}
	for m, n := range seen {
		if n != 1 {
			t.Errorf("delivered %d times: %.30q", n, m)
		}
	}
}

func TestShutdownMidData(t *testing.T) {
	spool := t.TempDir()
	in := newIntake(staff)
	// The store is busy, so the message is still spooled when the server stops.
	in.submit = func(context.Context, int) error { return errors.New("store: busy") }
	s := newServer(t, Config{SpoolDir: spool}, in)

	idle := dialRaw(t, s.Addr())
	idle.cmd(250, "EHLO idle.test")

	r := dialRaw(t, s.Addr())
	r.cmd(250, "EHLO client.test")
	r.cmd(250, "MAIL FROM:<%s>", staff)
	r.cmd(250, "RCPT TO:<%s>", reportTo)
	r.cmd(354, "DATA")
	// Dot-stuffed, as an SMTP client sends it.
	stuffed := strings.ReplaceAll(sample, "\r\n.", "\r\n..")
	half := len(stuffed) / 2
	if _, err := io.WriteString(r.conn, stuffed[:half]); err != nil {
		t.Fatal(err)
	}

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	// The idle connection is told to go; the listener is closed.
	code, _, _ := idle.text.ReadResponse(421)
	if code != 421 {
		t.Errorf("idle connection got %d, want 421", code)
	}
	waitFor(t, "listener closed", func() bool {
		c, err := net.DialTimeout("tcp", s.Addr().String(), time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})

	// The message in flight still completes and is acknowledged.
	if _, err := io.WriteString(r.conn, stuffed[half:]+".\r\n"); err != nil {
		t.Fatal(err)
	}
	if msg := r.expect(250); !strings.Contains(msg, "queued") {
		t.Errorf("reply = %q", msg)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if f := spoolFiles(t, spool); len(f) != 1 {
		t.Fatalf("spool holds %v, want the acknowledged message", f)
	}

	// The next run delivers it.
	ok := newIntake(staff)
	startServer(t, Config{SpoolDir: spool}, ok)
	waitFor(t, "delivery", func() bool { _, got := ok.snapshot(); return len(got) == 1 })
	if _, got := ok.snapshot(); string(got[0].raw) != sample {
		t.Errorf("raw message differs")
	}
}

func TestNewSessionsRefusedWhileStopping(t *testing.T) {
	in := newIntake(staff)
	s := newServer(t, Config{}, in)
	r := dialRaw(t, s.Addr())
	r.cmd(250, "EHLO client.test")
	r.cmd(250, "MAIL FROM:<%s>", staff)
	r.cmd(250, "RCPT TO:<%s>", reportTo)
	r.cmd(354, "DATA") // in DATA: Shutdown waits for this session

	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	waitFor(t, "closing", func() bool { return s.closing.Load() })
	if _, err := io.WriteString(r.conn, "Subject: x\r\n\r\nx\r\n.\r\n"); err != nil {
		t.Fatal(err)
	}
	r.expect(250)
	// A new transaction on the same connection is turned away (or the
	// connection is already being closed as idle).
	r.text.PrintfLine("MAIL FROM:<%s>", staff)
	if code, msg, _ := r.text.ReadResponse(0); code != 421 {
		t.Errorf("MAIL while stopping: %d %q, want 421", code, msg)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestStartTLS(t *testing.T) {
	cert, pool := testCert(t)
	in := newIntake(staff)
	s := startServer(t, Config{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}, in)

	c, err := smtp.Dial(s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	if err := c.StartTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if err := c.Mail(staff); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(reportTo); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, sample)
	if err := w.Close(); err != nil {
		t.Fatalf("DATA: %v", err)
	}
	c.Quit()
	waitFor(t, "delivery", func() bool { _, got := in.snapshot(); return len(got) == 1 })
}

func TestLongLineRefused(t *testing.T) {
	in := newIntake(staff)
	s := startServer(t, Config{}, in)
	r := dialRaw(t, s.Addr())
	r.cmd(250, "EHLO client.test")
	r.cmd(250, "MAIL FROM:<%s>", staff)
	r.cmd(250, "RCPT TO:<%s>", reportTo)
	r.cmd(354, "DATA")
	io.WriteString(r.conn, "Subject: x\r\n\r\n"+strings.Repeat("A", 5000)+"\r\n.\r\n")
	code, msg, _ := r.text.ReadResponse(0)
	if code/100 != 5 {
		t.Errorf("reply %d %q, want a permanent refusal", code, msg)
	}
	time.Sleep(50 * time.Millisecond)
	if calls, _ := in.snapshot(); calls != 0 {
		t.Errorf("SubmitMail called %d times", calls)
	}
}

func TestIdleTimeout(t *testing.T) {
	s := startServer(t, Config{Timeout: 100 * time.Millisecond}, newIntake(staff))
	r := dialRaw(t, s.Addr())
	r.cmd(250, "EHLO client.test")
	start := time.Now()
	code, _, _ := r.text.ReadResponse(0)
	if code != 421 {
		t.Errorf("idle connection got %d, want 421", code)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("closed after %v", d)
	}
	if _, err := bufio.NewReader(r.conn).ReadByte(); err == nil {
		t.Error("connection still open")
	}
}

func TestNewChecksConfig(t *testing.T) {
	in := newIntake()
	tests := []struct {
		name string
		cfg  Config
		in   Intake
	}{
		{"no addr", Config{SpoolDir: "x"}, in},
		{"no spool", Config{Addr: ":0"}, in},
		{"no intake", Config{Addr: ":0", SpoolDir: "x"}, nil},
		{"bad recipient", Config{Addr: ":0", SpoolDir: "x", Recipients: []string{"report"}}, in},
		{"recipient injection", Config{Addr: ":0", SpoolDir: "x", Recipients: []string{"a@b\r\nRCPT"}}, in},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg, tt.in, nil); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}

func TestStartTwiceAndShutdownIdempotent(t *testing.T) {
	s := newServer(t, Config{}, newIntake(staff))
	if err := s.Start(t.Context()); err == nil {
		t.Error("second Start succeeded")
	}
	for i := range 2 {
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown %d: %v", i, err)
		}
	}
	if err := s.Start(t.Context()); err == nil {
		t.Error("Start after Shutdown succeeded")
	}
}

// testCert makes a self-signed certificate for 127.0.0.1.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// TestAllowedNetworks: with Allow set, a client outside it is refused
// before it can say anything; one inside is served.
func TestAllowedNetworks(t *testing.T) {
	in := newIntake(staff)
	refused := newServer(t, Config{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, in)
	err := smtp.SendMail(refused.Addr().String(), nil, staff, []string{reportTo}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || !strings.Contains(err.Error(), "554") {
		t.Errorf("client outside the allowed networks: %v, want 554", err)
	}
	served := newServer(t, Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, in)
	if err := smtp.SendMail(served.Addr().String(), nil, staff, []string{reportTo}, []byte("Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Errorf("client inside the allowed networks: %v", err)
	}
}
