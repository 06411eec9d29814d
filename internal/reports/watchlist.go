package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/intel"
	"portcullis/internal/stix"
	"portcullis/internal/store"
)

// Indicators lists watchlist entries (analysts only).
func (s *Service) Indicators(ctx context.Context, actor *store.User, f store.Filter) ([]*store.Record, int, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, 0, err
	}
	recs, err := s.db.ListIndicators(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	f.Limit, f.Offset = 0, 0
	n, err := s.db.CountIndicators(ctx, f)
	return recs, n, err
}

// Indicator returns one watchlist entry (analysts only).
func (s *Service) Indicator(ctx context.Context, actor *store.User, id string) (*store.Record, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.GetIndicator(ctx, id)
}

// PutIndicators adds or updates watchlist entries (analysts only) and
// reloads the matcher so that the next analysis sees them. fields are as
// in the CSV format (type, value, kind, tlp, source_name...).
func (s *Service) PutIndicators(ctx context.Context, actor *store.User, entries []*intel.Entry, how, ip string) (inserted, updated int, err error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return 0, 0, err
	}
	return s.putIndicators(ctx, actor, entries, how, ip)
}

// putIndicators stores entries for an analyst, or for the system (actor
// nil: a partner feed).
func (s *Service) putIndicators(ctx context.Context, actor *store.User, entries []*intel.Entry, how, ip string) (inserted, updated int, err error) {
	if len(entries) == 0 {
		return 0, 0, Errorf(store.ErrInvalid, "there are no indicators to add")
	}
	inserted, updated, err = s.db.PutIndicators(ctx, entries)
	if err != nil {
		return 0, 0, err
	}
	detail := Detail("how", how, "inserted", inserted, "updated", updated)
	target := ""
	if len(entries) == 1 {
		target = fmt.Sprintf("indicator:%s:%s", entries[0].Type, entries[0].Value)
	}
	s.audit(ctx, actor, "indicator."+how, target, detail, ip)
	if err := s.ReloadWatchlist(ctx); err != nil {
		return inserted, updated, err
	}
	if s.onIndicators != nil && how != "taxii" {
		// What partners sent us is theirs to share, not ours.
		s.onIndicators(ctx, entries)
	}
	// Who was already contacted? Hunt back through the stored reports
	// for each hostile indicator (allowlist entries need no hunt).
	hunts := 0
	for _, e := range entries {
		if e.Kind == intel.Allow || how == "edit" {
			continue
		}
		if hunts == MaxHuntsPerChange {
			s.logger.Warn("too many indicators at once for a retro-hunt each; hunt the rest by hand", "indicators", len(entries))
			break
		}
		key, _ := store.Key(e.Type, e.Value)
		if _, err := s.StartHunt(ctx, nil, store.IndicatorID(e.Type, key, e.Source.Name), "indicator."+how, ip); err != nil {
			s.logger.Warn("retro-hunt not started", "err", err)
			continue
		}
		hunts++
	}
	return inserted, updated, nil
}

// MaxHuntsPerChange bounds the retro-hunts one import starts.
const MaxHuntsPerChange = 100

// ParseIndicator builds one entry from form or API fields, with sensible
// defaults: a watch entry, TLP:AMBER, confidence 70, the actor as source.
func ParseIndicator(actor *store.User, fields map[string]string) (*intel.Entry, error) {
	def := map[string]string{"kind": intel.Watch, "tlp": "amber", "confidence": "70"}
	for k, v := range def {
		if strings.TrimSpace(fields[k]) == "" {
			fields[k] = v
		}
	}
	if strings.TrimSpace(fields["source_name"]) == "" && actor != nil {
		fields["source_name"] = "security team (" + actor.Email + ")"
	}
	if fields["source_date"] == "" {
		fields["source_date"] = time.Now().UTC().Format("2006-01-02")
	}
	e, err := intel.ParseEntry(fields)
	if err != nil {
		return nil, Errorf(store.ErrInvalid, "%v", err)
	}
	return e, nil
}

// ExpireIndicator stops a watchlist entry from matching (analysts only).
func (s *Service) ExpireIndicator(ctx context.Context, actor *store.User, id, ip string) error {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return err
	}
	if err := s.db.ExpireIndicator(ctx, id, s.now()); err != nil {
		return err
	}
	s.audit(ctx, actor, "indicator.expire", "indicator:"+id, "", ip)
	return s.ReloadWatchlist(ctx)
}

// ImportIndicators reads a STIX 2.1 bundle or a CSV file and stores its
// entries (analysts only). The report says what was skipped and why.
func (s *Service) ImportIndicators(ctx context.Context, actor *store.User, data []byte, ip string) (inserted, updated int, notes []string, err error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return 0, 0, nil, err
	}
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	var entries []*intel.Entry
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		es, rep, err := stix.Import(data)
		if err != nil {
			return 0, 0, nil, Errorf(store.ErrInvalid, "%v", err)
		}
		for _, sk := range rep.Skipped {
			notes = append(notes, fmt.Sprintf("skipped %s: %s", sk.ID, sk.Reason))
		}
		for _, n := range rep.Notes {
			notes = append(notes, fmt.Sprintf("%s: %s", n.ID, n.Reason))
		}
		entries = es
	} else {
		es, err := intel.ReadCSV(bytes.NewReader(data))
		if err != nil {
			return 0, 0, nil, Errorf(store.ErrInvalid, "%v", err)
		}
		entries = es
	}
	inserted, updated, err = s.PutIndicators(ctx, actor, entries, "import", ip)
	return inserted, updated, notes, err
}

