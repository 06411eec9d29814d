package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"portcullis/internal/correlate"
	"portcullis/internal/indicator"
	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

const campaignsHelp = `Usage: portcullis campaigns <list|rebuild> [--database DSN]

Campaigns group reports that share an indicator (a profile, an address, a
domain, a phone, a handle), match the same watchlist persona, or carry
near-identical text. Each new report is correlated as it arrives;
'rebuild' recomputes every campaign from the stored reports (after
changing rules or the watchlist), keeping analysts' merges and splits.
`

func runCampaigns(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "rebuild") {
		fmt.Fprint(env.Stderr, campaignsHelp)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return ExitOK
		}
		return ExitUsage
	}
	sub := args[0]
	fs := newFlagSet("campaigns "+sub, campaignsHelp, env)
	database := fs.String("database", "", "the database (default: the data directory's SQLite file; env PORTCULLIS_DATABASE)")
	if _, err := parseInterleaved(fs, args[1:]); err != nil {
		return flagError(err)
	}
	svc, closeFn, err := openService(ctx, env, *database)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis campaigns: %v\n", err)
		return ExitUsage
	}
	defer closeFn()
	switch sub {
	case "list":
		cs, err := svc.Store().ListCampaigns(ctx, "", 100, 0)
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis campaigns list: %v\n", err)
			return ExitBadInput
		}
		for _, c := range cs {
			fmt.Fprintf(env.Stdout, "%d\t%s\t%d reports\t%s – %s\t%s\n", c.ID, c.Status, c.Size,
				c.FirstSeen.UTC().Format("2006-01-02"), c.LastSeen.UTC().Format("2006-01-02"), safe(c.Name))
		}
	case "rebuild":
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		start := time.Now()
		tty := isTerminal(env.Stderr)
		n, err := svc.RebuildCampaigns(ctx, func(done, total int) {
			if tty {
				fmt.Fprintf(env.Stderr, "\r  %d/%d reports", done, total)
			}
		})
		if tty {
			fmt.Fprintln(env.Stderr)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis campaigns rebuild: %v (after %d reports)\n", err, n)
			return ExitBadInput
		}
		cs, _ := svc.Store().ListCampaigns(ctx, "", 1_000_000, 0)
		fmt.Fprintf(env.Stdout, "rebuilt campaigns from %d reports in %.1fs: %d campaigns\n", n, time.Since(start).Seconds(), len(cs))
	}
	return ExitOK
}

const huntHelp = `Usage: portcullis hunt [flags] VALUE
       portcullis hunt --indicator ID

Hunts back through every stored report for an indicator: the extracted
indicators first (immediate), then the raw text and, for people and
organisations, persona-aware matching. Matching reports are recorded as
sightings and re-scored with today's watchlist, so they rise in the queue.

VALUE is added to the watchlist first (as a watch entry, --type guessed
when not given), because a hostile indicator worth hunting is worth
matching in future reports too; --indicator hunts an existing entry.
A running 'portcullis serve' picks up hunts as well; the job is durable
and resumes after a restart.

Examples:
  portcullis hunt https://www.linkedin.com/in/amanda-qiu-4b1a2
  portcullis hunt --type person --context-org "BR-YR Executive Search" "Shirly Shen"
  portcullis hunt --indicator 0c5e…
`

