package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"portcullis/internal/analysis"
	"portcullis/internal/intel"
	"portcullis/internal/store"
)

// require checks that actor holds at least role. It is the one place
// roles are compared.
func require(actor *store.User, role string) error {
	if actor == nil {
		return ErrUnauthenticated
	}
	if actor.Disabled {
		return Errorf(ErrForbidden, "this account is disabled")
	}
	if store.RoleRank(actor.Role) < store.RoleRank(role) {
		return Errorf(ErrForbidden, "this needs the %s role", role)
	}
	return nil
}

// Require is require for adapters that guard a whole page or route.
func Require(actor *store.User, role string) error { return require(actor, role) }

// IsAnalyst reports whether actor works on the security team.
func IsAnalyst(actor *store.User) bool {
	return actor != nil && !actor.Disabled && store.RoleRank(actor.Role) >= store.RoleRank(store.RoleAnalyst)
}

// Report returns one report. A reporter sees only their own (another's
// is "not found", so that ids reveal nothing); an analyst's view is
// recorded in the audit log.
func (s *Service) Report(ctx context.Context, actor *store.User, id int64, ip string) (*store.Report, error) {
	if err := require(actor, store.RoleReporter); err != nil {
		return nil, err
	}
	r, err := s.db.GetReport(ctx, id)
	if err != nil {
		return nil, err
	}
	if !IsAnalyst(actor) {
		if r.ReporterID != actor.ID {
			return nil, Errorf(store.ErrNotFound, "no report %d", id)
		}
		return r, nil
	}
	// An analyst's read is audited, or it does not happen.
	if err := s.db.AppendAudit(ctx, &store.AuditEvent{ActorID: actor.ID, Actor: actor.Email, Action: "report.view",
		Target: fmt.Sprintf("report:%d", id), IP: ip}); err != nil {
		return nil, fmt.Errorf("reports: audit the view of report %d: %w", id, err)
	}
	return r, nil
}

// Result decodes a stored report's analysis.
func Result(r *store.Report) (*analysis.Result, error) {
	var res analysis.Result
	if err := json.Unmarshal(r.Analysis, &res); err != nil {
		return nil, fmt.Errorf("reports: decode analysis of report %d: %w", r.ID, err)
	}
	return &res, nil
}

// List returns reports: a reporter's own, or any for an analyst.
func (s *Service) List(ctx context.Context, actor *store.User, f store.ReportFilter) ([]store.Report, error) {
	if err := require(actor, store.RoleReporter); err != nil {
		return nil, err
	}
	if !IsAnalyst(actor) {
		f.ReporterID = actor.ID
	}
	return s.db.ListReports(ctx, f)
}

// Counts counts reports by level and status, as List would select them.
func (s *Service) Counts(ctx context.Context, actor *store.User, f store.ReportFilter) (store.ReportCounts, error) {
	if err := require(actor, store.RoleReporter); err != nil {
		return store.ReportCounts{}, err
	}
	if !IsAnalyst(actor) {
		f.ReporterID = actor.ID
	}
	return s.db.CountReports(ctx, f)
}

// UpdateCase changes a report's case (analysts only); each change is
// noted in the report's timeline and the audit log.
func (s *Service) UpdateCase(ctx context.Context, actor *store.User, id int64, u store.CaseUpdate, ip string) (*store.Report, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	old, err := s.db.GetReport(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Status != nil && !oneOf(*u.Status, []string{store.StatusNew, store.StatusTriaging, store.StatusEscalated, store.StatusClosed}) {
		return nil, Errorf(store.ErrInvalid, "status must be new, triaging, escalated or closed")
	}
	if u.Verdict != nil && !oneOf(*u.Verdict, []string{"", store.VerdictHostile, store.VerdictSuspicious, store.VerdictBenign, store.VerdictExercise}) {
		return nil, Errorf(store.ErrInvalid, "verdict must be hostile, suspicious, benign or exercise")
	}
	if u.Feedback != nil {
		fb := strings.TrimSpace(*u.Feedback)
		if utf8.RuneCountInString(fb) > 10000 {
			return nil, Errorf(store.ErrInvalid, "feedback is limited to 10,000 characters")
		}
		u.Feedback = &fb
	}
	var assignee *store.User
	if u.AssigneeID != nil && *u.AssigneeID != 0 {
		assignee, err = s.db.GetUser(ctx, *u.AssigneeID)
		if err != nil || !IsAnalyst(assignee) {
			return nil, Errorf(store.ErrInvalid, "a case can only be assigned to an analyst")
		}
	}
	r, err := s.db.UpdateCase(ctx, id, u)
	if err != nil {
		return nil, err
	}
	var changes []string
	if u.Status != nil && *u.Status != old.Status {
		changes = append(changes, fmt.Sprintf("status %s → %s", old.Status, *u.Status))
	}
	if u.Verdict != nil && *u.Verdict != old.Verdict {
		changes = append(changes, fmt.Sprintf("verdict %s", orNone(*u.Verdict)))
	}
	if u.AssigneeID != nil && !sameAssignee(old.AssigneeID, *u.AssigneeID) {
		if assignee != nil {
			changes = append(changes, "assigned to "+assignee.Name)
		} else {
			changes = append(changes, "unassigned")
		}
	}
	if u.Feedback != nil && *u.Feedback != old.Feedback {
		changes = append(changes, "feedback to the reporter: "+*u.Feedback)
	}
	if len(changes) > 0 {
		n := &store.Note{ReportID: id, AuthorID: actor.ID, Kind: "change", Text: strings.Join(changes, "; ")}
		if err := s.db.AddNote(ctx, n); err != nil {
			return nil, err
		}
		detail, _ := json.Marshal(map[string]any{"changes": changes})
		s.audit(ctx, actor, "report.update", fmt.Sprintf("report:%d", id), string(detail), ip)
	}
	return r, nil
}

func sameAssignee(old *int64, id int64) bool {
	if old == nil {
		return id == 0
	}
	return *old == id
}

func orNone(s string) string {
	if s == "" {
		return "cleared"
	}
	return s
}

// AddNote adds an analyst's note to a report's timeline.
func (s *Service) AddNote(ctx context.Context, actor *store.User, id int64, text, ip string) (*store.Note, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, Errorf(store.ErrInvalid, "write the note before adding it")
	}
	if utf8.RuneCountInString(text) > 20000 {
		return nil, Errorf(store.ErrInvalid, "a note is limited to 20,000 characters")
	}
	if _, err := s.db.GetReport(ctx, id); err != nil {
		return nil, err
	}
	n := &store.Note{ReportID: id, AuthorID: actor.ID, Kind: "note", Text: text}
	if err := s.db.AddNote(ctx, n); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, "report.note", fmt.Sprintf("report:%d", id), "", ip)
	return n, nil
}

