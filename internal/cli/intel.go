package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"portcullis/internal/indicator"
	"portcullis/internal/intel"
	"portcullis/internal/stix"
	"portcullis/internal/store"
)

const intelHelp = `Usage:
  portcullis intel list [--search Q] [--type T] [--kind K] [--expired]
  portcullis intel match VALUE...
  portcullis intel add --type T --value V [--kind watch] [--source NAME] [--tlp amber] ...
  portcullis intel expire ID...
  portcullis intel import FILE...          (STIX 2.1 bundle or CSV with a header row)
  portcullis intel export --format stix|csv [--tlp-max LEVEL] [> FILE]

The watchlist holds indicators known to be hostile (watch), known to be
legitimate (allow), or context that only adds weight to other matches. It is
the seed shipped with Portcullis (public warnings: MI5 to Parliament in 2025,
the German BfV in 2017, front consultancies reported in 2025) plus what you
add or import, kept in the database (an SQLite file in the data directory,
$PORTCULLIS_DATA or ./portcullis-data, or PostgreSQL with --database).
'analyze' matches every input against it.

CSV files have a header row naming their columns:

  type,value,kind,aliases,context_organizations,context_locations,source_name,source_date,tlp,confidence,tags,description

type is one of email, domain, url, linkedin_profile, phone, handle, person,
organization, ip, file_sha256; lists use ";" between items; valid_from and
valid_until (YYYY-MM-DD) limit when an entry matches. STIX bundles give
indicators (with patterns on the types above), threat actors and identities;
'import' reports what it skipped and why. TLP:RED never leaves by export.

'intel match' checks single values as 'analyze' would: organisations and
names are folded (case, accents, Cyrillic, Chinese, punctuation, legal
forms) and a person's name alone is reported as a lead, not a flag.

Examples:
  portcullis intel add --type linkedin_profile --value https://www.linkedin.com/in/fake-recruiter-1 --source "Partner alert 2026-01"
  portcullis intel import alert.json
  portcullis intel export --format stix --tlp-max green > share.json
`

// watchlistOptions are the flags every command that reads the watchlist takes.
type watchlistOptions struct {
	files    multiFlag
	noSeed   bool
	database string
}

func (o *watchlistOptions) register(fs *flag.FlagSet) {
	fs.Var(&o.files, "watchlist", "add watchlist entries from a CSV `FILE`; repeatable")
	fs.BoolVar(&o.noSeed, "no-seed", false, "leave out the watchlist shipped with Portcullis")
	fs.StringVar(&o.database, "database", "", "the database: an SQLite file or postgres://... (default: portcullis.db in $PORTCULLIS_DATA or ./portcullis-data; env PORTCULLIS_DATABASE)")
}

func (o *watchlistOptions) dsn(env Env) (dsn string, explicit bool) {
	if o.database != "" {
		return o.database, true
	}
	if v := env.Getenv("PORTCULLIS_DATABASE"); v != "" {
		return v, true
	}
	return store.DefaultDSN(store.DataDir(env.Getenv)), false
}

// openStore opens the database. With create false, a default SQLite file
// that does not exist yet is not created: nil, nil is returned.
func (o *watchlistOptions) openStore(ctx context.Context, env Env, create bool) (*store.DB, error) {
	dsn, explicit := o.dsn(env)
	if !create && !explicit {
		if _, err := os.Stat(dsn); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, dsn, logger)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", dsn, err)
	}
	return db, nil
}

// entries gathers the watchlist: seed, database and CSV files.
func (o *watchlistOptions) entries(ctx context.Context, env Env) ([]*intel.Entry, error) {
	var out []*intel.Entry
	if !o.noSeed {
		out = intel.Seed()
	}
	db, err := o.openStore(ctx, env, false)
	if err != nil {
		return nil, err
	}
	if db != nil {
		defer db.Close()
		es, err := db.ActiveIndicators(ctx, time.Now())
		if err != nil {
			return nil, fmt.Errorf("watchlist from database: %w", err)
		}
		out = append(out, es...)
	}
	for _, f := range o.files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("watchlist: %w", err)
		}
		es, err := intel.ReadCSV(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("watchlist %s: %w", f, err)
		}
		out = append(out, es...)
	}
	return out, nil
}

