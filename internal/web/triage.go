package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/approach"
	"portcullis/internal/htmlsafe"
	"portcullis/internal/indicator"
	"portcullis/internal/intel"
	"portcullis/internal/message"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// --- the queue ---

type queueView struct {
	Reports  []store.Report
	Counts   store.ReportCounts
	Filter   url.Values
	Levels   []string
	Statuses []string
	Platform []string
	Analysts []store.User
	Names    map[int64]string
	Next     string
	Prev     string
}

func (h *Handler) queue(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	f, err := queueFilter(q)
	if err != nil {
		return err
	}
	list, err := h.svc.List(r.Context(), c.user, f)
	if err != nil {
		return err
	}
	counts, err := h.svc.Counts(r.Context(), c.user, f)
	if err != nil {
		return err
	}
	analysts, err := h.svc.Analysts(r.Context(), c.user)
	if err != nil {
		return err
	}
	v := queueView{Reports: list, Counts: counts, Filter: q, Analysts: analysts, Names: map[int64]string{},
		Levels: []string{"critical", "high", "medium", "low", "none"}, Statuses: []string{"new", "triaging", "escalated", "closed"},
		Platform: approach.Platforms}
	for _, a := range analysts {
		v.Names[a.ID] = a.Name
	}
	page := func(off int) string {
		p := url.Values{}
		for k, vs := range q {
			p[k] = vs
		}
		p.Set("offset", strconv.Itoa(off))
		return "/queue?" + p.Encode()
	}
	if len(list) == f.Limit {
		v.Next = page(f.Offset + f.Limit)
	}
	if f.Offset > 0 {
		v.Prev = page(max(0, f.Offset-f.Limit))
	}
	h.render(w, r, c, "queue", pageT("Queue", "queue", v))
	return nil
}

func pageT(title, nav string, data any) page { return page{Title: title, Nav: nav, Data: data} }

// queueFilter reads the queue's filters from the query. By default the
// queue shows open cases: everything not closed.
func queueFilter(q url.Values) (store.ReportFilter, error) {
	f := store.ReportFilter{Limit: 50, Offset: atoiDefault(q.Get("offset"), 0)}
	if l := q.Get("level"); l != "" {
		if analysis.LevelRank(l) < 0 {
			return f, reports.Errorf(store.ErrInvalid, "unknown level %q", l)
		}
		f.Levels = []string{l}
	}
	f.Status = q.Get("status")
	f.Platform = q.Get("platform")
	if a := q.Get("assignee"); a != "" {
		if a == "none" {
			f.AssigneeID = -1
		} else if n, err := strconv.ParseInt(a, 10, 64); err == nil {
			f.AssigneeID = n
		}
	}
	for _, k := range []string{"from", "to"} {
		if s := q.Get(k); s != "" {
			t, err := time.Parse("2006-01-02", s)
			if err != nil {
				return f, reports.Errorf(store.ErrInvalid, "dates are written YYYY-MM-DD, not %q", s)
			}
			if k == "from" {
				f.Since = t
			} else {
				f.Until = t.Add(24 * time.Hour)
			}
		}
	}
	return f, nil
}

// --- one report's case ---

func (h *Handler) caseUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var u store.CaseUpdate
	if v, ok := r.PostForm["status"]; ok {
		u.Status = &v[0]
	}
	if v, ok := r.PostForm["verdict"]; ok {
		u.Verdict = &v[0]
	}
	if v, ok := r.PostForm["assignee"]; ok {
		n, _ := strconv.ParseInt(v[0], 10, 64)
		u.AssigneeID = &n
	}
	if v, ok := r.PostForm["feedback"]; ok {
		u.Feedback = &v[0]
	}
	if _, err := h.svc.UpdateCase(r.Context(), c.user, id, u, c.ip); err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/reports/%d", id), "case")
}

func (h *Handler) noteAdd(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := h.svc.AddNote(r.Context(), c.user, id, r.PostFormValue("text"), c.ip); err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/reports/%d#timeline", id), "note")
}

// reportIndicatorAdd adds one of a report's extracted indicators to the
// watchlist or the allowlist.
func (h *Handler) reportIndicatorAdd(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	kind := r.PostFormValue("kind")
	if kind != intel.Watch && kind != intel.Allow {
		return reports.Errorf(store.ErrInvalid, "kind must be watch or allow")
	}
	fields := map[string]string{"type": r.PostFormValue("type"), "value": r.PostFormValue("value"), "kind": kind,
		"description": fmt.Sprintf("from report %d", id)}
	if kind == intel.Allow {
		fields["tlp"] = "green"
	}
	e, err := reports.ParseIndicator(c.user, fields)
	if err != nil {
		return err
	}
	if _, _, err := h.svc.PutIndicators(r.Context(), c.user, []*intel.Entry{e}, "add", c.ip); err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/reports/%d#indicators", id), kind)
}