func runHunt(ctx context.Context, args []string, env Env) int {
	fs := newFlagSet("hunt", huntHelp, env)
	database := fs.String("database", "", "the database (default: the data directory's SQLite file; env PORTCULLIS_DATABASE)")
	id := fs.String("indicator", "", "hunt the watchlist entry with this `ID` ('intel list' shows IDs)")
	typ := fs.String("type", "", "the VALUE's indicator `type` (email, domain, url, linkedin_profile, phone, handle, person, organization, ip, file_sha256)")
	source := fs.String("source", "retro-hunt (command line)", "the `source` recorded for a new entry")
	tlp := fs.String("tlp", "amber", "TLP of a new entry")
	ctxOrg := fs.String("context-org", "", "for a person: the `organisations` they claim (separated by ;)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if (*id == "") == (len(pos) == 0) || len(pos) > 1 {
		fmt.Fprintln(env.Stderr, "portcullis hunt: give one VALUE or --indicator ID (see --help)")
		return ExitUsage
	}
	svc, closeFn, err := openService(ctx, env, *database)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis hunt: %v\n", err)
		return ExitUsage
	}
	defer closeFn()
	if *id == "" {
		t := *typ
		if t == "" {
			if t = guessType(pos[0]); t == "" {
				fmt.Fprintf(env.Stderr, "portcullis hunt: is %q a person or an organization? say so with --type\n", pos[0])
				return ExitUsage
			}
		}
		e, err := intel.ParseEntry(map[string]string{"type": t, "value": pos[0], "kind": intel.Watch, "tlp": *tlp, "confidence": "70",
			"source_name": *source, "context_organizations": *ctxOrg})
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis hunt: %v\n", err)
			return ExitUsage
		}
		if _, _, err := svc.Store().PutIndicators(ctx, []*intel.Entry{e}); err != nil {
			fmt.Fprintf(env.Stderr, "portcullis hunt: %v\n", err)
			return ExitBadInput
		}
		key, _ := store.Key(e.Type, e.Value)
		*id = store.IndicatorID(e.Type, key, e.Source.Name)
		if err := svc.ReloadWatchlist(ctx); err != nil {
			fmt.Fprintf(env.Stderr, "portcullis hunt: %v\n", err)
			return ExitBadInput
		}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	j, err := svc.StartHunt(ctx, nil, *id, "command line", "cli")
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis hunt: %v\n", err)
		return ExitUsage
	}
	fmt.Fprintf(env.Stderr, "hunting %s %s across %d reports (job %d)\n", j.Type, safe(j.Value), j.Total, j.ID)
	tty := isTerminal(env.Stderr)
	res, err := svc.RunHuntNow(ctx, j.ID, func(h *store.HuntJob) {
		if tty {
			fmt.Fprintf(env.Stderr, "\r  %d/%d reports, %d found", h.Done, h.Total, h.Found)
		}
	})
	if tty {
		fmt.Fprintln(env.Stderr)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis hunt: %v (the job resumes with the next serve or hunt)\n", err)
		return ExitBadInput
	}
	fmt.Fprintf(env.Stdout, "found %d reports (%d re-scored) in %.2fs; extracted-indicator look-up %.1f ms\n",
		len(res.Matched), res.Rescored, res.Elapsed.Seconds(), float64(res.ExactTime.Microseconds())/1000)
	slices.Sort(res.Matched)
	for _, id := range res.Matched {
		fmt.Fprintf(env.Stdout, "report %d\n", id)
	}
	if len(res.Matched) > 0 {
		return ExitFlagged
	}
	return ExitOK
}

const generateHelp = `Usage: portcullis generate [flags]

Fills the store with synthetic reports for scale tests: generated LinkedIn
and email approaches (a mix of campaigns reusing profiles, addresses and
near-identical text, and one-off approaches), with their indicators and
text fingerprints, written in bulk without analysis. Then, with --measure,
it times what the scale targets are about: an exact retro-hunt and the
correlation of new reports.

Never run it against a production database.
`

