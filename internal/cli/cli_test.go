package cli_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"portcullis/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// approaches holds the shared fixtures, read in place.
const approaches = "../../testdata/approaches"

// Fixtures used by several tests: two hostile, two benign; approach JSON,
// raw mail and pasted text. By expected.tsv, the hostile ones are at least
// high and the benign ones at most low.
var (
	hostileJSON = approaches + "/linkedin-headhunter-paid-reports-shanghai-trip.json"
	benignJSON  = approaches + "/linkedin-former-colleague-coffee.json"
	hostileEML  = approaches + "/email-dream-job-airbus-docm-attachment.eml"
	benignTXT   = approaches + "/whatsapp-paste-caseworker-colleague.txt"
)

// jsonKeys are the keys of one analysis in --format json, in order.
var jsonKeys = []string{"input", "kind", "score", "level", "summary", "findings", "watchlist_matches", "indicators", "advice"}

// outcome is what one cli.Run call produced.
type outcome struct {
	code           int
	stdout, stderr string
}

// run calls cli.Run in-process with buffers for the streams and an empty
// environment, so PORTCULLIS_OWN_DOMAINS or NO_COLOR on the machine running
// the tests cannot change the output.
func run(t *testing.T, stdin string, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := cli.Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(string) string { return "" },
	}
	code := cli.Run(t.Context(), args, env)
	return outcome{code, stdout.String(), stderr.String()}
}

// wantCode fails the test when the exit code is not want.
func wantCode(t *testing.T, o outcome, want int, args ...string) {
	t.Helper()
	if o.code != want {
		t.Errorf("portcullis %s: exit code %d, want %d\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), o.code, want, clip(o.stdout), clip(o.stderr))
	}
}

// clip shortens long output in failure messages.
func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "\n[…]"
	}
	return s
}

// checkGolden compares got with testdata/golden/name, or rewrites the file
// under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (go test -update writes it): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, firstDiff(got, string(want)))
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if i >= len(g) || i >= len(w) || gl != wl {
			return fmt.Sprintf("line %d:\n got: %q\nwant: %q", i+1, gl, wl)
		}
	}
	return "(no line differs)"
}

