package mailin

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseSpool(t *testing.T) {
	when := time.Date(2026, 1, 2, 15, 4, 5, 123456789, time.UTC)
	tests := []struct {
		name    string
		data    string
		from    string
		raw     string
		wantErr bool
	}{
		{name: "plain", data: "portcullis-spool/1 2026-01-02T15:04:05.123456789Z \"a@b.test\"\nSubject: x\r\n\r\nhi\r\n",
			from: "a@b.test", raw: "Subject: x\r\n\r\nhi\r\n"},
		{name: "empty message", data: "portcullis-spool/1 2026-01-02T15:04:05.123456789Z \"a@b.test\"\n",
			from: "a@b.test", raw: ""},
		{name: "quoted local part", data: "portcullis-spool/1 2026-01-02T15:04:05.123456789Z \"\\\"a b\\\"@b.test\"\nx",
			from: `"a b"@b.test`, raw: "x"},
		{name: "no newline", data: "portcullis-spool/1 2026-01-02T15:04:05Z \"a@b.test\"", wantErr: true},
		{name: "wrong magic", data: "portcullis-spool/2 2026-01-02T15:04:05Z \"a@b.test\"\n", wantErr: true},
		{name: "bad time", data: "portcullis-spool/1 yesterday \"a@b.test\"\n", wantErr: true},
		{name: "unquoted sender", data: "portcullis-spool/1 2026-01-02T15:04:05Z a@b.test\n", wantErr: true},
		{name: "sender with CR LF", data: "portcullis-spool/1 2026-01-02T15:04:05Z \"a@b\\r\\nRCPT TO:<x>\"\n", wantErr: true},
		{name: "empty sender", data: "portcullis-spool/1 2026-01-02T15:04:05Z \"\"\n", wantErr: true},
		{name: "header too long", data: "portcullis-spool/1 2026-01-02T15:04:05Z \"" + strings.Repeat("a", maxHeaderLen) + "\"\n", wantErr: true},
		{name: "message only", data: "Subject: x\r\n\r\nhi\r\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, raw, err := parseSpool([]byte(tt.data))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseSpool succeeded: %+v", env)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseSpool: %v", err)
			}
			if env.From != tt.from || string(raw) != tt.raw {
				t.Errorf("got from %q raw %q, want %q %q", env.From, raw, tt.from, tt.raw)
			}
			if tt.name == "plain" && !env.Received.Equal(when) {
				t.Errorf("received = %v, want %v", env.Received, when)
			}
		})
	}
}

func TestEnvelopeHeaderRefusesBadSenders(t *testing.T) {
	for _, from := range []string{"", "a@b\r\nX", "a\x00@b", "\xff@b", strings.Repeat("a", maxFromLen+1)} {
		if _, err := (envelope{From: from, Received: time.Now()}).header(); err == nil {
			t.Errorf("header accepted sender %q", from)
		}
	}
}

// FuzzParseSpool checks that parseSpool never panics on any file, and
// that whatever it accepts is written back by header and read again the
// same.
func FuzzParseSpool(f *testing.F) {
	f.Add([]byte("portcullis-spool/1 2026-01-02T15:04:05.123456789Z \"a@b.test\"\nSubject: x\r\n\r\nhi\r\n"))
	f.Add([]byte("portcullis-spool/1 2026-01-02T15:04:05+01:00 \"\\\"a b\\\"@b.test\"\n"))
	f.Add([]byte("portcullis-spool/1 2026-01-02T15:04:05Z \"\\u00e9@b.test\"\n\x00\xff"))
	f.Add([]byte("portcullis-spool/1 \n"))
	f.Add([]byte("\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, raw, err := parseSpool(data)
		if err != nil {
			return
		}
		hdr, err := env.header()
		if err != nil {
			t.Fatalf("parsed envelope %+v cannot be written: %v", env, err)
		}
		env2, raw2, err := parseSpool(append(hdr, raw...))
		if err != nil {
			t.Fatalf("rewritten spool file does not parse: %v\n%q", err, hdr)
		}
		if env2.From != env.From || !env2.Received.Equal(env.Received) || !bytes.Equal(raw2, raw) {
			t.Fatalf("round trip changed the envelope: %+v -> %+v", env, env2)
		}
	})
}
