package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"portcullis/internal/rules"
)

const rulesHelp = `Usage:
  portcullis rules list [--rules DIR] [--format text|json]
  portcullis rules signals [--rules DIR]
  portcullis rules test [DIR]

Rules are YAML files with a CEL condition, an explanation, a weight, ATT&CK
technique ids and their own test cases (docs/rules.md shows how to write
one). Built-in rules are embedded in the binary; a site adds a directory.

'rules test' runs every rule's fire and quiet cases and reports each rule;
with DIR it tests that directory's rules (built-in signals are available to
them). A rule that does not compile or fails its tests is also refused by
'analyze', with its file and line.
`

func runRules(args []string, env Env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stdout, rulesHelp)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	sub := args[0]
	fs := newFlagSet("rules "+sub, rulesHelp, env)
	var dirs multiFlag
	format := "text"
	if sub != "test" {
		fs.Var(&dirs, "rules", "add site rules from `DIR`; repeatable")
		fs.StringVar(&format, "format", "text", "output `format`: text or json")
	}
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return flagError(err)
	}
	if format != "text" && (format != "json" || sub != "list") {
		fmt.Fprintf(env.Stderr, "portcullis rules %s: --format must be text%s, not %q\n", sub, map[bool]string{true: " or json", false: ""}[sub == "list"], format)
		return ExitUsage
	}
	switch sub {
	case "list":
		eng, err := rules.Compile(rules.Options{Dirs: dirs})
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis rules: %v\n", err)
			return ExitUsage
		}
		if format == "json" {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(eng.Rules())
			return ExitOK
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSEVERITY\tWEIGHT\tATT&CK\tTITLE")
		for _, r := range eng.Rules() {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.ID, r.Severity, r.Weight, strings.Join(r.Attack, ","), r.Title)
		}
		_ = tw.Flush()
		fmt.Fprintf(env.Stdout, "\n%d rules. ATT&CK technique ids refer to MITRE ATT&CK v%s.\n", len(eng.Rules()), rules.AttackVersion)
		return ExitOK
	case "signals":
		eng, err := rules.Compile(rules.Options{Dirs: dirs})
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis rules: %v\n", err)
			return ExitUsage
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SIGNAL\tPHRASES\tDESCRIPTION")
		for _, s := range eng.Signals() {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", s.ID, len(s.Phrases), s.Description)
		}
		_ = tw.Flush()
		fmt.Fprintln(env.Stdout, "\nVariables a condition can read:")
		for _, v := range rules.Variables {
			fmt.Fprintf(env.Stdout, "  %-12s %-18s %s\n", v.Name, v.Type, v.Doc)
		}
		return ExitOK
	case "test":
		opts := rules.Options{}
		if len(pos) > 0 {
			opts.Dirs = pos
			opts.NoBuiltin = true
		}
		eng, err := rules.Compile(opts)
		if err != nil {
			fmt.Fprintf(env.Stderr, "FAIL  %v\n", err)
			return ExitFlagged
		}
		failed, cases := 0, 0
		for _, res := range eng.RunTests() {
			cases += res.Passed
			if res.Err != nil {
				failed++
				fmt.Fprintf(env.Stdout, "FAIL  %-32s %v\n", res.Rule.ID, res.Err)
				continue
			}
			fmt.Fprintf(env.Stdout, "ok    %-32s %d cases  (%s:%d)\n", res.Rule.ID, res.Passed, res.Rule.File, res.Rule.Line)
		}
		fmt.Fprintf(env.Stdout, "\n%d rules, %d cases passed, %d rules failed\n", len(eng.Rules()), cases, failed)
		if failed > 0 {
			return ExitFlagged
		}
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "portcullis rules: unknown subcommand %q\n\n%s", sub, rulesHelp)
	return ExitUsage
}
