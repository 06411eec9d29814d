package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/approach"
	"portcullis/internal/message"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// --- signing in and out ---

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request, c *call) error {
	if c.user != nil {
		return redirect(w, r, safeNext(r.URL.Query().Get("next")), "")
	}
	h.render(w, r, c, "signin", page{Title: "Sign in", Data: map[string]any{"Next": safeNext(r.URL.Query().Get("next"))}})
	return nil
}

func (h *Handler) signInSubmit(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := r.ParseForm(); err != nil {
		return reports.Errorf(store.ErrInvalid, "the form could not be read")
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	next := safeNext(r.PostFormValue("next"))
	if !h.signIn.Allow(c.ip) || !h.signIn.Allow("email|"+email) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
		h.render(w, r, c, "signin", page{Title: "Sign in", Data: map[string]any{"Next": next, "Email": email,
			"Error": "Too many sign-in attempts. Wait a minute, then try again."}})
		return nil
	}
	u, err := h.svc.SignIn(r.Context(), email, r.PostFormValue("password"), c.ip)
	if err != nil {
		if !errors.Is(err, reports.ErrUnauthenticated) {
			return err
		}
		w.WriteHeader(http.StatusUnauthorized)
		h.render(w, r, c, "signin", page{Title: "Sign in", Data: map[string]any{"Next": next, "Email": email, "Error": err.Error()}})
		return nil
	}
	return h.startSession(w, r, c, u, next)
}

func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, c *call, u *store.User, next string) error {
	if c.token != "" {
		_ = h.svc.SignOut(r.Context(), c.user, c.token, c.ip)
	}
	tok, _, err := h.svc.StartSession(r.Context(), u)
	if err != nil {
		return err
	}
	h.setSessionCookie(w, tok, int(reports.SessionIdle/time.Second))
	return redirect(w, r, next, "")
}

func (h *Handler) linkPage(w http.ResponseWriter, r *http.Request, c *call) error {
	// A GET never spends the link: mail scanners and previews fetch links.
	h.render(w, r, c, "link", page{Title: "Sign in", Data: map[string]any{"Token": r.PathValue("token")}})
	return nil
}

func (h *Handler) linkSubmit(w http.ResponseWriter, r *http.Request, c *call) error {
	if !h.signIn.Allow(c.ip) {
		return errTooMany
	}
	u, err := h.svc.UseSignInLink(r.Context(), r.PathValue("token"), c.ip)
	if err != nil {
		return err
	}
	next := "/"
	if u.PasswordHash == "" {
		next = "/account?first=1"
	}
	return h.startSession(w, r, c, u, next)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := h.svc.SignOut(r.Context(), c.user, c.token, c.ip); err != nil {
		return err
	}
	h.setSessionCookie(w, "", -1)
	return redirect(w, r, "/signin", "signout")
}

// --- operations ---

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request, c *call) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
	return nil
}

func (h *Handler) readyz(w http.ResponseWriter, r *http.Request, c *call) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := h.svc.Store().Ping(r.Context()); err != nil {
		h.logger.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "database unavailable\n")
		return nil
	}
	if h.cfg.Ready != nil {
		if err := h.cfg.Ready(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "not ready: "+err.Error()+"\n")
			return nil
		}
	}
	_, _ = io.WriteString(w, "ready\n")
	return nil
}

func (h *Handler) metricsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	h.metrics.write(w)
	return nil
}

func (h *Handler) static(w http.ResponseWriter, r *http.Request, c *call) error {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.StripPrefix("/static/", staticFiles()).ServeHTTP(w, r)
	return nil
}

// --- reporters ---

func (h *Handler) home(w http.ResponseWriter, r *http.Request, c *call) error {
	mine, err := h.svc.List(r.Context(), c.user, store.ReportFilter{ReporterID: c.user.ID, Limit: 5})
	if err != nil {
		return err
	}
	slices.SortFunc(mine, func(a, b store.Report) int { return b.CreatedAt.Compare(a.CreatedAt) })
	data := map[string]any{"Mine": mine, "ReportAddress": h.cfg.ReportAddress}
	if reports.IsAnalyst(c.user) {
		counts, err := h.svc.Counts(r.Context(), c.user, store.ReportFilter{Status: store.StatusNew})
		if err != nil {
			return err
		}
		data["Counts"] = counts
	}
	h.render(w, r, c, "home", page{Title: "Portcullis", Nav: "home", Data: data})
	return nil
}

