package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"portcullis/internal/analysis"
)

var levelColor = map[string]string{
	"none": "\033[32m", "low": "\033[36m", "medium": "\033[33m", "high": "\033[31m", "critical": "\033[1;37;41m",
}

// safe makes reported text harmless on a terminal: control characters
// (escape sequences could clear the screen, retitle the window or overwrite
// the verdict) and bidirectional overrides are shown escaped, as \x1b.
func safe(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return safeSlow(s)
}

func safeSlow(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r > 0xff && unsafeRune(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		case unsafeRune(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f
}

// writeText prints one analysis for a person to read. Everything that came
// from the reported input passes through safe.
func writeText(w io.Writer, r *analysis.Result, color bool) {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + "\033[0m"
	}
	bold := func(s string) string { return paint("\033[1m", s) }
	fmt.Fprintf(w, "%s  %s  score %d/100  (%s)\n", bold(safe(r.Input)), paint(levelColor[r.Level], strings.ToUpper(r.Level)), r.Score, kindName(r.Kind))
	fmt.Fprintf(w, "  %s\n", safe(r.Summary))
	if r.Reporter != "" {
		fmt.Fprintf(w, "  Forwarded by %s; the original message was analysed.\n", safe(r.Reporter))
	}
	if len(r.WatchlistMatches) > 0 {
		fmt.Fprintf(w, "\n  %s\n", bold("Watchlist"))
		for _, m := range r.WatchlistMatches {
			fmt.Fprintf(w, "  - %s %q matched %q in %s (similarity %.2f; source: %s)\n",
				m.Indicator.Type, safe(m.Indicator.Value), safe(m.Matched), m.Field, m.Similarity, safe(m.Indicator.Source))
		}
	}
	if len(r.Findings) > 0 {
		fmt.Fprintf(w, "\n  %s\n", bold("Why"))
		for _, f := range r.Findings {
			fmt.Fprintf(w, "  - %s [%s, +%d; %s]\n", bold(f.Title), f.Severity, f.Weight, strings.Join(f.Attack, ", "))
			fmt.Fprintf(w, "    %s\n", wrap(f.Explanation, 88, "    "))
			for _, e := range f.Evidence {
				fmt.Fprintf(w, "    > %s: %s\n", e.Field, safe(e.Excerpt))
			}
		}
	}
	if len(r.Advice) > 0 {
		fmt.Fprintf(w, "\n  %s\n", bold("What to do"))
		for _, a := range r.Advice {
			fmt.Fprintf(w, "  - %s\n", wrap(a, 88, "    "))
		}
	}
	if n := len(r.Indicators); n > 0 {
		fmt.Fprintf(w, "\n  %s\n", bold("Indicators"))
		for i, ind := range r.Indicators {
			if i == 15 {
				fmt.Fprintf(w, "  … and %d more (use --format json for all)\n", n-15)
				break
			}
			fmt.Fprintf(w, "  - %-16s %s  (%s)\n", ind.Type, safe(ind.Value), ind.Field)
		}
	}
	fmt.Fprintln(w)
}

func kindName(k string) string {
	switch k {
	case "approach":
		return "approach document"
	case "linkedin_notification":
		return "LinkedIn notification mail"
	case "email":
		return "email"
	}
	return "pasted text"
}

// wrap breaks s into lines of at most width runes, indenting continuations.
func wrap(s string, width int, indent string) string {
	words := strings.Fields(s)
	var b strings.Builder
	n := 0
	for i, w := range words {
		if i > 0 {
			if n+1+utf8.RuneCountInString(w) > width {
				b.WriteString("\n" + indent)
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(w)
		n += utf8.RuneCountInString(w)
	}
	return b.String()
}
