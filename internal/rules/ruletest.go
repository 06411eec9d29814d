package rules

import (
	"encoding/json"
	"fmt"
	"strings"

	"portcullis/internal/approach"
	"portcullis/internal/message"
)

// TestResult is the outcome of one rule's own tests.
type TestResult struct {
	Rule   *Rule
	Passed int
	// Err is nil when every case passed; otherwise a *LoadError naming the
	// first failing case's file and line.
	Err error
}

// RunTests runs every rule's fire and quiet cases.
func (e *Engine) RunTests() []TestResult {
	out := make([]TestResult, 0, len(e.rules))
	for _, r := range e.rules {
		out = append(out, e.testRule(r))
	}
	return out
}

func (e *Engine) testRule(r *Rule) TestResult {
	res := TestResult{Rule: r}
	// Test cases run with the test extractor throughout.
	te := *e
	te.extractor = e.testExtractor
	e = &te
	run := func(tc TestCase, want bool) error {
		p, err := tc.parse()
		if err != nil {
			return &LoadError{File: r.File, Line: tc.Line, Msg: fmt.Sprintf("rule %q: test case is not valid input: %v", r.ID, err)}
		}
		f := e.features(p, e.extractor.Extract(p))
		got, err := e.fires(r, f)
		if err != nil {
			return &LoadError{File: r.File, Line: tc.Line, Msg: fmt.Sprintf("rule %q: test case: condition failed to evaluate: %v", r.ID, err)}
		}
		if got != want {
			verb := "should fire but did not"
			if !want {
				verb = "should not fire but did"
			}
			name := tc.Name
			if name == "" {
				name = firstLine(tc.Text + tc.EML)
			}
			return &LoadError{File: r.File, Line: tc.Line, Msg: fmt.Sprintf("rule %q failed its own test: %s: %q", r.ID, verb, name)}
		}
		return nil
	}
	for _, tc := range r.Tests.Fire {
		if err := run(tc, true); err != nil {
			res.Err = err
			return res
		}
		res.Passed++
	}
	for _, tc := range r.Tests.Quiet {
		if err := run(tc, false); err != nil {
			res.Err = err
			return res
		}
		res.Passed++
	}
	return res
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 70 {
		s = s[:70] + "…"
	}
	return s
}

// parse turns a test case into a parsed input, exactly as analyze would.
func (tc TestCase) parse() (*message.Parsed, error) {
	switch {
	case tc.EML != "":
		return message.Parse(strings.NewReader(tc.EML), message.Limits{})
	case tc.Text != "":
		return message.Parse(strings.NewReader(tc.Text), message.Limits{})
	}
	doc := make(map[string]any, len(tc.Doc)+1)
	for k, v := range tc.Doc {
		doc[k] = v
	}
	if _, ok := doc["format"]; !ok {
		doc["format"] = approach.Format
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	a, err := approach.DecodeBytes(b)
	if err != nil {
		return nil, err
	}
	return &message.Parsed{Kind: message.KindApproach, Approach: a}, nil
}