// reportFormData is the report form's fields, kept when the form is
// shown again with an error.
type reportFormData struct {
	Text, Name, Headline, Company, ProfileURL, Email, Phone, Platform string
	Replied, Shared, Met                                              bool
	Platforms                                                         []string
	Error                                                             string
	ReportAddress                                                     string
}

func (h *Handler) reportForm(w http.ResponseWriter, r *http.Request, c *call) error {
	h.render(w, r, c, "report", page{Title: "Report an approach", Nav: "report",
		Data: reportFormData{Platform: "linkedin", Platforms: approach.Platforms, ReportAddress: h.cfg.ReportAddress}})
	return nil
}

func (h *Handler) reportSubmit(w http.ResponseWriter, r *http.Request, c *call) error {
	f := reportFormData{
		Text: r.PostFormValue("text"), Name: r.PostFormValue("name"), Headline: r.PostFormValue("headline"),
		Company: r.PostFormValue("company"), ProfileURL: r.PostFormValue("profile_url"), Email: r.PostFormValue("email"),
		Phone: r.PostFormValue("phone"), Platform: r.PostFormValue("platform"),
		Replied: r.PostFormValue("replied") != "", Shared: r.PostFormValue("shared") != "", Met: r.PostFormValue("met") != "",
		Platforms: approach.Platforms, ReportAddress: h.cfg.ReportAddress,
	}
	raw, name, err := h.formInput(r, f)
	if err == nil {
		intent := store.IntentReport
		if r.PostFormValue("intent") == store.IntentCheck {
			intent = store.IntentCheck
		}
		var rep *store.Report
		rep, _, err = h.svc.Submit(r.Context(), c.user, reports.Submission{Channel: "web", IP: c.ip, Intent: intent, Platform: platformFor(f.Platform),
			Replied: f.Replied, Shared: f.Shared, Met: f.Met, Raw: raw, RawName: name})
		if err == nil {
			h.metrics.reportAccepted("web", rep.Level)
			return redirect(w, r, fmt.Sprintf("/reports/%d", rep.ID), "")
		}
	}
	if !errors.Is(err, store.ErrInvalid) {
		return err
	}
	f.Error = err.Error()
	w.WriteHeader(http.StatusBadRequest)
	h.render(w, r, c, "report", page{Title: "Report an approach", Nav: "report", Data: f})
	return nil
}

// platformFor keeps the reporter's platform for pasted text; for a file
// the analysis decides (a mail is email, a LinkedIn notification LinkedIn).
func platformFor(p string) string {
	if !slices.Contains(approach.Platforms, p) {
		return ""
	}
	return p
}

// formInput turns the report form into one input: an uploaded file as it
// is, or an approach document built from the pasted text and fields.
func (h *Handler) formInput(r *http.Request, f reportFormData) ([]byte, string, error) {
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			fh := fhs[0]
			if fh.Size > h.svc.MaxBytes() {
				return nil, "", reports.Errorf(store.ErrInvalid, "the file is larger than %d MB", h.svc.MaxBytes()>>20)
			}
			file, err := fh.Open()
			if err != nil {
				return nil, "", err
			}
			defer file.Close()
			data, err := io.ReadAll(io.LimitReader(file, h.svc.MaxBytes()+1))
			if err != nil {
				return nil, "", err
			}
			if strings.TrimSpace(f.Text) != "" {
				return nil, "", reports.Errorf(store.ErrInvalid, "send either a file or pasted text, not both: report them separately")
			}
			return data, fh.Filename, nil
		}
	}
	text := strings.TrimSpace(strings.ReplaceAll(f.Text, "\r\n", "\n"))
	s := &approach.Sender{Name: strings.TrimSpace(f.Name), Headline: strings.TrimSpace(f.Headline), Company: strings.TrimSpace(f.Company),
		ProfileURL: strings.TrimSpace(f.ProfileURL), Email: strings.TrimSpace(f.Email), Phone: strings.TrimSpace(f.Phone)}
	hasSender := s.Name+s.Headline+s.Company+s.ProfileURL+s.Email+s.Phone != ""
	if text == "" && !hasSender {
		return nil, "", reports.Errorf(store.ErrInvalid, "paste the message you received, or upload a saved .eml file, or fill in who contacted you")
	}
	// Pasted mail or a chat export is analysed as what it is; a plain
	// message becomes an approach with the sender's details.
	if !hasSender && looksStructured(text) {
		return []byte(text), "", nil
	}
	platform := f.Platform
	if !slices.Contains(approach.Platforms, platform) {
		platform = "other"
	}
	a := approach.Approach{Format: "portcullis.approach/v1", Platform: platform, Kind: "message"}
	if hasSender {
		a.Sender = s
	}
	if text != "" {
		a.Messages = []approach.Message{{From: "sender", Text: text}}
	} else {
		a.Kind = "profile"
	}
	data, err := marshalApproach(&a)
	return data, "", err
}

