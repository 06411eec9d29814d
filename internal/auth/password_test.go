package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Known answers from the reference implementation (phc-winner-argon2,
// Debian's argon2 command):
//
//	echo -n "correct horse battery staple" | argon2 "portcullis-salt!" -id -t 1 -k 1024 -p 1 -l 32 -e
const (
	refPassword = "correct horse battery staple"
	refTest     = "$argon2id$v=19$m=1024,t=1,p=1$cG9ydGN1bGxpcy1zYWx0IQ$v7stjTZZTtJa3Mtzwf3aIIx9bKMy3YQ03sGCkierjbo"
	refDefault  = "$argon2id$v=19$m=19456,t=2,p=1$cG9ydGN1bGxpcy1zYWx0IQ$CN9z3UDrerhg7IJHDvuvrpQOPctaqTPB0YD8wiWyihA"
)

func TestCheckPasswordReference(t *testing.T) {
	for _, tc := range []struct {
		name    string
		encoded string
		p       Params
	}{
		{"test params", refTest, TestParams},
		{"default params", refDefault, DefaultParams},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := CheckPassword(tc.encoded, refPassword, tc.p)
			if err != nil || !ok || rehash {
				t.Fatalf("CheckPassword(reference) = %v, %v, %v; want true, false, nil", ok, rehash, err)
			}
			p, salt, key, err := decodeHash(tc.encoded, hashLimits())
			if err != nil {
				t.Fatal(err)
			}
			if p != tc.p {
				t.Errorf("decoded params = %+v, want %+v", p, tc.p)
			}
			if got := encodeHash(p, salt, key); got != tc.encoded {
				t.Errorf("re-encoded = %s, want %s", got, tc.encoded)
			}
		})
	}
}

func TestHashPasswordRoundTrip(t *testing.T) {
	for _, pw := range []string{"", "correct horse battery staple", "pässwörd ünïcødé 🔑", strings.Repeat("x", 1000)} {
		enc, err := HashPassword(pw, TestParams)
		if err != nil {
			t.Fatalf("HashPassword(%q): %v", pw, err)
		}
		if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
			t.Errorf("HashPassword(%q) = %s, want the PHC prefix for TestParams", pw, enc)
		}
		ok, rehash, err := CheckPassword(enc, pw, TestParams)
		if err != nil || !ok || rehash {
			t.Errorf("CheckPassword(HashPassword(%q)) = %v, %v, %v; want true, false, nil", pw, ok, rehash, err)
		}
		ok, rehash, err = CheckPassword(enc, pw+"x", TestParams)
		if err != nil || ok || rehash {
			t.Errorf("CheckPassword(wrong password) = %v, %v, %v; want false, false, nil", ok, rehash, err)
		}
	}
}

func TestHashPasswordSalted(t *testing.T) {
	a, errA := HashPassword(refPassword, TestParams)
	b, errB := HashPassword(refPassword, TestParams)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a == b {
		t.Errorf("two hashes of one password are equal: %s", a)
	}
}

func TestHashPasswordBadParams(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Params
	}{
		{"zero", Params{}},
		{"no time", Params{Memory: 1024, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}},
		{"no threads", Params{Memory: 1024, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32}},
		{"too little memory", Params{Memory: 15, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}},
		{"too much memory", Params{Memory: 1<<20 + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		{"too much time", Params{Memory: 1024, Time: 11, Threads: 1, SaltLen: 16, KeyLen: 32}},
		{"too many threads", Params{Memory: 1024, Time: 1, Threads: 17, SaltLen: 16, KeyLen: 32}},
		{"short salt", Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 7, KeyLen: 32}},
		{"long salt", Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 65, KeyLen: 32}},
		{"short key", Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 15}},
		{"long key", Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 65}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if enc, err := HashPassword("pw", tc.p); err == nil {
				t.Errorf("HashPassword(%+v) = %s, want an error", tc.p, enc)
			}
		})
	}
	for _, p := range []Params{DefaultParams, TestParams} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v", p, err)
		}
	}
}

