package reports

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"portcullis/internal/intel"
	"portcullis/internal/store"
)

// markdown renders advisories. Without the Unsafe option goldmark drops
// raw HTML and dangerous link schemes (javascript:, vbscript:, data:
// other than images), so an advisory cannot carry script into the page.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Table, extension.Strikethrough))

// RenderMarkdown renders an advisory body as safe HTML.
func RenderMarkdown(src string) template.HTML {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(src), &b); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(b.String()) // goldmark escapes text and omits raw HTML
}

// AdvisoryInput is what an analyst writes.
type AdvisoryInput struct {
	Title      string
	Body       string
	TLP        string
	Audience   store.Audience
	Indicators []string // watchlist entry ids
}

func (s *Service) checkAdvisory(ctx context.Context, in *AdvisoryInput) error {
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || len(in.Title) > 200 {
		return Errorf(store.ErrInvalid, "give the advisory a title (up to 200 characters)")
	}
	if strings.TrimSpace(in.Body) == "" || len(in.Body) > 100_000 {
		return Errorf(store.ErrInvalid, "write the advisory (up to 100,000 characters)")
	}
	if in.TLP == "" {
		in.TLP = "green"
	}
	if intel.TLPRank(in.TLP) < 0 {
		return Errorf(store.ErrInvalid, "TLP must be clear, green, amber, amber+strict or red")
	}
	for _, r := range in.Audience.Roles {
		if strings.TrimSpace(r) == "" {
			return Errorf(store.ErrInvalid, "an audience role is empty")
		}
	}
	in.Indicators = slices.Compact(slices.Sorted(slices.Values(in.Indicators)))
	for _, id := range in.Indicators {
		if _, err := s.db.GetIndicator(ctx, id); err != nil {
			return Errorf(store.ErrInvalid, "indicator %q is not on the watchlist", id)
		}
	}
	return nil
}

// CreateAdvisory saves a draft advisory (analysts only).
func (s *Service) CreateAdvisory(ctx context.Context, actor *store.User, in AdvisoryInput, ip string) (*store.Advisory, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	if err := s.checkAdvisory(ctx, &in); err != nil {
		return nil, err
	}
	a := &store.Advisory{Title: in.Title, Body: in.Body, TLP: in.TLP, Audience: in.Audience, Indicators: in.Indicators,
		Status: store.AdvisoryDraft, CreatedBy: actor.ID}
	if err := s.db.CreateAdvisory(ctx, a); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, "advisory.create", fmt.Sprintf("advisory:%d", a.ID), "", ip)
	return a, nil
}

// UpdateAdvisory changes a draft (analysts only).
func (s *Service) UpdateAdvisory(ctx context.Context, actor *store.User, id int64, in AdvisoryInput, ip string) (*store.Advisory, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	a, err := s.db.GetAdvisory(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Status != store.AdvisoryDraft {
		return nil, Errorf(store.ErrConflict, "a published advisory cannot be changed: write a new one")
	}
	if err := s.checkAdvisory(ctx, &in); err != nil {
		return nil, err
	}
	a.Title, a.Body, a.TLP, a.Audience, a.Indicators = in.Title, in.Body, in.TLP, in.Audience, in.Indicators
	if err := s.db.UpdateAdvisory(ctx, a); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, "advisory.update", fmt.Sprintf("advisory:%d", a.ID), "", ip)
	return a, nil
}