// lines splits output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// objectKeys returns the top-level keys of one JSON object, in order, and
// fails the test if line is not exactly one valid JSON object.
func objectKeys(t *testing.T, line string) []string {
	t.Helper()
	if !json.Valid([]byte(line)) {
		t.Fatalf("not valid JSON: %s", clip(line))
	}
	dec := json.NewDecoder(strings.NewReader(line))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object (first token %v, %v): %s", tok, err, clip(line))
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("read key: %v", err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("read value of %q: %v", tok, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		t.Fatalf("read end of object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("more than one JSON value on a line: %s", clip(line))
	}
	return keys
}

// verdict is the part of an analysis the tests look at.
type verdict struct {
	Input string `json:"input"`
	Kind  string `json:"kind"`
	Level string `json:"level"`
	Score int    `json:"score"`
}

// verdicts decodes JSON Lines output.
func verdicts(t *testing.T, stdout string) []verdict {
	t.Helper()
	var vs []verdict
	for _, l := range lines(stdout) {
		var v verdict
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("decode %s: %v", clip(l), err)
		}
		vs = append(vs, v)
	}
	return vs
}

// inputs lists the input field of each analysis in JSON Lines output.
func inputs(t *testing.T, stdout string) []string {
	t.Helper()
	var names []string
	for _, v := range verdicts(t, stdout) {
		names = append(names, v.Input)
	}
	return names
}

// copyFile copies a fixture into a test directory, creating parents.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, string(data))
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAnalyzeTextGolden(t *testing.T) {
	tests := []struct {
		golden string
		path   string
	}{
		{"hostile-approach-json.txt", hostileJSON},
		{"benign-approach-json.txt", benignJSON},
		{"hostile-email-eml.txt", hostileEML},
		{"benign-paste-txt.txt", benignTXT},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			args := []string{"analyze", "--format", "text", tt.path}
			o := run(t, "", args...)
			wantCode(t, o, cli.ExitOK, args...)
			if o.stderr != "" {
				t.Errorf("stderr = %q, want nothing", o.stderr)
			}
			if strings.Contains(o.stdout, "\033[") {
				t.Errorf("stdout is a buffer but the report has colour codes:\n%q", clip(o.stdout))
			}
			if !strings.HasPrefix(o.stdout, tt.path+"  ") {
				t.Errorf("report starts %q, want the path as given, %q", firstLine(o.stdout), tt.path)
			}
			checkGolden(t, tt.golden, o.stdout)
		})
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func TestAnalyzeJSON(t *testing.T) {
	// An unclean path is still reported exactly as given.
	unclean := approaches + "/./" + filepath.Base(benignJSON)
	paths := []string{hostileJSON, unclean, hostileEML, benignTXT}
	args := append([]string{"analyze", "--format", "json"}, paths...)
	o := run(t, "", args...)
	wantCode(t, o, cli.ExitOK, args...)
	if o.stderr != "" {
		t.Errorf("stderr = %q, want nothing", o.stderr)
	}
	ls := lines(o.stdout)
	if len(ls) != len(paths) {
		t.Fatalf("got %d lines, want one per input (%d):\n%s", len(ls), len(paths), clip(o.stdout))
	}
	wantKinds := []string{"approach", "approach", "email", "text"}
	for i, l := range ls {
		if keys := objectKeys(t, l); !slices.Equal(keys, jsonKeys) {
			t.Errorf("line %d keys = %v, want %v", i+1, keys, jsonKeys)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		if v["input"] != paths[i] {
			t.Errorf("line %d input = %v, want the path as given, %q", i+1, v["input"], paths[i])
		}
		if v["kind"] != wantKinds[i] {
			t.Errorf("line %d (%s) kind = %v, want %q", i+1, paths[i], v["kind"], wantKinds[i])
		}
		for _, k := range []string{"findings", "watchlist_matches", "indicators", "advice"} {
			if _, ok := v[k].([]any); !ok {
				t.Errorf("line %d (%s) %s = %v, want a list (never null)", i+1, paths[i], k, v[k])
			}
		}
	}
	if !strings.HasSuffix(o.stdout, "\n") {
		t.Errorf("output does not end with a newline")
	}
}

func TestAnalyzeFlagsAfterPaths(t *testing.T) {
	tests := [][]string{
		{"analyze", benignTXT, "--format", "json"},
		{"analyze", benignTXT, "--format=json", "--workers", "1"},
		{"analyze", "--format", "json", benignTXT, "--fail-on", "high"},
		{"analyse", "--format", "json", "--", benignTXT},
	}
	for _, args := range tests {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			o := run(t, "", args...)
			wantCode(t, o, cli.ExitOK, args...)
			if got := inputs(t, o.stdout); !slices.Equal(got, []string{benignTXT}) {
				t.Errorf("inputs = %q, want [%q]", got, benignTXT)
			}
		})
	}
}

func TestAnalyzeStdin(t *testing.T) {
	for _, path := range []string{hostileEML, benignTXT, hostileJSON} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fromFile := run(t, "", "analyze", "--format", "json", path)
			fromStdin := run(t, string(data), "analyze", "-", "--format", "json")
			wantCode(t, fromStdin, cli.ExitOK, "analyze", "-", "--format", "json")

			var f, s map[string]any
			if err := json.Unmarshal([]byte(fromFile.stdout), &f); err != nil {
				t.Fatalf("file: %v", err)
			}
			if err := json.Unmarshal([]byte(fromStdin.stdout), &s); err != nil {
				t.Fatalf("stdin: %v\n%s", err, clip(fromStdin.stdout))
			}
			if s["input"] != "-" {
				t.Errorf("input = %v, want \"-\"", s["input"])
			}
			f["input"], s["input"] = nil, nil
			fj, _ := json.Marshal(f)
			sj, _ := json.Marshal(s)
			if !bytes.Equal(fj, sj) {
				t.Errorf("analysis of stdin differs from analysis of the file:\nfile:  %s\nstdin: %s", clip(string(fj)), clip(string(sj)))
			}

			text := run(t, string(data), "analyze", "-")
			if want := "-  "; !strings.HasPrefix(text.stdout, want) {
				t.Errorf("text report starts %q, want %q", firstLine(text.stdout), want)
			}
		})
	}
}