func runIntel(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stdout, intelHelp)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	sub := args[0]
	fs := newFlagSet("intel "+sub, intelHelp, env)
	var wo watchlistOptions
	wo.register(fs)
	var (
		search, typ, kind, format, tlpMax     string
		expired                               bool
		value, source, sourceURL, sourceDate  string
		tlp, aliases, ctxOrgs, ctxPlaces      string
		description, tags, validFrom, validTo string
		confidence                            int
	)
	switch sub {
	case "list":
		fs.StringVar(&search, "search", "", "only entries whose value, aliases, source, tags or description contain `Q`")
		fs.StringVar(&typ, "type", "", "only this indicator `type`")
		fs.StringVar(&kind, "kind", "", "only this `kind`: watch, allow or context")
		fs.BoolVar(&expired, "expired", false, "include expired entries")
	case "add":
		fs.StringVar(&typ, "type", "", "indicator `type`: email, domain, url, linkedin_profile, phone, handle, person, organization, ip, file_sha256")
		fs.StringVar(&value, "value", "", "the `value`")
		fs.StringVar(&kind, "kind", "watch", "watch, allow or context")
		fs.StringVar(&source, "source", "manual", "source `name` (an alert, a partner, an analyst)")
		fs.StringVar(&sourceURL, "source-url", "", "source `URL`")
		fs.StringVar(&sourceDate, "source-date", "", "source `date` (YYYY-MM-DD)")
		fs.StringVar(&tlp, "tlp", "amber", "TLP 2.0 `level`: clear, green, amber, amber+strict, red")
		fs.IntVar(&confidence, "confidence", 50, "confidence 0-100")
		fs.StringVar(&aliases, "aliases", "", "other spellings, separated by ;")
		fs.StringVar(&ctxOrgs, "context-organizations", "", "for a person: organisations that confirm a name match, separated by ;")
		fs.StringVar(&ctxPlaces, "context-locations", "", "for a person: places that confirm a name match, separated by ;")
		fs.StringVar(&description, "description", "", "what it is")
		fs.StringVar(&tags, "tags", "", "tags, separated by ;")
		fs.StringVar(&validFrom, "valid-from", "", "matches from this `date` (YYYY-MM-DD)")
		fs.StringVar(&validTo, "valid-until", "", "stops matching at this `date` (YYYY-MM-DD)")
	case "export":
		fs.StringVar(&format, "format", "stix", "stix (a STIX 2.1 bundle) or csv")
		fs.StringVar(&tlpMax, "tlp-max", "amber+strict", "export nothing marked above this TLP `level`; TLP:RED never leaves")
	}
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return flagError(err)
	}
	fail := func(err error) int {
		fmt.Fprintf(env.Stderr, "portcullis intel %s: %s\n", sub, safe(err.Error()))
		if errors.Is(err, store.ErrNotFound) {
			return ExitBadInput
		}
		return ExitUsage
	}
	switch sub {
	case "list":
		return intelList(ctx, env, &wo, search, indicator.Type(typ), kind, expired)
	case "match":
		if len(pos) == 0 {
			fmt.Fprintln(env.Stderr, "portcullis intel match: give a VALUE (an email, domain, URL, profile link, phone, name or organisation)")
			return ExitUsage
		}
		entries, err := wo.entries(ctx, env)
		if err != nil {
			return fail(err)
		}
		return intelMatch(env, intel.New(entries), pos)
	case "add":
		get := map[string]string{"type": typ, "value": value, "kind": kind, "source_name": source, "source_url": sourceURL,
			"source_date": sourceDate, "tlp": tlp, "confidence": fmt.Sprint(confidence), "aliases": aliases,
			"context_organizations": ctxOrgs, "context_locations": ctxPlaces, "description": description, "tags": tags,
			"valid_from": validFrom, "valid_until": validTo}
		e, err := intel.ParseEntry(get)
		if err != nil {
			return fail(err)
		}
		return intelStore(ctx, env, &wo, []*intel.Entry{e}, "added")
	case "expire":
		if len(pos) == 0 {
			fmt.Fprintln(env.Stderr, "portcullis intel expire: give the ID of each entry to expire ('intel list' shows IDs)")
			return ExitUsage
		}
		db, err := wo.openStore(ctx, env, false)
		if err != nil {
			return fail(err)
		}
		if db == nil {
			return fail(fmt.Errorf("no database yet: nothing has been added or imported (%w)", store.ErrNotFound))
		}
		defer db.Close()
		for _, id := range pos {
			if err := db.ExpireIndicator(ctx, id, time.Now()); err != nil {
				return fail(fmt.Errorf("%s: %w", id, err))
			}
			fmt.Fprintf(env.Stdout, "expired %s\n", id)
		}
		return ExitOK
	case "import":
		if len(pos) == 0 {
			fmt.Fprintln(env.Stderr, "portcullis intel import: give a FILE (a STIX 2.1 bundle or a CSV file with a header row)")
			return ExitUsage
		}
		var all []*intel.Entry
		for _, f := range pos {
			es, err := readIntelFile(env, f)
			if err != nil {
				return fail(err)
			}
			all = append(all, es...)
		}
		return intelStore(ctx, env, &wo, all, "imported")
	case "export":
		if format != "stix" && format != "csv" {
			return fail(fmt.Errorf("--format must be stix or csv, not %q", format))
		}
		if r := intel.TLPRank(tlpMax); r < 0 {
			return fail(fmt.Errorf("--tlp-max must be clear, green, amber or amber+strict, not %q", tlpMax))
		}
		entries, err := wo.entries(ctx, env)
		if err != nil {
			return fail(err)
		}
		if format == "stix" {
			b, err := stix.ExportWith(entries, time.Now(), stix.ExportOptions{TLPMax: tlpMax})
			if err != nil {
				return fail(err)
			}
			_, _ = env.Stdout.Write(b)
			fmt.Fprintln(env.Stdout)
			return ExitOK
		}
		max := min(intel.TLPRank(tlpMax), 3) // RED never leaves
		var out []*intel.Entry
		for _, e := range entries {
			if r := intel.TLPRank(e.TLP); r >= 0 && r <= max {
				out = append(out, e)
			}
		}
		if err := intel.WriteCSV(env.Stdout, out); err != nil {
			return fail(err)
		}
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "portcullis intel: unknown subcommand %q\n\n%s", sub, intelHelp)
	return ExitUsage
}

