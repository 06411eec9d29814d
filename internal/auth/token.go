package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// NewToken returns a new random token for a session, a CSRF check or a
// one-time link: 32 bytes from crypto/rand in URL-safe base64 without
// padding (43 characters).
func NewToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails: it crashes the program if the OS has no randomness
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the SHA-256 of tok in lower-case hex (64 characters),
// the form in which a token is stored, so that a copy of the database does
// not hand out live sessions. Tokens from NewToken have 256 bits of
// entropy, so a fast unsalted hash is enough; never use it for passwords.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// Equal reports whether a and b are the same, in time that depends only on
// their lengths, for comparing a submitted token (such as a CSRF token)
// with the expected one.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