func TestAnalyzeDirectory(t *testing.T) {
	t.Run("name order, hidden skipped", func(t *testing.T) {
		dir := t.TempDir()
		// Written out of order; hidden files and directories are skipped.
		copyFile(t, benignTXT, filepath.Join(dir, "zz-last.txt"))
		copyFile(t, hostileEML, filepath.Join(dir, "sub", "b-nested.eml"))
		copyFile(t, hostileJSON, filepath.Join(dir, "a-first.json"))
		copyFile(t, benignJSON, filepath.Join(dir, "m-middle.json"))
		copyFile(t, hostileJSON, filepath.Join(dir, ".hidden.json"))
		copyFile(t, hostileJSON, filepath.Join(dir, ".git", "x.json"))
		want := []string{
			filepath.Join(dir, "a-first.json"),
			filepath.Join(dir, "m-middle.json"),
			filepath.Join(dir, "sub", "b-nested.eml"),
			filepath.Join(dir, "zz-last.txt"),
		}
		var outs []string
		for _, workers := range []string{"1", "4"} {
			args := []string{"analyze", "--format", "json", "--workers", workers, dir}
			o := run(t, "", args...)
			wantCode(t, o, cli.ExitOK, args...)
			if got := inputs(t, o.stdout); !slices.Equal(got, want) {
				t.Errorf("--workers %s: inputs =\n%q\nwant\n%q", workers, got, want)
			}
			outs = append(outs, o.stdout)
		}
		if outs[0] != outs[1] {
			t.Errorf("--workers 1 and --workers 4 give different output:\n%s", firstDiff(outs[1], outs[0]))
		}
	})

	t.Run("all fixtures", func(t *testing.T) {
		entries, err := os.ReadDir(approaches)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				want = append(want, filepath.Join(approaches, e.Name()))
			}
		}
		sort.Strings(want)
		for _, format := range []string{"json", "text"} {
			var outs []string
			for _, workers := range []string{"1", "4"} {
				args := []string{"analyze", "--format", format, "--workers", workers, approaches}
				o := run(t, "", args...)
				wantCode(t, o, cli.ExitOK, args...)
				if strings.Contains(o.stdout, "analysed ") {
					t.Errorf("%s: progress written to stdout", strings.Join(args, " "))
				}
				if !strings.Contains(o.stderr, fmt.Sprintf("analysed %d inputs", len(want))) {
					t.Errorf("%s: stderr has no progress summary:\n%s", strings.Join(args, " "), clip(o.stderr))
				}
				outs = append(outs, o.stdout)
			}
			if outs[0] != outs[1] {
				t.Errorf("--format %s: --workers 1 and --workers 4 give different output:\n%s", format, firstDiff(outs[1], outs[0]))
			}
			if format == "json" {
				if got := inputs(t, outs[0]); !slices.Equal(got, want) {
					t.Errorf("inputs =\n%q\nwant\n%q", got, want)
				}
			}
		}
	})
}

