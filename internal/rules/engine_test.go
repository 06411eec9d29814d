package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltinRulesPassTheirTests loads the embedded rules, which runs every
// rule's own fire and quiet cases.
func TestBuiltinRulesPassTheirTests(t *testing.T) {
	e, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Rules()) < 30 {
		t.Errorf("got %d built-in rules, want at least 30", len(e.Rules()))
	}
	for _, r := range e.Rules() {
		if len(r.Attack) == 0 {
			t.Errorf("rule %s has no ATT&CK technique", r.ID)
		}
	}
}

func TestLoadErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"bad cel", "rules:\n  - id: x-bad\n    title: T\n    description: D\n    severity: low\n    weight: 5\n    attack: [T1598]\n    condition: signal.payment &&\n    tests: {fire: [\"we pay\"]}\n", "rule.yaml:8: rule \"x-bad\": condition does not compile"},
		{"unknown signal", "rules:\n  - id: x-sig\n    title: T\n    description: D\n    severity: low\n    weight: 5\n    attack: [T1598]\n    condition: signal.no_such_thing\n    tests: {fire: [\"we pay\"]}\n", "rule.yaml:8: rule \"x-sig\": unknown signal \"no_such_thing\""},
		{"failing test", "rules:\n  - id: x-fail\n    title: T\n    description: D\n    severity: low\n    weight: 5\n    attack: [T1598]\n    condition: signal.crypto_payment\n    tests:\n      fire:\n        - text: hello there\n", "rule.yaml:11: rule \"x-fail\" failed its own test: should fire but did not"},
		{"quiet fires", "rules:\n  - id: x-quiet\n    title: T\n    description: D\n    severity: low\n    weight: 5\n    attack: [T1598]\n    condition: signal.crypto_payment\n    tests:\n      fire: [\"paid in bitcoin\"]\n      quiet: [\"usdt please\"]\n", "rule.yaml:11: rule \"x-quiet\" failed its own test: should not fire but did"},
		{"unknown key", "rules:\n  - id: x-key\n    titel: T\n", "rule.yaml:2: rule: line 3: unknown key \"titel\""},
		{"bad attack", "rules:\n  - id: x-att\n    title: T\n    description: D\n    severity: low\n    weight: 5\n    attack: [Phishing]\n    condition: signal.payment\n    tests: {fire: [\"we pay\"]}\n", "rule.yaml:2: rule \"x-att\": ATT&CK id \"Phishing\""},
		{"no tests", "rules:\n  - id: x-none\n    title: T\n    description: D\n    severity: low\n    weight: 5\n    attack: [T1598]\n    condition: signal.payment\n", "at least one 'fire' case"},
		{"yaml syntax", "rules:\n  - id: [\n", "rule.yaml:"},
		{"non-bool", "rules:\n  - id: x-int\n    title: T\n    description: D\n    severity: low\n    weight: 5\n    attack: [T1598]\n    condition: approach.messages + 1\n    tests: {fire: [\"we pay\"]}\n", "must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "rule.yaml"), []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(Options{Dirs: []string{dir}})
			if err == nil {
				t.Fatalf("Load accepted a bad rule file; want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSiteRuleAdds(t *testing.T) {
	dir := t.TempDir()
	rule := `signals:
  - id: site_codeword
    description: A made-up codeword.
    phrases: [blue heron]
rules:
  - id: site-codeword
    title: Codeword
    description: The codeword appeared.
    severity: medium
    weight: 30
    attack: [T1598]
    condition: signal.site_codeword
    tests:
      fire: ["the blue heron flies at dawn"]
      quiet: ["a grey heron"]
`
	if err := os.WriteFile(filepath.Join(dir, "site.yml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := Load(Options{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var found *Rule
	for _, r := range e.Rules() {
		if r.ID == "site-codeword" {
			found = r
		}
	}
	if found == nil || found.Builtin {
		t.Fatalf("site rule not loaded as a site rule: %+v", found)
	}
}

func TestLexiconScan(t *testing.T) {
	l := newLexicon()
	l.add(0, "all expenses paid")
	l.add(1, "consult*")
	l.add(2, "write a * report")
	l.add(3, "微信")
	text := "An ALL-EXPENSES-PAID trip; consultancy; write a short report; 加我微信"
	got := map[int]string{}
	l.scan(tokens(text, nil), func(sig, s, e int) bool { got[sig] = text[s:e]; return true })
	want := map[int]string{0: "ALL-EXPENSES-PAID", 1: "consultancy", 2: "write a short report", 3: "微信"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("signal %d: got %q, want %q", k, got[k], v)
		}
	}
}

func TestAmounts(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"£3,000", 3000}, {"USD 500", 500}, {"2,500 USDT", 2500}, {"$15k", 15000}, {"€1.200", 1200}, {"£1,234.50", 1234.5}, {"3000 USD", 3000},
	}
	for _, tt := range tests {
		var got float64
		amounts(tt.in, func(_, _ int, v float64) { got = v })
		if got != tt.want {
			t.Errorf("amounts(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