func runGenerate(ctx context.Context, args []string, env Env) int {
	fs := newFlagSet("generate", generateHelp, env)
	database := fs.String("database", "", "the database (default: the data directory's SQLite file; env PORTCULLIS_DATABASE)")
	n := fs.Int("reports", 100000, "how many reports to add")
	seed := fs.Uint64("seed", 1, "random seed")
	measure := fs.Bool("measure", true, "time an exact retro-hunt and the correlation of new reports afterwards")
	if _, err := parseInterleaved(fs, args); err != nil {
		return flagError(err)
	}
	svc, closeFn, err := openService(ctx, env, *database)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis generate: %v\n", err)
		return ExitUsage
	}
	defer closeFn()
	db := svc.Store()
	users, err := db.ListUsers(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis generate: %v\n", err)
		return ExitBadInput
	}
	var reporters []int64
	for i := 0; i < 200; i++ {
		u, err := svc.CreateUser(ctx, nil, reports.NewUser{Email: fmt.Sprintf("gen-%d-%d@parliament.uk", *seed, i), Role: store.RoleReporter,
			Office: fmt.Sprintf("Office %d", i%20)}, "cli")
		if err != nil {
			if len(users) > 0 {
				reporters = append(reporters, users[i%len(users)].ID)
				continue
			}
			fmt.Fprintf(env.Stderr, "portcullis generate: %v\n", err)
			return ExitBadInput
		}
		reporters = append(reporters, u.ID)
	}
	rng := rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))
	start := time.Now()
	const batch = 2000
	var probe string
	for done := 0; done < *n; {
		k := min(batch, *n-done)
		rs := make([]*store.Report, 0, k)
		inds := make([][]store.ReportIndicator, 0, k)
		bands := make([][]uint64, 0, k)
		for i := 0; i < k; i++ {
			r, in, text := synthReport(rng, reporters, done+i)
			rs = append(rs, r)
			inds = append(inds, in)
			if sig, ok := correlate.Sign(correlate.Normalize(text)); ok {
				bands = append(bands, sig.Bands())
			} else {
				bands = append(bands, nil)
			}
			if probe == "" && strings.Contains(in[0].Value, "campaign-7-") {
				probe = in[0].Value
			}
		}
		if err := db.BulkCreateReports(ctx, rs, inds, bands); err != nil {
			fmt.Fprintf(env.Stderr, "portcullis generate: %v\n", err)
			return ExitBadInput
		}
		done += k
		if isTerminal(env.Stderr) {
			fmt.Fprintf(env.Stderr, "\r  %d/%d reports", done, *n)
		}
	}
	el := time.Since(start)
	fmt.Fprintf(env.Stdout, "added %d reports in %.1fs (%.0f/s)\n", *n, el.Seconds(), float64(*n)/el.Seconds())
	if !*measure {
		return ExitOK
	}
	total, _ := db.CountAllReports(ctx)
	// An exact retro-hunt: the extracted-indicator look-up.
	if probe != "" {
		t0 := time.Now()
		hits, err := db.ReportsWithIndicators(ctx, []store.ReportIndicator{{Type: string(indicator.LinkedIn), Value: probe}}, 0, 1_000_000)
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis generate: %v\n", err)
			return ExitBadInput
		}
		fmt.Fprintf(env.Stdout, "with %d reports: exact retro-hunt for %s found %d reports in %.1f ms\n", total, probe, len(hits), float64(time.Since(t0).Microseconds())/1000)
	}
	// Correlating new reports: submit approaches that join a campaign.
	u, err := svc.CreateUser(ctx, nil, reports.NewUser{Email: fmt.Sprintf("gen-measure-%d-%d@parliament.uk", *seed, time.Now().UnixNano()), Role: store.RoleReporter}, "cli")
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis generate: %v\n", err)
		return ExitBadInput
	}
	// Twice over the same 50 campaigns: the first report of each links
	// the bulk-loaded reports it shares something with into a new
	// campaign (up to 100 members at once); the second joins an existing
	// campaign, which is what a new report meets in a running service.
	for pass, what := range []string{"starting a campaign from bulk-loaded reports", "joining an existing campaign"} {
		prng := rand.New(rand.NewPCG(*seed+99, 7))
		var times []time.Duration
		for i := 0; i < 50; i++ {
			r, _, _ := synthReport(prng, []int64{u.ID}, i)
			d, err := svc.CorrelateOnly(ctx, u, r.Raw)
			if err != nil {
				fmt.Fprintf(env.Stderr, "portcullis generate: %v\n", err)
				return ExitBadInput
			}
			times = append(times, d)
		}
		slices.Sort(times)
		fmt.Fprintf(env.Stdout, "with %d reports: correlating a new report %s (analysis excluded): median %.1f ms, p95 %.1f ms, max %.1f ms\n", total, what,
			ms2(times[len(times)/2]), ms2(times[len(times)*95/100]), ms2(times[len(times)-1]))
		_ = pass
	}
	return ExitOK
}

