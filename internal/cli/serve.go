package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"portcullis/internal/reports"
	"portcullis/internal/server"
	"portcullis/internal/store"
)

const serveHelp = `Usage: portcullis serve [flags]

Runs the Portcullis service: the web pages for reporters and the security
team, the JSON API under /api/v1, and (with --smtp-addr) report by email.
Data lives in an SQLite file in the data directory ($PORTCULLIS_DATA or
./portcullis-data) unless --database names a PostgreSQL database.

On the first start there are no users: an administrator is created and a
one-time sign-in link is printed here. There is never a default password.

Every flag can also be set in the environment: --smtp-addr is
PORTCULLIS_SMTP_ADDR, --public-url is PORTCULLIS_PUBLIC_URL, and so on.
A flag on the command line wins.

Examples:
  portcullis serve
  portcullis serve --addr :8443 --tls-cert cert.pem --tls-key key.pem
  portcullis serve --database postgres://portcullis@db/portcullis --public-url https://portcullis.example
  portcullis serve --smtp-addr :2525 --report-address report@security.example --smtp-relay mail.example:587
`

// envFlags sets each flag from PORTCULLIS_<NAME> unless given on the
// command line; it returns an error naming the variable on a bad value.
func envFlags(fs *flag.FlagSet, env Env) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := envName(f.Name)
		if v := env.Getenv(name); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
			}
		}
	})
	return err
}

func envName(flagName string) string {
	return "PORTCULLIS_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// withEnvUsage lists each flag's environment variable in --help.
func withEnvUsage(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != "database" && f.Name != "data" {
			f.Usage += " (env " + envName(f.Name) + ")"
		}
	})
}

