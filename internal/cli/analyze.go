package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/extract"
	"portcullis/internal/intel"
	"portcullis/internal/message"
	"portcullis/internal/rules"
)

const analyzeHelp = `Usage: portcullis analyze [flags] PATH...

Analyse approaches offline and explain the verdict. PATH is a file, a
directory (walked recursively; hidden files skipped) or - for standard input.
Each input is recognised by its content, whatever its name:
  - approach JSON (format portcullis.approach/v1, see docs/formats.md)
  - raw mail (.eml, mbox "From " line, forwarded mail, LinkedIn notifications)
  - plain text (a pasted message)

Nothing is fetched: links, domains and attachments are never opened.

Output: a readable report per input (--format text, coloured on a terminal),
or one JSON object per line (--format json) as in docs/formats.md. A file that
cannot be parsed gives an error line for that file and the batch goes on.

Examples:
  portcullis analyze message.eml
  portcullis analyze --format json --fail-on medium reports/
  portcullis analyze --own-domain parliament.uk,parliament.scot inbox/
`

type analyzeOpts struct {
	format   string
	failOn   string
	rules    multiFlag
	own      multiFlag
	wl       watchlistOptions
	maxMB    int
	workers  int
	progress bool
}

func runAnalyze(ctx context.Context, args []string, env Env) int {
	fs := newFlagSet("analyze", analyzeHelp, env)
	var o analyzeOpts
	fs.StringVar(&o.format, "format", "text", "output `format`: text or json (JSON Lines)")
	fs.StringVar(&o.failOn, "fail-on", "", "exit 1 when any input reaches this `level` (low, medium, high, critical)")
	fs.Var(&o.rules, "rules", "add site rules from `DIR` (or one .yaml file); repeatable")
	fs.Var(&o.own, "own-domain", "the legislature's own mail `domains`, for lookalike checks (default parliament.uk; env PORTCULLIS_OWN_DOMAINS)")
	o.wl.register(fs)
	fs.IntVar(&o.maxMB, "max-size", 64, "refuse inputs larger than this many `MB`")
	fs.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "inputs analysed in parallel")
	fs.BoolVar(&o.progress, "progress", true, "show progress on stderr when analysing directories")
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if o.format != "text" && o.format != "json" {
		fmt.Fprintf(env.Stderr, "portcullis analyze: --format must be text or json, not %q\n", o.format)
		return ExitUsage
	}
	if o.maxMB < 1 || o.maxMB > 4096 {
		fmt.Fprintf(env.Stderr, "portcullis analyze: --max-size must be between 1 and 4096 MB, not %d\n", o.maxMB)
		return ExitUsage
	}
	if o.failOn != "" && analysis.LevelRank(o.failOn) < 1 {
		fmt.Fprintf(env.Stderr, "portcullis analyze: --fail-on must be low, medium, high or critical, not %q\n", o.failOn)
		return ExitUsage
	}
	if len(paths) == 0 {
		fmt.Fprintln(env.Stderr, "portcullis analyze: give at least one PATH (a file, a directory, or - for stdin); see --help")
		return ExitUsage
	}
	if len(o.own) == 0 {
		if v := env.Getenv("PORTCULLIS_OWN_DOMAINS"); v != "" {
			_ = o.own.Set(v)
		}
	}
	var own []string
	if len(o.own) > 0 {
		own = o.own
	}
	eng, err := rules.Load(rules.Options{Dirs: o.rules, OwnDomains: own})
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis analyze: rules: %v\n", err)
		return ExitUsage
	}
	entries, err := o.wl.entries(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis analyze: %v\n", err)
		return ExitUsage
	}
	// The legislature's own domains are allowlisted: mail that really comes
	// from them (authenticated) is not an outside approach.
	ownDomains := own
	if ownDomains == nil {
		ownDomains = extract.DefaultOwnDomains
	}
	for _, d := range ownDomains {
		e, err := intel.ParseEntry(map[string]string{"type": "domain", "value": d, "kind": intel.Allow, "tlp": "clear",
			"confidence": "100", "source_name": "the legislature's own domains (--own-domain)"})
		if err != nil {
			fmt.Fprintf(env.Stderr, "portcullis analyze: --own-domain %q: %v\n", d, err)
			return ExitUsage
		}
		entries = append(entries, e)
	}
	an := analysis.New(eng, intel.New(entries))
	an.Limits = message.Limits{MaxBytes: int64(o.maxMB) << 20}

	inputs, walkErrs := collectInputs(paths)
	for _, e := range walkErrs {
		fmt.Fprintf(env.Stderr, "error: %s\n", safe(e.Error()))
	}
	color := o.format == "text" && isTerminal(env.Stdout) && env.Getenv("NO_COLOR") == ""
	showProgress := o.progress && len(inputs) > 1 && anyDir(paths)
	prog := newProgress(env.Stderr, len(inputs), isTerminal(env.Stderr))

	failOn := analysis.LevelRank(o.failOn)
	flagged, bad, reached, done := 0, len(walkErrs), false, 0
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	emit := func(in input, res *analysis.Result, err error) {
		done++
		if err != nil {
			bad++
			fmt.Fprintf(env.Stderr, "error: %s: %s\n", safe(in.name), safe(err.Error()))
		} else {
			for _, p := range res.Problems {
				fmt.Fprintf(env.Stderr, "warning: %s: %s\n", safe(in.name), safe(p))
			}
			if analysis.LevelRank(res.Level) >= analysis.LevelRank("medium") {
				flagged++
			}
			if failOn > 0 && analysis.LevelRank(res.Level) >= failOn {
				reached = true
			}
			if o.format == "json" {
				_ = enc.Encode(res)
			} else {
				writeText(env.Stdout, res, color)
			}
		}
		if showProgress {
			prog.update(done)
		}
	}
	analyzeAll(ctx, an, inputs, max(o.workers, 1), env.Stdin, emit)
	if showProgress {
		prog.finish(done, flagged, bad)
	}
	switch {
	case reached:
		return ExitFlagged
	case bad > 0:
		return ExitBadInput
	}
	return ExitOK
}