// ExportIndicators writes the stored watchlist as STIX 2.1 or CSV, up to
// tlpMax (TLP:RED never leaves), and records the export in the audit log.
func (s *Service) ExportIndicators(ctx context.Context, actor *store.User, format, tlpMax, ip string) ([]byte, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	if tlpMax == "" {
		tlpMax = "amber"
	}
	if intel.TLPRank(tlpMax) < 0 {
		return nil, Errorf(store.ErrInvalid, "TLP must be clear, green, amber or amber+strict")
	}
	recs, err := s.db.ListIndicators(ctx, store.Filter{})
	if err != nil {
		return nil, err
	}
	entries := make([]*intel.Entry, 0, len(recs))
	for _, r := range recs {
		entries = append(entries, r.Entry)
	}
	var out []byte
	switch format {
	case "stix":
		out, err = stix.ExportWith(entries, s.now(), stix.ExportOptions{TLPMax: tlpMax})
	case "csv":
		max := min(intel.TLPRank(tlpMax), 3)
		var keep []*intel.Entry
		for _, e := range entries {
			if r := intel.TLPRank(e.TLP); r >= 0 && r <= max {
				keep = append(keep, e)
			}
		}
		var b bytes.Buffer
		err = intel.WriteCSV(&b, keep)
		out = b.Bytes()
	default:
		return nil, Errorf(store.ErrInvalid, "format must be stix or csv")
	}
	if err != nil {
		return nil, err
	}
	s.audit(ctx, actor, "indicator.export", "", Detail("format", format, "tlp_max", tlpMax), ip)
	return out, nil
}

// People lists the people directory (analysts only).
func (s *Service) People(ctx context.Context, actor *store.User, search string) ([]store.Person, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.ListPeople(ctx, search, 500)
}

// Person returns the directory entry for an address, if any (analysts only).
func (s *Service) Person(ctx context.Context, actor *store.User, email string) (*store.Person, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.GetPersonByEmail(ctx, email)
}

// ImportPeople reads the people directory from CSV with a header row
// naming the columns name, email, role, office, party, committees
// (committees separated by ";"), in any order; email is required.
// Admins only (actor nil: the command line).
func (s *Service) ImportPeople(ctx context.Context, actor *store.User, r io.Reader, ip string) (created, updated int, err error) {
	if actor != nil {
		if err := require(actor, store.RoleAdmin); err != nil {
			return 0, 0, err
		}
	}
	people, err := ReadPeopleCSV(r)
	if err != nil {
		return 0, 0, err
	}
	created, updated, err = s.db.PutPeople(ctx, people)
	if err != nil {
		return 0, 0, err
	}
	s.audit(ctx, actor, "people.import", "", Detail("created", created, "updated", updated), ip)
	return created, updated, nil
}

// MaxPeople bounds one people import.
const MaxPeople = 200000

// ReadPeopleCSV parses a people directory CSV file.
func ReadPeopleCSV(r io.Reader) ([]store.Person, error) {
	cr := csv.NewReader(intel.SkipBOM(io.LimitReader(r, 64<<20)))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, Errorf(store.ErrInvalid, "people CSV: no header row (name,email,role,office,party,committees): %v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, Errorf(store.ErrInvalid, "people CSV: the header has no email column (expected name,email,role,office,party,committees)")
	}
	get := func(rec []string, k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []store.Person
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, Errorf(store.ErrInvalid, "people CSV: %v", err)
		}
		line, _ := cr.FieldPos(0)
		email := get(rec, "email")
		if email == "" {
			continue
		}
		a, err := mail.ParseAddress(email)
		if err != nil {
			return nil, Errorf(store.ErrInvalid, "people CSV line %d: %q is not an email address", line, truncate(email, 100))
		}
		email = strings.ToLower(a.Address)
		if seen[email] {
			return nil, Errorf(store.ErrInvalid, "people CSV line %d: %s appears twice", line, email)
		}
		seen[email] = true
		var committees []string
		for _, c := range strings.Split(get(rec, "committees"), ";") {
			if c = strings.TrimSpace(c); c != "" {
				committees = append(committees, truncate(c, 200))
			}
		}
		out = append(out, store.Person{Name: truncate(get(rec, "name"), 200), Email: email, Role: truncate(get(rec, "role"), 100),
			Office: truncate(get(rec, "office"), 200), Party: truncate(get(rec, "party"), 100), Committees: committees})
		if len(out) > MaxPeople {
			return nil, Errorf(store.ErrInvalid, "people CSV: more than %d people", MaxPeople)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(store.ErrInvalid, "people CSV: no rows with an email address")
	}
	return out, nil
}

// KnownSender reports whether addr is an active user, for SMTP intake.
func (s *Service) KnownSender(ctx context.Context, addr string) (bool, error) {
	u, err := s.db.GetUserByEmail(ctx, addr)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !u.Disabled, nil
}

// ErrMailRejected is returned by SubmitMail for mail that can never be
// accepted; the SMTP adapter maps it to its own permanent error.
var ErrMailRejected = errors.New("rejected")

// SubmitMail stores a report forwarded by email from the user at from.
func (s *Service) SubmitMail(ctx context.Context, from string, raw []byte) (*store.Report, *analysis.Result, *store.User, error) {
	u, err := s.db.GetUserByEmail(ctx, from)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, fmt.Errorf("%w: %s is not a user", ErrMailRejected, from)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if u.Disabled {
		return nil, nil, nil, fmt.Errorf("%w: %s is disabled", ErrMailRejected, from)
	}
	r, res, err := s.Submit(ctx, u, Submission{Channel: "email", Intent: store.IntentReport, Raw: raw})
	if err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return nil, nil, nil, fmt.Errorf("%w: %v", ErrMailRejected, err)
		}
		return nil, nil, nil, err
	}
	return r, res, u, nil
}
