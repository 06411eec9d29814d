package message

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzSeeds are small inputs of every kind Parse recognises.
var fuzzSeeds = []string{
	// Plain mail.
	"From: Alice <alice@example.com>\r\nTo: Bob <bob@example.org>\r\nSubject: Hello\r\nDate: Mon, 2 Jan 2006 15:04:05 +0000\r\n\r\nHi Bob,\r\nhow are you?\r\n",
	// mbox separator line.
	"From alice@example.com Mon Jan  2 15:04:05 2006\nFrom: alice@example.com\nSubject: mbox\nDate: Mon, 2 Jan 2006 15:04:05 +0000\n\nbody\n",
	// multipart/alternative with quoted-printable text and HTML.
	"From: a@example.com\r\nTo: b@example.com\r\nSubject: =?utf-8?Q?caf=C3=A9?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nWe pay =C2=A33,000 per report, soft=\r\nbreak.\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>We pay <a href=\"https://evil.example/login\">here</a><img src=\"https://t.example/x.gif\"></p>\r\n--alt--\r\n",
	// base64 body in a legacy charset.
	"From: a@example.com\r\nSubject: b64\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte("caf\xe9 \xa3500")) + "\r\n",
	// multipart/mixed with an attachment and an attached message/rfc822.
	"From: Reporter <rep@parliament.example>\r\nTo: security@parliament.example\r\nSubject: FW: offer\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--mix\r\nContent-Type: application/zip; name=\"cv.zip\"\r\nContent-Disposition: attachment; filename=\"cv.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBAoAAAAAAA==\r\n--mix\r\nContent-Type: message/rfc822\r\n\r\nFrom: Recruiter <hr@lookalike.example>\r\nSubject: Paid consultancy\r\nReply-To: x@gmail.com\r\n\r\nWe offer $15k for a short report.\r\n--mix--\r\n",
	// Inline forward.
	"From: Jane <jane@parliament.example>\r\nTo: security@parliament.example\r\nSubject: Fwd: catch up\r\n\r\nLooks odd.\r\n\r\n---------- Forwarded message ---------\r\nFrom: Chen <chen@think.example>\r\nDate: Mon, 2 Jan 2006 at 15:04\r\nSubject: catch up\r\nTo: Jane <jane@parliament.example>\r\n\r\n> Keep this between us.\r\n> Paid in USDT.\r\n",
	// LinkedIn-like notification.
	"From: Chen Jing via LinkedIn <messaging-digest-noreply@linkedin.com>\r\nTo: Kate <kate@example.com>\r\nSubject: Chen sent you a new message\r\nX-LinkedIn-Class: INMAIL\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nChen Jing\r\nDirector at Acme Search\r\n\r\nWould you write a paid report?\r\n\r\nView message: https://www.linkedin.com/comm/in/chen-jing-123/?trk=x\r\n\r\nThis email was intended for Kate.\r\n",
	// Approach JSON.
	`{"format":"portcullis.approach/v1","platform":"linkedin","kind":"message","sender":{"name":"A","connections":3},"messages":[{"from":"sender","sent_at":"2025-11-18T09:30:00Z","text":"hi"}]}`,
	// Pasted text.
	"Hi, I found you on WhatsApp. We pay £500 for a short paper. Keep it confidential.",
	"\xef\xbb\xbfFrom: a@b.example\nTo: c@d.example\nSubject: bom\n\nbody",
	"",
}

// tightLimits make every limit reachable by a small fuzz input.
var tightLimits = Limits{
	MaxBytes:     16 << 10,
	MaxTextBytes: 256,
	MaxDepth:     2,
	MaxParts:     8,
	MaxHeader:    512,
	MaxInspect:   256,
}

// FuzzParse checks that Parse never panics, that a successful parse always
// carries a valid approach with valid UTF-8 text, and that the size limit is
// reported exactly when the input exceeds it.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("../../testdata/mail/*.eml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lim := range []Limits{{}, tightLimits} {
			p, err := Parse(bytes.NewReader(data), lim)
			if lim.MaxBytes > 0 {
				if got, want := errors.Is(err, ErrTooLarge), int64(len(data)) > lim.MaxBytes; got != want {
					t.Fatalf("Parse of %d bytes with MaxBytes %d: errors.Is(err, ErrTooLarge) = %v, want %v (err %v)", len(data), lim.MaxBytes, got, want, err)
				}
			}
			if err != nil {
				continue
			}
			checkParsed(t, p)
		}
	})
}

