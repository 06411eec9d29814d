package auth

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// maxEncodedLen bounds the length of a PHC string we try to read; the
// longest valid one, with every parameter and length at its maximum, is
// well under it.
const maxEncodedLen = 256

// encodeHash writes the PHC string form of an argon2id hash.
func encodeHash(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// decodeHash reads the PHC string form that encodeHash writes, and only
// that: argon2id, version 19, parameters m, t and p in that order as
// decimal numbers without leading zeros, salt and key in canonical
// unpadded standard base64. So a string it accepts is exactly the one
// encodeHash would write for what it returns. Parameters beyond lim, or
// beyond the bounds of Params.Validate, are refused before any work is
// done. Errors wrap ErrMalformedHash and do not quote the input.
func decodeHash(s string, lim limits) (p Params, salt, key []byte, err error) {
	malformed := func(format string, args ...any) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, fmt.Sprintf(format, args...))
	}
	if len(s) > maxEncodedLen {
		return malformed("longer than %d bytes", maxEncodedLen)
	}
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" {
		return malformed("want the form $argon2id$v=19$m=M,t=T,p=P$SALT$KEY")
	}
	if f[1] != "argon2id" {
		return malformed("algorithm is not argon2id")
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return malformed("version is not %d", argon2.Version)
	}
	kv := strings.Split(f[3], ",")
	if len(kv) != 3 {
		return malformed("want parameters m, t and p")
	}
	var nums [3]uint64
	for i, name := range [3]string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return malformed("parameter %d is not %s", i+1, name)
		}
		n, ok := parseDecimal(v)
		if !ok {
			return malformed("parameter %s is not a decimal number", name)
		}
		nums[i] = n
	}
	// Compare as uint64 before narrowing, so a huge value cannot wrap
	// around into range.
	if nums[0] > uint64(lim.memory) || nums[1] > uint64(lim.time) || nums[2] > uint64(lim.threads) {
		return malformed("cost parameters exceed m=%d,t=%d,p=%d", lim.memory, lim.time, lim.threads)
	}
	p = Params{Memory: uint32(nums[0]), Time: uint32(nums[1]), Threads: uint8(nums[2])}
	if salt, err = decodeBase64(f[4], maxSaltLen); err != nil {
		return malformed("salt: %v", err)
	}
	if key, err = decodeBase64(f[5], maxKeyLen); err != nil {
		return malformed("key: %v", err)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(lim); err != nil {
		return malformed("%v", err)
	}
	return p, salt, key, nil
}

// parseDecimal parses 1 to 10 ASCII digits without a leading zero (other
// than "0" itself), as the PHC string format requires.
func parseDecimal(s string) (uint64, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// decodeBase64 decodes canonical unpadded standard base64 of at most max
// bytes. The decoder in encoding/base64 skips CR and LF, so the alphabet is
// checked first.
func decodeBase64(s string, max int) ([]byte, error) {
	if len(s) > base64.RawStdEncoding.EncodedLen(max) {
		return nil, fmt.Errorf("longer than %d bytes", max)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return nil, fmt.Errorf("not unpadded standard base64")
		}
	}
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not canonical unpadded standard base64")
	}
	return b, nil
}
