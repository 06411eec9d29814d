package rules

import (
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Severities in increasing order.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// Signal is a named lexicon: phrases whose presence in the approach's text
// a rule can test as signal.<id>.
type Signal struct {
	ID          string   `yaml:"id"`
	Description string   `yaml:"description"`
	Fields      []string `yaml:"fields"`
	Phrases     []string `yaml:"phrases"`
	// Except lists phrases that cancel a hit found near them (within
	// Window words): "confidential" next to "intended recipient" is a
	// mail disclaimer, not a request for secrecy.
	Except []string `yaml:"except"`
	// Near makes a composite signal: it fires where each listed group
	// ("a|b" means a or b) has a hit within Window words of the first
	// group's hit, in the same field.
	Near   []string `yaml:"near"`
	Window int      `yaml:"window"`

	groups [][]int // Near, resolved to signal indexes

	file string
	line int
}

// Rule is one detection rule: a CEL condition over the approach's features
// with its explanation, weight and own tests.
type Rule struct {
	ID          string   `yaml:"id" json:"id"`
	Title       string   `yaml:"title" json:"title"`
	Description string   `yaml:"description" json:"description"`
	Severity    string   `yaml:"severity" json:"severity"`
	Weight      int      `yaml:"weight" json:"weight"`
	Attack      []string `yaml:"attack" json:"attack"`
	References  []string `yaml:"references" json:"references,omitempty"`
	Tags        []string `yaml:"tags" json:"tags,omitempty"`
	Condition   string   `yaml:"condition" json:"condition"`
	Tests       Tests    `yaml:"tests" json:"-"`

	File string `yaml:"-" json:"file"`
	Line int    `yaml:"-" json:"line"`
	// Builtin is true for rules embedded in the binary.
	Builtin bool `yaml:"-" json:"builtin"`

	condLine int
	prog     program
	refs     []ref
}

// Tests are a rule's own cases: inputs that must make it fire and inputs
// that must not.
type Tests struct {
	Fire  []TestCase `yaml:"fire"`
	Quiet []TestCase `yaml:"quiet"`
}

// TestCase is a small input: text (pasted), eml (raw mail), or the fields
// of an approach document written inline.
type TestCase struct {
	Name string
	Text string
	EML  string
	Doc  map[string]any
	Line int
}

// UnmarshalYAML reads a test case and remembers its line.
func (t *TestCase) UnmarshalYAML(n *yaml.Node) error {
	t.Line = n.Line
	if n.Kind == yaml.ScalarNode {
		t.Text = n.Value
		return nil
	}
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return err
	}
	if v, ok := m["name"].(string); ok {
		t.Name = v
		delete(m, "name")
	}
	if v, ok := m["text"].(string); ok {
		t.Text = v
		delete(m, "text")
	}
	if v, ok := m["eml"].(string); ok {
		t.EML = v
		delete(m, "eml")
	}
	if len(m) > 0 {
		if t.Text != "" || t.EML != "" {
			return fmt.Errorf("a test case has text, eml or approach fields, not several")
		}
		t.Doc = m
	}
	if t.Text == "" && t.EML == "" && t.Doc == nil {
		return fmt.Errorf("empty test case")
	}
	return nil
}

type ruleFile struct {
	Signals []Signal `yaml:"signals"`
	Rules   []Rule   `yaml:"rules"`
}

// LoadError says which rule file and line is wrong and why.
type LoadError struct {
	File string
	Line int
	Msg  string
}

func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

var (
	idRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{1,62}$`)
	signalRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,62}$`)
	attackRE = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
)

