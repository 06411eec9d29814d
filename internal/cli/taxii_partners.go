package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"

	"portcullis/internal/reports"
	"portcullis/internal/taxii"
)

// runTAXIIPartners manages partners and lists our collections.
func runTAXIIPartners(ctx context.Context, args []string, env Env) int {
	sub := args[0]
	if sub == "partner" {
		if len(args) < 2 {
			fmt.Fprint(env.Stderr, taxiiHelp)
			return ExitUsage
		}
		sub += " " + args[1]
		args = args[1:]
	}
	fs := newFlagSet("taxii "+sub, taxiiHelp, env)
	database := fs.String("database", "", "the database (default: the data directory's SQLite file; env PORTCULLIS_DATABASE)")
	maxTLP := fs.String("max-tlp", "amber", "the most restrictive TLP the partner may receive: clear, green, amber or amber+strict (RED never leaves)")
	var read, write multiFlag
	fs.Var(&read, "read", "collections (alias or id) the partner may read, beyond the defaults (indicators, sightings, advisories)")
	fs.Var(&write, "write", "collections the partner may write to, beyond the default (inbox)")
	user := fs.String("user", "", "also give the partner HTTP Basic credentials with this user name")
	password := fs.String("password", "", "the Basic password (prefer PORTCULLIS_TAXII_PASSWORD)")
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
	ts, err := taxii.New(svc.Store(), taxii.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis taxii: %v\n", err)
		return ExitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(env.Stderr, "portcullis taxii %s: %v\n", sub, err)
		return ExitUsage
	}
	colls, err := ts.Collections(ctx)
	if err != nil {
		return fail(err)
	}
	collID := func(name string) (string, error) {
		for _, c := range colls {
			if c.ID == name || strings.EqualFold(c.Alias, name) {
				return c.ID, nil
			}
		}
		return "", fmt.Errorf("no collection %q ('portcullis taxii collections' lists them)", name)
	}
	switch sub {
	case "collections":
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tALIAS\tTITLE\tDEFAULT TLP\tPARTNERS MAY")
		for _, c := range colls {
			may := []string{}
			if c.CanReadDefault {
				may = append(may, "read")
			}
			if c.CanWriteDefault {
				may = append(may, "write")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Alias, safe(c.Title), c.DefaultTLP, strings.Join(may, ", "))
		}
		tw.Flush()
		fmt.Fprintln(env.Stdout, "\nPartners reach them at https://YOUR-HOST/taxii2/ (discovery) and /taxii2/api/ (the API root).")
	case "partner add":
		if len(pos) != 1 {
			fmt.Fprintln(env.Stderr, "portcullis taxii partner add: give the partner's NAME")
			return ExitUsage
		}
		p, tok, err := ts.AddPartner(ctx, pos[0], *maxTLP)
		if err != nil {
			return fail(err)
		}
		for _, c := range read {
			id, err := collID(c)
			if err != nil {
				return fail(err)
			}
			if err := ts.Grant(ctx, p.ID, id, true, contains(write, c)); err != nil {
				return fail(err)
			}
		}
		for _, c := range write {
			id, err := collID(c)
			if err != nil {
				return fail(err)
			}
			if err := ts.Grant(ctx, p.ID, id, contains(read, c), true); err != nil {
				return fail(err)
			}
		}
		if *user != "" {
			if err := ts.SetBasic(ctx, p.ID, *user, *password); err != nil {
				return fail(err)
			}
		}
		svc.Audit(ctx, nil, "taxii.partner_add", fmt.Sprintf("partner:%d", p.ID), reports.Detail("name", p.Name, "max_tlp", p.MaxTLP), "cli")
		fmt.Fprintf(env.Stdout, "added partner %s (up to TLP:%s)\nbearer token (shown once; send it to them securely):\n%s\n", safe(p.Name), strings.ToUpper(p.MaxTLP), tok)
	case "partner list":
		ps, err := ts.Partners(ctx)
		if err != nil {
			return fail(err)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tMAX TLP\tAUTH\tSTATE")
		for _, p := range ps {
			var au []string
			if p.BearerHash != "" {
				au = append(au, "bearer")
			}
			if p.BasicUser != "" {
				au = append(au, "basic "+p.BasicUser)
			}
			state := "active"
			if p.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", p.ID, safe(p.Name), p.MaxTLP, strings.Join(au, ", "), state)
		}
		tw.Flush()
	default:
		fmt.Fprintf(env.Stderr, "portcullis taxii: unknown command %q\n\n%s", sub, taxiiHelp)
		return ExitUsage
	}
	return ExitOK
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