func TestCheckPasswordNeedsRehash(t *testing.T) {
	enc, err := HashPassword(refPassword, TestParams)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    Params
		want bool
	}{
		{"same", TestParams, false},
		{"memory", Params{Memory: 2048, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"time", Params{Memory: 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"threads", Params{Memory: 1024, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}, true},
		{"salt length", Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32}, true},
		{"key length", Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64}, true},
		{"default", DefaultParams, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := CheckPassword(enc, refPassword, tc.p)
			if err != nil || !ok || rehash != tc.want {
				t.Errorf("CheckPassword = %v, %v, %v; want true, %v, nil", ok, rehash, err, tc.want)
			}
			// A wrong password never asks for a rehash.
			ok, rehash, err = CheckPassword(enc, "wrong", tc.p)
			if err != nil || ok || rehash {
				t.Errorf("CheckPassword(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
}

// TestCheckPasswordTampered changes one character of each part of a good
// hash: every change must make the check fail, as a mismatch or as a
// malformed hash, and never succeed.
func TestCheckPasswordTampered(t *testing.T) {
	for i := range len(refTest) {
		for _, c := range []byte{'A', 'b', '0', '$', ','} {
			if refTest[i] == c {
				continue
			}
			tampered := refTest[:i] + string(c) + refTest[i+1:]
			ok, rehash, err := CheckPassword(tampered, refPassword, TestParams)
			if ok || rehash {
				t.Errorf("CheckPassword(%s) = %v, %v, %v; want false, false", tampered, ok, rehash, err)
			}
			if err != nil && !errors.Is(err, ErrMalformedHash) {
				t.Errorf("CheckPassword(%s) error %v does not wrap ErrMalformedHash", tampered, err)
			}
		}
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	const salt, key = "cG9ydGN1bGxpcy1zYWx0IQ", "v7stjTZZTtJa3Mtzwf3aIIx9bKMy3YQ03sGCkierjbo"
	for _, tc := range []struct {
		name, encoded string
	}{
		{"empty", ""},
		{"dollar", "$"},
		{"plain text", "hunter2"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=1024,t=1,p=1$" + salt + "$" + key},
		{"argon2d", "$argon2d$v=19$m=1024,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=1024,t=1,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=1024,t=1,p=1$" + salt + "$" + key},
		{"params out of order", "$argon2id$v=19$t=1,m=1024,p=1$" + salt + "$" + key},
		{"extra param", "$argon2id$v=19$m=1024,t=1,p=1,keyid=x$" + salt + "$" + key},
		{"missing param", "$argon2id$v=19$m=1024,t=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=01024,t=1,p=1$" + salt + "$" + key},
		{"plus sign", "$argon2id$v=19$m=+1024,t=1,p=1$" + salt + "$" + key},
		{"negative", "$argon2id$v=19$m=-1024,t=1,p=1$" + salt + "$" + key},
		{"hex", "$argon2id$v=19$m=0x400,t=1,p=1$" + salt + "$" + key},
		{"space", "$argon2id$v=19$m=1024, t=1,p=1$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=1024,t=0,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=1024,t=1,p=0$" + salt + "$" + key},
		{"zero memory", "$argon2id$v=19$m=0,t=1,p=1$" + salt + "$" + key},
		{"memory below 8 per thread", "$argon2id$v=19$m=15,t=1,p=2$" + salt + "$" + key},
		{"huge memory", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key},
		{"memory wrapping uint32", "$argon2id$v=19$m=4294968320,t=1,p=1$" + salt + "$" + key},
		{"memory just over 1 GiB", "$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key},
		{"huge time", "$argon2id$v=19$m=1024,t=4294967295,p=1$" + salt + "$" + key},
		{"time 11", "$argon2id$v=19$m=1024,t=11,p=1$" + salt + "$" + key},
		{"threads 255", "$argon2id$v=19$m=1048576,t=1,p=255$" + salt + "$" + key},
		{"threads wrapping uint8", "$argon2id$v=19$m=1024,t=1,p=257$" + salt + "$" + key},
		{"empty salt", "$argon2id$v=19$m=1024,t=1,p=1$$" + key},
		{"short salt", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$" + key},
		{"long salt", "$argon2id$v=19$m=1024,t=1,p=1$" + strings.Repeat("A", 88) + "$" + key},
		{"empty key", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$"},
		{"short key", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$c2hvcnQ"},
		{"long key", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + strings.Repeat("A", 88)},
		{"padded salt", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "==$" + key},
		{"url base64", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key[:5] + "-" + key[6:]},
		{"newline in key", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key[:10] + "\n" + key[10:]},
		{"non-canonical trailing bits", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "p"},
		{"invalid base64 length", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key + "AA"},
		{"trailing field", refTest + "$"},
		{"no leading dollar", refTest[1:]},
		{"trailing newline", refTest + "\n"},
		{"very long", refTest + strings.Repeat("A", 1<<20)},
		{"NUL", "$argon2id\x00$v=19$m=1024,t=1,p=1$" + salt + "$" + key},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			ok, rehash, err := CheckPassword(tc.encoded, refPassword, TestParams)
			if !errors.Is(err, ErrMalformedHash) || ok || rehash {
				t.Errorf("CheckPassword = %v, %v, %v; want false, false, ErrMalformedHash", ok, rehash, err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("CheckPassword took %v to refuse a malformed hash", d)
			}
			if err != nil && strings.Contains(err.Error(), salt) {
				t.Errorf("error %q repeats the hash", err)
			}
		})
	}
}

func TestEqualizeTiming(t *testing.T) {
	// It must not panic, whatever the parameters.
	EqualizeTiming(TestParams)
	EqualizeTiming(Params{})
	EqualizeTiming(Params{Memory: 1 << 31, Time: 1 << 31, Threads: 255, SaltLen: 1 << 31, KeyLen: 0})
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword(refPassword, DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckPassword(b *testing.B) {
	enc, err := HashPassword(refPassword, DefaultParams)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, err := CheckPassword(enc, refPassword, DefaultParams); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
