package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portcullis/internal/cli"
)

// TestIntelLifecycle adds, lists, exports, imports, matches and expires
// watchlist entries through the command line, on a fresh SQLite database.
func TestIntelLifecycle(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	in := func(args ...string) outcome {
		t.Helper()
		return run(t, "", append(args, "--database", db)...)
	}
	o := in("intel", "add", "--type", "linkedin_profile", "--value", "https://uk.linkedin.com/in/Fake-Recruiter-9/?trk=x",
		"--source", "Partner alert 7", "--tlp", "green", "--no-seed")
	if o.code != cli.ExitOK || !strings.Contains(o.stdout, "1 new") {
		t.Fatalf("add: %d %q %q", o.code, o.stdout, o.stderr)
	}
	o = in("intel", "add", "--type", "email", "--value", "secret@example.net", "--tlp", "red", "--source", "Internal")
	if o.code != cli.ExitOK {
		t.Fatalf("add red: %d %q", o.code, o.stderr)
	}
	o = in("intel", "list", "--no-seed")
	if !strings.Contains(o.stdout, "https://www.linkedin.com/in/fake-recruiter-9") || !strings.Contains(o.stdout, "2 entries") {
		t.Fatalf("list:\n%s", o.stdout)
	}
	// The stored profile is matched by analyze.
	msg := filepath.Join(dir, "m.txt")
	if err := os.WriteFile(msg, []byte("Please connect: https://www.linkedin.com/in/fake-recruiter-9"), 0o644); err != nil {
		t.Fatal(err)
	}
	o = in("analyze", "--format", "json", msg)
	if !strings.Contains(o.stdout, `"level":"critical"`) || !strings.Contains(o.stdout, "Partner alert 7") {
		t.Errorf("analyze did not use the stored watchlist:\n%s", o.stdout)
	}
	// Export: RED never leaves; CSV and STIX both.
	for _, format := range []string{"stix", "csv"} {
		o = in("intel", "export", "--format", format, "--tlp-max", "amber+strict", "--no-seed")
		if o.code != cli.ExitOK || strings.Contains(o.stdout, "secret@example.net") || !strings.Contains(o.stdout, "fake-recruiter-9") {
			t.Errorf("export %s: code %d, TLP:RED leaked or profile missing:\n%s", format, o.code, o.stdout)
		}
		f := filepath.Join(dir, "export."+format)
		if err := os.WriteFile(f, []byte(o.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		other := filepath.Join(dir, format+"-other.db")
		o = run(t, "", "intel", "import", f, "--database", other)
		if o.code != cli.ExitOK || !strings.Contains(o.stdout, "1 new") {
			t.Errorf("import %s: %d %q %q", format, o.code, o.stdout, o.stderr)
		}
		o = run(t, "", "intel", "list", "--no-seed", "--database", other)
		if !strings.Contains(o.stdout, "https://www.linkedin.com/in/fake-recruiter-9") || !strings.Contains(o.stdout, "GREEN") {
			t.Errorf("after import %s, list:\n%s", format, o.stdout)
		}
	}
	o = in("intel", "export", "--format", "stix", "--tlp-max", "clear", "--no-seed")
	if strings.Contains(o.stdout, "fake-recruiter-9") {
		t.Errorf("a TLP:GREEN entry left under --tlp-max clear")
	}
	// Expire by ID: it stops matching.
	o = in("intel", "list", "--no-seed", "--search", "fake-recruiter")
	var id string
	for _, l := range strings.Split(o.stdout, "\n") {
		if strings.Contains(l, "fake-recruiter-9") {
			id = strings.Fields(l)[0]
		}
	}
	if id == "" {
		t.Fatalf("no id in list:\n%s", o.stdout)
	}
	if o = in("intel", "expire", id); o.code != cli.ExitOK {
		t.Fatalf("expire: %d %q", o.code, o.stderr)
	}
	o = in("analyze", "--format", "json", msg)
	if strings.Contains(o.stdout, "Partner alert 7") {
		t.Errorf("an expired entry still matched:\n%s", o.stdout)
	}
	if o = in("intel", "expire", "no-such-id"); o.code == cli.ExitOK {
		t.Errorf("expiring an unknown id succeeded")
	}
	// Bad input is refused with a clear message.
	if o = in("intel", "add", "--type", "email", "--value", "not-an-email"); o.code != cli.ExitUsage || !strings.Contains(o.stderr, "not a valid email") {
		t.Errorf("bad add: %d %q", o.code, o.stderr)
	}
	if o = in("intel", "export", "--format", "xml"); o.code != cli.ExitUsage {
		t.Errorf("export --format xml: %d", o.code)
	}
}

func TestIntelMatchSeed(t *testing.T) {
	o := run(t, "", "intel", "match", "Qiu Amanda", "John Smith", "--database", filepath.Join(t.TempDir(), "x.db"))
	if o.code != cli.ExitFlagged || !strings.Contains(o.stdout, `"Amanda Qiu"`) || !strings.Contains(o.stdout, "John Smith: no match") {
		t.Errorf("intel match: %d\n%s", o.code, o.stdout)
	}
}

// TestOwnDomainsConfigured: a site's own domain gets lookalike protection,
// and the built-in rules' own tests still pass with it configured.
func TestOwnDomainsConfigured(t *testing.T) {
	f := filepath.Join(t.TempDir(), "m.txt")
	if err := os.WriteFile(f, []byte("Please sign in at https://parliament-scot.org/login to read the draft papers."), 0o644); err != nil {
		t.Fatal(err)
	}
	o := run(t, "", "analyze", "--format", "json", "--own-domain", "parliament.scot", f)
	if o.code != cli.ExitOK || !strings.Contains(o.stdout, `"rule":"lookalike-link"`) {
		t.Errorf("--own-domain parliament.scot: code %d, stderr %q\n%s", o.code, o.stderr, o.stdout)
	}
	if o := run(t, "", "analyze", "--own-domain", "not a domain", f); o.code != cli.ExitUsage {
		t.Errorf("a bad --own-domain gave %d, want 2", o.code)
	}
}
