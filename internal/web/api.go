package web

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/approach"
	"portcullis/internal/indicator"
	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// apiError is the one error shape of the API.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

//go:embed openapi.json
var openAPIDoc []byte

func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request, c *call) error {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
	return nil
}

// apiReport is a report as the API shows it.
type apiReport struct {
	ID         int64            `json:"id"`
	URL        string           `json:"url"`
	Channel    string           `json:"channel"`
	Intent     string           `json:"intent"`
	Platform   string           `json:"platform"`
	Title      string           `json:"title"`
	Kind       string           `json:"kind"`
	Score      int              `json:"score"`
	Level      string           `json:"level"`
	Summary    string           `json:"summary"`
	Status     string           `json:"status"`
	Verdict    string           `json:"verdict,omitempty"`
	AssigneeID *int64           `json:"assignee_id,omitempty"`
	Feedback   string           `json:"feedback,omitempty"`
	Replied    bool             `json:"replied"`
	SharedInfo bool             `json:"shared_information"`
	Met        bool             `json:"met"`
	ReporterID int64            `json:"reporter_id"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
	Analysis   *analysis.Result `json:"analysis,omitempty"`
}

func (h *Handler) toAPI(actor *store.User, r *store.Report, withAnalysis bool) apiReport {
	a := apiReport{ID: r.ID, URL: fmt.Sprintf("%s/reports/%d", h.cfg.PublicURL, r.ID), Channel: r.Channel, Intent: r.Intent,
		Platform: r.Platform, Title: r.Title, Kind: r.Kind, Score: r.Score, Level: r.Level, Summary: r.Summary, Status: r.Status,
		Verdict: r.Verdict, AssigneeID: r.AssigneeID, Feedback: r.Feedback, Replied: r.Replied, SharedInfo: r.SharedInfo, Met: r.Met,
		ReporterID: r.ReporterID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if withAnalysis && len(r.Analysis) > 0 {
		if res, err := reports.Result(r); err == nil {
			a.Analysis = reports.Redact(actor, res)
		}
	}
	return a
}

func (h *Handler) apiMe(w http.ResponseWriter, r *http.Request, c *call) error {
	writeJSON(w, http.StatusOK, map[string]any{"id": c.user.ID, "email": c.user.Email, "name": c.user.Name, "role": c.user.Role})
	return nil
}

// apiSubmission is the JSON body of POST /api/v1/reports and /analyze;
// a raw mail (message/rfc822) or text (text/plain) body works as well,
// with intent and platform in the query.
type apiSubmission struct {
	Intent   string          `json:"intent"`
	Platform string          `json:"platform"`
	Replied  bool            `json:"replied"`
	Shared   bool            `json:"shared_information"`
	Met      bool            `json:"met"`
	Approach json.RawMessage `json:"approach"`
	Raw      string          `json:"raw"`
	Filename string          `json:"filename"`
}

// readSubmission reads an API submission in any of its forms.
func (h *Handler) readSubmission(w http.ResponseWriter, r *http.Request) (reports.Submission, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.svc.MaxBytes()+1<<20))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return reports.Submission{}, fmt.Errorf("%w: the body is larger than %d MB", errTooLarge, h.svc.MaxBytes()>>20)
	}
	if err != nil {
		return reports.Submission{}, reports.Errorf(store.ErrInvalid, "the body could not be read")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	q := r.URL.Query()
	switch mt {
	case "application/json", "":
		var s apiSubmission
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return reports.Submission{}, reports.Errorf(store.ErrInvalid, "the body is not a submission: %v (send {\"approach\": {...}} or {\"raw\": \"...\"})", err)
		}
		sub := reports.Submission{Channel: "api", Intent: s.Intent, Platform: s.Platform, Replied: s.Replied, Shared: s.Shared, Met: s.Met, RawName: s.Filename}
		switch {
		case len(s.Approach) > 0 && s.Raw != "":
			return sub, reports.Errorf(store.ErrInvalid, "send either approach or raw, not both")
		case len(s.Approach) > 0:
			if _, err := approach.DecodeBytes(s.Approach); err != nil {
				return sub, reports.Errorf(store.ErrInvalid, "approach: %v", err)
			}
			sub.Raw = s.Approach
		case s.Raw != "":
			sub.Raw = []byte(s.Raw)
		default:
			return sub, reports.Errorf(store.ErrInvalid, "send the approach as {\"approach\": {...}} or a mail or text as {\"raw\": \"...\"}")
		}
		return sub, nil
	case "message/rfc822", "text/plain":
		return reports.Submission{Channel: "api", Intent: q.Get("intent"), Platform: q.Get("platform"), Raw: body, RawName: q.Get("filename"),
			Replied: q.Get("replied") == "true", Shared: q.Get("shared_information") == "true", Met: q.Get("met") == "true"}, nil
	}
	return reports.Submission{}, fmt.Errorf("%w: send application/json, message/rfc822 or text/plain", errUnsupported)
}

func (h *Handler) apiAnalyze(w http.ResponseWriter, r *http.Request, c *call) error {
	sub, err := h.readSubmission(w, r)
	if err != nil {
		return err
	}
	if !reports.IsAnalyst(c.user) && !h.analyzeLimit.Allow(fmt.Sprint(c.user.ID)) {
		return errTooMany
	}
	res, err := h.svc.Analyze(sub.Raw, sub.RawName)
	if err != nil {
		return err
	}
	if len(res.WatchlistMatches) > 0 {
		// Probing the watchlist leaves a trace.
		h.svc.Audit(r.Context(), c.user, "analyze.watchlist_match", "", reports.Detail("matches", len(res.WatchlistMatches), "level", res.Level), c.ip)
	}
	writeJSON(w, http.StatusOK, reports.Redact(c.user, res))
	return nil
}

func (h *Handler) apiSubmit(w http.ResponseWriter, r *http.Request, c *call) error {
	sub, err := h.readSubmission(w, r)
	if err != nil {
		return err
	}
	sub.IP = c.ip
	rep, _, err := h.svc.Submit(r.Context(), c.user, sub)
	if err != nil {
		return err
	}
	h.metrics.reportAccepted("api", rep.Level)
	w.Header().Set("Location", fmt.Sprintf("/api/v1/reports/%d", rep.ID))
	writeJSON(w, http.StatusCreated, h.toAPI(c.user, rep, true))
	return nil
}

func (h *Handler) apiReports(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := queueFilter(r.URL.Query())
	if err != nil {
		return err
	}
	if n := atoiDefault(r.URL.Query().Get("limit"), 50); n > 0 {
		f.Limit = min(n, 500)
	}
	list, err := h.svc.List(r.Context(), c.user, f)
	if err != nil {
		return err
	}
	out := make([]apiReport, 0, len(list))
	for i := range list {
		out = append(out, h.toAPI(c.user, &list[i], false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": out, "offset": f.Offset, "limit": f.Limit})
	return nil
}

func (h *Handler) apiReport(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := h.svc.Report(r.Context(), c.user, id, c.ip)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.toAPI(c.user, rep, true))
	return nil
}

func (h *Handler) apiCase(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body struct {
		Status     *string `json:"status"`
		Verdict    *string `json:"verdict"`
		AssigneeID *int64  `json:"assignee_id"`
		Feedback   *string `json:"feedback"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	rep, err := h.svc.UpdateCase(r.Context(), c.user, id, store.CaseUpdate{Status: body.Status, Verdict: body.Verdict,
		AssigneeID: body.AssigneeID, Feedback: body.Feedback}, c.ip)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.toAPI(c.user, rep, false))
	return nil
}

