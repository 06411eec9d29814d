package stix

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParsePatternValid(t *testing.T) {
	tests := []struct {
		in, want string // want is the normal form String renders
	}{
		{`[email-addr:value = 'a@b.com']`, `[email-addr:value = 'a@b.com']`},
		{`[domain-name:value == 'x.com']`, `[domain-name:value = 'x.com']`},
		{`[file:hashes.'SHA-256' = 'e3b0']`, `[file:hashes.'SHA-256' = 'e3b0']`},
		{`[file:hashes.MD5 = 'abc']`, `[file:hashes.MD5 = 'abc']`},
		{`[email-message:to_refs[*].value = 'a@b']`, `[email-message:to_refs[*].value = 'a@b']`},
		{`[x-custom-:list[0].name != 'a']`, `[x-custom-:list[0].name != 'a']`},
		{`[a:b[-1] <> 'x']`, `[a:b[-1] != 'x']`},
		{`[a:b = 'it\'s' AND a:c = 'back\\slash']`, `[a:b = 'it\'s' AND a:c = 'back\\slash']`},
		{`[user-account:account_type = 'linkedin' AND user-account:account_login = 'amanda-qiu']`,
			`[user-account:account_type = 'linkedin' AND user-account:account_login = 'amanda-qiu']`},
		{`[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]`, `[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]`},
		{`[a:b IN ()]`, `[a:b IN ()]`},
		{`[a:b IN (1,2.5,true)]`, `[a:b IN (1, 2.5, true)]`},
		{`[domain-name:value LIKE '%.evil.com'] OR [url:value MATCHES '^https?://x\\.']`,
			`[domain-name:value LIKE '%.evil.com'] OR [url:value MATCHES '^https?://x\\.']`},
		{`[a:b = 1] AND ([a:c = -2.5] OR [a:d = true])`, `[a:b = 1] AND ([a:c = -2.5] OR [a:d = true])`},
		{`[a:b = 'x' OR a:c = 'y' AND a:d = 'z']`, `[a:b = 'x' OR (a:c = 'y' AND a:d = 'z')]`},
		{`[(a:b = 'x' OR a:c = 'y') AND a:d = 'z']`, `[(a:b = 'x' OR a:c = 'y') AND a:d = 'z']`},
		{`[a:b > 5] FOLLOWEDBY [a:c <= 6] WITHIN 300 SECONDS`, `[a:b > 5] FOLLOWEDBY [a:c <= 6] WITHIN 300 SECONDS`},
		{`[a:b = 'x'] WITHIN 2.5 SECONDS`, `[a:b = 'x'] WITHIN 2.5 SECONDS`},
		{`([a:b = 'x'] REPEATS 5 TIMES) START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`,
			`[a:b = 'x'] REPEATS 5 TIMES START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`},
		{`[a:b = h'dEaD'] OR [a:c = b'AAEC'] OR [a:d = t'2020-01-01T00:00:00.123Z']`,
			`[a:b = h'dead'] OR [a:c = b'AAEC'] OR [a:d = t'2020-01-01T00:00:00.123Z']`},
		{`[a:b = h'']`, `[a:b = h'']`},
		{`[a:b NOT = 'x']`, `[a:b NOT = 'x']`},
		{`[a:b NOT IN ('x')]`, `[a:b NOT IN ('x')]`},
		{`[ipv4-addr:value ISSUBSET '198.51.100.0/24' OR a:b ISSUPERSET 'y']`, `[ipv4-addr:value ISSUBSET '198.51.100.0/24' OR a:b ISSUPERSET 'y']`},
		{`[EXISTS a:b]`, `[EXISTS a:b]`},
		{"/* lead */ [a:b = 'x'] // trail", `[a:b = 'x']`},
		{"[a:b\u3000=\u00a0'x']\n", `[a:b = 'x']`},
		{`[a:'quoted key'.x = +5]`, `[a:'quoted key'.x = 5]`},
		{`[a:b = .5]`, `[a:b = 0.5]`},
		{`[a:'AND' = 'x']`, `[a:'AND' = 'x']`},
		{`[a:b = 'multi
line']`, "[a:b = 'multi\nline']"},
		{`[a:b = 'ünï 中文']`, `[a:b = 'ünï 中文']`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePattern(tt.in)
			if err != nil {
				t.Fatalf("ParsePattern(%q) = %v", tt.in, err)
			}
			if got := p.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			p2, err := ParsePattern(p.String())
			if err != nil {
				t.Fatalf("ParsePattern(String()) = %v", err)
			}
			if p2.String() != p.String() {
				t.Errorf("re-parse gives %q, want %q", p2.String(), p.String())
			}
		})
	}
}