// looksStructured is true for pasted mail (with headers) and approach JSON.
func looksStructured(text string) bool {
	if strings.HasPrefix(text, "{") {
		return true
	}
	head, _, _ := strings.Cut(text, "\n\n")
	n := 0
	for _, l := range strings.Split(head, "\n") {
		k, _, ok := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "from", "to", "subject", "date", "received", "message-id", "return-path":
			if ok {
				n++
			}
		}
	}
	return n >= 2
}

func (h *Handler) myReports(w http.ResponseWriter, r *http.Request, c *call) error {
	off := atoiDefault(r.URL.Query().Get("offset"), 0)
	list, err := h.svc.List(r.Context(), c.user, store.ReportFilter{ReporterID: c.user.ID, Limit: 100, Offset: off})
	if err != nil {
		return err
	}
	slices.SortStableFunc(list, func(a, b store.Report) int { return b.CreatedAt.Compare(a.CreatedAt) })
	h.render(w, r, c, "myreports", page{Title: "My reports", Nav: "mine", Data: map[string]any{"Reports": list}})
	return nil
}

// reportView is everything the report page shows.
type reportView struct {
	Report      *store.Report
	Result      *analysis.Result
	Parsed      *message.Parsed
	Messages    []messageView
	Own         bool
	Analyst     bool
	Reporter    *store.User
	Person      *store.Person
	Assignee    *store.User
	Analysts    []store.User
	Notes       []noteView
	Related     []store.Related
	Indicators  []store.ReportIndicator
	Attachments []store.Attachment
	Statuses    []string
	Verdicts    []string
	HasHTML     bool
}

type messageView struct {
	From, SentAt, Subject string
	Segments              []segment
}

type noteView struct {
	store.Note
	Author string
}