// parseFile reads one rule file, keeping line numbers for errors.
func parseFile(name string, data []byte) (*ruleFile, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, yamlError(name, err)
	}
	if len(doc.Content) == 0 {
		return &ruleFile{}, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &LoadError{File: name, Line: root.Line, Msg: "a rule file is a mapping with signals: and rules: lists"}
	}
	f := &ruleFile{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "signals":
			if v.Kind != yaml.SequenceNode {
				return nil, &LoadError{File: name, Line: v.Line, Msg: "signals: must be a list"}
			}
			for _, n := range v.Content {
				var s Signal
				if err := decodeStrict(n, &s); err != nil {
					return nil, &LoadError{File: name, Line: n.Line, Msg: "signal: " + err.Error()}
				}
				s.file, s.line = name, n.Line
				f.Signals = append(f.Signals, s)
			}
		case "rules":
			if v.Kind != yaml.SequenceNode {
				return nil, &LoadError{File: name, Line: v.Line, Msg: "rules: must be a list"}
			}
			for _, n := range v.Content {
				var r Rule
				if err := decodeStrict(n, &r); err != nil {
					return nil, &LoadError{File: name, Line: n.Line, Msg: "rule: " + err.Error()}
				}
				r.File, r.Line = name, n.Line
				r.condLine = n.Line
				for j := 0; j+1 < len(n.Content); j += 2 {
					if n.Content[j].Value == "condition" {
						r.condLine = n.Content[j+1].Line
					}
				}
				f.Rules = append(f.Rules, r)
			}
		default:
			return nil, &LoadError{File: name, Line: k.Line, Msg: fmt.Sprintf("unknown key %q; a rule file has signals: and rules:", k.Value)}
		}
	}
	return f, nil
}

// decodeStrict decodes a node, rejecting unknown keys.
func decodeStrict(n *yaml.Node, v any) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("want a mapping")
	}
	known := map[string]bool{}
	switch v.(type) {
	case *Signal:
		for _, k := range []string{"id", "description", "fields", "phrases", "except", "near", "window"} {
			known[k] = true
		}
	case *Rule:
		for _, k := range []string{"id", "title", "description", "severity", "weight", "attack", "references", "tags", "condition", "tests"} {
			known[k] = true
		}
	}
	for i := 0; i < len(n.Content); i += 2 {
		if !known[n.Content[i].Value] {
			keys := make([]string, 0, len(known))
			for k := range known {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return fmt.Errorf("line %d: unknown key %q (known: %s)", n.Content[i].Line, n.Content[i].Value, strings.Join(keys, ", "))
		}
	}
	return n.Decode(v)
}

func yamlError(name string, err error) error {
	msg := err.Error()
	line := 0
	var l int
	if _, e := fmt.Sscanf(strings.TrimPrefix(msg, "yaml: "), "line %d:", &l); e == nil {
		line = l
		if _, rest, ok := strings.Cut(msg, fmt.Sprintf("line %d: ", l)); ok {
			msg = rest
		}
	}
	return &LoadError{File: name, Line: line, Msg: "YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// check validates a rule's metadata.
func (r *Rule) check() error {
	bad := func(format string, a ...any) error {
		return &LoadError{File: r.File, Line: r.Line, Msg: fmt.Sprintf("rule %q: ", r.ID) + fmt.Sprintf(format, a...)}
	}
	if !idRE.MatchString(r.ID) {
		return &LoadError{File: r.File, Line: r.Line, Msg: fmt.Sprintf("rule id %q must be lower-case letters, digits, '-', '_' or '.'", r.ID)}
	}
	if strings.TrimSpace(r.Title) == "" {
		return bad("title is required")
	}
	if strings.TrimSpace(r.Description) == "" {
		return bad("description is required: explain in plain English what this means for the recipient")
	}
	if !oneOf(r.Severity, Severities) {
		return bad("severity %q is not one of %s", r.Severity, strings.Join(Severities, ", "))
	}
	if r.Weight < 0 || r.Weight > 100 {
		return bad("weight %d is not between 0 and 100", r.Weight)
	}
	for _, a := range r.Attack {
		if !attackRE.MatchString(a) {
			return bad("ATT&CK id %q is not a technique id such as T1566 or T1566.003", a)
		}
	}
	if strings.TrimSpace(r.Condition) == "" {
		return bad("condition is required")
	}
	if len(r.Tests.Fire) == 0 {
		return bad("tests: at least one 'fire' case is required, so the rule is proven to work")
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if v == s {
			return true
		}
	}
	return false
}

// readDir reads every .yaml/.yml file below dir in fsys, in name order.
func readDir(fsys fs.FS, dir string) ([]string, map[string][]byte, error) {
	var names []string
	data := map[string][]byte{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		names = append(names, p)
		data[p] = b
		return nil
	})
	sort.Strings(names)
	return names, data, err
}
