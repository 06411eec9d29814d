package reports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"portcullis/internal/analysis"
	"portcullis/internal/correlate"
	"portcullis/internal/extract"
	"portcullis/internal/indicator"
	"portcullis/internal/message"
	"portcullis/internal/store"
)

// Correlation joins each new report to a campaign when it shares a
// distinctive indicator with other reports, matches the same watchlist
// entry, or its text is a near-duplicate of theirs.

// linkTypes are the indicator types that tie reports together. Names and
// organisations are left out: a shared common name links nothing (the
// watchlist's persona matching covers known personas).
var linkTypes = map[string]bool{
	string(indicator.LinkedIn): true, string(indicator.Email): true, string(indicator.Domain): true,
	string(indicator.URL): true, string(indicator.Phone): true, string(indicator.Handle): true,
	string(indicator.FileSHA256): true, string(indicator.IP): true,
}

// commonDomains are shared by countless unrelated senders: a link through
// them is no link.
var commonDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true, "live.com": true,
	"yahoo.com": true, "icloud.com": true, "me.com": true, "aol.com": true, "proton.me": true, "protonmail.com": true,
	"qq.com": true, "163.com": true, "126.com": true, "gmx.de": true, "gmx.net": true, "web.de": true, "mail.ru": true,
	"yandex.ru": true, "linkedin.com": true, "google.com": true, "microsoft.com": true, "facebook.com": true,
	"twitter.com": true, "x.com": true, "whatsapp.com": true, "t.me": true, "youtube.com": true, "zoom.us": true,
	"teams.microsoft.com": true, "bit.ly": true,
}

// linkIndicators picks the indicators of a report that may link it to
// others: distinctive types, not allowlisted, not the legislature's own
// or a common provider's domain.
func (s *Service) linkIndicators(inds []indicator.Indicator, allowed map[string]bool) []store.ReportIndicator {
	own := s.own
	if len(own) == 0 {
		own = extract.DefaultOwnDomains
	}
	isCommon := func(domain string) bool {
		domain = strings.ToLower(domain)
		for d := domain; d != ""; {
			if commonDomains[d] || slices.Contains(own, d) {
				return true
			}
			_, rest, ok := strings.Cut(d, ".")
			if !ok {
				break
			}
			d = rest
		}
		return false
	}
	var out []store.ReportIndicator
	seen := map[string]bool{}
	for _, in := range inds {
		t := string(in.Type)
		if !linkTypes[t] || allowed[in.Value] || seen[t+"\x00"+in.Value] {
			continue
		}
		switch in.Type {
		case indicator.Domain:
			if isCommon(in.Value) {
				continue
			}
		case indicator.Email:
			if _, d, ok := strings.Cut(in.Value, "@"); ok && (slices.Contains(own, strings.ToLower(d))) {
				continue
			}
		case indicator.URL:
			if h := urlHost(in.Value); h == "" || isCommon(h) && !strings.Contains(in.Value, "linkedin.com/in/") {
				continue
			}
		}
		seen[t+"\x00"+in.Value] = true
		out = append(out, store.ReportIndicator{Type: t, Value: in.Value, Field: in.Field})
	}
	return out
}

func urlHost(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, "?")
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	return strings.ToLower(host)
}

// campaignText is the text of the approach as the sender wrote it, for
// near-duplicate detection, and the names to blank out of it.
func campaignText(p *message.Parsed) (string, []string) {
	if p == nil || p.Approach == nil {
		return "", nil
	}
	a := p.Approach
	var b strings.Builder
	for _, m := range a.Messages {
		if m.FromSender() {
			b.WriteString(m.Subject)
			b.WriteString("\n")
			b.WriteString(m.Text)
			b.WriteString("\n")
		}
	}
	var names []string
	if a.Sender != nil && a.Sender.Name != "" {
		names = append(names, a.Sender.Name)
	}
	if a.Recipient != nil && a.Recipient.Name != "" {
		names = append(names, a.Recipient.Name)
	}
	if p.Mail != nil {
		for _, to := range p.Mail.To {
			if to.Name != "" {
				names = append(names, to.Name)
			}
		}
		if p.Mail.From.Name != "" {
			names = append(names, p.Mail.From.Name)
		}
	}
	return b.String(), names
}

