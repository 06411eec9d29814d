// Package approach defines the portcullis.approach/v1 document: one contact
// attempt as the recipient saw it (platform, kind, sender, recipient and the
// messages of the thread), and decodes it strictly from JSON.
package approach

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Format is the value of the "format" field of an approach document.
const Format = "portcullis.approach/v1"

// Platforms lists the values allowed in Approach.Platform.
var Platforms = []string{"linkedin", "email", "whatsapp", "telegram", "wechat", "signal", "x", "other"}

// Kinds lists the values allowed in Approach.Kind.
var Kinds = []string{"message", "connection_request", "profile"}

// Approach is one contact attempt as the recipient saw it.
type Approach struct {
	Format    string     `json:"format,omitempty" yaml:"format,omitempty"`
	Platform  string     `json:"platform,omitempty" yaml:"platform,omitempty"`
	Kind      string     `json:"kind,omitempty" yaml:"kind,omitempty"`
	Sender    *Sender    `json:"sender,omitempty" yaml:"sender,omitempty"`
	Recipient *Recipient `json:"recipient,omitempty" yaml:"recipient,omitempty"`
	Messages  []Message  `json:"messages,omitempty" yaml:"messages,omitempty"`
}

// Sender is who made the approach, as their profile or mail presented them.
// Unknown numbers are nil, never zero.
type Sender struct {
	Name           string       `json:"name,omitempty" yaml:"name,omitempty"`
	Headline       string       `json:"headline,omitempty" yaml:"headline,omitempty"`
	Company        string       `json:"company,omitempty" yaml:"company,omitempty"`
	Location       string       `json:"location,omitempty" yaml:"location,omitempty"`
	ProfileURL     string       `json:"profile_url,omitempty" yaml:"profile_url,omitempty"`
	Email          string       `json:"email,omitempty" yaml:"email,omitempty"`
	Phone          string       `json:"phone,omitempty" yaml:"phone,omitempty"`
	Connections    *int         `json:"connections,omitempty" yaml:"connections,omitempty"`
	AccountAgeDays *int         `json:"account_age_days,omitempty" yaml:"account_age_days,omitempty"`
	Experience     []Experience `json:"experience,omitempty" yaml:"experience,omitempty"`
	Education      []Education  `json:"education,omitempty" yaml:"education,omitempty"`
}

// Experience is one position on a sender's profile.
type Experience struct {
	Title        string `json:"title,omitempty" yaml:"title,omitempty"`
	Organization string `json:"organization,omitempty" yaml:"organization,omitempty"`
	Start        string `json:"start,omitempty" yaml:"start,omitempty"`
	End          string `json:"end,omitempty" yaml:"end,omitempty"`
}

// Education is one school on a sender's profile.
type Education struct {
	School string `json:"school,omitempty" yaml:"school,omitempty"`
	Degree string `json:"degree,omitempty" yaml:"degree,omitempty"`
	Start  string `json:"start,omitempty" yaml:"start,omitempty"`
	End    string `json:"end,omitempty" yaml:"end,omitempty"`
}

// Recipient is the member or staffer who was approached.
type Recipient struct {
	Name         string `json:"name,omitempty" yaml:"name,omitempty"`
	Role         string `json:"role,omitempty" yaml:"role,omitempty"`
	Organization string `json:"organization,omitempty" yaml:"organization,omitempty"`
}

// Message is one message of the thread.
type Message struct {
	From    string `json:"from,omitempty" yaml:"from,omitempty"` // "sender" or "recipient"
	SentAt  string `json:"sent_at,omitempty" yaml:"sent_at,omitempty"`
	Subject string `json:"subject,omitempty" yaml:"subject,omitempty"`
	Text    string `json:"text,omitempty" yaml:"text,omitempty"`
}

// FromSender reports whether the message was written by the sender of the
// approach (an empty From counts as the sender).
func (m Message) FromSender() bool { return m.From != "recipient" }

// MaxDocumentBytes bounds an approach document; larger ones are refused.
const MaxDocumentBytes = 8 << 20

// Error describes why a document is not a valid approach. Path names the
// offending field in the document, e.g. "messages[2].sent_at".
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "approach: " + e.Msg
	}
	return "approach: " + e.Path + ": " + e.Msg
}

// Decode reads one approach document from r, rejecting unknown fields, wrong
// types, unknown enum values and documents with neither sender nor messages.
func Decode(r io.Reader) (*Approach, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("approach: read: %w", err)
	}
	if len(data) > MaxDocumentBytes {
		return nil, &Error{Msg: fmt.Sprintf("document is larger than %d MB", MaxDocumentBytes>>20)}
	}
	return DecodeBytes(data)
}