func TestAnalyzeBadInputs(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "truncated.json")
	writeFile(t, bad, `{"format": "portcullis.approach/v1", "messages": [`+"\n")
	invalid := filepath.Join(dir, "no-messages.json")
	writeFile(t, invalid, `{"format": "portcullis.approach/v1"}`+"\n")
	missing := filepath.Join(dir, "missing.eml")

	t.Run("json", func(t *testing.T) {
		args := []string{"analyze", "--format", "json", hostileJSON, bad, missing, invalid, benignTXT}
		o := run(t, "", args...)
		wantCode(t, o, cli.ExitBadInput, args...)
		if got, want := inputs(t, o.stdout), []string{hostileJSON, benignTXT}; !slices.Equal(got, want) {
			t.Errorf("analysed %q, want the readable inputs %q", got, want)
		}
		for _, name := range []string{bad, missing, invalid} {
			if !hasLinePrefix(o.stderr, "error: "+name+": ") {
				t.Errorf("stderr has no error line for %s:\n%s", name, o.stderr)
			}
		}
		if n := len(lines(o.stderr)); n != 3 {
			t.Errorf("stderr has %d lines, want one error per bad input (3):\n%s", n, o.stderr)
		}
	})

	t.Run("text", func(t *testing.T) {
		args := []string{"analyze", hostileJSON, bad, missing, benignTXT}
		o := run(t, "", args...)
		wantCode(t, o, cli.ExitBadInput, args...)
		// Errors go to stderr in both formats; the reports stay on stdout.
		if !hasLinePrefix(o.stderr, "error: "+bad+": ") {
			t.Errorf("stderr has no error line for %s:\n%s", bad, o.stderr)
		}
		if !hasLinePrefix(o.stderr, "error: "+missing+": ") {
			t.Errorf("stderr has no error line for %s:\n%s", missing, o.stderr)
		}
		for _, name := range []string{hostileJSON, benignTXT} {
			if !hasLinePrefix(o.stdout, name+"  ") {
				t.Errorf("no report for %s:\n%s", name, clip(o.stdout))
			}
		}
	})

	t.Run("empty stdin", func(t *testing.T) {
		args := []string{"analyze", "--format", "json", "-", benignJSON}
		o := run(t, "", args...)
		wantCode(t, o, cli.ExitBadInput, args...)
		if !hasLinePrefix(o.stderr, "error: -: ") {
			t.Errorf("stderr has no error line for stdin:\n%s", o.stderr)
		}
		if got := inputs(t, o.stdout); !slices.Equal(got, []string{benignJSON}) {
			t.Errorf("analysed %q, want [%q]", got, benignJSON)
		}
	})

	t.Run("fail-on reached wins over bad input", func(t *testing.T) {
		args := []string{"analyze", "--format", "json", "--fail-on", "high", hostileJSON, missing}
		o := run(t, "", args...)
		wantCode(t, o, cli.ExitFlagged, args...)
	})
}

// hasLinePrefix reports whether some line of s starts with prefix.
func hasLinePrefix(s, prefix string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func TestAnalyzeExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		want   int
		stderr string // part of the message on stderr, for usage errors
	}{
		{"fail-on high, hostile included", []string{"--fail-on", "high", benignJSON, hostileJSON, benignTXT}, cli.ExitFlagged, ""},
		{"fail-on high, hostile mail", []string{benignTXT, hostileEML, "--fail-on", "high"}, cli.ExitFlagged, ""},
		{"fail-on critical, hostile", []string{"--fail-on=critical", hostileJSON}, cli.ExitFlagged, ""},
		{"fail-on high, only benign", []string{"--fail-on", "high", benignJSON, benignTXT}, cli.ExitOK, ""},
		{"fail-on medium, only benign", []string{"--fail-on", "medium", benignJSON, benignTXT}, cli.ExitOK, ""},
		{"no fail-on, hostile", []string{hostileJSON}, cli.ExitOK, ""},
		{"fail-on bogus", []string{"--fail-on", "bogus", benignJSON}, cli.ExitUsage, `--fail-on must be low, medium, high or critical, not "bogus"`},
		{"fail-on none", []string{"--fail-on", "none", benignJSON}, cli.ExitUsage, "--fail-on must be"},
		{"format xml", []string{"--format", "xml", benignJSON}, cli.ExitUsage, `--format must be text or json, not "xml"`},
		{"format after path", []string{benignJSON, "--format", "xml"}, cli.ExitUsage, "--format must be"},
		{"no paths", nil, cli.ExitUsage, "give at least one PATH"},
		{"only flags", []string{"--format", "json"}, cli.ExitUsage, "give at least one PATH"},
		{"unknown flag", []string{"--frobnicate", benignJSON}, cli.ExitUsage, "flag provided but not defined: -frobnicate"},
		{"flag without value", []string{benignJSON, "--format"}, cli.ExitUsage, "flag needs an argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"analyze", "--format", "json"}, tt.args...)
			if tt.args == nil {
				args = []string{"analyze"}
			}
			o := run(t, "", args...)
			wantCode(t, o, tt.want, args...)
			if tt.want == cli.ExitUsage {
				if o.stdout != "" {
					t.Errorf("usage error wrote to stdout:\n%s", clip(o.stdout))
				}
				if !strings.Contains(o.stderr, tt.stderr) {
					t.Errorf("stderr = %q, want it to contain %q", clip(o.stderr), tt.stderr)
				}
			}
		})
	}
}