// reportRaw downloads what was submitted: as an attachment, never shown.
func (h *Handler) reportRaw(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := h.svc.Raw(r.Context(), c.user, id, c.ip)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("report-%d.txt", id)
	if rep.Kind == "email" || rep.Kind == "linkedin_notification" {
		name = fmt.Sprintf("report-%d.eml", id)
	} else if rep.Kind == "approach" {
		name = fmt.Sprintf("report-%d.json", id)
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	_, _ = w.Write(rep.Raw)
	return nil
}

// reportHTML shows a mail's HTML body sanitised: no scripts, no styles,
// no links to click and no remote images, under a policy that loads
// nothing.
func (h *Handler) reportHTML(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := h.svc.Report(r.Context(), c.user, id, c.ip)
	if err != nil {
		return err
	}
	body, err := message.HTMLBody(rep.Raw, message.Limits{MaxBytes: h.svc.MaxBytes()})
	if err != nil {
		return reports.Errorf(store.ErrInvalid, "the HTML could not be read: %v", err)
	}
	if body == "" {
		return reports.Errorf(store.ErrNotFound, "this report has no HTML body")
	}
	h.render(w, r, c, "html", page{Title: fmt.Sprintf("Report %d as sanitised HTML", id), Nav: "queue",
		Data: map[string]any{"Report": rep, "HTML": template.HTML(htmlsafe.Sanitize(body))}})
	return nil
}

// --- the watchlist ---

func (h *Handler) watchlist(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	f := store.Filter{Search: q.Get("q"), Kind: q.Get("kind"), Type: indicator.Type(q.Get("type")),
		IncludeExpired: q.Get("expired") != "", Limit: 100, Offset: atoiDefault(q.Get("offset"), 0)}
	recs, total, err := h.svc.Indicators(r.Context(), c.user, f)
	if err != nil {
		return err
	}
	h.render(w, r, c, "watchlist", pageT("Watchlist", "watchlist", map[string]any{"Records": recs, "Total": total, "Q": q,
		"Types": indicator.Types, "Now": time.Now()}))
	return nil
}

func indicatorFields(r *http.Request) map[string]string {
	f := map[string]string{}
	for _, k := range []string{"type", "value", "kind", "aliases", "source_name", "source_url", "source_date", "tlp", "confidence",
		"valid_from", "valid_until", "description", "tags", "context_organizations", "context_locations"} {
		f[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	return f
}

func (h *Handler) watchlistAdd(w http.ResponseWriter, r *http.Request, c *call) error {
	e, err := reports.ParseIndicator(c.user, indicatorFields(r))
	if err != nil {
		return err
	}
	if _, _, err := h.svc.PutIndicators(r.Context(), c.user, []*intel.Entry{e}, "add", c.ip); err != nil {
		return err
	}
	return redirect(w, r, "/watchlist", e.Kind)
}

func (h *Handler) watchlistEntry(w http.ResponseWriter, r *http.Request, c *call) error {
	rec, err := h.svc.Indicator(r.Context(), c.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	sightings, err := h.svc.Sightings(r.Context(), c.user, rec.ID)
	if err != nil {
		return err
	}
	h.render(w, r, c, "indicator", pageT("Indicator", "watchlist", map[string]any{"Record": rec, "Types": indicator.Types, "Sightings": sightings}))
	return nil
}

// watchlistEdit saves an entry. The entry's identity is its type, value
// and source, so those come from the stored entry, not the form.
func (h *Handler) watchlistEdit(w http.ResponseWriter, r *http.Request, c *call) error {
	rec, err := h.svc.Indicator(r.Context(), c.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := indicatorFields(r)
	f["type"], f["value"], f["source_name"] = string(rec.Entry.Type), rec.Entry.Value, rec.Entry.Source.Name
	e, err := reports.ParseIndicator(c.user, f)
	if err != nil {
		return err
	}
	if _, _, err := h.svc.PutIndicators(r.Context(), c.user, []*intel.Entry{e}, "edit", c.ip); err != nil {
		return err
	}
	return redirect(w, r, "/watchlist/"+url.PathEscape(rec.ID), "edited")
}

func (h *Handler) watchlistExpire(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := h.svc.ExpireIndicator(r.Context(), c.user, r.PathValue("id"), c.ip); err != nil {
		return err
	}
	return redirect(w, r, "/watchlist", "expired")
}

func (h *Handler) watchlistImport(w http.ResponseWriter, r *http.Request, c *call) error {
	data, err := uploaded(r, "file", 64<<20)
	if err != nil {
		return err
	}
	ins, upd, notes, err := h.svc.ImportIndicators(r.Context(), c.user, data, c.ip)
	if err != nil {
		return err
	}
	h.render(w, r, c, "imported", pageT("Import", "watchlist", map[string]any{"Inserted": ins, "Updated": upd, "Notes": notes}))
	return nil
}

func (h *Handler) watchlistExport(w http.ResponseWriter, r *http.Request, c *call) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "stix"
	}
	data, err := h.svc.ExportIndicators(r.Context(), c.user, format, r.URL.Query().Get("tlp"), c.ip)
	if err != nil {
		return err
	}
	ext, ct := "json", "application/stix+json;version=2.1"
	if format == "csv" {
		ext, ct = "csv", "text/csv; charset=utf-8"
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Disposition", `attachment; filename="portcullis-watchlist.`+ext+`"`)
	_, _ = w.Write(data)
	return nil
}

// uploaded reads a form file, bounded.
func uploaded(r *http.Request, field string, limit int64) ([]byte, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
		return nil, reports.Errorf(store.ErrInvalid, "choose a file to upload")
	}
	fh := r.MultipartForm.File[field][0]
	if fh.Size > limit {
		return nil, reports.Errorf(store.ErrInvalid, "the file is larger than %d MB", limit>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// --- rules, people, users, audit ---

type ruleView struct {
	ID, Title, Severity string
	Weight, Hits        int
	Attack              []string
}

func (h *Handler) rulesPage(w http.ResponseWriter, r *http.Request, c *call) error {
	hits, err := h.svc.RuleHits(r.Context(), c.user)
	if err != nil {
		return err
	}
	var rs []ruleView
	for _, ru := range h.svc.Engine().Rules() {
		rs = append(rs, ruleView{ID: ru.ID, Title: ru.Title, Severity: ru.Severity, Weight: ru.Weight, Hits: hits[ru.ID], Attack: ru.Attack})
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Hits > rs[j].Hits })
	h.render(w, r, c, "rules", pageT("Rules", "rules", rs))
	return nil
}

func (h *Handler) peoplePage(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query().Get("q")
	people, err := h.svc.People(r.Context(), c.user, q)
	if err != nil {
		return err
	}
	h.render(w, r, c, "people", pageT("People", "people", map[string]any{"People": people, "Q": q}))
	return nil
}

func (h *Handler) peopleImport(w http.ResponseWriter, r *http.Request, c *call) error {
	data, err := uploaded(r, "file", 64<<20)
	if err != nil {
		return err
	}
	if _, _, err := h.svc.ImportPeople(r.Context(), c.user, bytes.NewReader(data), c.ip); err != nil {
		return err
	}
	return redirect(w, r, "/people", "people")
}

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, c *call) error {
	users, err := h.svc.Users(r.Context(), c.user)
	if err != nil {
		return err
	}
	h.render(w, r, c, "users", pageT("Users", "users", map[string]any{"Users": users}))
	return nil
}

func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	u, err := h.svc.CreateUser(r.Context(), c.user, reports.NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Role: r.PostFormValue("role"), Office: r.PostFormValue("office")}, c.ip)
	if err != nil {
		return err
	}
	tok, err := h.svc.SignInLink(r.Context(), c.user, u.ID, c.ip)
	if err != nil {
		return err
	}
	return h.showLink(w, r, c, u, tok)
}

func (h *Handler) showLink(w http.ResponseWriter, r *http.Request, c *call, u *store.User, tok string) error {
	users, err := h.svc.Users(r.Context(), c.user)
	if err != nil {
		return err
	}
	h.render(w, r, c, "users", pageT("Users", "users", map[string]any{"Users": users, "LinkFor": u, "Link": h.cfg.PublicURL + "/signin/link/" + tok}))
	return nil
}

func (h *Handler) userUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var ch reports.UserChange
	if v := r.PostFormValue("role"); v != "" {
		ch.Role = &v
	}
	if v, ok := r.PostForm["office"]; ok {
		ch.Office = &v[0]
	}
	if v := r.PostFormValue("disabled"); v != "" {
		d := v == "true"
		ch.Disabled = &d
	}
	if _, err := h.svc.UpdateUser(r.Context(), c.user, id, ch, c.ip); err != nil {
		return err
	}
	return redirect(w, r, "/admin/users", "user")
}

func (h *Handler) userReset(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	tok, err := h.svc.ResetPassword(r.Context(), c.user, id, c.ip)
	if err != nil {
		return err
	}
	u, err := h.svc.Store().GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	return h.showLink(w, r, c, u, tok)
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := reports.Require(c.user, store.RoleAdmin); err != nil {
		return err
	}
	after := int64(atoiDefault(r.URL.Query().Get("after"), 0))
	evs, err := h.svc.Store().ListAudit(r.Context(), after, 200)
	if err != nil {
		return err
	}
	next := ""
	if len(evs) == 200 {
		next = fmt.Sprintf("/admin/audit?after=%d", evs[len(evs)-1].Seq)
	}
	h.render(w, r, c, "audit", pageT("Audit log", "audit", map[string]any{"Events": evs, "Next": next}))
	return nil
}