func ms2(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// synthReport makes one synthetic approach: about 60% from 2,000
// campaigns (a shared profile or address and near-identical text with a
// different greeting, name and amount), the rest one-off.
func synthReport(rng *rand.Rand, reporters []int64, i int) (*store.Report, []store.ReportIndicator, string) {
	first := loadFirst[rng.IntN(len(loadFirst))]
	last := loadLast[rng.IntN(len(loadLast))]
	org := loadOrgs[rng.IntN(len(loadOrgs))]
	var profile, text string
	if rng.IntN(10) < 6 {
		c := rng.IntN(2000)
		profile = fmt.Sprintf("https://www.linkedin.com/in/campaign-%d-%x", c, c*7919)
		tmpl := loadHostile[c%len(loadHostile)]
		text = fmt.Sprintf(tmpl, loadFirst[rng.IntN(len(loadFirst))], org, 1000+rng.IntN(20000)) + fmt.Sprintf(" Reference %d.", c)
	} else {
		profile = fmt.Sprintf("https://www.linkedin.com/in/%s-%s-%x", strings.ToLower(first), strings.ToLower(last), rng.Uint64()&0xffffffff)
		tmpl := loadBenign[rng.IntN(len(loadBenign))]
		text = fmt.Sprintf(tmpl, loadFirst[rng.IntN(len(loadFirst))], org, rng.IntN(1_000_000))
	}
	a := map[string]any{"format": "portcullis.approach/v1", "platform": "linkedin", "kind": "message",
		"sender":   map[string]any{"name": first + " " + last, "headline": "Partner at " + org, "company": org, "profile_url": profile},
		"messages": []map[string]any{{"from": "sender", "text": text}}}
	raw, _ := json.Marshal(a)
	score := rng.IntN(100)
	lv := []string{"none", "low", "medium", "high", "critical"}[min(4, score/20)]
	r := &store.Report{ReporterID: reporters[rng.IntN(len(reporters))], Channel: "web", Intent: store.IntentReport, Platform: "linkedin",
		Title: first + " " + last, Raw: raw, Kind: "approach", Score: score, Level: lv, Summary: "generated", Analysis: []byte("{}"),
		Status: store.StatusNew, CreatedAt: time.Now().Add(-time.Duration(rng.IntN(365*24)) * time.Hour)}
	inds := []store.ReportIndicator{
		{Type: string(indicator.LinkedIn), Value: profile, Field: "sender.profile_url"},
		{Type: string(indicator.Person), Value: first + " " + last, Field: "sender.name"},
		{Type: string(indicator.Organization), Value: org, Field: "sender.company"},
	}
	return r, inds, text
}

// guessType tells a typed indicator by its form; "" for names, which
// could be a person or an organisation.
func guessType(v string) string {
	v = strings.TrimSpace(v)
	lv := strings.ToLower(v)
	switch {
	case strings.Contains(lv, "linkedin.com/in/") || strings.Contains(lv, "linkedin.com/pub/"):
		return string(indicator.LinkedIn)
	case strings.HasPrefix(lv, "http://") || strings.HasPrefix(lv, "https://") || strings.HasPrefix(lv, "hxxp"):
		return string(indicator.URL)
	case strings.Contains(v, "@") && !strings.ContainsAny(v, " /"):
		if strings.HasPrefix(v, "@") {
			return string(indicator.Handle)
		}
		return string(indicator.Email)
	case netParseIP(v):
		return string(indicator.IP)
	case len(v) == 64 && strings.Trim(lv, "0123456789abcdef") == "":
		return string(indicator.FileSHA256)
	case strings.HasPrefix(v, "+") && strings.Trim(v[1:], "0123456789 -()") == "":
		return string(indicator.Phone)
	case strings.Contains(v, ".") && !strings.ContainsAny(v, " /"):
		return string(indicator.Domain)
	}
	return ""
}

func netParseIP(v string) bool { return net.ParseIP(v) != nil }
