// Package rules is Portcullis's detection engine. Rules are YAML files with
// CEL conditions over an approach's features, each with an explanation, a
// weight, ATT&CK technique ids and its own tests; signals are named
// lexicons of phrases that one pass over the text turns into booleans rules
// can read. Built-in rules are embedded; a site adds its own directory. A
// rule that does not compile or fails its own tests is refused at load.
package rules

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"

	"portcullis/internal/extract"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Engine holds compiled signals and rules. It is safe for concurrent use.
type Engine struct {
	rules     []*Rule
	signals   []*Signal
	sigIndex  map[string]int
	lex       *lexicon
	except    *lexicon // phrases that cancel nearby hits, by signal
	env       *cel.Env
	extractor *extract.Extractor
	// testExtractor runs the rules' own test cases (see Options.OwnDomains).
	testExtractor *extract.Extractor
}

// Options configure loading.
type Options struct {
	// Dirs are site rule directories added to the built-in rules.
	Dirs []string
	// NoBuiltin leaves the embedded rules out (for testing a site's rules alone;
	// the built-in signals are always loaded).
	NoBuiltin bool
	// OwnDomains are the legislature's own mail domains, for lookalike
	// checks; nil means extract.DefaultOwnDomains. Rule tests always see the
	// defaults as well, so the built-in rules' own cases (written for
	// parliament.uk) pass whatever a site configures.
	OwnDomains []string
}

// Load compiles the built-in rules and the site rules in opts.Dirs and runs
// every rule's own tests; the first failure is returned as a *LoadError.
func Load(opts Options) (*Engine, error) {
	e, err := Compile(opts)
	if err != nil {
		return nil, err
	}
	for _, res := range e.RunTests() {
		if res.Err != nil {
			return nil, res.Err
		}
	}
	return e, nil
}

// Compile loads and compiles rules without running their tests.
func Compile(opts Options) (*Engine, error) {
	x := extract.New(nil, opts.OwnDomains)
	testX := extract.New(nil, append(append([]string{}, extract.DefaultOwnDomains...), opts.OwnDomains...))
	type source struct {
		name    string
		data    []byte
		builtin bool
	}
	var sources []source
	names, data, err := readDir(builtinFS, "builtin")
	if err != nil {
		return nil, fmt.Errorf("rules: read built-in rules: %w", err)
	}
	for _, n := range names {
		sources = append(sources, source{"builtin:" + strings.TrimPrefix(n, "builtin/"), data[n], true})
	}
	for _, dir := range opts.Dirs {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		var fsys fs.FS
		root := "."
		if st.IsDir() {
			fsys = os.DirFS(dir)
		} else {
			// A single rule file.
			fsys = os.DirFS(parentDir(dir))
			root = baseName(dir)
		}
		names, data, err := readDir(fsys, root)
		if err != nil {
			return nil, fmt.Errorf("rules: read %s: %w", dir, err)
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("rules: %s has no .yaml rule files", dir)
		}
		for _, n := range names {
			p := n
			if st.IsDir() {
				p = strings.TrimSuffix(dir, "/") + "/" + n
			} else {
				p = dir
			}
			sources = append(sources, source{p, data[n], false})
		}
	}

	e := &Engine{sigIndex: map[string]int{}, lex: newLexicon(), except: newLexicon(), extractor: x, testExtractor: testX}
	for _, s := range computedSignals {
		e.sigIndex[s.ID] = len(e.signals)
		e.signals = append(e.signals, s)
	}
	var files []*ruleFile
	var builtin []bool
	for _, s := range sources {
		f, err := parseFile(s.name, s.data)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		builtin = append(builtin, s.builtin)
	}
	for _, f := range files {
		for i := range f.Signals {
			s := &f.Signals[i]
			if !signalRE.MatchString(s.ID) {
				return nil, &LoadError{File: s.file, Line: s.line, Msg: fmt.Sprintf("signal id %q must be lower-case letters, digits and _", s.ID)}
			}
			if prev, dup := e.sigIndex[s.ID]; dup {
				p := e.signals[prev]
				return nil, &LoadError{File: s.file, Line: s.line, Msg: fmt.Sprintf("signal %q is already defined at %s:%d", s.ID, p.file, p.line)}
			}
			if len(s.Phrases) == 0 && len(s.Near) == 0 {
				return nil, &LoadError{File: s.file, Line: s.line, Msg: fmt.Sprintf("signal %q has neither phrases nor near", s.ID)}
			}
			if len(s.Phrases) > 0 && len(s.Near) > 0 {
				return nil, &LoadError{File: s.file, Line: s.line, Msg: fmt.Sprintf("signal %q has both phrases and near; a composite signal only combines others", s.ID)}
			}
			if s.Window <= 0 {
				s.Window = 30
			}
			idx := len(e.signals)
			e.sigIndex[s.ID] = idx
			e.signals = append(e.signals, s)
			for _, g := range s.Near {
				var group []int
				for _, id := range strings.Split(g, "|") {
					j, ok := e.sigIndex[strings.TrimSpace(id)]
					if !ok || j == idx {
						return nil, &LoadError{File: s.file, Line: s.line, Msg: fmt.Sprintf("signal %q: near: %q is not a signal defined before it", s.ID, id)}
					}
					group = append(group, j)
				}
				s.groups = append(s.groups, group)
			}
			if len(s.Near) == 1 {
				return nil, &LoadError{File: s.file, Line: s.line, Msg: fmt.Sprintf("signal %q: near needs at least two groups", s.ID)}
			}
			for _, ph := range s.Except {
				if !e.except.add(idx, ph) {
					return nil, &LoadError{File: s.file, Line: s.line, Msg: fmt.Sprintf("signal %q: except phrase %q has no words", s.ID, ph)}
				}
			}
			for _, ph := range s.Phrases {
				if strings.HasPrefix(strings.TrimSpace(ph), "*") {
					return nil, &LoadError{File: s.file, Line: s.line, Msg: fmt.Sprintf("signal %q: phrase %q may not start with *", s.ID, ph)}
				}
				if !e.lex.add(idx, ph) {
					return nil, &LoadError{File: s.file, Line: s.line, Msg: fmt.Sprintf("signal %q: phrase %q has no words", s.ID, ph)}
				}
			}
		}
	}
	e.env, err = newEnv()
	if err != nil {
		return nil, fmt.Errorf("rules: CEL environment: %w", err)
	}
	seen := map[string]*Rule{}
	for fi, f := range files {
		if opts.NoBuiltin && builtin[fi] {
			continue
		}
		for i := range f.Rules {
			r := &f.Rules[i]
			r.Builtin = builtin[fi]
			if err := r.check(); err != nil {
				return nil, err
			}
			if p, dup := seen[r.ID]; dup {
				return nil, &LoadError{File: r.File, Line: r.Line, Msg: fmt.Sprintf("rule %q is already defined at %s:%d", r.ID, p.File, p.Line)}
			}
			seen[r.ID] = r
			if err := e.compile(r); err != nil {
				return nil, err
			}
			e.rules = append(e.rules, r)
		}
	}
	return e, nil
}

