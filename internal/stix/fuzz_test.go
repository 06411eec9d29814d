package stix

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"portcullis/internal/intel"
)

// FuzzParsePattern checks that the parser never panics, that its errors
// name a column inside the pattern, and that what it parses renders to a
// normal form it reads back to the same thing.
func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{
		`[email-addr:value = 'a@b.com']`,
		`[file:hashes.'SHA-256' = 'e3b0'] OR [ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]`,
		`[user-account:account_type = 'linkedin' AND user-account:account_login = 'x\'y\\z']`,
		`[a:b > 5] FOLLOWEDBY [a:c <= 6.5] WITHIN 300 SECONDS REPEATS 2 TIMES`,
		`([a:b = 'x']) START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.5Z'`,
		`[a:b[*].c[-1] NOT LIKE '%x_'] AND [a:d MATCHES '^x$' OR EXISTS a:e]`,
		`[a:b = h'dead' OR a:c = b'AAEC' OR a:d = true OR a:e = -.5]`,
		`/* c */ [a:b ISSUBSET '10.0.0.0/8'] // x`,
		`[a:b = 'x'`, `[a:b = 'x\n']`, `[a:b = 007]`, `[[`, `(((`, "[a:b = '\xff']", `t'`, `[a:b = 1e5]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			var pe *PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *PatternError", err, err)
			}
			if pe.Column < 1 || pe.Column > utf8.RuneCountInString(s)+1 {
				t.Fatalf("error column %d outside a pattern of %d characters", pe.Column, utf8.RuneCountInString(s))
			}
			return
		}
		out := p.String()
		p2, err := ParsePattern(out)
		if err != nil {
			t.Fatalf("ParsePattern(%q) renders %q, which does not parse: %v", s, out, err)
		}
		if out2 := p2.String(); out2 != out {
			t.Fatalf("ParsePattern(%q) renders %q, which renders %q", s, out, out2)
		}
		p.Unsupported()
		if obs, ok := p.Root.(*Observation); ok {
			obs.Match(map[string]any{"type": "a", "b": "x", "c": []any{"y"}})
		}
	})
}

// FuzzImport checks that Import never panics on hostile documents and that
// whatever it imports is a valid watchlist entry that exports again.
func FuzzImport(f *testing.F) {
	// Small seeds: the fuzzer minimises large interesting inputs slowly.
	seed, err := Export(append(intel.Seed()[:2], testEntries()[:6]...), now)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	if b, err := os.ReadFile(filepath.Join("testdata", "partner-bundle.json")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		`{"type":"indicator","id":"indicator--1","pattern":"[domain-name:value = 'x.example']"}`,
		`[{"type":"threat-actor","id":"threat-actor--1","name":"A B","aliases":["C"]},{"type":"identity","id":"identity--2","name":"Org","identity_class":"organization"},{"type":"relationship","id":"relationship--3","relationship_type":"related-to","source_ref":"threat-actor--1","target_ref":"identity--2"}]`,
		`{"type":"bundle","objects":[{"type":"user-account","id":"user-account--1","account_type":"phone","account_login":"+44 20 7946 0000"},{"type":"file","id":"file--1","hashes":{"sha256":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}}]}`,
		`{"type":"bundle","objects":[1,null,"x",[],{}]}`,
		`[{"type":"indicator","id":"i","pattern":"[url:value = 'https://uk.linkedin.com/in/x'] OR [ipv6-addr:value = '::1/128']","confidence":1e308,"valid_until":"2000-01-01T00:00:00Z"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		es, rep, err := ImportWith(data, ImportOptions{Now: now})
		if err != nil {
			return
		}
		checkEntries(t, es)
		if rep.Objects < len(rep.Skipped) {
			t.Fatalf("%d objects read, %d skipped", rep.Objects, len(rep.Skipped))
		}
		if _, err := ExportWith(es, now, ExportOptions{IncludeExpired: true}); err != nil {
			t.Fatalf("imported entries do not export: %v", err)
		}
	})
}
