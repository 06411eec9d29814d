package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"portcullis/internal/chart"
	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/stix"
	"portcullis/internal/store"
)

// levelColours are the dashboard's colours for risk levels; the legend
// names them, so colour is never the only carrier of meaning.
var (
	levelKeys    = []string{"none", "low", "medium", "high", "critical"}
	levelColours = []string{"#505a5f", "#00703c", "#8a5300", "#b3261e", "#6d0a0a"}
)

// --- campaigns ---

func (h *Handler) campaignsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	status := r.URL.Query().Get("status")
	if status == "" {
		status = store.CampaignActive
	}
	if status == "all" {
		status = ""
	}
	off := atoiDefault(r.URL.Query().Get("offset"), 0)
	list, err := h.svc.Campaigns(r.Context(), c.user, status, 100, off)
	if err != nil {
		return err
	}
	items := make([]chart.Item, 0, len(list))
	for _, cp := range list {
		if len(items) == 15 {
			break
		}
		items = append(items, chart.Item{Label: cp.Name, N: cp.Size, Href: fmt.Sprintf("/campaigns/%d", cp.ID)})
	}
	svg := chart.HBars("Largest campaigns", "Campaigns by number of reports, largest first.", items, 720)
	h.render(w, r, c, "campaigns", pageT("Campaigns", "campaigns", map[string]any{"Campaigns": list, "Status": r.URL.Query().Get("status"),
		"Chart": template.HTML(svg)}))
	return nil
}

type campaignPage struct {
	*reports.CampaignView
	Graph, Timeline                        template.HTML
	ByRole, ByOffice, ByParty, ByCommittee []store.Count
	Others                                 []store.Campaign
}

func (h *Handler) campaignPage(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := h.svc.Campaign(r.Context(), c.user, id, c.ip)
	if err != nil {
		return err
	}
	p := campaignPage{CampaignView: v}
	// Personas to targets, as a graph.
	var sources, targets []chart.Node
	var links []chart.Link
	reporterOf := map[int64]int64{}
	for _, rp := range v.Reports {
		reporterOf[rp.ID] = rp.ReporterID
	}
	for i, ps := range v.Personas {
		label := ps.Name
		if label == "" {
			label = ps.Profile
		}
		sid := fmt.Sprintf("p%d", i)
		sources = append(sources, chart.Node{ID: sid, Label: label})
		weights := map[int64]int{}
		for _, rid := range ps.Reports {
			weights[reporterOf[rid]]++
		}
		for uid, n := range weights {
			links = append(links, chart.Link{From: sid, To: fmt.Sprintf("u%d", uid), Weight: n})
		}
	}
	for _, t := range v.Targets {
		label := t.Name
		if t.Role != "" {
			label += " (" + t.Role + ")"
		}
		targets = append(targets, chart.Node{ID: fmt.Sprintf("u%d", t.UserID), Label: label})
	}
	p.Graph = template.HTML(chart.Graph("Who contacted whom", "Sender personas on the left, the people they reached on the right; thicker lines mean more reports.", sources, targets, links, 900))
	times := make([]time.Time, 0, len(v.Reports))
	for _, rp := range v.Reports {
		times = append(times, rp.CreatedAt)
	}
	p.Timeline = template.HTML(chart.Timeline("Reports over time", "When the campaign's reports came in.", times, 900, 160))
	count := func(get func(store.Target) []string) []store.Count {
		m := map[string]int{}
		for _, t := range v.Targets {
			for _, k := range get(t) {
				if k != "" {
					m[k] += t.Reports
				}
			}
		}
		out := make([]store.Count, 0, len(m))
		for k, n := range m {
			out = append(out, store.Count{Label: k, N: n})
		}
		slices.SortFunc(out, func(a, b store.Count) int {
			if a.N != b.N {
				return b.N - a.N
			}
			return strings.Compare(a.Label, b.Label)
		})
		return out
	}
	p.ByRole = count(func(t store.Target) []string { return []string{t.Role} })
	p.ByOffice = count(func(t store.Target) []string { return []string{t.Office} })
	p.ByParty = count(func(t store.Target) []string { return []string{t.Party} })
	p.ByCommittee = count(func(t store.Target) []string { return t.Committees })
	others, err := h.svc.Campaigns(r.Context(), c.user, store.CampaignActive, 200, 0)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID != id {
			p.Others = append(p.Others, o)
		}
	}
	h.render(w, r, c, "campaign", pageT(v.Campaign.Name, "campaigns", p))
	return nil
}

func (h *Handler) campaignUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.svc.UpdateCampaign(r.Context(), c.user, id, r.PostFormValue("name"), r.PostFormValue("status"), c.ip); err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/campaigns/%d", id), "campaign")
}

func (h *Handler) campaignMerge(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	from, err := strconv.ParseInt(r.PostFormValue("from"), 10, 64)
	if err != nil || from <= 0 {
		return reports.Errorf(store.ErrInvalid, "choose the campaign to merge into this one")
	}
	if err := h.svc.MergeCampaigns(r.Context(), c.user, id, from, c.ip); err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/campaigns/%d", id), "merged")
}