func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i+1]
	}
	return "."
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Variables rules can read, with what they hold. Kept in one place so that
// `rules list --vars` and docs/rules.md agree with the engine.
var Variables = []struct{ Name, Type, Doc string }{
	{"signal", "map(string, bool)", "signal.<id> is true when any phrase of that signal occurs in the sender's text or profile"},
	{"first", "map(string, bool)", "signals in the sender's first message only"},
	{"later", "map(string, bool)", "signals in the sender's later messages only (escalation across a thread)"},
	{"approach", "map", "platform, kind, input_kind, messages, sender_messages, recipient_replied"},
	{"sender", "map", "name, headline, company, location, profile_url, email, phone, connections?, account_age_days?, experience_count, history_months?, senior_title, headline_company_mismatch"},
	{"recipient", "map", "name, role, organization"},
	{"email", "map", "present, from, from_domain, from_name, reply_to, reply_to_domain, return_path_domain, spf, dkim, dmarc, auth_fail, list, html_only, forwarded, from_freemail, reply_to_freemail, reply_to_mismatch, return_path_mismatch, display_name_address, display_brand, from_lookalike, from_own_domain, claims_own, remote_images"},
	{"urls", "list(map)", "url, host, domain, field, defanged, shortener, file_sharing, lookalike, ip_host, punycode, text_domain"},
	{"emails", "list(map)", "address, domain, field, freemail, privacy"},
	{"handles", "list(map)", "platform, value, field"},
	{"phones", "list(map)", "value, field"},
	{"attachments", "list(map)", "name, ext, type, size, sha256, executable, macro, archive, encrypted, double_extension, type_mismatch"},
	{"indicators", "list(map)", "type, value, field"},
	{"text", "string", "all of the sender's text, lower-cased"},
}