type input struct {
	name string // as given, or the walked path
	path string // "" for stdin
}

func anyDir(paths []string) bool {
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return true
		}
	}
	return false
}

// collectInputs expands directories into their files, in name order.
func collectInputs(paths []string) ([]input, []error) {
	var out []input
	var errs []error
	for _, p := range paths {
		if p == "-" {
			out = append(out, input{name: "-"})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, unwrapPathError(err)))
			continue
		}
		if !st.IsDir() {
			out = append(out, input{name: p, path: p})
			continue
		}
		var files []string
		// Walk the directory a symlink points to, but name files by the
		// path as given.
		root, err := filepath.EvalSymlinks(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, unwrapPathError(err)))
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			shown := p
			if rel, rerr := filepath.Rel(root, path); rerr == nil && rel != "." {
				shown = filepath.Join(p, rel)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", shown, unwrapPathError(err)))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			name := d.Name()
			if strings.HasPrefix(name, ".") && path != root {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			switch {
			case d.Type().IsRegular():
				files = append(files, shown)
			case d.Type()&fs.ModeSymlink != 0:
				// Follow links to files; links to directories could loop.
				if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
					files = append(files, shown)
				} else if err == nil && st.IsDir() {
					errs = append(errs, fmt.Errorf("%s: a link to a directory; give that directory itself to analyse it", shown))
				} else if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", shown, unwrapPathError(err)))
				}
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		if len(files) == 0 {
			errs = append(errs, fmt.Errorf("%s: no files to analyse in this directory", p))
		}
		sort.Strings(files)
		for _, f := range files {
			out = append(out, input{name: f, path: f})
		}
	}
	return out, errs
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if e, ok := err.(*fs.PathError); ok {
		pe = e
		return pe.Err
	}
	return err
}

// analyzeAll analyses inputs on several workers and calls emit in input
// order. A panic while analysing one input is turned into an error for that
// input so the batch goes on.
func analyzeAll(ctx context.Context, an *analysis.Analyzer, inputs []input, workers int, stdin io.Reader, emit func(input, *analysis.Result, error)) {
	type result struct {
		res *analysis.Result
		err error
	}
	slots := make([]chan result, len(inputs))
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				res, err := analyzeOne(an, inputs[i], stdin)
				slots[i] <- result{res, err}
			}
		}()
	}
	// Feed jobs at most a few ahead of the writer so memory stays bounded.
	window := make(chan struct{}, workers*4)
	go func() {
		defer close(jobs)
		for i := range inputs {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				for j := i; j < len(inputs); j++ {
					slots[j] <- result{nil, ctx.Err()}
				}
				return
			}
			jobs <- i
		}
	}()
	for i, in := range inputs {
		r := <-slots[i]
		emit(in, r.res, r.err)
		select {
		case <-window:
		default:
		}
	}
	wg.Wait()
}

func analyzeOne(an *analysis.Analyzer, in input, stdin io.Reader) (res *analysis.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("internal error while analysing (please report this file to the Portcullis developers): %v\n%s", p, debug.Stack())
		}
	}()
	if in.path == "" {
		return an.Analyze(stdin, in.name)
	}
	f, err := os.Open(in.path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	defer f.Close()
	return an.Analyze(f, in.name)
}

// progress reports how far a batch is on stderr: a line rewritten in place
// on a terminal, a line every few seconds otherwise.
type progress struct {
	w     io.Writer
	total int
	tty   bool
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, total int, tty bool) *progress {
	now := time.Now()
	return &progress{w: w, total: total, tty: tty, start: now, last: now}
}

func (p *progress) update(done int) {
	now := time.Now()
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if now.Sub(p.last) < every && done != p.total {
		return
	}
	p.last = now
	rate := float64(done) / max(now.Sub(p.start).Seconds(), 1e-3)
	line := fmt.Sprintf("analysed %d of %d inputs (%.0f/s)", done, p.total, rate)
	if p.tty {
		fmt.Fprintf(p.w, "\r%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) finish(done, flagged, bad int) {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "analysed %d inputs in %.1fs: %d flagged (medium or above), %d could not be analysed\n",
		done, time.Since(p.start).Seconds(), flagged, bad)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
