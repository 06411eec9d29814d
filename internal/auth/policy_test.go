package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckPasswordPolicy(t *testing.T) {
	user := []string{"jane.smith84@parliament.example", "Jane Smith", "jane.smith84"}
	for _, tc := range []struct {
		name   string
		pw     string
		inputs []string
		want   string // a substring of the error; "" for none
	}{
		{"passphrase", "orbit kettle marmalade", user, ""},
		{"random", "x9$Lq2!vPz7#", user, ""},
		{"exactly 12", "gf7Rk2Pq9mWz", nil, ""},
		{"unicode 12 runes", "čšžćđčšžćđab", nil, ""},
		{"max bytes", strings.Repeat("abc", 85) + "d", nil, ""},
		{"empty", "", nil, "at least 12 characters"},
		{"11", "gf7Rk2Pq9mW", nil, "at least 12 characters"},
		{"11 runes 22 bytes", "čšžćđčšžćđa", nil, "at least 12 characters"},
		{"257 bytes", strings.Repeat("abcd", 64) + "e", nil, "at most 256"},
		{"invalid UTF-8", "abcdefghijk\xff\xfe", nil, "cannot be read"},
		{"email", "jane.smith84@parliament.example", user, "name or email"},
		{"email upper case", "JANE.SMITH84@PARLIAMENT.EXAMPLE", user[:1], "name or email"},
		{"local part", "Jane.Smith84", user[:1], "name or email"},
		{"local part from email only", "jane.smith84", []string{"jane.smith84@parliament.example"}, "name or email"},
		{"name with digits", "JaneSmith2025!", user[1:2], "name or email"},
		{"name with spaces", "jane smith 1234", user[1:2], "name or email"},
		{"surname with digits", "Smith1234567", user[1:2], "name or email"},
		{"not personal", "jane went to the market", user, ""},
		{"empty inputs ignored", "orbit kettle marmalade", []string{"", "  "}, ""},
		{"common", "password1234", nil, "too common"},
		{"common stem", "Password2024!", nil, "too common"},
		{"common stem with separators", "pass-word 2024", nil, "too common"},
		{"common keyboard", "qwertyuiop12", nil, "too common"},
		{"common keyboard upper", "QWERTYUIOP12", nil, "too common"},
		{"common digits", "123456789012", nil, "too common"},
		{"parliament", "parliament123", nil, "too common"},
		{"xkcd", "correct horse battery staple", nil, "too common"},
		{"season", "Summer2025!!", nil, "too common"},
		{"one character", "aaaaaaaaaaaa", nil, "repeats"},
		{"two characters", "abababababab", nil, "repeats"},
		{"emoji repeated", strings.Repeat("🔑", 12), nil, "repeats"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPasswordPolicy(tc.pw, tc.inputs...)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("CheckPasswordPolicy(%q) = %v, want nil", tc.pw, err)
			case tc.want != "" && err == nil:
				t.Errorf("CheckPasswordPolicy(%q) = nil, want an error containing %q", tc.pw, tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("CheckPasswordPolicy(%q) = %v, want an error containing %q", tc.pw, err, tc.want)
			case err != nil && !errors.Is(err, ErrWeakPassword):
				t.Errorf("CheckPasswordPolicy(%q) error %v does not wrap ErrWeakPassword", tc.pw, err)
			}
		})
	}
}

// TestCommonPasswordsList checks the embedded list: lower case, no
// duplicates, and whole passwords long enough to need listing.
func TestCommonPasswordsList(t *testing.T) {
	seen := map[string]bool{}
	n := 0
	for line := range strings.Lines(commonPasswords) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		if line != strings.ToLower(line) {
			t.Errorf("%q is not in lower case", line)
		}
		if seen[line] {
			t.Errorf("%q is listed twice", line)
		}
		seen[line] = true
		if f := forms(line); f[len(f)-1] != line && len(line) < MinPasswordRunes {
			t.Errorf("%q is neither a stem nor a password of %d characters", line, MinPasswordRunes)
		}
	}
	if n < 100 {
		t.Errorf("the list has %d entries, want at least 100", n)
	}
}
