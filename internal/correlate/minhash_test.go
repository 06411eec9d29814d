package correlate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture is a message in testdata with the names its reporter's tooling
// would know: the recipient's and the sender's.
type fixture struct {
	file  string
	names []string
	flat  bool // pasted as one line, as a LinkedIn message arrives
}

var (
	lurePatel    = fixture{"lure_patel.txt", []string{"Ms Priya Patel", "Amanda Qiu"}, false}
	lureSmith    = fixture{"lure_smith.txt", []string{"John Smith", "Amanda Qiu"}, false}
	lureFlat     = fixture{"lure_smith.txt", nil, true}
	lureAdded    = fixture{"lure_added.txt", []string{"Dr Chidi Okafor", "Amanda Qiu"}, false}
	lureRemoved  = fixture{"lure_removed.txt", []string{"Sarah Jones", "Amanda Qiu"}, false}
	lureInstit   = fixture{"lure_institute.txt", []string{"Tom Brown", "Kevin Zhang"}, false}
	recruiter    = fixture{"recruiter_genuine.txt", []string{"Sarah Jones", "Rachel Green"}, false}
	meeting      = fixture{"meeting_invitation.txt", nil, false}
	newsletter   = fixture{"newsletter.txt", nil, false}
	allFixtures  = []fixture{lurePatel, lureSmith, lureAdded, lureRemoved, lureInstit, recruiter, meeting, newsletter}
	fixtureNames = func() []string {
		var out []string
		for _, f := range allFixtures {
			out = append(out, f.file)
		}
		return out
	}()
)

func (f fixture) String() string {
	if f.flat {
		return f.file + " (as one line)"
	}
	return f.file
}

func (f fixture) sign(t *testing.T) Signature {
	t.Helper()
	sig, _ := f.signWords(t)
	return sig
}

// signWords returns f's signature and its normalized words.
func (f fixture) signWords(t *testing.T) (Signature, []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", f.file))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if f.flat {
		text = strings.Join(strings.Fields(text), " ")
	}
	norm := Normalize(text, f.names...)
	sig, ok := Sign(norm)
	if !ok {
		t.Fatalf("%s: Sign reported too short", f.file)
	}
	return sig, strings.Fields(norm)
}

func shareBand(a, b Signature) bool {
	keys := map[uint64]bool{}
	for _, k := range a.Bands() {
		keys[k] = true
	}
	for _, k := range b.Bands() {
		if keys[k] {
			return true
		}
	}
	return false
}

func TestCampaignSimilarity(t *testing.T) {
	tests := []struct {
		name string
		a, b fixture
		near bool
	}{
		{"same lure, other recipient, greeting, amount, date and sign-off", lurePatel, lureSmith, true},
		{"same lure pasted as one line, no names known", lurePatel, lureFlat, true},
		{"same lure with a sentence added", lurePatel, lureAdded, true},
		{"same lure with a sentence removed", lurePatel, lureRemoved, true},
		{"one lure with a sentence added, the other removed", lureAdded, lureRemoved, true},
		{"two lures of one genre written differently", lurePatel, lureInstit, false},
		{"lure and a genuine recruiter", lurePatel, recruiter, false},
		{"other lure and a genuine recruiter", lureInstit, recruiter, false},
		{"committee meeting invitation and newsletter", meeting, newsletter, false},
		{"lure and a meeting invitation", lureSmith, meeting, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sa, wa := tt.a.signWords(t)
			sb, wb := tt.b.signWords(t)
			sim := sa.Similarity(sb)
			t.Logf("%s ~ %s: similarity %.3f (exact %.3f), share a band: %v", tt.a, tt.b, sim, jaccard(wa, wb), shareBand(sa, sb))
			if sim != sb.Similarity(sa) {
				t.Errorf("similarity is not symmetric")
			}
			if tt.near {
				if sim < Threshold {
					t.Errorf("similarity %.3f, want >= %.2f", sim, Threshold)
				}
				if !shareBand(sa, sb) {
					t.Errorf("no shared band")
				}
			} else if sim >= Threshold {
				t.Errorf("similarity %.3f, want < %.2f", sim, Threshold)
			}
		})
	}
}