// readIntelFile reads a STIX bundle or a CSV file, by content.
func readIntelFile(env Env, path string) ([]*intel.Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		es, rep, err := stix.Import(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		writeImportReport(env, path, rep)
		return es, nil
	}
	es, err := intel.ReadCSV(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return es, nil
}

func intelStore(ctx context.Context, env Env, wo *watchlistOptions, es []*intel.Entry, verb string) int {
	db, err := wo.openStore(ctx, env, true)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis intel: %s\n", safe(err.Error()))
		return ExitUsage
	}
	defer db.Close()
	ins, upd, err := db.PutIndicators(ctx, es)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis intel: %s\n", safe(err.Error()))
		return ExitUsage
	}
	fmt.Fprintf(env.Stdout, "%s %d entries: %d new, %d updated, %d unchanged\n", verb, len(es), ins, upd, len(es)-ins-upd)
	return ExitOK
}

func intelList(ctx context.Context, env Env, wo *watchlistOptions, search string, typ indicator.Type, kind string, expired bool) int {
	q := strings.ToLower(search)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tVALUE\tKIND\tTLP\tSOURCE")
	n := 0
	show := func(id string, e *intel.Entry) {
		if typ != "" && e.Type != typ || kind != "" && e.Kind != kind {
			return
		}
		hay := strings.ToLower(strings.Join(append(append([]string{e.Value, e.Source.Name, e.Description}, e.Aliases...), e.Tags...), " "))
		if q != "" && !strings.Contains(hay, q) {
			return
		}
		n++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s %s\n", id, e.Type, safe(e.Value), e.Kind, strings.ToUpper(e.TLP), safe(e.Source.Name), e.Source.Date)
	}
	if !wo.noSeed {
		for _, e := range intel.Seed() {
			show("(seed)", e)
		}
	}
	db, err := wo.openStore(ctx, env, false)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis intel list: %s\n", safe(err.Error()))
		return ExitUsage
	}
	if db != nil {
		defer db.Close()
		recs, err := db.ListIndicators(ctx, store.Filter{Search: search, Type: typ, Kind: kind, IncludeExpired: expired})
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis intel list: %s\n", safe(err.Error()))
			return ExitUsage
		}
		for _, r := range recs {
			show(r.ID, r.Entry)
		}
	}
	_ = tw.Flush()
	fmt.Fprintf(env.Stdout, "\n%d entries\n", n)
	return ExitOK
}

func intelMatch(env Env, w *intel.Watchlist, values []string) int {
	found := false
	for _, v := range values {
		ms := w.MatchValue(v)
		if len(ms) == 0 {
			fmt.Fprintf(env.Stdout, "%s: no match\n", safe(v))
			continue
		}
		found = true
		sort.SliceStable(ms, func(i, j int) bool { return ms[i].Weight > ms[j].Weight })
		for _, m := range ms {
			kind := "watch"
			if m.Allow {
				kind = "allow"
			}
			fmt.Fprintf(env.Stdout, "%s: %s %s %q (%s; similarity %.2f): %s\n", safe(v), kind, m.Indicator.Type,
				safe(m.Indicator.Value), safe(m.Indicator.Source), m.Similarity, safe(m.Title))
		}
	}
	if found {
		return ExitFlagged
	}
	return ExitOK
}

// writeImportReport says what a STIX import took and what it skipped, and why.
func writeImportReport(env Env, path string, rep stix.ImportReport) {
	types := make([]string, 0, len(rep.Imported))
	for t, n := range rep.Imported {
		types = append(types, fmt.Sprintf("%d %s", n, t))
	}
	sort.Strings(types)
	fmt.Fprintf(env.Stderr, "%s: read %d STIX objects; imported %s; %d relationships; skipped %d\n",
		safe(path), rep.Objects, strings.Join(types, ", "), rep.Linked, len(rep.Skipped))
	for _, sk := range rep.Skipped {
		fmt.Fprintf(env.Stderr, "  skipped %s (%s): %s\n", safe(sk.ID), safe(sk.Type), safe(sk.Reason))
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(env.Stderr, "  note %s (%s): %s\n", safe(n.ID), safe(n.Type), safe(n.Reason))
	}
}