// sightingsOf are the sightings of watchlist entries (watch and context
// kinds, by stored id) in a report's analysis, one per entry.
func sightingsOf(r *store.Report, res *analysis.Result) []store.Sighting {
	var out []store.Sighting
	seen := map[string]bool{}
	for _, m := range res.WatchlistMatches {
		if m.Allow {
			continue
		}
		t := indicator.Type(m.Indicator.Type)
		key, _ := store.Key(t, m.Indicator.Value)
		id := store.IndicatorID(t, key, m.Indicator.Source)
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, store.Sighting{IndicatorID: id, ReportID: r.ID, Source: "analysis", Field: m.Field,
			Matched: truncate(m.Matched, 500), SeenAt: r.CreatedAt})
	}
	return out
}

// maxLinks bounds the reports one look-up links a new report to (the
// newest): linking to the newest members of a campaign is enough to join
// it, and it keeps correlation fast however large a campaign grows.
const maxLinks = 100

// minSharedBands is how many LSH bands two texts must share to count as
// near-identical when only their bands are known.
const minSharedBands = 4

// link is why a candidate report belongs with the new one.
type link struct {
	reason, detail string
	weight         int
}

// correlation is the outcome of correlating one report.
type correlation struct {
	Campaign *store.Campaign // nil when the report stands alone
	Grew     bool            // the campaign gained reports
	Created  bool
}

// correlate finds the reports the new report r belongs with and puts
// them in one campaign. It is incremental: it reads only the reports
// that share something with r.
func (s *Service) correlate(ctx context.Context, r *store.Report, res *analysis.Result) (correlation, error) {
	allowed := map[string]bool{}
	for _, m := range res.WatchlistMatches {
		if m.Allow {
			allowed[m.Matched] = true
			allowed[m.Indicator.Value] = true
		}
	}
	links := map[int64]link{}
	add := func(id int64, l link) {
		if id == r.ID {
			return
		}
		if old, ok := links[id]; !ok || l.weight > old.weight {
			links[id] = l
		}
	}
	// Shared indicators.
	if inds := s.linkIndicators(res.Indicators, allowed); len(inds) > 0 {
		shared, err := s.db.ReportsWithIndicators(ctx, inds, r.ID, maxLinks)
		if err != nil {
			return correlation{}, err
		}
		for id, si := range shared {
			add(id, link{"indicator", si[0].Type + " " + si[0].Value, 3})
		}
	}
	// The same watchlist persona, organisation or indicator.
	if seen := sightingsOf(r, res); len(seen) > 0 {
		if _, err := s.db.AddSightings(ctx, seen); err != nil {
			return correlation{}, err
		}
		ids := make([]string, 0, len(seen))
		for _, sg := range seen {
			ids = append(ids, sg.IndicatorID)
		}
		same, err := s.db.ReportsSightingSame(ctx, ids, r.ID, maxLinks)
		if err != nil {
			return correlation{}, err
		}
		for id, which := range same {
			add(id, link{"persona", "watchlist " + which[0], 2})
		}
	}
	// Near-identical text.
	if text, names := campaignText(res.Parsed); text != "" {
		if sig, ok := correlate.Sign(correlate.Normalize(text, names...)); ok {
			bands := sig.Bands()
			if err := s.db.PutFingerprint(ctx, r.ID, bands); err != nil {
				return correlation{}, err
			}
			b, _ := sig.MarshalBinary()
			if err := s.db.SetReportSignature(ctx, r.ID, b); err != nil {
				return correlation{}, err
			}
			cands, err := s.db.ReportsWithBands(ctx, bands, r.ID, maxLinks)
			if err != nil {
				return correlation{}, err
			}
			if len(cands) > 0 {
				ids := make([]int64, 0, len(cands))
				for id := range cands {
					ids = append(ids, id)
				}
				sigs, err := s.db.ReportSignatures(ctx, ids)
				if err != nil {
					return correlation{}, err
				}
				for id, shared := range cands {
					var other correlate.Signature
					if raw, ok := sigs[id]; ok && other.UnmarshalBinary(raw) == nil {
						if sim := sig.Similarity(other); sim >= correlate.Threshold {
							add(id, link{"text", fmt.Sprintf("text %.0f%% like report %d", sim*100, id), 1})
						}
						continue
					}
					// No signature kept (bulk-loaded data): several shared
					// bands are themselves strong evidence.
					if shared >= minSharedBands {
						add(id, link{"text", fmt.Sprintf("text like report %d (%d shared bands)", id, shared), 1})
					}
				}
			}
		}
	}
	if len(links) == 0 {
		return correlation{}, nil
	}
	return s.join(ctx, r, links)
}

