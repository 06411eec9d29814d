// Package cli is the portcullis command line: it parses arguments, wires
// the parts together and maps outcomes to exit codes. It holds no logic of
// its own beyond presentation.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes, the same for every subcommand.
const (
	ExitOK       = 0 // success; no input reached --fail-on
	ExitFlagged  = 1 // an input reached the --fail-on level, or a rule test failed
	ExitUsage    = 2 // bad command line, configuration or rules
	ExitBadInput = 3 // some inputs could not be read or parsed (the rest were analysed)
)

// Version is set at build time with -ldflags "-X portcullis/internal/cli.Version=…".
var Version = "dev"

// Env is what a command may touch: streams and the environment.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

const usage = `Portcullis checks approaches received by members and staff of a legislature
(LinkedIn messages, emails, pasted chats) for signs of hostile-state recruitment
and social engineering, and explains its verdict.

Usage:
  portcullis <command> [flags] [arguments]

Commands:
  analyze PATH...       analyse files, directories or - (stdin) offline
  rules list            list the detection rules (built-in and --rules DIR)
  rules signals         list the phrase signals rules can use
  rules test [DIR]      run the rules' own test cases
  intel list|match|add|expire|import|export
                        the watchlist of hostile and known-good indicators
  serve                 run the service: web UI, JSON API, SMTP intake
  users add|list|disable|enable|reset-password
                        who can sign in, and their roles
  people import FILE    load the people directory (who works where)
  audit verify          check the audit log's hash chain
  backup FILE           snapshot the SQLite database while it runs
  load URL              submit reports concurrently to a running server
  campaigns list|rebuild
                        reports grouped by shared indicator, persona or text
  hunt VALUE            search every stored report for an indicator
  generate              fill a test database with synthetic reports
  taxii subscribe|poll|partner|collections
                        share with partner agencies over TAXII 2.1
  version               print the version

Examples:
  portcullis serve
  portcullis analyze suspicious.eml
  portcullis analyze --format json reports/ > verdicts.jsonl
  pbpaste | portcullis analyze -
  portcullis analyze --fail-on high --rules ./site-rules inbox/

Run 'portcullis <command> --help' for a command's flags.
Exit codes: 0 ok, 1 an input reached --fail-on (or a rule test failed),
2 usage or configuration error, 3 some inputs could not be read or parsed.
`

// Run executes the command line args (without the program name).
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "analyze", "analyse":
		return runAnalyze(ctx, args[1:], env)
	case "rules":
		return runRules(args[1:], env)
	case "intel":
		return runIntel(ctx, args[1:], env)
	case "serve":
		return runServe(ctx, args[1:], env)
	case "users":
		return runUsers(ctx, args[1:], env)
	case "people":
		return runPeople(ctx, args[1:], env)
	case "audit":
		return runAudit(ctx, args[1:], env)
	case "backup":
		return runBackup(ctx, args[1:], env)
	case "load":
		return runLoad(ctx, args[1:], env)
	case "campaigns":
		return runCampaigns(ctx, args[1:], env)
	case "hunt":
		return runHunt(ctx, args[1:], env)
	case "generate":
		return runGenerate(ctx, args[1:], env)
	case "taxii":
		return runTAXII(ctx, args[1:], env)
	case "version", "--version":
		fmt.Fprintln(env.Stdout, "portcullis", Version)
		return ExitOK
	case "help", "-h", "--help", "-help":
		if len(args) > 1 {
			return Run(ctx, []string{args[1], "--help"}, env)
		}
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "portcullis: unknown command %q\n\n%s", args[0], usage)
	return ExitUsage
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("analyze file.eml --format json"); "--" ends flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// multiFlag collects a repeatable string flag; commas also separate values.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*m = append(*m, s)
		}
	}
	return nil
}

func newFlagSet(name, help string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), help)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// flagError turns a flag parse error into an exit code.
func flagError(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	return ExitUsage
}
