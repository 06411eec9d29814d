package correlate

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode"
	"unicode/utf8"
)

// Signature and banding parameters.
const (
	// NumHashes is the number of MinHash functions in a Signature.
	NumHashes = 64
	// NumBands and BandRows split a Signature into locality-sensitive
	// hashing bands: NumBands*BandRows == NumHashes.
	NumBands = 16
	BandRows = 4
	// ShingleWords is the number of consecutive words in a shingle.
	ShingleWords = 3
	// MinWords is the fewest words Sign calls enough to compare.
	MinWords = 8
	// SignatureSize is the length of a marshalled Signature in bytes.
	SignatureSize = NumHashes * 4
)

// Threshold is the estimated Jaccard similarity of word 3-shingles at or
// above which two texts are near-duplicates: the same message sent to two
// people.
//
// Copies of one lure that differ in greeting, names, amounts, dates and
// sign-off normalize to the same words and score near 1; adding or removing
// a sentence in a message of ten sentences costs a tenth of the shingles,
// giving about 0.8. Distinct messages, even of the same genre ("paid
// reports for a consultancy") written by different hands, share few
// three-word runs and score below 0.2. 0.6 sits between the two with room
// for the estimate's error: with 64 hashes the standard error at a
// similarity of 0.6 is about 0.06. With 16 bands of 4 rows, a pair at 0.6
// shares a band with probability 0.89, at 0.7 0.99, at 0.3 0.12.
const Threshold = 0.6

// Signature is a MinHash signature of a text's word shingles: for each of
// NumHashes seeded hash functions, the least hash over the shingles. The
// share of equal entries in two signatures estimates the Jaccard
// similarity of the two shingle sets. It is deterministic across runs and
// machines, so it may be stored and compared later.
type Signature [NumHashes]uint32

// Sign returns the MinHash signature of a normalized text (see Normalize),
// whose words are separated by spaces. Shingles are runs of ShingleWords
// words, or the whole text when it is shorter. It reports false when the
// text has fewer than MinWords words: a signature is still returned, so
// that identical short texts compare equal, but too little text is shared
// to call two messages one campaign, and it should not be indexed.
func Sign(normalized string) (Signature, bool) {
	var sig Signature
	var buf [512]uint64
	wh := fieldHashes(normalized, buf[:0])
	if len(wh) == 0 {
		for i := range sig {
			sig[i] = math.MaxUint32
		}
		return sig, false
	}
	words := len(wh)
	// Each shingle's well-mixed 64-bit hash x, in place of its first word's.
	k := min(ShingleWords, words)
	xs := wh[:words-k+1]
	for i := range xs {
		x := uint64(k)
		for _, h := range wh[i : i+k] {
			x = mix64(x ^ h)
		}
		xs[i] = x
	}
	// Entry j is the least value of hash function j over the shingles,
	// worked out two functions at a time.
	for j := 0; j < NumHashes; j += 2 {
		sig[j], sig[j+1] = minHash2(xs, hashMul[j], hashAdd[j], hashMul[j+1], hashAdd[j+1])
	}
	return sig, words >= MinWords
}

// minHash2 returns the least values over xs of the hash functions
// x -> (mul0*x + add0) >> 32 and x -> (mul1*x + add1) >> 32.
func minHash2(xs []uint64, mul0, add0, mul1, add1 uint64) (uint32, uint32) {
	m0, m1 := uint32(math.MaxUint32), uint32(math.MaxUint32)
	for _, x := range xs {
		m0 = min(m0, uint32((mul0*x+add0)>>32))
		m1 = min(m1, uint32((mul1*x+add1)>>32))
	}
	return m0, m1
}

// hashMul and hashAdd are the parameters of the NumHashes hash functions,
// x -> (hashMul[j]*x + hashAdd[j]) >> 32 over a well-mixed 64-bit shingle
// hash x: odd multipliers and addends drawn from a fixed seed.
var hashMul, hashAdd = func() (mul, add [NumHashes]uint64) {
	seed := uint64(0x706f727463756c6c) // "portcull"
	for i := range mul {
		seed, mul[i] = splitmix64(seed)
		mul[i] |= 1
		seed, add[i] = splitmix64(seed)
	}
	return mul, add
}()

// fieldHashes appends to dst the 64-bit FNV-1a hash of each of the words
// of s, as strings.Fields splits them.
func fieldHashes(s string, dst []uint64) []uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h, inWord := uint64(0), false
	for i := 0; i < len(s); {
		c := s[i]
		size := 1
		space := asciiSpace[c]
		if c >= utf8.RuneSelf {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
		}
		switch {
		case !space:
			if !inWord {
				h, inWord = offset, true
			}
			for _, b := range []byte(s[i : i+size]) {
				h = (h ^ uint64(b)) * prime
			}
		case inWord:
			dst = append(dst, h)
			inWord = false
		}
		i += size
	}
	if inWord {
		dst = append(dst, h)
	}
	return dst
}

var asciiSpace = bytesOf("\t\n\v\f\r ")

// Similarity returns the estimated Jaccard similarity of the texts behind
// s and o: the share of hash functions on which they agree, from 0 to 1.
func (s Signature) Similarity(o Signature) float64 {
	same := 0
	for i := range s {
		if s[i] == o[i] {
			same++
		}
	}
	return float64(same) / NumHashes
}

// Bands returns the signature's NumBands locality-sensitive hashing keys.
// Band b hashes rows b*BandRows to (b+1)*BandRows-1; its key carries b in
// the top byte, so keys of different bands never collide. Two texts that
// share any key are candidates to compare with Similarity.
func (s Signature) Bands() []uint64 {
	keys := make([]uint64, NumBands)
	for b := range keys {
		h := uint64(b) + 0x9e3779b97f4a7c15
		for _, v := range s[b*BandRows : (b+1)*BandRows] {
			h = mix64(h ^ uint64(v))
		}
		keys[b] = uint64(b)<<56 | h&(1<<56-1)
	}
	return keys
}

// MarshalBinary encodes the signature as SignatureSize bytes, each hash
// little-endian.
func (s Signature) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, SignatureSize)
	for _, v := range s {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b, nil
}

// UnmarshalBinary decodes a signature written by MarshalBinary.
func (s *Signature) UnmarshalBinary(b []byte) error {
	if len(b) != SignatureSize {
		return fmt.Errorf("correlate: signature is %d bytes, want %d", len(b), SignatureSize)
	}
	for i := range s {
		s[i] = binary.LittleEndian.Uint32(b[i*4:])
	}
	return nil
}

// mix64 is the splitmix64 finaliser: a bijection that spreads every input
// bit over the output.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// splitmix64 advances state and returns it with the next pseudo-random
// value.
func splitmix64(state uint64) (uint64, uint64) {
	state += 0x9e3779b97f4a7c15
	return state, mix64(state)
}