func TestParsePatternInvalid(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`[domain-name:value = 'x'`, `pattern: column 25: expected ']'`},
		{`[email-addr:value = 'x']]`, `pattern: column 25: unexpected ']'`},
		{`email-addr:value = 'x'`, `pattern: column 1: expected '[' or '(' to start an observation, found name "email-addr"`},
		{``, `pattern: column 1: expected '[' or '(' to start an observation, found end of pattern`},
		{`[a:b = 'x\n']`, `pattern: column 10: invalid escape '\n' in string (only \' and \\ are allowed)`},
		{`[a:b = 'open]`, `pattern: column 8: unterminated string`},
		{`[a:b = 'x' and a:c = 'y']`, `pattern: column 12: expected ']' (keywords are upper case: AND)`},
		{`[a:b-c = 'x']`, `pattern: column 4: property names cannot contain '-': quote it, 'b-c'`},
		{`[a:b = 007]`, `pattern: column 8: invalid number 007: leading zero`},
		{`[a:b = 99999999999999999999]`, `pattern: column 8: number 99999999999999999999 is out of range`},
		{`[a:b = t'2020-13-01T00:00:00Z']`, `pattern: column 8: invalid timestamp t'2020-13-01T00:00:00Z': want t'YYYY-MM-DDTHH:MM:SS[.s]Z'`},
		{`[a:b = t'2021-02-30T00:00:00Z']`, `pattern: column 8: invalid timestamp t'2021-02-30T00:00:00Z'`},
		{`[a:b = h'abc']`, `pattern: column 8: invalid hex literal h'abc'`},
		{`[a:b = b'AAE']`, `pattern: column 8: invalid binary literal b'AAE': want padded base64`},
		{`[a:b > true]`, `pattern: column 8: booleans cannot be ordered`},
		{`[a:b LIKE 5]`, `pattern: column 11: expected a string after LIKE`},
		{`[a:b]`, `pattern: column 5: expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET), found ']'`},
		{`[a:b = ]`, `pattern: column 8: expected a value (a 'string', number, true, false, t'...', h'...' or b'...'), found ']'`},
		{`[a = 'x']`, `pattern: column 4: expected ':' after the object type`},
		{`[a:b = 'x'] WITHIN 0 SECONDS`, `pattern: column 20: expected a positive number of seconds after WITHIN`},
		{`[a:b = 'x'] WITHIN 5 MINUTES`, `pattern: column 22: expected SECONDS`},
		{`[a:b = 'x'] REPEATS 2.5 TIMES`, `pattern: column 21: expected a positive whole number after REPEATS`},
		{`[a:b = 'x'] START '2020' STOP '2021'`, `pattern: column 19: expected a timestamp t'...' after START`},
		{`[a:b IN ('x' 'y')]`, `pattern: column 14: expected ',' or ')' in the set`},
		{`[a:b IN 'x']`, `pattern: column 9: expected '(' to start the set after IN`},
		{`[a:b ~ 'x']`, `pattern: column 6: unexpected character '~'`},
		{`[a:b ! 'x']`, `pattern: column 6: unexpected '!' (did you mean '!='?)`},
		{`[a:b[x] = 1]`, `pattern: column 6: expected a list index or '*', found name "x"`},
		{`[a:b. = 1]`, `pattern: column 7: expected a property name after '.', found '='`},
		{`[a:b = 'x'] /* open`, `pattern: column 13: unterminated comment`},
		{"[a:b = '\xff']", `pattern: column 9: invalid UTF-8`},
		{`[a:b = 'x'] AND`, `pattern: column 16: expected '[' or '(' to start an observation, found end of pattern`},
		{`([a:b = 'x']`, `pattern: column 13: expected ')'`},
		{`[中:b = 1]`, `pattern: column 2: unexpected character '中'`},
		{strings.Repeat("(", 150) + "[a:b = 1]" + strings.Repeat(")", 150), `pattern: column 101: nested more than 100 deep`},
		{"[" + strings.Repeat("(", 150) + "a:b = 1" + strings.Repeat(")", 150) + "]", `pattern: column 101: nested more than 100 deep`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePattern(tt.in)
			if err == nil {
				t.Fatalf("ParsePattern(%q) = %s, want error %q", tt.in, p, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParsePattern(%q) error\n got %s\nwant %s", tt.in, err, tt.want)
			}
			var pe *PatternError
			if !errors.As(err, &pe) {
				t.Errorf("error is %T, want *PatternError", err)
			}
		})
	}
}

func TestParsePatternTooLong(t *testing.T) {
	_, err := ParsePattern("[a:b = '" + strings.Repeat("x", maxPatternBytes) + "']")
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("ParsePattern(huge) = %v, want a length error", err)
	}
}