// checkParsed checks the invariants of a successful parse.
func checkParsed(t *testing.T, p *Parsed) {
	t.Helper()
	if p == nil {
		t.Fatal("Parse returned nil and no error")
	}
	if !slices.Contains([]string{KindApproach, KindEmail, KindLinkedIn, KindText}, p.Kind) {
		t.Errorf("Kind = %q, not a known kind", p.Kind)
	}
	if p.Approach == nil {
		t.Fatal("Parse succeeded without an approach")
	}
	if err := p.Approach.ValidateLoose(); err != nil {
		t.Errorf("approach does not validate: %v\n%+v", err, p.Approach)
	}
	checkUTF8(t, "approach", reflect.ValueOf(p.Approach))
	if p.Mail != nil {
		for name, s := range map[string]string{"mail.subject": p.Mail.Subject, "mail.text": p.Mail.Text, "mail.from.name": p.Mail.From.Name} {
			if !utf8.ValidString(s) {
				t.Errorf("%s is not valid UTF-8: %q", name, s)
			}
		}
	}
}

// checkUTF8 walks v and reports every string that is not valid UTF-8.
func checkUTF8(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkUTF8(t, path, v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			checkUTF8(t, path+"."+v.Type().Field(i).Name, v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			checkUTF8(t, fmt.Sprintf("%s[%d]", path, i), v.Index(i))
		}
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			t.Errorf("%s is not valid UTF-8: %q", path, v.String())
		}
	}
}

// repeatReader yields size bytes made by repeating line, without ever
// holding more than one line in memory.
type repeatReader struct {
	line []byte
	off  int
	left int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.left > 0 {
		chunk := r.line[r.off:]
		if int64(len(chunk)) > r.left {
			chunk = chunk[:r.left]
		}
		c := copy(p[n:], chunk)
		n += c
		r.left -= int64(c)
		r.off = (r.off + c) % len(r.line)
	}
	return n, nil
}

// bigMessage streams a multipart mail of about textBytes of long text lines
// followed by a base64 attachment of about attBytes.
func bigMessage(textBytes, attBytes int64) io.Reader {
	const head = "From: Big Sender <big@example.com>\r\nTo: victim@example.org\r\nSubject: large\r\n" +
		"Date: Mon, 2 Jan 2006 15:04:05 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"BIG\"\r\n\r\n" +
		"--BIG\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	const attHead = "\r\n--BIG\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\n" +
		"Content-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	const tail = "\r\n--BIG--\r\n"
	textLine := []byte(strings.Repeat("We would pay £3,000 for a short report on committee business. ", 1000) + "\r\n")
	raw := make([]byte, 57)
	for i := range raw {
		raw[i] = byte(i*37 + 11)
	}
	attLine := []byte(base64.StdEncoding.EncodeToString(raw) + "\r\n")
	return io.MultiReader(
		strings.NewReader(head),
		&repeatReader{line: textLine, left: textBytes},
		strings.NewReader(attHead),
		&repeatReader{line: attLine, left: attBytes / int64(len(attLine)) * int64(len(attLine))},
		strings.NewReader(tail),
	)
}

// heapSampler records the peak HeapInuse every 5ms until stopped.
type heapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			s.peak = max(s.peak, m.HeapInuse)
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peak.
func (s *heapSampler) Stop() uint64 {
	close(s.stop)
	<-s.done
	return s.peak
}

