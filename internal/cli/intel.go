package cli

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"portcullis/internal/intel"
)

const intelHelp = `Usage:
  portcullis intel list [--watchlist FILE] [--search Q] [--no-seed]
  portcullis intel match [--watchlist FILE] VALUE...

The watchlist holds indicators known to be hostile (watch), known to be
legitimate (allow), or context that only adds weight to other matches. The
seed shipped with Portcullis comes from public warnings (MI5 to Parliament in
2025, the German BfV in 2017, research on front consultancies in 2025). Add
your own with a CSV file whose header row names its columns:

  type,value,kind,aliases,context_organizations,context_locations,source_name,source_date,tlp,confidence,tags,description

type is one of email, domain, url, linkedin_profile, phone, handle, person,
organization, ip, file_sha256; lists use ";" between items; valid_from and
valid_until (YYYY-MM-DD) limit when an entry matches.

'intel match' checks single values, as 'analyze' would: organisations and
names are folded (case, accents, Cyrillic, punctuation, legal forms) and a
person's name alone is reported as a lead, not a flag.
`

func loadWatchlist(files []string, seed bool) (*intel.Watchlist, error) {
	var entries []*intel.Entry
	if seed {
		entries = intel.Seed()
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("watchlist: %w", err)
		}
		es, err := intel.ReadCSV(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("watchlist %s: %w", f, err)
		}
		entries = append(entries, es...)
	}
	return intel.New(entries), nil
}

func runIntel(args []string, env Env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stdout, intelHelp)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	sub := args[0]
	fs := newFlagSet("intel "+sub, intelHelp, env)
	var files multiFlag
	var search string
	var noSeed bool
	fs.Var(&files, "watchlist", "add entries from a CSV `FILE`; repeatable")
	fs.BoolVar(&noSeed, "no-seed", false, "leave out the seed watchlist")
	if sub == "list" {
		fs.StringVar(&search, "search", "", "show only entries whose value, aliases, source or tags contain `Q`")
	}
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return flagError(err)
	}
	var entries []*intel.Entry
	if !noSeed {
		entries = intel.Seed()
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis intel: %v\n", err)
			return ExitUsage
		}
		es, err := intel.ReadCSV(fh)
		fh.Close()
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis intel: %s: %v\n", f, err)
			return ExitUsage
		}
		entries = append(entries, es...)
	}
	switch sub {
	case "list":
		q := strings.ToLower(search)
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TYPE\tVALUE\tKIND\tTLP\tSOURCE")
		n := 0
		for _, e := range entries {
			hay := strings.ToLower(strings.Join(append(append([]string{e.Value, e.Source.Name, e.Description}, e.Aliases...), e.Tags...), " "))
			if q != "" && !strings.Contains(hay, q) {
				continue
			}
			n++
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %s\n", e.Type, e.Value, e.Kind, strings.ToUpper(e.TLP), e.Source.Name, e.Source.Date)
		}
		_ = tw.Flush()
		fmt.Fprintf(env.Stdout, "\n%d entries\n", n)
		return ExitOK
	case "match":
		if len(pos) == 0 {
			fmt.Fprintln(env.Stderr, "portcullis intel match: give a VALUE (an email, domain, URL, profile link, phone, name or organisation)")
			return ExitUsage
		}
		w := intel.New(entries)
		found := false
		for _, v := range pos {
			ms := w.MatchValue(v)
			if len(ms) == 0 {
				fmt.Fprintf(env.Stdout, "%s: no match\n", v)
				continue
			}
			found = true
			sort.SliceStable(ms, func(i, j int) bool { return ms[i].Weight > ms[j].Weight })
			for _, m := range ms {
				kind := "watch"
				if m.Allow {
					kind = "allow"
				}
				fmt.Fprintf(env.Stdout, "%s: %s %s %q (%s; similarity %.2f): %s\n", v, kind, m.Indicator.Type, m.Indicator.Value, m.Indicator.Source, m.Similarity, m.Title)
			}
		}
		if found {
			return ExitFlagged
		}
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "portcullis intel: unknown subcommand %q\n\n%s", sub, intelHelp)
	return ExitUsage
}
