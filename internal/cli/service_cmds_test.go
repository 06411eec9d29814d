package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestServiceCommands drives the management commands against one SQLite
// database: users, a token, a people directory, TAXII partners and
// collections, a retro-hunt, an audit check and a backup.
func TestServiceCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "portcullis.db")
	step := func(want int, args ...string) outcome {
		t.Helper()
		args = append(args, "--database", db)
		o := run(t, "", args...)
		wantCode(t, o, want, args...)
		return o
	}
	if o := step(0, "users", "add", "--role", "analyst", "--name", "Sam Patel", "sam@parliament.uk"); !strings.Contains(o.stdout, "/signin/link/") {
		t.Errorf("users add printed no sign-in link:\n%s", o.stdout)
	}
	step(2, "users", "add", "sam@parliament.uk") // already there
	if o := step(0, "users", "token", "--name", "gateway", "sam@parliament.uk"); !strings.HasPrefix(strings.TrimSpace(o.stdout), "pc_") {
		t.Errorf("users token printed %q", o.stdout)
	}
	if o := step(0, "users", "list"); !strings.Contains(o.stdout, "Sam Patel") || !strings.Contains(o.stdout, "analyst") {
		t.Errorf("users list:\n%s", o.stdout)
	}
	people := filepath.Join(dir, "people.csv")
	writeFile(t, people, "email,name,role,office,party,committees\nsam@parliament.uk,Sam Patel,staff,Office of A Member,Independent,Defence;Trade\n")
	if o := step(0, "people", "import", people); !strings.Contains(o.stdout, "1 new") {
		t.Errorf("people import: %s", o.stdout)
	}
	if o := step(0, "taxii", "collections"); !strings.Contains(o.stdout, "indicators") || !strings.Contains(o.stdout, "inbox") {
		t.Errorf("taxii collections:\n%s", o.stdout)
	}
	if o := step(0, "taxii", "partner", "add", "--max-tlp", "green", "Partner B"); !strings.Contains(o.stdout, "TLP:GREEN") {
		t.Errorf("taxii partner add:\n%s", o.stdout)
	}
	if o := step(0, "taxii", "partner", "list"); !strings.Contains(o.stdout, "Partner B") {
		t.Errorf("taxii partner list:\n%s", o.stdout)
	}
	step(0, "taxii", "subscribe", "--push-from", "indicators", "--partner", "Partner B", "--token", "t", "https://b.example/taxii2/api/collections/inbox/objects/")
	step(2, "taxii", "subscribe", "--push-from", "nonsense", "--partner", "Partner B", "https://b.example/x/")
	if o := step(0, "taxii", "subscriptions"); !strings.Contains(o.stdout, "push") || !strings.Contains(o.stdout, "b.example") {
		t.Errorf("taxii subscriptions:\n%s", o.stdout)
	}
	// No report matches yet: exit 0, found 0.
	if o := step(0, "hunt", "https://www.linkedin.com/in/nobody-yet-1"); !strings.Contains(o.stdout, "found 0 reports") {
		t.Errorf("hunt:\n%s", o.stdout)
	}
	step(2, "hunt", "Some Name") // a person or an organisation? --type is needed
	if o := step(0, "audit", "verify"); !strings.Contains(o.stdout, "intact") {
		t.Errorf("audit verify: %s", o.stdout)
	}
	step(0, "backup", filepath.Join(dir, "backup.db"))
	step(2, "backup", filepath.Join(dir, "backup.db")) // never overwrites
}