// join puts r and its linked reports in one campaign, honouring analysts'
// decisions: a report kept apart from r is not pulled in, and campaigns
// are merged only when no decision keeps their reports apart.
func (s *Service) join(ctx context.Context, r *store.Report, links map[int64]link) (correlation, error) {
	ids := make([]int64, 0, len(links)+1)
	for id := range links {
		ids = append(ids, id)
	}
	ids = append(ids, r.ID)
	decisions, err := s.db.DecisionsFor(ctx, ids)
	if err != nil {
		return correlation{}, err
	}
	apart := map[[2]int64]bool{}
	for _, d := range decisions {
		if d.Kind == store.DecisionApart {
			apart[[2]int64{d.ReportA, d.ReportB}] = true
			apart[[2]int64{d.ReportB, d.ReportA}] = true
		}
	}
	for id := range links {
		if apart[[2]int64{r.ID, id}] {
			delete(links, id)
		}
	}
	if len(links) == 0 {
		return correlation{}, nil
	}
	camps, err := s.db.CampaignsOf(ctx, ids)
	if err != nil {
		return correlation{}, err
	}
	// The campaign with the most linked reports wins; ties go to the oldest.
	votes := map[int64]int{}
	for id := range links {
		if c := camps[id]; c != 0 {
			votes[c]++
		}
	}
	if c := camps[r.ID]; c != 0 {
		votes[c] += 1000 // already placed (a rebuild replay)
	}
	var target int64
	for c, n := range votes {
		if target == 0 || n > votes[target] || (n == votes[target] && c < target) {
			target = c
		}
	}
	members := []store.CampaignMember{}
	best := bestLink(links)
	if camps[r.ID] != target || target == 0 {
		members = append(members, store.CampaignMember{ReportID: r.ID, Reason: best.reason, Detail: best.detail})
	}
	for id, l := range links {
		if camps[id] == 0 {
			members = append(members, store.CampaignMember{ReportID: id, Reason: l.reason, Detail: l.detail})
		}
	}
	out := correlation{}
	if target == 0 {
		c := &store.Campaign{Name: campaignName(best), Status: store.CampaignActive}
		if err := s.db.CreateCampaign(ctx, c, members); err != nil {
			return correlation{}, err
		}
		out.Campaign, out.Grew, out.Created = c, true, true
		s.audit(ctx, nil, "campaign.create", fmt.Sprintf("campaign:%d", c.ID), Detail("reports", len(members)), "")
	} else if len(members) > 0 {
		if err := s.db.AddCampaignMembers(ctx, target, members); err != nil {
			return correlation{}, err
		}
		out.Grew = true
	}
	if target != 0 {
		// Other campaigns the report links to are the same campaign,
		// unless an analyst kept them apart.
		for c := range votes {
			if c == target {
				continue
			}
			ok, err := s.mayMerge(ctx, target, c)
			if err != nil {
				return correlation{}, err
			}
			if ok {
				if err := s.db.MergeCampaigns(ctx, target, c); err != nil {
					return correlation{}, err
				}
				out.Grew = true
			}
		}
		c, err := s.db.GetCampaign(ctx, target)
		if err != nil {
			return correlation{}, err
		}
		out.Campaign = c
	}
	return out, nil
}

func bestLink(links map[int64]link) link {
	var best link
	var bestID int64
	for id, l := range links {
		if l.weight > best.weight || (l.weight == best.weight && id < bestID) {
			best, bestID = l, id
		}
	}
	return best
}

func campaignName(l link) string {
	switch l.reason {
	case "indicator", "persona":
		return truncate(l.detail, 120)
	}
	return "Near-identical messages"
}

// mayMerge reports whether two campaigns can become one: no analyst
// decision keeps any of their reports apart.
func (s *Service) mayMerge(ctx context.Context, a, b int64) (bool, error) {
	ma, err := s.db.CampaignMembers(ctx, a)
	if err != nil {
		return false, err
	}
	mb, err := s.db.CampaignMembers(ctx, b)
	if err != nil {
		return false, err
	}
	inA := map[int64]bool{}
	ids := make([]int64, 0, len(ma)+len(mb))
	for _, m := range ma {
		inA[m.ReportID] = true
		ids = append(ids, m.ReportID)
	}
	inB := map[int64]bool{}
	for _, m := range mb {
		inB[m.ReportID] = true
		ids = append(ids, m.ReportID)
	}
	ds, err := s.db.DecisionsFor(ctx, ids)
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.Kind == store.DecisionApart && ((inA[d.ReportA] && inB[d.ReportB]) || (inB[d.ReportA] && inA[d.ReportB])) {
			return false, nil
		}
	}
	return true, nil
}

// Campaigns lists campaigns, largest first (analysts only).
func (s *Service) Campaigns(ctx context.Context, actor *store.User, status string, limit, offset int) ([]store.Campaign, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.ListCampaigns(ctx, status, limit, offset)
}