func (h *Handler) campaignSplit(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var ids []int64
	for _, v := range r.PostForm["report"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	nc, err := h.svc.SplitCampaign(r.Context(), c.user, id, ids, c.ip)
	if err != nil {
		return err
	}
	if nc != nil {
		return redirect(w, r, fmt.Sprintf("/campaigns/%d", nc.ID), "split")
	}
	return redirect(w, r, fmt.Sprintf("/campaigns/%d", id), "split")
}

// --- retro-hunts ---

func (h *Handler) huntsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	jobs, err := h.svc.HuntJobs(r.Context(), c.user)
	if err != nil {
		return err
	}
	h.render(w, r, c, "hunts", pageT("Retro-hunts", "hunts", map[string]any{"Jobs": jobs}))
	return nil
}

func (h *Handler) huntStart(w http.ResponseWriter, r *http.Request, c *call) error {
	j, err := h.svc.StartHunt(r.Context(), c.user, r.PathValue("id"), "started by an analyst", c.ip)
	if err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/hunts#hunt-%d", j.ID), "hunt")
}

// --- advisories ---

func (h *Handler) advisoriesPage(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := h.svc.Advisories(r.Context(), c.user)
	if err != nil {
		return err
	}
	h.render(w, r, c, "advisories", pageT("Advisories", "advisories", map[string]any{"Advisories": list}))
	return nil
}

type advisoryPage struct {
	Advisory   *store.Advisory
	HTML       template.HTML
	Indicators []*store.Record
	Hunts      []store.HuntJob
	Form       advisoryForm
	Error      string
	Editable   bool
}

type advisoryForm struct {
	Title, Body, TLP, Roles, Offices, Groups, Indicators string
}

func (h *Handler) advisoryPage(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := h.svc.Advisory(r.Context(), c.user, id)
	if err != nil {
		return err
	}
	p := advisoryPage{Advisory: a, HTML: reports.RenderMarkdown(a.Body), Editable: reports.IsAnalyst(c.user) && a.Status == store.AdvisoryDraft}
	if reports.IsAnalyst(c.user) {
		for _, ind := range a.Indicators {
			if rec, err := h.svc.Indicator(r.Context(), c.user, ind); err == nil {
				p.Indicators = append(p.Indicators, rec)
			}
		}
		for _, jid := range a.HuntJobIDs {
			if j, err := h.svc.HuntJob(r.Context(), c.user, jid); err == nil {
				p.Hunts = append(p.Hunts, *j)
			}
		}
		p.Form = formOf(a)
	}
	h.render(w, r, c, "advisory", pageT(a.Title, "advisories", p))
	return nil
}

func formOf(a *store.Advisory) advisoryForm {
	return advisoryForm{Title: a.Title, Body: a.Body, TLP: a.TLP, Roles: strings.Join(a.Audience.Roles, "; "),
		Offices: strings.Join(a.Audience.Offices, "; "), Groups: strings.Join(a.Audience.Groups, "; "), Indicators: strings.Join(a.Indicators, "\n")}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' || r == ',' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func advisoryInput(r *http.Request) (reports.AdvisoryInput, advisoryForm) {
	f := advisoryForm{Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), TLP: r.PostFormValue("tlp"),
		Roles: r.PostFormValue("roles"), Offices: r.PostFormValue("offices"), Groups: r.PostFormValue("groups"), Indicators: r.PostFormValue("indicators")}
	return reports.AdvisoryInput{Title: f.Title, Body: f.Body, TLP: f.TLP,
		Audience:   store.Audience{Roles: splitList(f.Roles), Offices: splitList(f.Offices), Groups: splitList(f.Groups)},
		Indicators: splitList(f.Indicators)}, f
}

func (h *Handler) advisoryNew(w http.ResponseWriter, r *http.Request, c *call) error {
	f := advisoryForm{TLP: "green", Indicators: strings.Join(r.URL.Query()["indicator"], "\n")}
	h.render(w, r, c, "advisory_form", pageT("New advisory", "advisories", advisoryPage{Form: f}))
	return nil
}