func newLogger(env Env, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", level)
	}
	o := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(env.Stderr, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.Stderr, o)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func runServe(ctx context.Context, args []string, env Env) int {
	fs := newFlagSet("serve", serveHelp, env)
	var cfg server.Config
	var rulesDirs, own, reportAddr multiFlag
	var logFormat, logLevel, adminEmail string
	var maxMB int
	var insecureCookies bool
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "HTTP listen `address`; use :8080 to listen on every interface")
	fs.StringVar(&cfg.Database, "database", "", "the database: an SQLite file or postgres://... (default: portcullis.db in the data directory; env PORTCULLIS_DATABASE)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the `URL` users reach the service at, for links in mail (default http://ADDR)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "serve HTTPS with this certificate `file` (PEM); or terminate TLS at a reverse proxy")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "the certificate's private key `file` (PEM)")
	fs.BoolVar(&cfg.TrustProxy, "trust-proxy", false, "take client addresses from X-Forwarded-For (only behind a reverse proxy)")
	fs.BoolVar(&cfg.TAXIIAllowHTTP, "taxii-allow-http", false, "serve TAXII to partners without TLS (only for tests, or behind a proxy that terminates TLS without X-Forwarded-Proto)")
	fs.BoolVar(&insecureCookies, "insecure-cookies", false, "send cookies over plain HTTP even when --public-url is https (not recommended)")
	fs.StringVar(&cfg.SMTPAddr, "smtp-addr", "", "listen for reports by email on this `address`, e.g. :2525")
	fs.StringVar(&cfg.SMTPDomain, "smtp-domain", "localhost", "the SMTP greeting's host `name`")
	var smtpAllow multiFlag
	fs.Var(&smtpAllow, "smtp-allow", "only these client `networks` (CIDR, comma-separated) may connect to --smtp-addr: your mail servers (default: any; set it in production, as MAIL FROM can be forged)")
	fs.Var(&reportAddr, "report-address", "the `address` staff forward suspicious mail to; repeatable (default: any recipient)")
	fs.StringVar(&cfg.SMTPRelay, "smtp-relay", "", "send mail (verdicts to reporters) through this `host:port`")
	fs.StringVar(&cfg.SMTPFrom, "smtp-from", "", "the From `address` of mail sent (default: the first --report-address)")
	fs.StringVar(&cfg.SMTPUser, "smtp-user", "", "user `name` for the relay, if it needs one")
	fs.StringVar(&cfg.SMTPPassword, "smtp-password", "", "password for the relay (prefer the environment variable)")
	fs.Var(&rulesDirs, "rules", "add site rules from `DIR`; repeatable")
	fs.Var(&own, "own-domain", "the legislature's own mail `domains` (default parliament.uk)")
	fs.BoolVar(&cfg.NoSeed, "no-seed", false, "leave out the watchlist shipped with Portcullis")
	fs.IntVar(&maxMB, "max-size", 25, "refuse reports larger than this many `MB`")
	fs.StringVar(&adminEmail, "admin-email", "admin@localhost", "the first administrator's email `address` (used only when there are no users)")
	fs.StringVar(&logFormat, "log-format", "text", "log `format`: text or json")
	fs.StringVar(&logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	withEnvUsage(fs)
	if _, err := parseInterleaved(fs, args); err != nil {
		return flagError(err)
	}
	if err := envFlags(fs, env); err != nil {
		fmt.Fprintf(env.Stderr, "portcullis serve: %v\n", err)
		return ExitUsage
	}
	if cfg.Database == "" {
		cfg.Database = env.Getenv("PORTCULLIS_DATABASE")
	}
	logger, err := newLogger(env, logFormat, logLevel)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis serve: %v\n", err)
		return ExitUsage
	}
	if maxMB < 1 || maxMB > 1024 {
		fmt.Fprintf(env.Stderr, "portcullis serve: --max-size must be between 1 and 1024 MB\n")
		return ExitUsage
	}
	cfg.DataDir = store.DataDir(env.Getenv)
	cfg.Rules, cfg.OwnDomains, cfg.ReportAddress = rulesDirs, own, reportAddr
	for _, n := range smtpAllow {
		p, err := netip.ParsePrefix(n)
		if err != nil {
			if a, aerr := netip.ParseAddr(n); aerr == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			} else {
				fmt.Fprintf(env.Stderr, "portcullis serve: --smtp-allow %q is not a network like 10.1.0.0/16 or an address\n", n)
				return ExitUsage
			}
		}
		cfg.SMTPAllow = append(cfg.SMTPAllow, p)
	}
	cfg.MaxBytes = int64(maxMB) << 20
	cfg.AdminEmail = adminEmail
	cfg.Logger, cfg.Console = logger, env.Stdout
	if insecureCookies {
		f := false
		cfg.SecureCookies = &f
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis serve: %v\n", err)
		return ExitUsage
	}
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "portcullis serve: %v\n", err)
		return ExitUsage
	}
	return ExitOK
}

// openService opens the store and the core for a management command.
func openService(ctx context.Context, env Env, database string) (*reports.Service, func(), error) {
	dsn := database
	if dsn == "" {
		dsn = env.Getenv("PORTCULLIS_DATABASE")
	}
	if dsn == "" {
		dsn = store.DefaultDSN(store.DataDir(env.Getenv))
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, dsn, logger)
	if err != nil {
		return nil, nil, fmt.Errorf("database %s: %w", dsn, err)
	}
	svc, err := reports.New(ctx, reports.Config{Store: db, Logger: logger})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, func() { db.Close() }, nil
}

const usersHelp = `Usage: portcullis users <add|list|disable|enable|reset-password|token> [flags] [EMAIL]

Manages who can sign in. Roles: reporter (members and staff: report and see
their own reports), analyst (the security team), admin (users and settings).
New users and password resets get a one-time sign-in link, printed here, to
send to the person; there are no default or emailed passwords.

Examples:
  portcullis users add --role analyst --name "Sam Patel" sam.patel@parliament.uk
  portcullis users list
  portcullis users disable sam.patel@parliament.uk
  portcullis users reset-password sam.patel@parliament.uk
  portcullis users token --name "mail gateway" gateway@parliament.uk   # an API token, shown once
`