// CampaignView is everything the campaign page shows.
type CampaignView struct {
	Campaign   *store.Campaign
	Members    []store.CampaignMember
	Reports    []store.Report
	Indicators []store.SharedIndicator
	Personas   []Persona
	Targets    []store.Target
}

// Persona is a sender identity seen in a campaign's reports.
type Persona struct {
	Name    string
	Profile string
	Reports []int64
}

// Campaign returns a campaign with its reports, shared indicators,
// personas and targets (analysts only; the view is audited).
func (s *Service) Campaign(ctx context.Context, actor *store.User, id int64, ip string) (*CampaignView, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	c, err := s.db.GetCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &CampaignView{Campaign: c}
	if v.Members, err = s.db.CampaignMembers(ctx, id); err != nil {
		return nil, err
	}
	if v.Reports, err = s.db.CampaignReports(ctx, id, 1000); err != nil {
		return nil, err
	}
	if v.Indicators, err = s.db.CampaignIndicators(ctx, id, 2); err != nil {
		return nil, err
	}
	if v.Targets, err = s.db.CampaignTargets(ctx, id); err != nil {
		return nil, err
	}
	// Personas: the sender names and profiles of the reports.
	byKey := map[string]*Persona{}
	for _, r := range v.Reports {
		inds, err := s.db.ReportIndicators(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		var name, profile string
		for _, in := range inds {
			switch {
			case in.Type == string(indicator.Person) && in.Field == "sender.name":
				name = in.Value
			case in.Type == string(indicator.LinkedIn) && profile == "":
				profile = in.Value
			case in.Type == string(indicator.Email) && profile == "" && strings.HasPrefix(in.Field, "mail.from"):
				profile = in.Value
			}
		}
		if name == "" && profile == "" {
			continue
		}
		key := strings.ToLower(name) + "|" + profile
		p := byKey[key]
		if p == nil {
			p = &Persona{Name: name, Profile: profile}
			byKey[key] = p
		}
		p.Reports = append(p.Reports, r.ID)
	}
	for _, p := range byKey {
		v.Personas = append(v.Personas, *p)
	}
	sort.Slice(v.Personas, func(i, j int) bool { return len(v.Personas[i].Reports) > len(v.Personas[j].Reports) })
	s.audit(ctx, actor, "campaign.view", fmt.Sprintf("campaign:%d", id), "", ip)
	return v, nil
}

// MergeCampaigns merges from into into (analysts only) and records the
// decision so that a rebuild keeps them together.
func (s *Service) MergeCampaigns(ctx context.Context, actor *store.User, into, from int64, ip string) error {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return err
	}
	if into == from {
		return Errorf(store.ErrInvalid, "choose a different campaign to merge with")
	}
	a, err := s.db.CampaignMembers(ctx, into)
	if err != nil {
		return err
	}
	b, err := s.db.CampaignMembers(ctx, from)
	if err != nil {
		return err
	}
	if len(a) == 0 || len(b) == 0 {
		return Errorf(store.ErrNotFound, "campaign not found")
	}
	if err := s.db.AddCampaignDecision(ctx, &store.CampaignDecision{Kind: store.DecisionTogether, ReportA: a[0].ReportID, ReportB: b[0].ReportID, ActorID: actor.ID}); err != nil {
		return err
	}
	if err := s.db.MergeCampaigns(ctx, into, from); err != nil {
		return err
	}
	s.audit(ctx, actor, "campaign.merge", fmt.Sprintf("campaign:%d", into), Detail("from", from), ip)
	return nil
}

// SplitCampaign moves reports out of a campaign into a new one (analysts
// only); the decision that they are apart from the rest is recorded, so a
// rebuild keeps the split.
func (s *Service) SplitCampaign(ctx context.Context, actor *store.User, id int64, reportIDs []int64, ip string) (*store.Campaign, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	ms, err := s.db.CampaignMembers(ctx, id)
	if err != nil {
		return nil, err
	}
	move := map[int64]bool{}
	for _, r := range reportIDs {
		move[r] = true
	}
	var moving, staying []int64
	for _, m := range ms {
		if move[m.ReportID] {
			moving = append(moving, m.ReportID)
		} else {
			staying = append(staying, m.ReportID)
		}
	}
	if len(moving) == 0 || len(staying) == 0 {
		return nil, Errorf(store.ErrInvalid, "choose some, but not all, of the campaign's reports to split off")
	}
	for _, a := range moving {
		for _, b := range staying {
			if err := s.db.AddCampaignDecision(ctx, &store.CampaignDecision{Kind: store.DecisionApart, ReportA: a, ReportB: b, ActorID: actor.ID}); err != nil {
				return nil, err
			}
		}
	}
	if err := s.db.RemoveCampaignMembers(ctx, id, moving); err != nil {
		return nil, err
	}
	var c *store.Campaign
	if len(moving) > 1 {
		members := make([]store.CampaignMember, 0, len(moving))
		for _, r := range moving {
			members = append(members, store.CampaignMember{ReportID: r, Reason: "analyst", Detail: fmt.Sprintf("split from campaign %d", id)})
		}
		c = &store.Campaign{Name: fmt.Sprintf("Split from campaign %d", id), Status: store.CampaignActive}
		if err := s.db.CreateCampaign(ctx, c, members); err != nil {
			return nil, err
		}
	}
	s.audit(ctx, actor, "campaign.split", fmt.Sprintf("campaign:%d", id), Detail("reports", len(moving)), ip)
	return c, nil
}

