package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// ErrMalformedHash is the kind of error CheckPassword returns for a stored
// hash it cannot read or refuses to compute (unknown algorithm, bad
// encoding, parameters out of bounds). Test for it with errors.Is. The
// messages never repeat the hash itself, so they are safe to log.
var ErrMalformedHash = errors.New("malformed password hash")

// Params are the argon2id cost parameters of a password hash.
type Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // passes over the memory
	Threads uint8  // degree of parallelism
	SaltLen uint32 // salt length in bytes
	KeyLen  uint32 // derived key length in bytes
}

// DefaultParams are the parameters for new password hashes: the OWASP
// Password Storage Cheat Sheet's argon2id recommendation of 19 MiB of
// memory, two passes and one thread, with a 16-byte salt and a 32-byte key.
// Treat it as a constant: copy it to change a field.
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// TestParams are cheap parameters (1 MiB, one pass) for the tests of other
// packages that need to hash passwords. Never use them in production.
var TestParams = Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on the parameters this package accepts, whether for hashing or in
// a stored hash, so that a hostile or corrupt hash string cannot make a
// sign-in attempt allocate gigabytes or run for minutes.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 10
	maxThreads = 16
	minSaltLen = 8 // the argon2 specification's minimum
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// limits are the upper bounds on cost parameters. CheckPassword uses
// hashLimits; the fuzz test uses lower ones so it stays fast.
type limits struct {
	memory  uint32
	time    uint32
	threads uint8
}

func hashLimits() limits {
	return limits{memory: maxMemory, time: maxTime, threads: maxThreads}
}

// Validate reports whether p can be used to hash a password: at least one
// pass and one thread, at least 8 KiB of memory per thread, and no more
// than 1 GiB of memory, 10 passes or 16 threads; salts of 8 to 64 bytes
// and keys of 16 to 64 bytes.
func (p Params) Validate() error {
	return p.validate(hashLimits())
}

func (p Params) validate(lim limits) error {
	switch {
	case p.Time < 1 || p.Time > lim.time:
		return fmt.Errorf("time %d out of range 1..%d", p.Time, lim.time)
	case p.Threads < 1 || p.Threads > lim.threads:
		return fmt.Errorf("threads %d out of range 1..%d", p.Threads, lim.threads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > lim.memory:
		return fmt.Errorf("memory %d KiB out of range %d..%d", p.Memory, 8*uint32(p.Threads), lim.memory)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// HashPassword hashes pw with argon2id, a fresh random salt and the
// parameters p, and returns the hash in PHC string form, as the reference
// implementation writes it:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// with salt and key in standard base64 without padding. It fails only when
// p is out of bounds (see Params.Validate).
func HashPassword(pw string, p Params) (string, error) {
	if err := p.Validate(); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never fails: it crashes the program if the OS has no randomness
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodeHash(p, salt, key), nil
}

// CheckPassword reports whether pw matches the hash encoded, which
// HashPassword made, comparing keys in constant time. When pw matches and
// encoded was made with parameters other than p (including salt and key
// lengths), needsRehash is true and the caller should store
// HashPassword(pw, p) in its place; needsRehash is always false when ok is
// false. A hash it cannot read, or whose parameters are beyond the bounds
// of Params.Validate, gives an error wrapping ErrMalformedHash. It does not
// panic, whatever its input.
func CheckPassword(encoded, pw string, p Params) (ok bool, needsRehash bool, err error) {
	return checkPassword(encoded, pw, p, hashLimits())
}

func checkPassword(encoded, pw string, p Params, lim limits) (ok bool, needsRehash bool, err error) {
	stored, salt, key, err := decodeHash(encoded, lim)
	if err != nil {
		return false, false, fmt.Errorf("auth: check password: %w", err)
	}
	got := argon2.IDKey([]byte(pw), salt, stored.Time, stored.Memory, stored.Threads, stored.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, stored != p, nil
}

// EqualizeTiming spends as long as CheckPassword does on a hash made with
// p, and throws the result away. Call it when a sign-in names an account
// that does not exist (or has no password), so that the response time does
// not tell an attacker which email addresses have accounts. If p is out of
// bounds, it uses DefaultParams.
func EqualizeTiming(p Params) {
	if p.Validate() != nil {
		p = DefaultParams
	}
	salt := make([]byte, p.SaltLen)
	_ = argon2.IDKey([]byte("portcullis equalize timing"), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}