func runUsers(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stdout, usersHelp)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	sub := args[0]
	fs := newFlagSet("users "+sub, usersHelp, env)
	database := fs.String("database", "", "the database (default: the data directory's SQLite file; env PORTCULLIS_DATABASE)")
	role := fs.String("role", "reporter", "role for add: reporter, analyst or admin")
	name := fs.String("name", "", "the person's name, for add; the token's name, for token")
	office := fs.String("office", "", "the person's office, for add")
	publicURL := fs.String("public-url", env.Getenv("PORTCULLIS_PUBLIC_URL"), "the service's URL, to print whole sign-in links (env PORTCULLIS_PUBLIC_URL)")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return flagError(err)
	}
	fail := func(err error) int {
		fmt.Fprintf(env.Stderr, "portcullis users %s: %v\n", sub, err)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict) {
			return ExitUsage
		}
		return ExitBadInput
	}
	switch sub {
	case "add", "list", "disable", "enable", "reset-password", "token":
	default:
		fmt.Fprintf(env.Stderr, "portcullis users: unknown subcommand %q\n\n%s", sub, usersHelp)
		return ExitUsage
	}
	if sub != "list" && len(pos) != 1 {
		fmt.Fprintf(env.Stderr, "portcullis users %s: give one EMAIL address\n", sub)
		return ExitUsage
	}
	svc, closeFn, err := openService(ctx, env, *database)
	if err != nil {
		return fail(err)
	}
	defer closeFn()
	link := func(tok string) string {
		base := strings.TrimRight(*publicURL, "/")
		if base == "" {
			base = "http://127.0.0.1:8080"
		}
		return base + "/signin/link/" + tok
	}
	switch sub {
	case "add":
		u, err := svc.CreateUser(ctx, nil, reports.NewUser{Email: pos[0], Name: *name, Role: *role, Office: *office}, "cli")
		if err != nil {
			return fail(err)
		}
		tok, err := svc.SignInLink(ctx, nil, u.ID, "cli")
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(env.Stdout, "added %s (%s)\none-time sign-in link (valid 24 hours):\n%s\n", u.Email, u.Role, link(tok))
	case "list":
		users, err := svc.Store().ListUsers(ctx)
		if err != nil {
			return fail(err)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tOFFICE\tSTATE\tLAST SIGN-IN")
		for _, u := range users {
			state := "active"
			if u.Disabled {
				state = "disabled"
			} else if u.PasswordHash == "" {
				state = "no password yet"
			}
			last := "never"
			if u.LastSignInAt != nil {
				last = u.LastSignInAt.UTC().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", safe(u.Email), safe(u.Name), u.Role, safe(u.Office), state, last)
		}
		tw.Flush()
	case "token":
		u, err := svc.Store().GetUserByEmail(ctx, pos[0])
		if err != nil {
			return fail(fmt.Errorf("%s: %w", pos[0], err))
		}
		label := *name
		if label == "" {
			label = "command line"
		}
		secret, _, err := svc.CreateAPIToken(ctx, u, label, "cli")
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(env.Stdout, secret)
	case "disable", "enable", "reset-password":
		u, err := svc.Store().GetUserByEmail(ctx, pos[0])
		if err != nil {
			return fail(fmt.Errorf("%s: %w", pos[0], err))
		}
		if sub == "reset-password" {
			tok, err := svc.ResetPassword(ctx, nil, u.ID, "cli")
			if err != nil {
				return fail(err)
			}
			fmt.Fprintf(env.Stdout, "password of %s cleared and sessions ended\none-time sign-in link (valid 24 hours):\n%s\n", u.Email, link(tok))
			return ExitOK
		}
		d := sub == "disable"
		if _, err := svc.UpdateUser(ctx, nil, u.ID, reports.UserChange{Disabled: &d}, "cli"); err != nil {
			return fail(err)
		}
		fmt.Fprintf(env.Stdout, "%sd %s\n", sub, u.Email)
	}
	return ExitOK
}

const peopleHelp = `Usage: portcullis people import [--database DSN] FILE.csv

Imports the people directory: who works where, so that the security team
sees who an approach targets. The CSV file has a header row naming the
columns name, email, role, office, party and committees (separated by ;),
in any order; email is required and identifies a person, so importing
again updates them.
`

func runPeople(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(env.Stderr, peopleHelp)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return ExitOK
		}
		return ExitUsage
	}
	fs := newFlagSet("people import", peopleHelp, env)
	database := fs.String("database", "", "the database (default: the data directory's SQLite file; env PORTCULLIS_DATABASE)")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "portcullis people import: give one CSV FILE")
		return ExitUsage
	}
	f, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis people import: %v\n", err)
		return ExitBadInput
	}
	defer f.Close()
	svc, closeFn, err := openService(ctx, env, *database)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis people import: %v\n", err)
		return ExitUsage
	}
	defer closeFn()
	c, u, err := svc.ImportPeople(ctx, nil, f, "cli")
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis people import: %s: %v\n", pos[0], err)
		return ExitBadInput
	}
	fmt.Fprintf(env.Stdout, "imported %s: %d new, %d updated\n", pos[0], c, u)
	return ExitOK
}

