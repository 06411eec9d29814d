// Package auth holds the security primitives of the portcullis web service:
// argon2id password hashes in PHC string form and the password policy,
// random session and CSRF tokens, per-key sign-in throttling, the account
// lockout policy, and finding a request's client IP address.
//
// It keeps no state of its own beyond what its values hold: parameters,
// limits and clocks are passed in, so every time-based behaviour can be
// tested with a fake clock.
package auth
