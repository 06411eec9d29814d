package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// mailpit starts a real SMTP server process (mailpit, installed from the
// Go module proxy by .ci/run) and returns its SMTP address and API base.
// It skips when mailpit is missing, except under CI.
func mailpit(t *testing.T) (smtpAddr, api string) {
	t.Helper()
	bin := os.Getenv("PORTCULLIS_MAILPIT")
	if bin == "" {
		if p, err := exec.LookPath("mailpit"); err == nil {
			bin = p
		} else if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			p := filepath.Join(strings.TrimSpace(string(out)), "bin", "mailpit")
			if _, err := os.Stat(p); err == nil {
				bin = p
			}
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("mailpit is not installed (go install github.com/axllent/mailpit@v1.33.1); it cannot be skipped in CI")
		}
		t.Skip("mailpit is not installed")
	}
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	smtpAddr, httpAddr := free(), free()
	cmd := exec.Command(bin, "--smtp", smtpAddr, "--listen", httpAddr, "--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check", "--quiet")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	api = "http://" + httpAddr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(api + "/api/v1/messages")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return smtpAddr, api
}

type mailpitMessage struct {
	ID      string
	Subject string
	To      []struct{ Address string }
	Text    string
}

// mailpitMessages returns every message mailpit holds, with bodies.
func mailpitMessages(t *testing.T, api string) []mailpitMessage {
	t.Helper()
	var list struct{ Messages []mailpitMessage }
	getJSON(t, api+"/api/v1/messages?limit=500", &list)
	for i := range list.Messages {
		var full struct{ Text string }
		getJSON(t, api+"/api/v1/message/"+list.Messages[i].ID, &full)
		list.Messages[i].Text = full.Text
	}
	return list.Messages
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

// TestNotificationMailThroughMailpit publishes advisories through a real
// SMTP server process: the audience gets a TLP:GREEN advisory's text, a
// TLP:RED one only as a notice, analysts hear of a critical report, and
// a user who turned mail off gets none.
func TestNotificationMailThroughMailpit(t *testing.T) {
	smtpAddr, api := mailpit(t)
	srv := startServer(t, Config{SMTPRelay: smtpAddr, SMTPFrom: "portcullis@security.parliament.uk"})
	ctx := context.Background()
	an := addUser(t, srv, "sam@parliament.uk", "Sam Analyst", store.RoleAnalyst)
	jo := addUser(t, srv, "jo@parliament.uk", "Jo Bloggs", store.RoleReporter)
	quiet := addUser(t, srv, "quiet@parliament.uk", "Quiet User", store.RoleReporter)
	if err := srv.Service().SetPrefs(ctx, quiet, store.NotificationPrefs{NoEmail: true}); err != nil {
		t.Fatal(err)
	}
	submit(t, srv, jo, lure("Dear", "Jo", "£5,000", "Helen Zhao", "https://www.linkedin.com/in/helen-zhao-policy"))
	e, err := reports.ParseIndicator(an, map[string]string{"type": "domain", "value": "policy-insight.example", "tlp": "green"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.Service().PutIndicators(ctx, an, []*intel.Entry{e}, "add", ""); err != nil {
		t.Fatal(err)
	}
	for _, a := range []reports.AdvisoryInput{
		{Title: "Fake policy institute", Body: "GREEN-TEXT: do not reply to policy-insight.example.", TLP: "green"},
		{Title: "Handler identified", Body: "RED-TEXT: operational detail.", TLP: "red"},
	} {
		adv, err := srv.Service().CreateAdvisory(ctx, an, a, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Service().PublishAdvisory(ctx, an, adv.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	var msgs []mailpitMessage
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		msgs = mailpitMessages(t, api)
		if len(msgs) >= 7 { // 2 advisories × 3 recipients + the analysts' report notice
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	to := func(m mailpitMessage) string {
		if len(m.To) == 0 {
			return ""
		}
		return m.To[0].Address
	}
	var green, redNotice, critical int
	for _, m := range msgs {
		if to(m) == quiet.Email {
			t.Errorf("mail sent to a user who turned mail off: %q", m.Subject)
		}
		if strings.Contains(m.Text, "RED-TEXT") {
			t.Errorf("a TLP:RED advisory's text was mailed to %s", to(m))
		}
		switch {
		case strings.Contains(m.Text, "GREEN-TEXT"):
			green++
		case strings.Contains(m.Subject, "waiting for you") && strings.Contains(m.Text, "TLP:RED"):
			redNotice++
		case strings.Contains(m.Subject, "critical-risk report") || strings.Contains(m.Subject, "high-risk report"):
			if to(m) != an.Email && to(m) != "admin@localhost" {
				t.Errorf("report notice to %s, who is not an analyst", to(m))
			}
			critical++
		}
	}
	if green != 3 || redNotice != 3 || critical == 0 {
		var subjects []string
		for _, m := range msgs {
			subjects = append(subjects, fmt.Sprintf("%s: %s", to(m), m.Subject))
		}
		t.Errorf("green advisories %d (want 3: analyst, admin, Jo), red notices %d (want 3), report notices %d (want some)\n%s",
			green, redNotice, critical, strings.Join(subjects, "\n"))
	}
}
