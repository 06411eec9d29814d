package auth

import (
	"errors"
	"testing"
)

// FuzzCheckPassword checks that reading a stored hash never panics, that
// every refusal wraps ErrMalformedHash, that an accepted hash has
// parameters within bounds and is exactly the string encodeHash would
// write, and that checking a password against it gives a consistent
// answer. The full check runs with low limits, so that the fuzzer does not
// spend its time computing hashes of a gigabyte.
func FuzzCheckPassword(f *testing.F) {
	const salt, key = "cG9ydGN1bGxpcy1zYWx0IQ", "v7stjTZZTtJa3Mtzwf3aIIx9bKMy3YQ03sGCkierjbo"
	for _, seed := range []struct{ encoded, pw string }{
		{refTest, refPassword},
		{refTest, "wrong"},
		{refDefault, refPassword},
		{"", ""},
		{"$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key, "x"},
		{"$argon2id$v=19$m=4294967295,t=4294967295,p=255$" + salt + "$" + key, "x"},
		{"$argon2id$v=19$m=99999999999,t=1,p=1$" + salt + "$" + key, "x"},
		{"$argon2i$v=19$m=1024,t=1,p=1$" + salt + "$" + key, "x"},
		{"$argon2id$v=19$m=1024,t=1,p=1$" + salt + "==$" + key, "x"},
		{"$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key[:10] + "\r\n" + key[10:], "x"},
		{"$argon2id$v=19$m=1024,t=1,p=1,keyid=abc$" + salt + "$" + key, "x"},
		{"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "x"},
		{"$$$$$", "\x00"},
	} {
		f.Add(seed.encoded, seed.pw)
	}
	cheap := limits{memory: 1024, time: 2, threads: 4}
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		p, salt, key, err := decodeHash(encoded, hashLimits())
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("decodeHash error %v does not wrap ErrMalformedHash", err)
			}
		} else {
			if verr := p.Validate(); verr != nil {
				t.Fatalf("decodeHash accepted out-of-bounds params %+v: %v", p, verr)
			}
			if int(p.SaltLen) != len(salt) || int(p.KeyLen) != len(key) {
				t.Fatalf("decodeHash params %+v disagree with salt %d and key %d bytes", p, len(salt), len(key))
			}
			if got := encodeHash(p, salt, key); got != encoded {
				t.Fatalf("decodeHash accepted a non-canonical hash:\n got %q\nwant %q", encoded, got)
			}
		}
		ok, rehash, err := checkPassword(encoded, pw, TestParams, cheap)
		if err != nil && (ok || rehash || !errors.Is(err, ErrMalformedHash)) {
			t.Fatalf("checkPassword = %v, %v, %v", ok, rehash, err)
		}
		if rehash && !ok {
			t.Fatalf("checkPassword asks to rehash after a mismatch")
		}
	})
}