// UpdateCampaign renames a campaign or changes its status (analysts only).
func (s *Service) UpdateCampaign(ctx context.Context, actor *store.User, id int64, name, status, ip string) error {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return err
	}
	if name = strings.TrimSpace(name); name != "" {
		if err := s.db.RenameCampaign(ctx, id, truncate(name, 200)); err != nil {
			return err
		}
	}
	if status != "" {
		if status != store.CampaignActive && status != store.CampaignClosed {
			return Errorf(store.ErrInvalid, "status must be active or closed")
		}
		if err := s.db.SetCampaignStatus(ctx, id, status); err != nil {
			return err
		}
	}
	s.audit(ctx, actor, "campaign.update", fmt.Sprintf("campaign:%d", id), Detail("name", name, "status", status), ip)
	return nil
}

// RebuildCampaigns recomputes every campaign from the stored reports,
// replaying correlation report by report in the order they came in, then
// applying analysts' merge decisions. Split decisions are honoured as it
// goes. progress, when set, is told how far it has got.
func (s *Service) RebuildCampaigns(ctx context.Context, progress func(done, total int)) (int, error) {
	if err := s.db.ResetCampaigns(ctx); err != nil {
		return 0, err
	}
	total, err := s.db.CountAllReports(ctx)
	if err != nil {
		return 0, err
	}
	an := s.analyzer.Load()
	var after int64
	done := 0
	for {
		batch, err := s.db.ReportsRawAfter(ctx, after, 200)
		if err != nil {
			return done, err
		}
		if len(batch) == 0 {
			break
		}
		for i := range batch {
			r := &batch[i]
			after = r.ID
			res, err := an.Analyze(strings.NewReader(string(r.Raw)), "")
			if err != nil {
				continue
			}
			if _, err := s.correlate(ctx, r, res); err != nil {
				return done, err
			}
			done++
		}
		if progress != nil {
			progress(done, total)
		}
		if err := ctx.Err(); err != nil {
			return done, err
		}
	}
	ds, err := s.db.CampaignDecisions(ctx)
	if err != nil {
		return done, err
	}
	for _, d := range ds {
		if d.Kind != store.DecisionTogether {
			continue
		}
		ca, err1 := s.db.CampaignOf(ctx, d.ReportA)
		cb, err2 := s.db.CampaignOf(ctx, d.ReportB)
		if err := errors.Join(err1, err2); err != nil {
			return done, err
		}
		switch {
		case ca != 0 && cb != 0 && ca != cb:
			if ok, err := s.mayMerge(ctx, ca, cb); err != nil {
				return done, err
			} else if ok {
				if err := s.db.MergeCampaigns(ctx, ca, cb); err != nil {
					return done, err
				}
			}
		case ca != 0 && cb == 0:
			err = s.db.AddCampaignMembers(ctx, ca, []store.CampaignMember{{ReportID: d.ReportB, Reason: "analyst", Detail: "merged by an analyst"}})
		case cb != 0 && ca == 0:
			err = s.db.AddCampaignMembers(ctx, cb, []store.CampaignMember{{ReportID: d.ReportA, Reason: "analyst", Detail: "merged by an analyst"}})
		case ca == 0 && cb == 0:
			err = s.db.CreateCampaign(ctx, &store.Campaign{Name: "Merged by an analyst", Status: store.CampaignActive}, []store.CampaignMember{
				{ReportID: d.ReportA, Reason: "analyst"}, {ReportID: d.ReportB, Reason: "analyst"}})
		}
		if err != nil {
			return done, err
		}
	}
	s.audit(ctx, nil, "campaign.rebuild", "", Detail("reports", done), "")
	return done, nil
}