func (h *Handler) reportPage(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rep, err := h.svc.Report(ctx, c.user, id, c.ip)
	if err != nil {
		return err
	}
	res, err := reports.Result(rep)
	if err != nil {
		return err
	}
	res = reports.Redact(c.user, res)
	v := reportView{Report: rep, Result: res, Own: rep.ReporterID == c.user.ID, Analyst: reports.IsAnalyst(c.user),
		Statuses: []string{store.StatusNew, store.StatusTriaging, store.StatusEscalated, store.StatusClosed},
		Verdicts: []string{store.VerdictHostile, store.VerdictSuspicious, store.VerdictBenign, store.VerdictExercise}}
	if !v.Analyst {
		h.render(w, r, c, "result", page{Title: "Your report", Nav: "mine", Data: v})
		return nil
	}
	// The approach is shown as text, parsed again from what was
	// submitted; the evidence is highlighted in it.
	if p, err := message.Parse(bytes.NewReader(rep.Raw), message.Limits{MaxBytes: h.svc.MaxBytes()}); err == nil {
		v.Parsed = p
		v.HasHTML = p.Mail != nil && p.Mail.HTMLText != ""
		var excerpts []string
		for _, f := range res.Findings {
			for _, e := range f.Evidence {
				excerpts = append(excerpts, e.Excerpt)
			}
		}
		for _, m := range res.WatchlistMatches {
			excerpts = append(excerpts, m.Matched)
		}
		if p.Approach != nil {
			for _, m := range p.Approach.Messages {
				v.Messages = append(v.Messages, messageView{From: m.From, SentAt: m.SentAt, Subject: m.Subject, Segments: highlight(m.Text, excerpts)})
			}
		}
	}
	if v.Reporter, err = h.svc.Store().GetUser(ctx, rep.ReporterID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if v.Reporter != nil {
		if p, err := h.svc.Person(ctx, c.user, v.Reporter.Email); err == nil {
			v.Person = p
		}
	}
	if v.Analysts, err = h.svc.Analysts(ctx, c.user); err != nil {
		return err
	}
	names := map[int64]string{}
	for _, a := range v.Analysts {
		names[a.ID] = a.Name
		if rep.AssigneeID != nil && a.ID == *rep.AssigneeID {
			v.Assignee = &a
		}
	}
	notes, err := h.svc.Notes(ctx, c.user, id)
	if err != nil {
		return err
	}
	for _, n := range notes {
		author := names[n.AuthorID]
		if author == "" {
			if u, err := h.svc.Store().GetUser(ctx, n.AuthorID); err == nil {
				author = u.Name
			}
		}
		v.Notes = append(v.Notes, noteView{Note: n, Author: author})
	}
	if v.Related, err = h.svc.Related(ctx, c.user, id); err != nil {
		return err
	}
	if v.Indicators, err = h.svc.ReportIndicators(ctx, c.user, id); err != nil {
		return err
	}
	if v.Attachments, err = h.svc.Attachments(ctx, c.user, id); err != nil {
		return err
	}
	h.render(w, r, c, "triage", page{Title: fmt.Sprintf("Report %d", id), Nav: "queue", Data: v})
	return nil
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request, c *call) error {
	toks, err := h.svc.APITokens(r.Context(), c.user)
	if err != nil {
		return err
	}
	h.render(w, r, c, "account", page{Title: "Your account", Nav: "account", Data: map[string]any{
		"Tokens": toks, "First": r.URL.Query().Get("first") != "", "NoPassword": c.user.PasswordHash == ""}})
	return nil
}

func (h *Handler) accountPassword(w http.ResponseWriter, r *http.Request, c *call) error {
	next, again := r.PostFormValue("new"), r.PostFormValue("again")
	var err error
	if next != again {
		err = reports.Errorf(store.ErrInvalid, "the two new passwords are not the same")
	} else {
		err = h.svc.SetPassword(r.Context(), c.user, r.PostFormValue("current"), next, c.ip)
	}
	if err == nil {
		// Every session ended with the old password: start a new one here.
		u, gerr := h.svc.Store().GetUser(r.Context(), c.user.ID)
		if gerr != nil {
			return gerr
		}
		c.token = ""
		tok, _, serr := h.svc.StartSession(r.Context(), u)
		if serr != nil {
			return serr
		}
		h.setSessionCookie(w, tok, int(reports.SessionIdle/time.Second))
	}
	if err != nil {
		if !errors.Is(err, store.ErrInvalid) {
			return err
		}
		toks, _ := h.svc.APITokens(r.Context(), c.user)
		w.WriteHeader(http.StatusBadRequest)
		h.render(w, r, c, "account", page{Title: "Your account", Nav: "account", Data: map[string]any{
			"Tokens": toks, "PasswordError": err.Error(), "NoPassword": c.user.PasswordHash == ""}})
		return nil
	}
	return redirect(w, r, "/account", "password")
}

func (h *Handler) accountTokenCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	secret, _, err := h.svc.CreateAPIToken(r.Context(), c.user, r.PostFormValue("name"), c.ip)
	if err != nil {
		return err
	}
	toks, err := h.svc.APITokens(r.Context(), c.user)
	if err != nil {
		return err
	}
	h.render(w, r, c, "account", page{Title: "Your account", Nav: "account", Data: map[string]any{
		"Tokens": toks, "NewToken": secret, "NoPassword": c.user.PasswordHash == ""}})
	return nil
}

func (h *Handler) accountTokenRevoke(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.svc.RevokeAPIToken(r.Context(), c.user, id, c.ip); err != nil {
		return err
	}
	return redirect(w, r, "/account", "revoked")
}

// --- helpers ---

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, reports.Errorf(store.ErrNotFound, "not found")
	}
	return id, nil
}

func atoiDefault(s string, d int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return d
	}
	return n
}
