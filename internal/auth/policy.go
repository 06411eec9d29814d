package auth

import (
	_ "embed"
	"errors"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on the length of a password.
const (
	MinPasswordRunes = 12  // characters (Unicode code points)
	MaxPasswordBytes = 256 // bytes of UTF-8
)

// ErrWeakPassword is the kind of every error CheckPasswordPolicy returns.
// Test for it with errors.Is. Unlike most errors, the message is written
// for the person choosing the password and is meant to be shown to them.
var ErrWeakPassword = errors.New("weak password")

// policyError is a refusal by the password policy, with advice.
type policyError struct{ msg string }

func (e *policyError) Error() string { return e.msg }
func (e *policyError) Unwrap() error { return ErrWeakPassword }

// commonPasswords lists, one a line in lower case, passwords and stems of
// passwords that attackers try first. See isCommon for how it is matched.
//
//go:embed common_passwords.txt
var commonPasswords string

// CheckPasswordPolicy reports, as an error wrapping ErrWeakPassword whose
// message tells the user what to do instead, why pw may not be used as a
// password; nil if it may. The rules follow NIST SP 800-63B: a password
// must have at least MinPasswordRunes characters and at most
// MaxPasswordBytes bytes of valid UTF-8; it must not be (ignoring case,
// and digits or symbols added at either end) one of the user's own
// details passed as userInputs, such as their email address, its local
// part, or their name, nor one of the most common passwords, nor one or
// two characters repeated. There are no rules about mixing kinds of
// character.
func CheckPasswordPolicy(pw string, userInputs ...string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordRunes:
		return &policyError{"password too short: use at least 12 characters; a few unrelated words work well"}
	case len(pw) > MaxPasswordBytes:
		return &policyError{"password too long: use at most 256 characters (accented letters and symbols count as two to four)"}
	case !utf8.ValidString(pw):
		return &policyError{"password has characters that cannot be read: type it again, or paste it from your password manager"}
	case isPersonal(pw, userInputs):
		return &policyError{"password too close to your name or email address: choose something unrelated to you; a few unrelated words work well"}
	case isCommon(pw):
		return &policyError{"password too common: it is among the first that attackers try; choose a few unrelated words instead"}
	case distinctRunes(pw, 3) < 3:
		return &policyError{"password repeats the same one or two characters: choose a few unrelated words instead"}
	}
	return nil
}

// forms returns the ways s is compared with the common-password list and
// with the user's details: in lower case; and its stem, in lower case with
// anything but letters stripped from both ends and spaces and separators
// (. , _ - + ; : / ' ") removed, so that "Password2024!" and "pass-word"
// both give "password". Empty forms are left out.
func forms(s string) []string {
	lower := strings.ToLower(strings.TrimSpace(s))
	stem := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	stem = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune(".,_-+;:/'\"", r) {
			return -1
		}
		return r
	}, stem)
	var out []string
	for _, f := range []string{lower, stem} {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// isPersonal reports whether pw is, in one of its forms, one of the user's
// details: a whole input, the local part of an email address, or one word
// of either.
func isPersonal(pw string, userInputs []string) bool {
	var candidates []string
	for _, in := range userInputs {
		in = strings.TrimSpace(in)
		if in == "" {
			continue
		}
		candidates = append(candidates, in)
		if at := strings.LastIndexByte(in, '@'); at >= 0 {
			in = in[:at]
			candidates = append(candidates, in)
		}
		candidates = append(candidates, strings.FieldsFunc(in, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})...)
	}
	pwForms := forms(pw)
	for _, c := range candidates {
		for _, cf := range forms(c) {
			if slices.Contains(pwForms, cf) {
				return true
			}
		}
	}
	return false
}

// isCommon reports whether pw, in one of its forms, is on the list of
// common passwords. The list holds whole passwords ("qwertyuiop12") and
// stems ("password"), so a stem with digits or symbols added at either end
// ("password2024!") matches too.
func isCommon(pw string) bool {
	pwForms := forms(pw)
	for line := range strings.Lines(commonPasswords) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if slices.Contains(pwForms, line) {
			return true
		}
	}
	return false
}

// distinctRunes counts the distinct characters of s, stopping at max.
func distinctRunes(s string, max int) int {
	var seen []rune
	for _, r := range s {
		if !slices.Contains(seen, r) {
			seen = append(seen, r)
			if len(seen) >= max {
				break
			}
		}
	}
	return len(seen)
}