const auditHelp = `Usage: portcullis audit verify [--database DSN]

Checks the audit log: every event's hash is recomputed and the chain
followed from the first event to the last, so an edited, inserted or
deleted event is found. Exit 0 when intact, 1 when not.
`

func runAudit(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(env.Stderr, auditHelp)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return ExitOK
		}
		return ExitUsage
	}
	fs := newFlagSet("audit verify", auditHelp, env)
	database := fs.String("database", "", "the database (default: the data directory's SQLite file; env PORTCULLIS_DATABASE)")
	if _, err := parseInterleaved(fs, args[1:]); err != nil {
		return flagError(err)
	}
	dsn := *database
	if dsn == "" {
		dsn = env.Getenv("PORTCULLIS_DATABASE")
	}
	if dsn == "" {
		dsn = store.DefaultDSN(store.DataDir(env.Getenv))
	}
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis audit verify: %v\n", err)
		return ExitUsage
	}
	defer db.Close()
	n, err := db.VerifyAudit(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis audit verify: the audit log has been tampered with: %v (%d events checked before it)\n", err, n)
		return ExitFlagged
	}
	fmt.Fprintf(env.Stdout, "audit log intact: %d events, hash chain verified\n", n)
	return ExitOK
}

const backupHelp = `Usage: portcullis backup [--database DSN] FILE

Writes a consistent snapshot of the SQLite database to FILE while the
service keeps running (SQLite's VACUUM INTO). FILE must not exist. Restore
by stopping portcullis and copying FILE over portcullis.db (remove the
-wal and -shm files beside it).

A PostgreSQL database is backed up with pg_dump, for example:
  pg_dump --format=custom --file=portcullis.dump "$PORTCULLIS_DATABASE"
`

func runBackup(ctx context.Context, args []string, env Env) int {
	fs := newFlagSet("backup", backupHelp, env)
	database := fs.String("database", "", "the database (default: the data directory's SQLite file; env PORTCULLIS_DATABASE)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		fmt.Fprint(env.Stderr, backupHelp)
		return ExitUsage
	}
	dsn := *database
	if dsn == "" {
		dsn = env.Getenv("PORTCULLIS_DATABASE")
	}
	if dsn == "" {
		dsn = store.DefaultDSN(store.DataDir(env.Getenv))
		if _, err := os.Stat(dsn); err != nil {
			fmt.Fprintf(env.Stderr, "portcullis backup: no database at %s (set PORTCULLIS_DATA or --database)\n", dsn)
			return ExitUsage
		}
	}
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis backup: %v\n", err)
		return ExitUsage
	}
	defer db.Close()
	if err := db.Backup(ctx, pos[0]); err != nil {
		fmt.Fprintf(env.Stderr, "portcullis backup: %v\n", err)
		return ExitUsage
	}
	fmt.Fprintf(env.Stdout, "backed up to %s\n", pos[0])
	return ExitOK
}