// DecodeBytes is Decode over a byte slice.
func DecodeBytes(data []byte) (*Approach, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var a Approach
	if err := dec.Decode(&a); err != nil {
		return nil, jsonError(data, err)
	}
	if dec.More() {
		return nil, &Error{Msg: "unexpected data after the JSON object; give one approach per document"}
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return &Error{Msg: fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, syn)}
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		return &Error{Path: typ.Field, Msg: fmt.Sprintf("want %s, got JSON %s (line %d, column %d)", typ.Type, typ.Value, line, col)}
	case errors.Is(err, io.EOF):
		return &Error{Msg: "empty document"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Msg: "document ends early: the JSON is truncated"}
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &Error{Msg: "unknown field " + f + " (see the portcullis.approach/v1 format in docs/formats.md)"}
	}
	return &Error{Msg: strings.TrimPrefix(msg, "json: ")}
}

func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col = 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// Validate checks the rules of the format that JSON decoding alone does not.
func (a *Approach) Validate() error {
	if a.Format != Format {
		if a.Format == "" {
			return &Error{Path: "format", Msg: fmt.Sprintf("missing; want %q", Format)}
		}
		return &Error{Path: "format", Msg: fmt.Sprintf("%q is not supported; want %q", a.Format, Format)}
	}
	return a.validateContent()
}

// ValidateLoose is Validate without requiring the format field, for test
// cases written inline in rule files.
func (a *Approach) ValidateLoose() error { return a.validateContent() }

func (a *Approach) validateContent() error {
	if a.Platform != "" && !oneOf(a.Platform, Platforms) {
		return &Error{Path: "platform", Msg: fmt.Sprintf("%q is not one of %s", a.Platform, strings.Join(Platforms, ", "))}
	}
	if a.Kind != "" && !oneOf(a.Kind, Kinds) {
		return &Error{Path: "kind", Msg: fmt.Sprintf("%q is not one of %s", a.Kind, strings.Join(Kinds, ", "))}
	}
	if a.Sender == nil && len(a.Messages) == 0 {
		return &Error{Msg: "there must be messages or a sender"}
	}
	if s := a.Sender; s != nil {
		if s.Connections != nil && *s.Connections < 0 {
			return &Error{Path: "sender.connections", Msg: "must not be negative; leave it out when unknown"}
		}
		if s.AccountAgeDays != nil && *s.AccountAgeDays < 0 {
			return &Error{Path: "sender.account_age_days", Msg: "must not be negative; leave it out when unknown"}
		}
		for i, e := range s.Experience {
			for _, d := range []struct{ name, v string }{{"start", e.Start}, {"end", e.End}} {
				if d.v != "" && !validMonth(d.v) {
					return &Error{Path: fmt.Sprintf("sender.experience[%d].%s", i, d.name), Msg: fmt.Sprintf("%q is not a date of the form YYYY-MM", d.v)}
				}
			}
		}
		for i, e := range s.Education {
			for _, d := range []struct{ name, v string }{{"start", e.Start}, {"end", e.End}} {
				if d.v != "" && !validMonth(d.v) {
					return &Error{Path: fmt.Sprintf("sender.education[%d].%s", i, d.name), Msg: fmt.Sprintf("%q is not a year (YYYY)", d.v)}
				}
			}
		}
	}
	for i, m := range a.Messages {
		if m.From != "" && m.From != "sender" && m.From != "recipient" {
			return &Error{Path: fmt.Sprintf("messages[%d].from", i), Msg: fmt.Sprintf("%q is not sender or recipient", m.From)}
		}
		if m.SentAt != "" {
			if _, err := time.Parse(time.RFC3339, m.SentAt); err != nil {
				return &Error{Path: fmt.Sprintf("messages[%d].sent_at", i), Msg: fmt.Sprintf("%q is not an RFC 3339 time such as 2025-11-18T09:30:00Z", m.SentAt)}
			}
		}
	}
	return nil
}

// validMonth accepts YYYY or YYYY-MM; profiles often give only a year.
func validMonth(s string) bool {
	if _, err := time.Parse("2006-01", s); err == nil {
		return true
	}
	_, err := time.Parse("2006", s)
	return err == nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// SenderMessages returns the indexes of the messages written by the sender.
func (a *Approach) SenderMessages() []int {
	var idx []int
	for i, m := range a.Messages {
		if m.FromSender() {
			idx = append(idx, i)
		}
	}
	return idx
}

// HeadlineCompany returns the employer a headline names: "Senior Partner
// at Meridian Advisory | Government Relations" gives "Meridian Advisory".
// Headlines are split at "|", "·" and "•"; the first part with " at " or
// " @ " (also the French "chez" and German "bei") names the employer.
// It returns "" when the headline names none.
func HeadlineCompany(headline string) string {
	for _, part := range strings.FieldsFunc(headline, func(r rune) bool { return r == '|' || r == '·' || r == '•' }) {
		low := strings.ToLower(part)
		best, sepLen := -1, 0
		for _, sep := range []string{" at ", " @ ", " chez ", " bei "} {
			if i := strings.Index(low, sep); i >= 0 && (best < 0 || i < best) {
				best, sepLen = i, len(sep)
			}
		}
		if best >= 0 {
			if co := strings.TrimSpace(part[best+sepLen:]); len(co) >= 2 && len(co) <= 120 {
				return co
			}
		}
	}
	return ""
}