func TestPatternUnsupported(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`[email-addr:value = 'a@b.c'] OR [a:b IN ('x')] OR [a:c LIKE 'x%'] OR [a:d NOT MATCHES 'y']`, []string{}},
		{`[a:b > 5] FOLLOWEDBY [a:c = 1] WITHIN 5 SECONDS`, []string{"FOLLOWEDBY", "WITHIN qualifier", "operator >"}},
		{`[a:b != 1] REPEATS 2 TIMES START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'`,
			[]string{"REPEATS qualifier", "START/STOP qualifier", "operator !="}},
		{`[EXISTS a:b AND a:c ISSUBSET 'x']`, []string{"operator EXISTS", "operator ISSUBSET"}},
	}
	for _, tt := range tests {
		p, err := ParsePattern(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Unsupported(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Unsupported(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestObservationMatch(t *testing.T) {
	email := map[string]any{"type": "email-addr", "value": "amanda@bryr.example"}
	domain := map[string]any{"type": "domain-name", "value": "mail.evil.example"}
	file := map[string]any{"type": "file", "hashes": map[string]any{"SHA-256": "ab12"}, "size": float64(42)}
	list := map[string]any{"type": "x-list", "items": []any{"a", "b"}, "flag": true}
	tests := []struct {
		pattern string
		obj     map[string]any
		want    bool
	}{
		{`[email-addr:value = 'amanda@bryr.example']`, email, true},
		{`[email-addr:value = 'other@bryr.example']`, email, false},
		{`[email-addr:value = 'amanda@bryr.example']`, domain, false}, // another type
		{`[email-addr:value NOT = 'other@bryr.example']`, email, true},
		{`[email-addr:value IN ('x@y.z', 'amanda@bryr.example')]`, email, true},
		{`[email-addr:value NOT IN ('x@y.z', 'amanda@bryr.example')]`, email, false},
		{`[domain-name:value LIKE '%.evil.example']`, domain, true},
		{`[domain-name:value LIKE '%.EVIL.example']`, domain, false},
		{`[domain-name:value LIKE 'mai_.evil.example']`, domain, true},
		{`[domain-name:value LIKE 'ma_.evil.example']`, domain, false},
		{`[domain-name:value LIKE 'mail.evil.exampl']`, domain, false},
		{`[domain-name:value LIKE 'mail.(evil).example']`, map[string]any{"type": "domain-name", "value": "mail.(evil).example"}, true},
		{`[domain-name:value MATCHES 'evil\\.']`, domain, true}, // unanchored, as PCRE search
		{`[domain-name:value MATCHES '^evil']`, domain, false},
		{`[file:hashes.'SHA-256' = 'ab12']`, file, true},
		{`[file:hashes.MD5 = 'ab12']`, file, false},
		{`[file:size = 42]`, file, true},
		{`[file:size IN (41, 42.0)]`, file, true},
		{`[x-list:items[*] = 'b']`, list, true},
		{`[x-list:items[1] = 'b']`, list, true},
		{`[x-list:items[0] = 'b']`, list, false},
		{`[x-list:items[7] = 'b']`, list, false},
		{`[x-list:flag = true]`, list, true},
		{`[x-list:flag = 'true']`, list, false},
		{`[email-addr:value = 'x' OR email-addr:value LIKE 'amanda@%']`, email, true},
		{`[email-addr:value LIKE 'amanda@%' AND email-addr:value LIKE '%.example']`, email, true},
		{`[email-addr:value LIKE 'amanda@%' AND email-addr:value LIKE '%.org']`, email, false},
	}
	for _, tt := range tests {
		p, err := ParsePattern(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Root.(*Observation).Match(tt.obj)
		if err != nil {
			t.Errorf("Match(%s) error %v", tt.pattern, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s on %v = %v, want %v", tt.pattern, tt.obj, got, tt.want)
		}
	}
}

func TestComparisonTestUnsupported(t *testing.T) {
	for _, pat := range []string{`[file:size > 5]`, `[file:size != 5]`, `[ipv4-addr:value ISSUBSET '10.0.0.0/8']`, `[EXISTS file:size]`} {
		p, err := ParsePattern(pat)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Root.(*Observation).Match(map[string]any{"type": "file", "size": float64(9)})
		if pat == `[ipv4-addr:value ISSUBSET '10.0.0.0/8']` {
			continue // another object type: false before the operator matters
		}
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: error %v, want ErrUnsupported", pat, err)
		}
	}
	p, _ := ParsePattern(`[a:b MATCHES '(?<=x)y']`)
	if _, err := p.Root.(*Observation).Match(map[string]any{"type": "a", "b": "xy"}); err == nil {
		t.Error("a PCRE look-behind compiled under RE2; want an error")
	}
}