// TestParseBoundedMemory streams a 50 MB mail through Parse: it must succeed
// under the default limit and fail with ErrTooLarge under a smaller one,
// and in both cases hold only a bounded amount of memory.
func TestParseBoundedMemory(t *testing.T) {
	const (
		textBytes = 15 << 20
		attBytes  = 35 << 20
		mb        = 1 << 20
	)
	tests := []struct {
		name   string
		lim    Limits
		tooBig bool
	}{
		{name: "default limit", lim: Limits{}},
		{name: "10 MB limit", lim: Limits{MaxBytes: 10 << 20}, tooBig: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			sampler := startHeapSampler()
			start := time.Now()
			p, err := Parse(bigMessage(textBytes, attBytes), tt.lim)
			elapsed := time.Since(start)
			peak := sampler.Stop()
			runtime.GC()
			runtime.ReadMemStats(&after)
			retained := int64(after.HeapInuse) - int64(before.HeapInuse)
			t.Logf("parse took %v; heap in use before %d MB, peak %d MB, retained %d MB; %d MB allocated in total",
				elapsed, before.HeapInuse/mb, peak/mb, retained/mb, (after.TotalAlloc-before.TotalAlloc)/mb)

			if tt.tooBig {
				if !errors.Is(err, ErrTooLarge) {
					t.Errorf("Parse error = %v, want ErrTooLarge", err)
				}
			} else {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if p.Mail == nil || len(p.Mail.Attachments) != 1 {
					t.Errorf("want a mail with one attachment, got %+v", p.Mail)
				} else if a, want := p.Mail.Attachments[0], int64(attBytes/78*57); a.Size != want || !a.Truncated {
					// Each base64 line is 76 characters and CRLF, encoding 57 bytes.
					t.Errorf("attachment size %d truncated %v, want %d and true", a.Size, a.Truncated, want)
				}
				if n := len(p.Approach.Messages[0].Text); n > DefaultLimits.MaxTextBytes*2 {
					t.Errorf("kept %d bytes of text, want at most about %d", n, DefaultLimits.MaxTextBytes)
				}
			}
			if retained >= 64*mb {
				t.Errorf("heap in use grew by %d MB after parsing, want < 64 MB", retained/mb)
			}
			if peak >= 150*mb {
				t.Errorf("peak heap in use %d MB while parsing, want < 150 MB", peak/mb)
			}
			runtime.KeepAlive(p)
		})
	}
}

// parseQuickly parses data with default limits, failing when it takes
// longer than limit; it returns the result.
func parseQuickly(t *testing.T, data string, limit time.Duration) *Parsed {
	t.Helper()
	start := time.Now()
	p, err := Parse(strings.NewReader(data), Limits{})
	elapsed := time.Since(start)
	t.Logf("%d bytes parsed in %v", len(data), elapsed)
	if elapsed > limit {
		t.Errorf("parse of %d bytes took %v, want under %v", len(data), elapsed, limit)
	}
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkParsed(t, p)
	return p
}

const hostileHead = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hostile\r\nMIME-Version: 1.0\r\n"

// TestParseDeepNesting parses multiparts and attached messages nested
// 10,000 deep, closed and unclosed: the depth limit must stop the descent.
func TestParseDeepNesting(t *testing.T) {
	const depth = 10_000
	multipart := func(closed bool) string {
		var b strings.Builder
		b.WriteString(hostileHead + "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
		for i := 1; i < depth; i++ {
			fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
		}
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n", depth-1)
		if closed {
			for i := depth - 1; i >= 0; i-- {
				fmt.Fprintf(&b, "--b%d--\r\n", i)
			}
		}
		return b.String()
	}
	rfc822 := func() string {
		var b strings.Builder
		for range depth {
			b.WriteString(hostileHead + "Content-Type: message/rfc822\r\n\r\n")
		}
		b.WriteString(hostileHead + "\r\ninnermost\r\n")
		return b.String()
	}
	sameBoundary := func() string {
		var b strings.Builder
		b.WriteString(hostileHead + "Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n")
		for range depth {
			b.WriteString("--x\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n")
		}
		return b.String()
	}
	tests := []struct{ name, data string }{
		{"multipart closed", multipart(true)},
		{"multipart unclosed", multipart(false)},
		{"message/rfc822", rfc822()},
		{"same boundary", sameBoundary()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parseQuickly(t, tt.data, 5*time.Second)
			if len(p.Problems) == 0 {
				t.Logf("no parse problem reported for %d levels of nesting", depth)
			}
		})
	}
}

// TestParseManyParts parses a multipart of 100,000 tiny parts: the part
// limit must stop the work early.
func TestParseManyParts(t *testing.T) {
	var b strings.Builder
	b.WriteString(hostileHead + "Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n")
	for i := range 100_000 {
		if i%2 == 0 {
			b.WriteString("--p\r\nContent-Type: text/plain\r\n\r\nx\r\n")
		} else {
			b.WriteString("--p\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\neA==\r\n")
		}
	}
	b.WriteString("--p--\r\n")
	p := parseQuickly(t, b.String(), 5*time.Second)
	if p.Mail == nil {
		t.Fatal("no mail parsed")
	}
	if n := len(p.Mail.Attachments); n > DefaultLimits.MaxParts {
		t.Errorf("kept %d attachments, want at most MaxParts (%d)", n, DefaultLimits.MaxParts)
	}
}
