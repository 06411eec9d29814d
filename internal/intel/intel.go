// Package intel is Portcullis's memory of what is known to be hostile
// (watch) and known to be legitimate (allow): indicators from public
// warnings and partners, matched into every analysis. Typed values
// (emails, domains, profiles...) match exactly in constant time;
// organisations and people match after folding case, accents, scripts,
// punctuation and legal forms, and a person's name alone is only a lead.
package intel

import (
	"bufio"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"portcullis/internal/indicator"
)

// Kinds of watchlist entry.
const (
	Watch   = "watch"   // raises risk
	Allow   = "allow"   // known legitimate: suppresses false positives
	Context = "context" // adds weight to other matches, never a flag alone
)

// Source says where an entry comes from.
type Source struct {
	Name string
	URL  string
	Date string // YYYY, YYYY-MM or YYYY-MM-DD
}

// Entry is one watchlist indicator.
type Entry struct {
	Type        indicator.Type
	Value       string // normal form (indicator.Normalize); display form for names
	Kind        string
	Aliases     []string
	Source      Source
	TLP         string // TLP 2.0: clear, green, amber, amber+strict, red
	Confidence  int    // 0-100
	ValidFrom   time.Time
	ValidUntil  time.Time // zero: no end
	Description string
	Tags        []string
	// A person matches with context when one of these organisations or
	// locations also appears in the approach.
	ContextOrganizations []string
	ContextLocations     []string
}

// Active reports whether the entry matches at time t.
func (e *Entry) Active(t time.Time) bool {
	if !e.ValidFrom.IsZero() && t.Before(e.ValidFrom) {
		return false
	}
	return e.ValidUntil.IsZero() || t.Before(e.ValidUntil)
}

//go:embed seed.csv
var seedCSV string

// Seed returns the watchlist shipped with the binary: public warnings by
// MI5, the BfV and others, and an allowlist of LinkedIn's own domains.
func Seed() []*Entry {
	es, err := ReadCSV(strings.NewReader(seedCSV))
	if err != nil {
		panic("intel: embedded seed.csv is invalid: " + err.Error())
	}
	return es
}

// CSVHeader lists the columns of the watchlist CSV format.
var CSVHeader = []string{"type", "value", "kind", "aliases", "context_organizations", "context_locations",
	"source_name", "source_date", "tlp", "confidence", "tags", "description"}

// SkipBOM drops a UTF-8 byte-order mark at the start of r, as
// spreadsheet programs write before a (possibly quoted) header.
func SkipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	return br
}

// ReadCSV reads watchlist entries from CSV with a header row. Columns are
// named as in CSVHeader; only type and value are required; list columns
// use ";" between items. Optional columns valid_from and valid_until take
// RFC 3339 dates or YYYY-MM-DD.
func ReadCSV(r io.Reader) ([]*Entry, error) {
	cr := csv.NewReader(SkipBOM(r))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("intel: csv header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["type"]; !ok {
		return nil, errors.New("intel: csv: the header row needs a 'type' column (and 'value')")
	}
	if _, ok := col["value"]; !ok {
		return nil, errors.New("intel: csv: the header row needs a 'value' column")
	}
	var out []*Entry
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("intel: csv: %w", err)
		}
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e, err := newEntry(get)
		if err != nil {
			return nil, fmt.Errorf("intel: csv line %d: %w", line, err)
		}
		out = append(out, e)
	}
}

func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ";") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// ParseEntry builds and validates one entry from named fields, the CSV
// column names (type, value, kind, aliases, source_name, tlp, ...).
func ParseEntry(fields map[string]string) (*Entry, error) {
	return newEntry(func(k string) string { return strings.TrimSpace(fields[k]) })
}

func newEntry(get func(string) string) (*Entry, error) {
	t := indicator.Type(strings.ToLower(get("type")))
	known := false
	for _, k := range indicator.Types {
		known = known || k == t
	}
	if !known {
		return nil, fmt.Errorf("type %q is not one of %v", t, indicator.Types)
	}
	v := indicator.Normalize(t, get("value"))
	if v == "" {
		return nil, fmt.Errorf("%q is not a valid %s", get("value"), t)
	}
	e := &Entry{Type: t, Value: v, Kind: strings.ToLower(get("kind")), Aliases: list(get("aliases")),
		Source: Source{Name: get("source_name"), URL: get("source_url"), Date: get("source_date")},
		TLP:    strings.ToLower(get("tlp")), Description: get("description"), Tags: list(get("tags")),
		ContextOrganizations: list(get("context_organizations")), ContextLocations: list(get("context_locations")), Confidence: 50}
	switch e.Kind {
	case "":
		e.Kind = Watch
	case Watch, Allow, Context:
	default:
		return nil, fmt.Errorf("kind %q is not watch, allow or context", e.Kind)
	}
	switch e.TLP {
	case "":
		e.TLP = "amber"
	case "clear", "white", "green", "amber", "amber+strict", "red":
		if e.TLP == "white" {
			e.TLP = "clear"
		}
	default:
		return nil, fmt.Errorf("tlp %q is not clear, green, amber, amber+strict or red", e.TLP)
	}
	if c := get("confidence"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > 100 {
			return nil, fmt.Errorf("confidence %q is not a number from 0 to 100", c)
		}
		e.Confidence = n
	}
	for _, d := range []struct {
		k string
		p *time.Time
	}{{"valid_from", &e.ValidFrom}, {"valid_until", &e.ValidUntil}} {
		if s := get(d.k); s != "" {
			tm, err := parseDate(s)
			if err != nil {
				return nil, fmt.Errorf("%s %q is not a date (YYYY-MM-DD or RFC 3339)", d.k, s)
			}
			*d.p = tm
		}
	}
	return e, nil
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

// WriteCSV writes entries in the format ReadCSV reads, with validity
// columns, so that export then import loses nothing.
func WriteCSV(w io.Writer, entries []*Entry) error {
	cw := csv.NewWriter(w)
	head := append(append([]string{}, CSVHeader...), "source_url", "valid_from", "valid_until")
	if err := cw.Write(head); err != nil {
		return err
	}
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, e := range entries {
		rec := []string{string(e.Type), e.Value, e.Kind, strings.Join(e.Aliases, ";"),
			strings.Join(e.ContextOrganizations, ";"), strings.Join(e.ContextLocations, ";"),
			e.Source.Name, e.Source.Date, e.TLP, strconv.Itoa(e.Confidence), strings.Join(e.Tags, ";"), e.Description,
			e.Source.URL, date(e.ValidFrom), date(e.ValidUntil)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// TLPRank orders TLP 2.0 levels: clear 0, green 1, amber 2, amber+strict 3,
// red 4; -1 for an unknown level.
func TLPRank(tlp string) int {
	switch strings.ToLower(strings.TrimPrefix(strings.ToLower(tlp), "tlp:")) {
	case "clear", "white":
		return 0
	case "green":
		return 1
	case "amber":
		return 2
	case "amber+strict":
		return 3
	case "red":
		return 4
	}
	return -1
}
