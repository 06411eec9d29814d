package approach

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const validDoc = `{
  "format": "portcullis.approach/v1",
  "platform": "linkedin",
  "kind": "message",
  "sender": {
    "name": "Chen Jing",
    "headline": "Director at Acme Search",
    "connections": 12,
    "account_age_days": 30,
    "experience": [{"title": "Director", "organization": "Acme", "start": "2024-01"}],
    "education": [{"school": "LSE", "start": "2010", "end": "2013"}]
  },
  "recipient": {"name": "Kate", "role": "Researcher"},
  "messages": [
    {"from": "sender", "sent_at": "2025-11-18T09:30:00Z", "subject": "Hi", "text": "We pay £3,000."},
    {"from": "recipient", "text": "No thanks."}
  ]
}`

// FuzzDecode checks that DecodeBytes never panics, that Decode and
// DecodeBytes agree, that every error is an *Error, and that a decoded
// approach survives a JSON round trip unchanged.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		validDoc,
		`{"format":"portcullis.approach/v1","messages":[{"text":"hi"}]}`,
		`{"format":"portcullis.approach/v1","sender":{}}`,
		`{"format":"portcullis.approach/v1","sender":{"experience":[],"connections":null},"messages":[]}`,
		`{"format":"portcullis.approach/v1","messages":[{"text":"\ud800 \u00e9 \u0000"}]}`,
		`{"FORMAT":"portcullis.approach/v1","Messages":[{"Text":"case"}]}`,
		`{"format":"x"}`,
		`{"format":"portcullis.approach/v1","sender":{"connections":"many"}}`,
		`{} {}`,
		`{"format":`,
		``,
	} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("../../testdata/approaches/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeBytes(data)
		a2, err2 := Decode(bytes.NewReader(data))
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(a, a2) {
			t.Fatalf("DecodeBytes = %+v, %v; Decode = %+v, %v", a, err, a2, err2)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if a != nil {
				t.Fatalf("DecodeBytes returned %+v beside error %v", a, err)
			}
			return
		}
		enc, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		b, err := DecodeBytes(enc)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		// omitempty drops empty lists, so [] comes back as nil: the same document.
		if got, want := nilEmpty(b), nilEmpty(a); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip changed the approach\n got %+v\nwant %+v\nJSON %s", got, want, enc)
		}
	})
}

// nilEmpty returns a copy of a with empty lists set to nil.
func nilEmpty(a *Approach) *Approach {
	c := *a
	if len(c.Messages) == 0 {
		c.Messages = nil
	}
	if a.Sender != nil {
		s := *a.Sender
		if len(s.Experience) == 0 {
			s.Experience = nil
		}
		if len(s.Education) == 0 {
			s.Education = nil
		}
		c.Sender = &s
	}
	return &c
}

func TestDecodeErrors(t *testing.T) {
	const head = `{"format":"portcullis.approach/v1",`
	tests := []struct {
		name string
		doc  string
		path string   // want Error.Path; "?" leaves it unchecked
		want []string // substrings of the message
	}{
		{"missing format", `{"messages":[{"text":"hi"}]}`, "format", []string{"format: missing", Format}},
		{"wrong format", `{"format":"portcullis.approach/v2","messages":[{"text":"hi"}]}`, "format", []string{"format:", `"portcullis.approach/v2" is not supported`}},
		{"unknown field", head + `"messages":[{"text":"hi"}],"colour":"red"}`, "", []string{`unknown field "colour"`}},
		{"unknown nested field", head + `"sender":{"name":"A","age":3}}`, "", []string{`unknown field "age"`}},
		{"wrong type", head + `"sender":{"connections":"many"}}`, "sender.connections", []string{"sender.connections", "want int", "got JSON string", "line 1"}},
		// encoding/json names the field but not the list index.
		{"wrong type in list", head + `"messages":[{"text":1}]}`, "?", []string{"messages", "text", "want string", "got JSON number"}},
		{"negative connections", head + `"sender":{"connections":-1}}`, "sender.connections", []string{"sender.connections", "negative"}},
		{"bad sent_at", head + `"messages":[{"text":"a"},{"sent_at":"18/11/2025","text":"b"}]}`, "messages[1].sent_at", []string{"messages[1].sent_at", `"18/11/2025"`, "RFC 3339"}},
		{"bad from", head + `"messages":[{"from":"them","text":"a"}]}`, "messages[0].from", []string{"messages[0].from", `"them"`}},
		{"bad experience date", head + `"sender":{"experience":[{"start":"Jan 2020"}]}}`, "sender.experience[0].start", []string{"sender.experience[0].start", "YYYY-MM"}},
		{"bad platform", head + `"platform":"myspace","messages":[{"text":"a"}]}`, "platform", []string{"platform:", `"myspace"`, "linkedin"}},
		{"bad kind", head + `"kind":"poke","messages":[{"text":"a"}]}`, "kind", []string{"kind:", `"poke"`}},
		{"neither sender nor messages", head + `"platform":"email"}`, "", []string{"messages or a sender"}},
		{"empty messages", head + `"messages":[]}`, "", []string{"messages or a sender"}},
		{"trailing data", head + `"messages":[{"text":"a"}]} {"format":"x"}`, "", []string{"after the JSON object"}},
		{"truncated", head + `"messages":[{"text":"a"`, "", []string{"truncated"}},
		{"syntax error", "{\n\"format\": portcullis}", "", []string{"invalid JSON", "line 2"}},
		{"empty", "", "", []string{"empty document"}},
		{"not an object", `["portcullis.approach/v1"]`, "", []string{"got JSON array"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := DecodeBytes([]byte(tt.doc))
			if err == nil {
				t.Fatalf("DecodeBytes accepted %s: %+v", tt.doc, a)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if tt.path != "?" && e.Path != tt.path {
				t.Errorf("Error.Path = %q, want %q (error %q)", e.Path, tt.path, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	doc := `{"format":"portcullis.approach/v1","messages":[{"text":"` + strings.Repeat("a", MaxDocumentBytes) + `"}]}`
	_, err := Decode(strings.NewReader(doc))
	if err == nil || !strings.Contains(err.Error(), "larger than 8 MB") {
		t.Errorf("Decode of a %d-byte document: error %v, want one saying it is larger than 8 MB", len(doc), err)
	}
}

func TestDecodeValid(t *testing.T) {
	a, err := DecodeBytes([]byte(validDoc))
	if err != nil {
		t.Fatal(err)
	}
	if a.Sender == nil || a.Sender.Connections == nil || *a.Sender.Connections != 12 {
		t.Errorf("sender = %+v, want 12 connections", a.Sender)
	}
	if got, want := a.SenderMessages(), []int{0}; !reflect.DeepEqual(got, want) {
		t.Errorf("SenderMessages() = %v, want %v", got, want)
	}
}

func TestHeadlineCompany(t *testing.T) {
	for h, want := range map[string]string{
		"Senior Partner at Meridian Bridge Strategic Advisory | Government Relations & Public Affairs (APAC)": "Meridian Bridge Strategic Advisory",
		"Director at Acme Search":                  "Acme Search",
		"Head of Research @ Northbridge · London":  "Northbridge",
		"Consultante chez Société Générale":        "Société Générale",
		"Independent consultant":                   "",
		"Chief Data Officer at Bank at the Square": "Bank at the Square",
	} {
		if got := HeadlineCompany(h); got != want {
			t.Errorf("HeadlineCompany(%q) = %q, want %q", h, got, want)
		}
	}
}