// TestUnrelatedPairs checks every pair of fixtures from different
// messages stays well below the threshold.
func TestUnrelatedPairs(t *testing.T) {
	lures := map[string]bool{lurePatel.file: true, lureSmith.file: true, lureAdded.file: true, lureRemoved.file: true}
	sigs := make([]Signature, len(allFixtures))
	for i, f := range allFixtures {
		sigs[i] = f.sign(t)
	}
	for i := range allFixtures {
		for j := i + 1; j < len(allFixtures); j++ {
			if lures[fixtureNames[i]] && lures[fixtureNames[j]] {
				continue
			}
			if sim := sigs[i].Similarity(sigs[j]); sim >= Threshold/2 {
				t.Errorf("%s ~ %s: similarity %.3f, want < %.2f", fixtureNames[i], fixtureNames[j], sim, Threshold/2)
			}
		}
	}
}

func TestSignShortText(t *testing.T) {
	tests := []struct {
		text string
		ok   bool
	}{
		{"", false},
		{"hello", false},
		{"one two three four five six seven", false},
		{"one two three four five six seven eight", true},
	}
	for _, tt := range tests {
		sig, ok := Sign(tt.text)
		if ok != tt.ok {
			t.Errorf("Sign(%q) ok = %v, want %v", tt.text, ok, tt.ok)
		}
		again, _ := Sign(tt.text)
		if sig.Similarity(again) != 1 {
			t.Errorf("Sign(%q) differs between calls", tt.text)
		}
	}
	a, _ := Sign("thank you")
	b, _ := Sign("thank you very")
	if a.Similarity(b) == 1 {
		t.Errorf("different short texts have identical signatures")
	}
}

// TestSignGolden pins the hash functions: a signature stored by one
// version or machine must compare with one computed by another.
func TestSignGolden(t *testing.T) {
	sig, ok := Sign("i hope this message finds you well my name is <name> and i am a senior consultant")
	if !ok {
		t.Fatal("Sign reported too short")
	}
	got := fmt.Sprintf("%08x", sig[:8])
	want := "[0742db6e 0a2663ef 08bc3a41 007460da 00f37b37 00690369 0c46f49d 1138837d]"
	if got != want {
		t.Errorf("signature starts %s, want %s", got, want)
	}
	if got, want := fmt.Sprintf("%016x", sig.Bands()[:2]), "[0022f294a1317706 019d7b43b3f55ce1]"; got != want {
		t.Errorf("bands start %s, want %s", got, want)
	}
}

func TestBands(t *testing.T) {
	a := lurePatel.sign(t)
	bands := a.Bands()
	if len(bands) != NumBands {
		t.Fatalf("got %d bands, want %d", len(bands), NumBands)
	}
	seen := map[uint64]bool{}
	for i, k := range bands {
		if got := int(k >> 56); got != i {
			t.Errorf("band %d key carries index %d", i, got)
		}
		if seen[k] {
			t.Errorf("band %d key repeats", i)
		}
		seen[k] = true
	}
	b := a
	b[0]++ // differs in band 0 only
	bb := b.Bands()
	if bb[0] == bands[0] {
		t.Errorf("band 0 key unchanged by a change in row 0")
	}
	for i := 1; i < NumBands; i++ {
		if bb[i] != bands[i] {
			t.Errorf("band %d key changed by a change in row 0", i)
		}
	}
}

func TestSignatureBinary(t *testing.T) {
	sig := lurePatel.sign(t)
	b, err := sig.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != SignatureSize {
		t.Fatalf("marshalled %d bytes, want %d", len(b), SignatureSize)
	}
	var back Signature
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if back != sig {
		t.Errorf("round trip changed the signature")
	}
	for _, n := range []int{0, SignatureSize - 1, SignatureSize + 1} {
		if err := back.UnmarshalBinary(bytes.Repeat([]byte{1}, n)); err == nil {
			t.Errorf("UnmarshalBinary accepted %d bytes", n)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", lurePatel.file))
	if err != nil {
		b.Fatal(err)
	}
	text := string(raw)
	norm := Normalize(text, lurePatel.names...)
	b.Logf("%d words", len(strings.Fields(norm)))
	b.Run("Sign", func(b *testing.B) {
		b.SetBytes(int64(len(norm)))
		for b.Loop() {
			Sign(norm)
		}
	})
	b.Run("NormalizeSign", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			Sign(Normalize(text, lurePatel.names...))
		}
	})
}