func (h *Handler) advisoryCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	in, f := advisoryInput(r)
	var a *store.Advisory
	var err error
	if id := r.PathValue("id"); id != "" {
		n, _ := strconv.ParseInt(id, 10, 64)
		a, err = h.svc.UpdateAdvisory(r.Context(), c.user, n, in, c.ip)
	} else {
		a, err = h.svc.CreateAdvisory(r.Context(), c.user, in, c.ip)
	}
	if err != nil {
		if status, _ := errorKind(err); status == http.StatusBadRequest || status == http.StatusConflict {
			w.WriteHeader(status)
			h.render(w, r, c, "advisory_form", pageT("Advisory", "advisories", advisoryPage{Form: f, Error: err.Error()}))
			return nil
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/advisories/%d", a.ID), "saved")
}

func (h *Handler) advisoryPublish(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := h.svc.PublishAdvisory(r.Context(), c.user, id, c.ip); err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/advisories/%d", id), "published")
}

func (h *Handler) advisorySTIX(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := h.svc.Advisory(r.Context(), c.user, id)
	if err != nil {
		return err
	}
	if a.Status != store.AdvisoryPublished {
		return reports.Errorf(store.ErrConflict, "publish the advisory before exporting it")
	}
	var entries []*intel.Entry
	for _, ind := range a.Indicators {
		if rec, err := h.svc.Indicator(r.Context(), c.user, ind); err == nil {
			entries = append(entries, rec.Entry)
		}
	}
	b, err := stix.ExportReport(stix.Report{Key: fmt.Sprintf("advisory:%d", a.ID), Name: a.Title, Description: a.Body, TLP: a.TLP,
		Created: a.CreatedAt, Published: *a.PublishedAt}, entries, time.Now(), stix.ExportOptions{TLPMax: "amber+strict"})
	if err != nil {
		return reports.Errorf(store.ErrInvalid, "%v", err)
	}
	h.svc.Audit(r.Context(), c.user, "advisory.export", fmt.Sprintf("advisory:%d", a.ID), `{"format":"stix"}`, c.ip)
	hd := w.Header()
	hd.Set("Content-Type", "application/stix+json;version=2.1")
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="portcullis-advisory-%d.json"`, a.ID))
	_, _ = w.Write(b)
	return nil
}

// --- notifications ---

func (h *Handler) notificationsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	ns, err := h.svc.Notifications(r.Context(), c.user, false)
	if err != nil {
		return err
	}
	prefs, err := h.svc.Prefs(r.Context(), c.user)
	if err != nil {
		return err
	}
	h.render(w, r, c, "notifications", pageT("Notifications", "notifications", map[string]any{"Notifications": ns, "Prefs": prefs}))
	return nil
}

func (h *Handler) notificationsRead(w http.ResponseWriter, r *http.Request, c *call) error {
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err := h.svc.MarkRead(r.Context(), c.user, id); err != nil {
		return err
	}
	if to := r.PostFormValue("to"); id > 0 && to != "" {
		return redirect(w, r, safeNext(to), "")
	}
	return redirect(w, r, "/notifications", "")
}

func (h *Handler) notificationPrefs(w http.ResponseWriter, r *http.Request, c *call) error {
	p := store.NotificationPrefs{
		NoEmail:         r.PostFormValue("email") == "",
		NoReportEmail:   r.PostFormValue("report_email") == "",
		NoCampaignEmail: r.PostFormValue("campaign_email") == "",
		NoAdvisoryEmail: r.PostFormValue("advisory_email") == "",
	}
	if err := h.svc.SetPrefs(r.Context(), c.user, p); err != nil {
		return err
	}
	return redirect(w, r, "/notifications", "prefs")
}

// --- the dashboard ---

func (h *Handler) dashboardPage(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := h.svc.Dashboard(r.Context(), c.user, atoiDefault(r.URL.Query().Get("weeks"), 12))
	if err != nil {
		return err
	}
	// Reports per week by level, every week shown even when empty.
	idx := map[string]int{}
	var bars []chart.Bar
	for wk := d.Since; !wk.After(time.Now()); wk = wk.AddDate(0, 0, 7) {
		idx[wk.Format("2006-01-02")] = len(bars)
		bars = append(bars, chart.Bar{Label: wk.Format("2 Jan"), Values: make([]int, len(levelKeys))})
	}
	for _, wc := range d.Weeks {
		i, ok := idx[wc.Week.UTC().Format("2006-01-02")]
		if !ok {
			continue
		}
		if l := slices.Index(levelKeys, wc.Level); l >= 0 {
			bars[i].Values[l] += wc.N
		}
	}
	toItems := func(cs []store.Count) []chart.Item {
		out := make([]chart.Item, 0, len(cs))
		for _, c := range cs {
			out = append(out, chart.Item{Label: c.Label, N: c.N})
		}
		return out
	}
	var campItems []chart.Item
	for _, cp := range d.Campaigns {
		campItems = append(campItems, chart.Item{Label: cp.Name, N: cp.Size, Href: fmt.Sprintf("/campaigns/%d", cp.ID)})
	}
	h.render(w, r, c, "dashboard", pageT("Dashboard", "dashboard", map[string]any{
		"D":         d,
		"Bars":      bars,
		"Levels":    levelKeys,
		"Weekly":    template.HTML(chart.StackedBars("Reports per week by risk", "Reports received each week, stacked by risk level.", levelKeys, levelColours, bars, 900, 280)),
		"Roles":     template.HTML(chart.HBars("Most-targeted roles", "Reports by the reporter's role.", toItems(d.ByRole), 440)),
		"Offices":   template.HTML(chart.HBars("Most-targeted offices", "Reports by the reporter's office.", toItems(d.ByOffice), 440)),
		"Campaigns": template.HTML(chart.HBars("Largest active campaigns", "Active campaigns by number of reports.", campItems, 900)),
		"Median":    roundDur(d.TriageMedian),
		"P90":       roundDur(d.TriageP90),
	}))
	return nil
}

func roundDur(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()+0.5))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}