func (h *Handler) apiNote(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	n, err := h.svc.AddNote(r.Context(), c.user, id, body.Text, c.ip)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": n.ID, "report_id": n.ReportID, "text": n.Text, "created_at": n.CreatedAt})
	return nil
}

// apiIndicator is a watchlist entry as the API shows it.
type apiIndicator struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Value       string   `json:"value"`
	Kind        string   `json:"kind"`
	TLP         string   `json:"tlp"`
	Confidence  int      `json:"confidence"`
	Source      string   `json:"source"`
	SourceURL   string   `json:"source_url,omitempty"`
	Description string   `json:"description,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	ValidUntil  string   `json:"valid_until,omitempty"`
	Expired     bool     `json:"expired"`
}

func toAPIIndicator(rec *store.Record, now time.Time) apiIndicator {
	e := rec.Entry
	a := apiIndicator{ID: rec.ID, Type: string(e.Type), Value: e.Value, Kind: e.Kind, TLP: e.TLP, Confidence: e.Confidence,
		Source: e.Source.Name, SourceURL: e.Source.URL, Description: e.Description, Aliases: e.Aliases, Tags: e.Tags,
		Expired: rec.ExpiredAt != nil || !e.Active(now)}
	if !e.ValidUntil.IsZero() {
		a.ValidUntil = e.ValidUntil.Format("2006-01-02")
	}
	return a
}

func (h *Handler) apiIndicators(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	limit := atoiDefault(q.Get("limit"), 100)
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	f := store.Filter{Search: q.Get("q"), Kind: q.Get("kind"), Type: indicator.Type(q.Get("type")), IncludeExpired: q.Get("expired") == "true",
		Limit: limit, Offset: atoiDefault(q.Get("offset"), 0)}
	recs, total, err := h.svc.Indicators(r.Context(), c.user, f)
	if err != nil {
		return err
	}
	out := make([]apiIndicator, 0, len(recs))
	now := time.Now()
	for _, rec := range recs {
		out = append(out, toAPIIndicator(rec, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"indicators": out, "total": total, "offset": f.Offset, "limit": f.Limit})
	return nil
}

func (h *Handler) apiIndicatorAdd(w http.ResponseWriter, r *http.Request, c *call) error {
	var body map[string]any
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	fields := map[string]string{}
	for k, v := range body {
		switch v := v.(type) {
		case string:
			fields[k] = v
		case float64:
			fields[k] = fmt.Sprint(v)
		case []any:
			var parts []string
			for _, p := range v {
				if s, ok := p.(string); ok {
					parts = append(parts, s)
				}
			}
			fields[k] = strings.Join(parts, ";")
		}
	}
	e, err := reports.ParseIndicator(c.user, fields)
	if err != nil {
		return err
	}
	ins, _, err := h.svc.PutIndicators(r.Context(), c.user, []*intel.Entry{e}, "add", c.ip)
	if err != nil {
		return err
	}
	key, _ := store.Key(e.Type, e.Value)
	rec, err := h.svc.Indicator(r.Context(), c.user, store.IndicatorID(e.Type, key, e.Source.Name))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if ins > 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, toAPIIndicator(rec, time.Now()))
	return nil
}

func (h *Handler) apiIndicatorExpire(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := h.svc.ExpireIndicator(r.Context(), c.user, r.PathValue("id"), c.ip); err != nil {
		return err
	}
	rec, err := h.svc.Indicator(r.Context(), c.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIIndicator(rec, time.Now()))
	return nil
}

func (h *Handler) apiIndicatorExport(w http.ResponseWriter, r *http.Request, c *call) error {
	return h.watchlistExport(w, r, c)
}

// decodeJSON reads a small JSON body strictly.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" && mt != "" {
		return fmt.Errorf("%w: send application/json", errUnsupported)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return reports.Errorf(store.ErrInvalid, "the JSON body could not be read: %v", err)
	}
	return nil
}

// marshalApproach encodes an approach built from the form.
func marshalApproach(a *approach.Approach) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