// listedRule is the part of a rule in 'rules list --format json' the tests
// look at.
type listedRule struct {
	ID      string `json:"id"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Builtin bool   `json:"builtin"`
	Weight  int    `json:"weight"`
}

func TestRulesList(t *testing.T) {
	o := run(t, "", "rules", "list")
	wantCode(t, o, cli.ExitOK, "rules", "list")
	if !strings.HasPrefix(o.stdout, "ID ") {
		t.Errorf("no header line: %q", firstLine(o.stdout))
	}
	for _, id := range []string{"paid-report", "lookalike-link", "paid-consultancy"} {
		if !hasLinePrefix(o.stdout, id+" ") {
			t.Errorf("rules list does not list %s:\n%s", id, clip(o.stdout))
		}
	}
	if !strings.Contains(o.stdout, " rules. ATT&CK technique ids refer to MITRE ATT&CK v") {
		t.Errorf("no closing count line:\n%s", clip(o.stdout))
	}

	o = run(t, "", "rules", "list", "--format", "json")
	wantCode(t, o, cli.ExitOK, "rules", "list", "--format", "json")
	if !json.Valid([]byte(o.stdout)) {
		t.Fatalf("rules list --format json is not valid JSON:\n%s", clip(o.stdout))
	}
	var rules []listedRule
	if err := json.Unmarshal([]byte(o.stdout), &rules); err != nil {
		t.Fatalf("rules list --format json is not an array of rules: %v", err)
	}
	i := slices.IndexFunc(rules, func(r listedRule) bool { return r.ID == "paid-report" })
	if i < 0 {
		t.Fatalf("paid-report missing from %d rules", len(rules))
	}
	if r := rules[i]; !r.Builtin || r.File != "builtin:offers.yaml" || r.Line < 1 || r.Weight < 1 {
		t.Errorf("paid-report = %+v, want a built-in rule from builtin:offers.yaml with a line and weight", r)
	}
	if n := strings.Count(run(t, "", "rules", "list").stdout, "\n"); n < len(rules) {
		t.Errorf("text list has %d lines for %d rules", n, len(rules))
	}
}

func TestRulesSignals(t *testing.T) {
	o := run(t, "", "rules", "signals")
	wantCode(t, o, cli.ExitOK, "rules", "signals")
	for _, id := range []string{"report_request", "payment", "money_amount"} {
		if !hasLinePrefix(o.stdout, id+" ") {
			t.Errorf("rules signals does not list %s:\n%s", id, clip(o.stdout))
		}
	}
	if !strings.Contains(o.stdout, "Variables a condition can read:") {
		t.Errorf("rules signals does not list the variables:\n%s", clip(o.stdout))
	}
}

func TestRulesTestBuiltin(t *testing.T) {
	o := run(t, "", "rules", "test")
	wantCode(t, o, cli.ExitOK, "rules", "test")
	if !strings.Contains(o.stdout, ", 0 rules failed\n") {
		t.Errorf("rules test does not report 0 rules failed:\n%s", clip(o.stdout))
	}
	if !hasLinePrefix(o.stdout, "ok    paid-report ") {
		t.Errorf("rules test does not report paid-report:\n%s", clip(o.stdout))
	}
	if strings.Contains(o.stdout, "FAIL") || o.stderr != "" {
		t.Errorf("rules test reports a failure:\nstdout:\n%s\nstderr:\n%s", clip(o.stdout), o.stderr)
	}
}

// siteRule is a working site rule; its file is site.yaml in a test directory.
const siteRule = `rules:
  - id: site-paid-briefing
    title: Paid briefing
    description: The sender offers to pay for a report.
    severity: low
    weight: 10
    attack: [T1598]
    condition: signal.paid_writing
    tests:
      fire:
        - text: "We would pay you £2,000 for a short report on the energy bill for our client."
      quiet:
        - text: "Thank you for the report you sent yesterday."
`

// brokenRules are site rule files that must be refused with the file and
// the line at fault.
var brokenRules = []struct {
	name string
	yaml string
	line int
}{
	{"condition does not compile", `rules:
  - id: site-bad-cel
    title: Broken condition
    description: A rule whose condition does not compile.
    severity: low
    weight: 10
    attack: [T1598]
    condition: signal.paid_writing && (
    tests:
      fire:
        - text: "hello"
`, 8},
	{"fails its own test", `rules:
  - id: site-failing
    title: Fails its test
    description: A rule whose fire case does not fire.
    severity: low
    weight: 10
    attack: [T1598]
    condition: signal.paid_writing
    tests:
      fire:
        - text: "We would pay you £2,000 for a short report."
        - text: "Hello, how are you?"
`, 12},
	{"YAML syntax", `rules:
  - id: site-yaml
    title: Broken YAML
    description: "unterminated
    severity: low
`, 4},
	{"unknown severity", `rules:
  - id: site-severity
    title: Bad severity
    description: The severity is not one of the known ones.
    severity: extreme
    weight: 10
    attack: [T1598]
    condition: signal.paid_writing
    tests:
      fire:
        - text: "We would pay you £2,000 for a short report."
`, 2},
}

func TestRulesTestDir(t *testing.T) {
	t.Run("passing", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "site.yaml"), siteRule)
		o := run(t, "", "rules", "test", dir)
		wantCode(t, o, cli.ExitOK, "rules", "test", dir)
		if want := "1 rules, 2 cases passed, 0 rules failed\n"; !strings.HasSuffix(o.stdout, want) {
			t.Errorf("stdout ends %q, want %q", o.stdout, want)
		}
	})
	for _, tt := range brokenRules {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "a-good.yaml"), siteRule)
			file := filepath.Join(dir, "site.yaml")
			writeFile(t, file, tt.yaml)
			o := run(t, "", "rules", "test", dir)
			wantCode(t, o, cli.ExitFlagged, "rules", "test", dir)
			if where := fmt.Sprintf("%s:%d: ", file, tt.line); !strings.Contains(o.stdout+o.stderr, where) {
				t.Errorf("output does not name %q:\nstdout:\n%s\nstderr:\n%s", where, o.stdout, o.stderr)
			}
			if !strings.Contains(o.stdout+o.stderr, "FAIL") {
				t.Errorf("output does not say FAIL:\nstdout:\n%s\nstderr:\n%s", o.stdout, o.stderr)
			}
		})
	}
}

func TestAnalyzeBrokenRules(t *testing.T) {
	t.Run("working site rule", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "site.yaml"), siteRule)
		args := []string{"analyze", "--format", "json", "--rules", dir, hostileJSON}
		o := run(t, "", args...)
		wantCode(t, o, cli.ExitOK, args...)
		if !strings.Contains(o.stdout, `"rule":"site-paid-briefing"`) {
			t.Errorf("the site rule did not fire on %s:\n%s", hostileJSON, clip(o.stdout))
		}
	})
	for _, tt := range brokenRules {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "site.yaml")
			writeFile(t, file, tt.yaml)
			args := []string{"analyze", "--rules", dir, benignTXT}
			o := run(t, "", args...)
			wantCode(t, o, cli.ExitUsage, args...)
			if o.stdout != "" {
				t.Errorf("analysed with broken rules:\n%s", clip(o.stdout))
			}
			if where := fmt.Sprintf("%s:%d: ", file, tt.line); !strings.Contains(o.stderr, where) {
				t.Errorf("stderr does not name %q:\n%s", where, o.stderr)
			}
		})
	}
	t.Run("missing rules directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nowhere")
		args := []string{"analyze", "--rules", dir, benignTXT}
		o := run(t, "", args...)
		wantCode(t, o, cli.ExitUsage, args...)
		if !strings.Contains(o.stderr, dir) {
			t.Errorf("stderr does not name %s:\n%s", dir, o.stderr)
		}
	})
}

func TestCommands(t *testing.T) {
	tests := []struct {
		args       []string
		want       int
		stdout     string // part of stdout
		stderr     string // part of stderr
		noStdout   bool
		stdoutOnly bool // stderr must be empty
	}{
		{args: []string{"version"}, want: cli.ExitOK, stdout: "portcullis " + cli.Version + "\n", stdoutOnly: true},
		{args: []string{"--version"}, want: cli.ExitOK, stdout: "portcullis " + cli.Version + "\n", stdoutOnly: true},
		{args: []string{"help"}, want: cli.ExitOK, stdout: "Usage:\n  portcullis <command> [flags] [arguments]", stdoutOnly: true},
		{args: []string{"--help"}, want: cli.ExitOK, stdout: "analyze PATH...", stdoutOnly: true},
		{args: []string{"-h"}, want: cli.ExitOK, stdout: "Exit codes:", stdoutOnly: true},
		{args: nil, want: cli.ExitUsage, stderr: "Usage:", noStdout: true},
		{args: []string{"frobnicate"}, want: cli.ExitUsage, stderr: `unknown command "frobnicate"`, noStdout: true},
		{args: []string{"analyze", "--help"}, want: cli.ExitOK, stderr: "Usage: portcullis analyze [flags] PATH...", noStdout: true},
		{args: []string{"analyze", "-h"}, want: cli.ExitOK, stderr: "-fail-on level", noStdout: true},
		{args: []string{"help", "analyze"}, want: cli.ExitOK, stderr: "Usage: portcullis analyze", noStdout: true},
		{args: []string{"rules", "--help"}, want: cli.ExitOK, stdout: "portcullis rules test [DIR]"},
		{args: []string{"rules"}, want: cli.ExitUsage, stdout: "portcullis rules list"},
		{args: []string{"rules", "bogus"}, want: cli.ExitUsage, stderr: `unknown subcommand "bogus"`, noStdout: true},
		{args: []string{"rules", "list", "--help"}, want: cli.ExitOK, stderr: "-format format", noStdout: true},
	}
	for _, tt := range tests {
		name := strings.Join(tt.args, " ")
		if name == "" {
			name = "no arguments"
		}
		t.Run(name, func(t *testing.T) {
			o := run(t, "", tt.args...)
			wantCode(t, o, tt.want, tt.args...)
			if !strings.Contains(o.stdout, tt.stdout) {
				t.Errorf("stdout = %q, want it to contain %q", clip(o.stdout), tt.stdout)
			}
			if !strings.Contains(o.stderr, tt.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", clip(o.stderr), tt.stderr)
			}
			if tt.noStdout && o.stdout != "" {
				t.Errorf("stdout = %q, want nothing", clip(o.stdout))
			}
			if tt.stdoutOnly && o.stderr != "" {
				t.Errorf("stderr = %q, want nothing", clip(o.stderr))
			}
		})
	}
}

// TestHostileTextIsDefused: escape sequences in a reported message must not
// reach the terminal through the text report.
func TestHostileTextIsDefused(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a.txt")
	msg := "Our client pays a generous fee per report. Would you write short reports? \x1b[2J\x1b]0;pwned\x07 \u202eevil. Keep this between us.\n"
	if err := os.WriteFile(f, []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	o := run(t, "", "analyze", f)
	for _, bad := range []string{"\x1b", "\x07", "\u202e"} {
		if strings.Contains(o.stdout, bad) {
			t.Errorf("text output contains raw %q", bad)
		}
	}
	if !strings.Contains(o.stdout, `\x1b`) {
		t.Errorf("escaped control characters not shown:\n%s", o.stdout)
	}
}

// TestSymlinksAndEmptyDirs: nothing is skipped silently.
func TestSymlinksAndEmptyDirs(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	hostile, err := filepath.Abs("../../testdata/approaches/linkedin-headhunter-paid-reports-shanghai-trip.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(hostile, filepath.Join(real, "c.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{real, filepath.Join(dir, "link")} {
		o := run(t, "", "analyze", "--fail-on", "high", p)
		if o.code != cli.ExitFlagged {
			t.Errorf("analyze --fail-on high %s = %d, want 1 (the linked hostile file must be analysed)\nstdout:%s\nstderr:%s", p, o.code, clip(o.stdout), o.stderr)
		}
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	o := run(t, "", "analyze", empty)
	if o.code != cli.ExitBadInput || !strings.Contains(o.stderr, "no files") {
		t.Errorf("empty directory: exit %d, stderr %q; want 3 and a message", o.code, o.stderr)
	}
	if o := run(t, "", "analyze", "--max-size", "0", hostile); o.code != cli.ExitUsage {
		t.Errorf("--max-size 0 = %d, want 2", o.code)
	}
	if o := run(t, "", "rules", "list", "--format", "xml"); o.code != cli.ExitUsage {
		t.Errorf("rules list --format xml = %d, want 2", o.code)
	}
}
