package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"portcullis/internal/store"
	"portcullis/internal/taxii"
)

const taxiiHelp = `Usage: portcullis taxii <command> [flags]

Shares indicators and sightings with partner agencies over TAXII 2.1.
'portcullis serve' serves our collections at /taxii2/ (discovery) to the
partners registered here, and polls the partners' collections we subscribe
to every few minutes.

Commands:
  subscribe --partner NAME [--token T | --user U --password P] URL
        poll a partner's collection (URL: its objects endpoint,
        .../collections/ID/objects/); what arrives enters the watchlist
        with the partner as its source, and starts a retro-hunt
  subscribe --push-from indicators|sightings|advisories --partner NAME ... URL
        push what is new in that collection of ours to the partner's
        writable collection (the partner must be registered here, so
        that its TLP is known)
  subscriptions        list subscriptions, their cursor and health
  poll                 poll every subscription now
  partner add --max-tlp amber [--read C,...] [--write C,...] NAME
        register a partner (prints its bearer token once)
  partner list         partners and their rights
  collections          our collections and their ids

TLP: nothing above a partner's --max-tlp leaves, and TLP:RED never does.
`

func runTAXII(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stdout, taxiiHelp)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	sub := args[0]
	if sub == "partner" || sub == "collections" {
		return runTAXIIPartners(ctx, args, env)
	}
	fs := newFlagSet("taxii "+sub, taxiiHelp, env)
	database := fs.String("database", "", "the database (default: the data directory's SQLite file; env PORTCULLIS_DATABASE)")
	partner := fs.String("partner", "", "the partner's `name`, recorded as the source of what they send")
	token := fs.String("token", "", "bearer `token` for the partner's server")
	user := fs.String("user", "", "basic-auth user `name` for the partner's server")
	password := fs.String("password", "", "basic-auth password (prefer PORTCULLIS_TAXII_PASSWORD)")
	pushFrom := fs.String("push-from", "", "push this `collection` of ours (alias or id) instead of polling theirs")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return flagError(err)
	}
	if *password == "" {
		*password = env.Getenv("PORTCULLIS_TAXII_PASSWORD")
	}
	svc, closeFn, err := openService(ctx, env, *database)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis taxii: %v\n", err)
		return ExitUsage
	}
	defer closeFn()
	switch sub {
	case "subscribe":
		if len(pos) != 1 {
			fmt.Fprintln(env.Stderr, "portcullis taxii subscribe: give the collection's objects URL (see --help)")
			return ExitUsage
		}
		s := &store.Subscription{Direction: "pull", Partner: *partner, ObjectsURL: pos[0], Token: *token, Username: *user, Password: *password}
		if *pushFrom != "" {
			s.Direction = "push"
			switch *pushFrom {
			case store.CollectionIndicators, store.CollectionSightings, store.CollectionAdvisories:
				s.Source = taxii.CollectionID(*pushFrom)
			default:
				if len(*pushFrom) != 36 {
					fmt.Fprintln(env.Stderr, "portcullis taxii subscribe: --push-from is indicators, sightings, advisories or a collection id ('portcullis taxii collections')")
					return ExitUsage
				}
				s.Source = *pushFrom
			}
		}
		if err := svc.Subscribe(ctx, nil, s, "cli"); err != nil {
			fmt.Fprintf(env.Stderr, "portcullis taxii subscribe: %v\n", err)
			return ExitUsage
		}
		if s.Direction == "push" {
			fmt.Fprintf(env.Stdout, "subscribed (%d): serve pushes what is new every few minutes to %s\n", s.ID, safe(s.ObjectsURL))
			return ExitOK
		}
		fmt.Fprintf(env.Stdout, "subscribed (%d) to %s; polling now\n", s.ID, safe(s.ObjectsURL))
		res, err := svc.Poll(ctx, s, nil)
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis taxii subscribe: first poll failed (it will be retried with back-off): %v\n", err)
			return ExitBadInput
		}
		fmt.Fprintf(env.Stdout, "%d objects in %d pages: %d new indicators, %d updated\n", res.Objects, res.Pages, res.Imported, res.Updated)
	case "poll":
		subs, err := svc.Store().ListSubscriptions(ctx)
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis taxii poll: %v\n", err)
			return ExitBadInput
		}
		bad := 0
		for i := range subs {
			s := &subs[i]
			if s.Direction != "pull" {
				continue
			}
			res, err := svc.Poll(ctx, s, nil)
			if err != nil {
				bad++
				fmt.Fprintf(env.Stderr, "%d %s: %v\n", s.ID, safe(s.Partner), err)
				continue
			}
			fmt.Fprintf(env.Stdout, "%d %s: %d objects, %d new, %d updated\n", s.ID, safe(s.Partner), res.Objects, res.Imported, res.Updated)
		}
		if bad > 0 {
			return ExitBadInput
		}
	case "subscriptions":
		subs, err := svc.Store().ListSubscriptions(ctx)
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis taxii subscriptions: %v\n", err)
			return ExitBadInput
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tDIRECTION\tPARTNER\tURL\tCURSOR\tTAKEN IN\tHEALTH")
		for _, s := range subs {
			health := "ok"
			if s.Failures > 0 {
				health = fmt.Sprintf("%d failures: %s", s.Failures, s.LastError)
			}
			cursor := "start"
			if !s.AddedAfter.IsZero() {
				cursor = s.AddedAfter.UTC().Format("2006-01-02T15:04:05Z")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", s.ID, s.Direction, safe(s.Partner), safe(s.ObjectsURL), cursor, s.Imported, safe(health))
		}
		tw.Flush()
	default:
		fmt.Fprintf(env.Stderr, "portcullis taxii: unknown command %q\n\n%s", sub, taxiiHelp)
		return ExitUsage
	}
	return ExitOK
}