// Advisories lists advisories: published ones addressed to the actor, or
// every advisory, drafts included, for analysts.
func (s *Service) Advisories(ctx context.Context, actor *store.User) ([]store.Advisory, error) {
	if err := require(actor, store.RoleReporter); err != nil {
		return nil, err
	}
	if IsAnalyst(actor) {
		return s.db.ListAdvisories(ctx, "", 200)
	}
	all, err := s.db.ListAdvisories(ctx, store.AdvisoryPublished, 200)
	if err != nil {
		return nil, err
	}
	var out []store.Advisory
	for _, a := range all {
		if ok, err := s.inAudience(ctx, actor, a.Audience); err != nil {
			return nil, err
		} else if ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// Advisory returns one advisory, if the actor may read it.
func (s *Service) Advisory(ctx context.Context, actor *store.User, id int64) (*store.Advisory, error) {
	if err := require(actor, store.RoleReporter); err != nil {
		return nil, err
	}
	a, err := s.db.GetAdvisory(ctx, id)
	if err != nil {
		return nil, err
	}
	if IsAnalyst(actor) {
		return a, nil
	}
	if a.Status != store.AdvisoryPublished {
		return nil, Errorf(store.ErrNotFound, "no advisory %d", id)
	}
	if ok, err := s.inAudience(ctx, actor, a.Audience); err != nil || !ok {
		return nil, Errorf(store.ErrNotFound, "no advisory %d", id)
	}
	return a, nil
}

// Banner returns the newest advisory published in the last 30 days that
// is addressed to the actor, or nil.
func (s *Service) Banner(ctx context.Context, actor *store.User) *store.Advisory {
	if actor == nil {
		return nil
	}
	list, err := s.db.ListAdvisories(ctx, store.AdvisoryPublished, 5)
	if err != nil {
		return nil
	}
	for i := range list {
		a := &list[i]
		if a.PublishedAt == nil || s.now().Sub(*a.PublishedAt) > 30*24*time.Hour {
			continue
		}
		if ok, _ := s.inAudience(ctx, actor, a.Audience); ok || IsAnalyst(actor) {
			return a
		}
	}
	return nil
}

// inAudience reports whether a user is in an advisory's audience, by the
// user's role and office and the people directory's role, office, party
// and committees.
func (s *Service) inAudience(ctx context.Context, u *store.User, au store.Audience) (bool, error) {
	if len(au.Roles) == 0 && len(au.Offices) == 0 && len(au.Groups) == 0 {
		return true, nil
	}
	in := func(list []string, v string) bool {
		if v == "" {
			return false
		}
		for _, x := range list {
			if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(v)) {
				return true
			}
		}
		return false
	}
	if in(au.Roles, u.Role) || in(au.Offices, u.Office) {
		return true, nil
	}
	p, err := s.db.GetPersonByEmail(ctx, u.Email)
	if err != nil {
		return false, nil
	}
	if in(au.Roles, p.Role) || in(au.Offices, p.Office) || in(au.Groups, p.Party) {
		return true, nil
	}
	for _, c := range p.Committees {
		if in(au.Groups, c) {
			return true, nil
		}
	}
	return false, nil
}

// PublishAdvisory publishes a draft (analysts only): everyone in its
// audience gets an in-app notification and (as their preferences and the
// TLP allow) an email; a retro-hunt starts for each of its indicators,
// and when it finishes the people who reported a match earlier are
// followed up personally.
func (s *Service) PublishAdvisory(ctx context.Context, actor *store.User, id int64, ip string) (*store.Advisory, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	a, err := s.db.GetAdvisory(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Status != store.AdvisoryDraft {
		return nil, Errorf(store.ErrConflict, "this advisory is already published")
	}
	var jobs []int64
	for _, ind := range a.Indicators {
		j, err := s.StartHunt(ctx, nil, ind, fmt.Sprintf("advisory:%d", a.ID), ip)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j.ID)
	}
	if err := s.db.PublishAdvisory(ctx, a.ID, jobs); err != nil {
		return nil, err
	}
	a, err = s.db.GetAdvisory(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, actor, "advisory.publish", fmt.Sprintf("advisory:%d", a.ID), Detail("tlp", a.TLP, "hunts", len(jobs)), ip)
	if s.onAdvisory != nil {
		var entries []*intel.Entry
		for _, id := range a.Indicators {
			if rec, err := s.db.GetIndicator(ctx, id); err == nil {
				entries = append(entries, rec.Entry)
			}
		}
		s.onAdvisory(ctx, a, entries)
	}
	users, err := s.db.ListUsers(ctx)
	if err != nil {
		return a, err
	}
	var audience []store.User
	for _, u := range users {
		if u.Disabled {
			continue
		}
		if ok, err := s.inAudience(ctx, &u, a.Audience); err != nil {
			return a, err
		} else if ok {
			audience = append(audience, u)
		}
	}
	link := fmt.Sprintf("/advisories/%d", a.ID)
	s.Notify(ctx, audience, store.Notification{Kind: "advisory", Title: "Security advisory: " + a.Title, Link: link, TLP: a.TLP},
		func(u store.User, p store.NotificationPrefs) (string, string, bool) {
			if p.NoAdvisoryEmail {
				return "", "", false
			}
			subject := "Security advisory: " + a.Title
			var body string
			if intel.TLPRank(a.TLP) <= emailTLPMax(a.Audience) {
				body = fmt.Sprintf("TLP:%s\n\n%s\n\n%s\n\nRead it in Portcullis: %s%s\n", strings.ToUpper(a.TLP), a.Title, a.Body, s.publicURL, link)
			} else {
				// Above what mail to this audience may carry: say only
				// that there is something to read.
				subject = "A new security advisory is waiting for you in Portcullis"
				body = fmt.Sprintf("The security team has published an advisory marked TLP:%s, which is not sent by email.\nRead it in Portcullis: %s%s\n",
					strings.ToUpper(a.TLP), s.publicURL, link)
			}
			return subject, body, true
		})
	return a, nil
}

// emailTLPMax is the most restrictive TLP an advisory's email may carry
// in full: an advisory to everyone goes to a community (TLP:GREEN); one to
// chosen roles, offices or groups goes to people who need to know
// (TLP:AMBER). TLP:AMBER+STRICT and TLP:RED are never mailed.
func emailTLPMax(au store.Audience) int {
	if len(au.Roles) == 0 && len(au.Offices) == 0 && len(au.Groups) == 0 {
		return intel.TLPRank("green")
	}
	return intel.TLPRank("amber")
}

// afterHunt follows up, for an advisory's hunt, each person who reported
// a matching approach before the advisory was published.
func (s *Service) afterHunt(ctx context.Context, j *store.HuntJob, rec *store.Record) {
	var advID int64
	if _, err := fmt.Sscanf(j.Reason, "advisory:%d", &advID); err != nil || advID == 0 {
		return
	}
	a, err := s.db.GetAdvisory(ctx, advID)
	if err != nil || a.PublishedAt == nil {
		return
	}
	sightings, err := s.db.SightingsOf(ctx, rec.ID, 100000)
	if err != nil {
		s.logger.Warn("follow-up: sightings", "err", err)
		return
	}
	for _, sg := range sightings {
		if !sg.SeenAt.Before(*a.PublishedAt) {
			continue
		}
		r, err := s.db.GetReport(ctx, sg.ReportID)
		if err != nil {
			continue
		}
		u, err := s.db.GetUser(ctx, r.ReporterID)
		if err != nil || u.Disabled {
			continue
		}
		link := fmt.Sprintf("/reports/%d", r.ID)
		if s.alreadyNotified(ctx, u.ID, "follow_up", link) {
			continue
		}
		what := describeIndicator(string(rec.Entry.Type))
		text := fmt.Sprintf("On %s you reported a message (%q). %s has since been identified as hostile (advisory: %s). Please contact the security team.",
			r.CreatedAt.UTC().Format("2 January 2006"), r.Title, what, a.Title)
		s.Notify(ctx, []store.User{*u}, store.Notification{Kind: "follow_up", Title: "Please contact the security team", Body: text, Link: link, TLP: "amber"},
			func(store.User, store.NotificationPrefs) (string, string, bool) {
				// A personal follow-up is always mailed (unless the user
				// wants no mail at all): it asks them to act.
				return "Portcullis: please contact the security team", text + "\n\n" + s.publicURL + link + "\n", true
			})
	}
}

func describeIndicator(t string) string {
	switch t {
	case "linkedin_profile":
		return "The sender's profile"
	case "email":
		return "The sender's address"
	case "domain", "url":
		return "A web address in it"
	case "person":
		return "The sender"
	case "organization":
		return "The organisation it named"
	case "phone", "handle":
		return "The sender's contact"
	}
	return "Something in it"
}