// Notes returns a report's timeline (analysts only).
func (s *Service) Notes(ctx context.Context, actor *store.User, id int64) ([]store.Note, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.ListNotes(ctx, id)
}

// Related returns other reports sharing an indicator (analysts only).
// Person names are left out: sharing a common name links nothing.
func (s *Service) Related(ctx context.Context, actor *store.User, id int64) ([]store.Related, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	rel, err := s.db.RelatedReports(ctx, id, 50)
	if err != nil {
		return nil, err
	}
	out := rel[:0]
	for _, r := range rel {
		if r.Type != "person_name" && r.Type != "person" {
			out = append(out, r)
		}
	}
	return out, nil
}

// ReportIndicators returns a report's extracted indicators (analysts only).
func (s *Service) ReportIndicators(ctx context.Context, actor *store.User, id int64) ([]store.ReportIndicator, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.ReportIndicators(ctx, id)
}

// Attachments lists a report's attachments (analysts only).
func (s *Service) Attachments(ctx context.Context, actor *store.User, id int64) ([]store.Attachment, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.ListAttachments(ctx, id)
}

// Raw returns a report's submitted input for download (analysts only,
// audited as an export).
func (s *Service) Raw(ctx context.Context, actor *store.User, id int64, ip string) (*store.Report, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	r, err := s.db.GetReport(ctx, id)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, actor, "report.download", fmt.Sprintf("report:%d", id), "", ip)
	return r, nil
}

// RuleHits counts the reports each rule fired on (analysts only).
func (s *Service) RuleHits(ctx context.Context, actor *store.User) (map[string]int, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.RuleHits(ctx)
}

// watchlistWord is what a reporter is told instead of a restricted
// watchlist entry's value and source.
const watchlistWord = "the security team's watchlist"

// Redact prepares an analysis for the actor. Analysts see everything. A
// reporter learns that a message matches the watchlist, and which of
// their own words matched, but not the entry's value or source unless it
// is TLP:CLEAR or TLP:GREEN: otherwise a recruited insider could test
// whether their handler is known, and to whom.
func Redact(actor *store.User, res *analysis.Result) *analysis.Result {
	if res == nil || IsAnalyst(actor) || len(res.WatchlistMatches) == 0 {
		return res
	}
	c := *res
	c.WatchlistMatches = make([]analysis.Match, len(res.WatchlistMatches))
	var secrets []string
	for i, m := range res.WatchlistMatches {
		if r := intelRank(m.TLP); r >= 0 && r <= 1 {
			c.WatchlistMatches[i] = m
			continue
		}
		if m.Indicator.Source != "" {
			secrets = append(secrets, m.Indicator.Source)
		}
		if m.Indicator.Value != "" && !strings.EqualFold(m.Indicator.Value, m.Matched) {
			secrets = append(secrets, m.Indicator.Value)
		}
		m.Indicator.Value, m.Indicator.Source = "", watchlistWord
		m.Title = ""
		c.WatchlistMatches[i] = m
	}
	hide := func(s string) string {
		for _, x := range secrets {
			s = strings.ReplaceAll(s, x, watchlistWord)
		}
		return s
	}
	c.Summary = hide(c.Summary)
	c.Advice = make([]string, len(res.Advice))
	for i, a := range res.Advice {
		c.Advice[i] = hide(a)
	}
	c.Findings = slices.Clone(res.Findings)
	for i := range c.Findings {
		c.Findings[i].Explanation = hide(c.Findings[i].Explanation)
	}
	return &c
}

func intelRank(tlp string) int {
	if tlp == "" {
		return -1
	}
	return intel.TLPRank(tlp)
}