func newEnv() (*cel.Env, error) {
	boolMap := cel.MapType(cel.StringType, cel.BoolType)
	dynMap := cel.MapType(cel.StringType, cel.DynType)
	list := cel.ListType(dynMap)
	return cel.NewEnv(
		cel.Variable("signal", boolMap),
		cel.Variable("first", boolMap),
		cel.Variable("later", boolMap),
		cel.Variable("approach", dynMap),
		cel.Variable("sender", dynMap),
		cel.Variable("recipient", dynMap),
		cel.Variable("email", dynMap),
		cel.Variable("urls", list),
		cel.Variable("emails", list),
		cel.Variable("handles", list),
		cel.Variable("phones", list),
		cel.Variable("attachments", list),
		cel.Variable("indicators", list),
		cel.Variable("text", cel.StringType),
		ext.Strings(),
	)
}

// program is the compiled condition.
type program = cel.Program

// ref is a feature a condition reads: a variable and, for maps, a key.
type ref struct {
	v, key string
}

func (e *Engine) compile(r *Rule) error {
	bad := func(format string, a ...any) error {
		return &LoadError{File: r.File, Line: r.condLine, Msg: fmt.Sprintf("rule %q: ", r.ID) + fmt.Sprintf(format, a...)}
	}
	checked, iss := e.env.Compile(r.Condition)
	if iss != nil && iss.Err() != nil {
		return bad("condition does not compile:\n%s", iss.Err())
	}
	if ot := checked.OutputType(); ot != types.BoolType && ot != types.DynType {
		return bad("condition must be true or false, not %s", checked.OutputType())
	}
	refs, inner := collectRefs(checked.NativeRep().Expr())
	for _, rf := range refs {
		if (rf.v == "signal" || rf.v == "first" || rf.v == "later") && rf.key != "" {
			if _, ok := e.sigIndex[rf.key]; !ok {
				return bad("unknown signal %q in %s.%s (known: %s)", rf.key, rf.v, rf.key, e.signalList())
			}
		}
	}
	for k := range inner {
		refs = append(refs, ref{v: "*", key: k})
	}
	r.refs = refs
	prg, err := e.env.Program(checked, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return bad("condition: %v", err)
	}
	r.prog = prg
	return nil
}

func (e *Engine) signalList() string {
	ids := make([]string, 0, len(e.signals))
	for _, s := range e.signals {
		ids = append(ids, s.ID)
	}
	sort.Strings(ids)
	if len(ids) > 12 {
		return strings.Join(ids[:12], ", ") + ", … (portcullis rules signals)"
	}
	return strings.Join(ids, ", ")
}

var topVars = map[string]bool{"signal": true, "first": true, "later": true, "approach": true, "sender": true,
	"recipient": true, "email": true, "urls": true, "emails": true, "handles": true, "phones": true,
	"attachments": true, "indicators": true, "text": true}

// collectRefs lists the variables and map keys an expression reads, and the
// field names it reads from list elements (inside comprehensions).
func collectRefs(expr ast.Expr) ([]ref, map[string]bool) {
	var refs []ref
	inner := map[string]bool{}
	seen := map[ref]bool{}
	addRef := func(r ref) {
		if !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	ast.PreOrderVisit(expr, ast.NewExprVisitor(func(e ast.Expr) {
		switch e.Kind() {
		case ast.SelectKind:
			s := e.AsSelect()
			if op := s.Operand(); op.Kind() == ast.IdentKind && topVars[op.AsIdent()] {
				addRef(ref{op.AsIdent(), s.FieldName()})
			} else {
				inner[s.FieldName()] = true
			}
		case ast.CallKind:
			c := e.AsCall()
			if c.FunctionName() == operators.Index && len(c.Args()) == 2 {
				op, k := c.Args()[0], c.Args()[1]
				if op.Kind() == ast.IdentKind && topVars[op.AsIdent()] && k.Kind() == ast.LiteralKind {
					if s, ok := k.AsLiteral().Value().(string); ok {
						addRef(ref{op.AsIdent(), s})
					}
				}
			}
		case ast.IdentKind:
			if n := e.AsIdent(); topVars[n] {
				addRef(ref{n, ""})
			}
		}
	}))
	return refs, inner
}

// Rules returns the loaded rules in load order.
func (e *Engine) Rules() []*Rule { return e.rules }

// Signals returns the loaded signals.
func (e *Engine) Signals() []*Signal { return e.signals }

// Extractor returns the extractor analysis uses with this engine.
func (e *Engine) Extractor() *extract.Extractor { return e.extractor }

var errNotBool = errors.New("condition did not give true or false")

// AttackVersion is the MITRE ATT&CK release that rules' technique ids refer to.
const AttackVersion = "18"
