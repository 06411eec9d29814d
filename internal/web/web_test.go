package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"portcullis/internal/auth"
	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// env is a real service on a temporary SQLite database, served by
// httptest, with one signed-in user per role.
type env struct {
	t      testing.TB
	svc    *reports.Service
	db     *store.DB
	srv    *httptest.Server
	users  map[string]*store.User
	cookie map[string]string // role -> session token
	csrf   map[string]string
	token  map[string]string // role -> API token
	// A report by the reporter, and one by the other reporter.
	report, otherReport int64
	indicatorID         string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc, err := reports.New(ctx, reports.Config{Store: db})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetPasswordParams(auth.TestParams)
	h, err := New(svc, Config{PublicURL: "http://portcullis.test"})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, svc: svc, db: db, srv: httptest.NewServer(h), users: map[string]*store.User{},
		cookie: map[string]string{}, csrf: map[string]string{}, token: map[string]string{}}
	t.Cleanup(e.srv.Close)
	for _, role := range []string{store.RoleReporter, store.RoleAnalyst, store.RoleAdmin, "other"} {
		r := role
		if role == "other" {
			r = store.RoleReporter
		}
		u, err := svc.CreateUser(ctx, nil, reports.NewUser{Email: role + "@parliament.uk", Name: "Test " + role, Role: r}, "")
		if err != nil {
			t.Fatal(err)
		}
		e.users[role] = u
		tok, csrf, err := svc.StartSession(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		e.cookie[role], e.csrf[role] = tok, csrf
		secret, _, err := svc.CreateAPIToken(ctx, u, "test", "")
		if err != nil {
			t.Fatal(err)
		}
		e.token[role] = secret
	}
	rep, _, err := svc.Submit(ctx, e.users[store.RoleReporter], reports.Submission{Channel: "web", Raw: []byte(hostileApproach)})
	if err != nil {
		t.Fatal(err)
	}
	e.report = rep.ID
	other, _, err := svc.Submit(ctx, e.users["other"], reports.Submission{Channel: "web", Raw: []byte(hostileApproach)})
	if err != nil {
		t.Fatal(err)
	}
	e.otherReport = other.ID
	ent, err := reports.ParseIndicator(e.users[store.RoleAnalyst], map[string]string{"type": "email", "value": "recruiter@example.net"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutIndicators(ctx, e.users[store.RoleAnalyst], []*intel.Entry{ent}, "add", ""); err != nil {
		t.Fatal(err)
	}
	recs, _, err := svc.Indicators(ctx, e.users[store.RoleAnalyst], store.Filter{})
	if err != nil || len(recs) == 0 {
		t.Fatalf("indicators: %v %d", err, len(recs))
	}
	e.indicatorID = recs[0].ID
	return e
}

const hostileApproach = `{"format":"portcullis.approach/v1","platform":"linkedin","kind":"message",
 "sender":{"name":"Amanda Qiu","headline":"Senior Partner at Internationalcareer","profile_url":"https://www.linkedin.com/in/amanda-qiu-4b1a2"},
 "messages":[{"from":"sender","text":"Dear colleague, our client pays 5,000 GBP for a short report on non-public thinking in your committee. All expenses paid trip to Shanghai. Please keep this confidential <script>alert(1)</script>."}]}`

// do sends a request as role ("" for nobody). Browser requests carry the
// session cookie and, for POST, the CSRF token; API requests the token.
func (e *env) do(role, method, path string, form url.Values, api bool) *http.Response {
	e.t.Helper()
	var body io.Reader
	if form == nil {
		form = url.Values{}
	}
	if method != http.MethodGet && !api {
		if role != "" {
			form.Set("csrf", e.csrf[role])
		}
		body = strings.NewReader(form.Encode())
	}
	if api && method != http.MethodGet {
		body = strings.NewReader("{}")
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if method != http.MethodGet && !api {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if api && method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		if api {
			req.Header.Set("Authorization", "Bearer "+e.token[role])
		} else {
			req.AddCookie(&http.Cookie{Name: "portcullis_session", Value: e.cookie[role]})
		}
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func readBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAuthorization tries every route as every role and as nobody: a
// route answers only callers with at least its role.
func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	h, _ := New(e.svc, Config{})
	callers := []string{"", store.RoleReporter, store.RoleAnalyst, store.RoleAdmin}
	for _, rt := range h.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = strings.NewReplacer("{$}", "", "{id}", fmt.Sprint(e.report), "{token}", "nosuchtoken").Replace(path)
		if strings.HasPrefix(path, "/watchlist/") && path != "/watchlist/export" && path != "/watchlist/import" {
			path = strings.Replace(path, fmt.Sprint(e.report), url.PathEscape(e.indicatorID), 1)
		}
		if strings.HasPrefix(path, "/api/v1/indicators/") && strings.HasSuffix(path, "/expire") {
			path = "/api/v1/indicators/" + url.PathEscape(e.indicatorID) + "/expire"
		}
		if strings.HasPrefix(path, "/account/tokens/") || strings.HasPrefix(path, "/admin/users/") {
			path = strings.Replace(path, fmt.Sprint(e.report), fmt.Sprint(e.users["other"].ID), 1)
		}
		for _, who := range callers {
			t.Run(rt.pattern+" as "+orNobody(who), func(t *testing.T) {
				if path == "/signout" && who != "" {
					// Signing out ends the session: use a fresh one.
					tok, csrf, err := e.svc.StartSession(context.Background(), e.users[who])
					if err != nil {
						t.Fatal(err)
					}
					old, oldCSRF := e.cookie[who], e.csrf[who]
					e.cookie[who], e.csrf[who] = tok, csrf
					defer func() { e.cookie[who], e.csrf[who] = old, oldCSRF }()
				}
				resp := e.do(who, method, path, nil, rt.api)
				body := readBody(t, resp)
				allowed := rt.role == "" || (who != "" && store.RoleRank(who) >= store.RoleRank(rt.role))
				denied := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden ||
					(resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/signin?next="))
				if strings.HasPrefix(path, "/signin") {
					// Public, and a wrong password or link is a 401 by design.
					denied = resp.StatusCode == http.StatusForbidden
				}
				if allowed && denied {
					t.Errorf("%s %s as %s: %d, want access (%.200s)", method, path, orNobody(who), resp.StatusCode, body)
				}
				if !allowed && !denied {
					t.Errorf("%s %s as %s: %d, want refusal (%.200s)", method, path, orNobody(who), resp.StatusCode, body)
				}
				if !allowed && who == "" && rt.api && resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("API %s as nobody: %d, want 401", path, resp.StatusCode)
				}
			})
		}
	}
}

func orNobody(s string) string {
	if s == "" {
		return "nobody"
	}
	return s
}

func TestReporterSeesOnlyOwnReports(t *testing.T) {
	e := newEnv(t)
	for _, api := range []bool{false, true} {
		prefix := ""
		if api {
			prefix = "/api/v1"
		}
		resp := e.do(store.RoleReporter, "GET", fmt.Sprintf("%s/reports/%d", prefix, e.otherReport), nil, api)
		readBody(t, resp)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("api=%v: another's report: %d, want 404", api, resp.StatusCode)
		}
		resp = e.do(store.RoleReporter, "GET", fmt.Sprintf("%s/reports/%d", prefix, e.report), nil, api)
		readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("api=%v: own report: %d, want 200", api, resp.StatusCode)
		}
	}
	resp := e.do(store.RoleReporter, "GET", "/api/v1/reports", nil, true)
	var list struct {
		Reports []struct {
			ID int64 `json:"id"`
		} `json:"reports"`
	}
	if err := json.Unmarshal([]byte(readBody(t, resp)), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Reports) != 1 || list.Reports[0].ID != e.report {
		t.Errorf("reporter's list = %+v, want only report %d", list.Reports, e.report)
	}
}

func TestCSRFAndCrossOrigin(t *testing.T) {
	e := newEnv(t)
	// A form without the token is refused and changes nothing.
	req, _ := http.NewRequest("POST", e.srv.URL+fmt.Sprintf("/reports/%d/notes", e.report), strings.NewReader("text=forged"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "portcullis_session", Value: e.cookie[store.RoleAnalyst]})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF token: %d, want 403", resp.StatusCode)
	}
	notes, _ := e.db.ListNotes(context.Background(), e.report)
	if len(notes) != 0 {
		t.Errorf("forged note was stored: %+v", notes)
	}
	// A cross-site form is refused even with the right token.
	form := url.Values{"text": {"x"}, "csrf": {e.csrf[store.RoleAnalyst]}}
	req, _ = http.NewRequest("POST", e.srv.URL+fmt.Sprintf("/reports/%d/notes", e.report), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.AddCookie(&http.Cookie{Name: "portcullis_session", Value: e.cookie[store.RoleAnalyst]})
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", resp.StatusCode)
	}
}

func TestSecurityHeadersAndEscaping(t *testing.T) {
	e := newEnv(t)
	resp := e.do(store.RoleAnalyst, "GET", fmt.Sprintf("/reports/%d", e.report), nil, false)
	body := readBody(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("report page: %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q, want no scripts at all", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("missing nosniff or frame denial: %v", resp.Header)
	}
	if strings.Contains(body, "<script>alert(1)") {
		t.Error("reported <script> was rendered as markup")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)") {
		t.Error("reported <script> text is not shown escaped")
	}
	if regexp.MustCompile(`<script`).MatchString(body) {
		t.Error("page contains a script element")
	}
	if !strings.Contains(body, "<mark>") {
		t.Error("evidence is not highlighted")
	}
	// The original is served only as a download.
	resp = e.do(store.RoleAnalyst, "GET", fmt.Sprintf("/reports/%d/raw", e.report), nil, false)
	readBody(t, resp)
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("raw download: Content-Disposition %q, Content-Type %q", cd, resp.Header.Get("Content-Type"))
	}
	// The analyst's view is in the audit log.
	evs, err := e.db.ListAudit(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var viewed bool
	for _, ev := range evs {
		if ev.Action == "report.view" && ev.Target == fmt.Sprintf("report:%d", e.report) && ev.ActorID == e.users[store.RoleAnalyst].ID {
			viewed = true
		}
	}
	if !viewed {
		t.Error("analyst's view of a report is not in the audit log")
	}
}

func TestSignInAndLockout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.users[store.RoleReporter]
	if err := e.svc.SetPassword(ctx, u, "", "plum orbit lantern 42", ""); err != nil {
		t.Fatal(err)
	}
	signIn := func(pw string) *http.Response {
		form := url.Values{"email": {u.Email}, "password": {pw}, "next": {"/reports"}}
		resp := e.do("", "POST", "/signin", form, false)
		readBody(t, resp)
		return resp
	}
	resp := signIn("plum orbit lantern 42")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports" {
		t.Fatalf("good sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "portcullis_session" {
			ck = c
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v, want HttpOnly and SameSite", ck)
	}
	for i := 0; i < 5; i++ {
		if r := signIn("wrong password " + fmt.Sprint(i)); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad password %d: %d, want 401", i, r.StatusCode)
		}
	}
	// Locked now: even the right password fails, with the same answer.
	if r := signIn("plum orbit lantern 42"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("locked account signed in: %d", r.StatusCode)
	}
}

func TestAPI(t *testing.T) {
	e := newEnv(t)
	post := func(role, path, ct, body string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+e.token[role])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp, readBody(t, resp)
	}
	resp, body := post(store.RoleReporter, "/api/v1/reports", "application/json", `{"approach":`+hostileApproach+`,"intent":"report","replied":true}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	var rep struct {
		ID       int64  `json:"id"`
		Level    string `json:"level"`
		Replied  bool   `json:"replied"`
		Analysis struct {
			Findings []any `json:"findings"`
		} `json:"analysis"`
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.ID == 0 || rep.Level == "none" || rep.Level == "low" || !rep.Replied || len(rep.Analysis.Findings) == 0 {
		t.Errorf("submitted report = %+v, want a flagged report with findings", rep)
	}
	mail := "From: A Recruiter <a@recruit.example>\r\nTo: staff@parliament.uk\r\nSubject: Paid report\r\n\r\nWe pay 3000 GBP per report on confidential policy. Expenses paid trip.\r\n"
	resp, body = post(store.RoleReporter, "/api/v1/reports", "message/rfc822", mail)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"kind":"email"`) {
		t.Errorf("raw mail submit: %d %s", resp.StatusCode, body)
	}
	resp, body = post(store.RoleReporter, "/api/v1/analyze", "application/json", `{"approach":`+hostileApproach+`}`)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"findings"`) {
		t.Errorf("analyze: %d %s", resp.StatusCode, body)
	}
	// One error shape everywhere.
	for _, c := range []struct {
		role, path, ct, body string
		status               int
		code                 string
	}{
		{store.RoleReporter, "/api/v1/reports", "application/json", `{"approach":{"format":"nope"}}`, 400, "invalid"},
		{store.RoleReporter, "/api/v1/reports", "application/json", `not json`, 400, "invalid"},
		{store.RoleReporter, "/api/v1/reports", "image/png", `x`, 415, "unsupported_media_type"},
		{store.RoleReporter, "/api/v1/indicators", "application/json", `{"type":"email","value":"x@y.z"}`, 403, "forbidden"},
		{store.RoleAnalyst, "/api/v1/indicators", "application/json", `{"type":"email","value":"not an email"}`, 400, "invalid"},
	} {
		resp, body := post(c.role, c.path, c.ct, c.body)
		var er apiError
		if err := json.Unmarshal([]byte(body), &er); err != nil || resp.StatusCode != c.status || er.Error.Code != c.code || er.Error.Message == "" {
			t.Errorf("POST %s %.40q as %s: %d %s, want %d %s", c.path, c.body, c.role, resp.StatusCode, body, c.status, c.code)
		}
	}
	resp, body = post(store.RoleAnalyst, "/api/v1/indicators", "application/json", `{"type":"linkedin_profile","value":"https://www.linkedin.com/in/amanda-qiu-4b1a2","tlp":"green"}`)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"kind":"watch"`) {
		t.Errorf("add indicator: %d %s", resp.StatusCode, body)
	}
	// The new indicator is used by the next analysis.
	resp, body = post(store.RoleReporter, "/api/v1/analyze", "application/json", `{"approach":`+hostileApproach+`}`)
	if !strings.Contains(body, `amanda-qiu-4b1a2`) || !strings.Contains(body, `"watchlist_matches":[{`) {
		t.Errorf("analysis after adding the profile has no watchlist match: %s", body)
	}
}

// TestOpenAPI checks that the OpenAPI document is valid JSON and
// documents every API route.
func TestOpenAPI(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	h := &Handler{}
	for _, rt := range h.routes() {
		if !rt.api {
			continue
		}
		method, path, _ := strings.Cut(rt.pattern, " ")
		ops, ok := doc.Paths[path]
		if !ok {
			t.Errorf("openapi.json does not document %s", path)
			continue
		}
		if _, ok := ops[strings.ToLower(method)]; !ok {
			t.Errorf("openapi.json does not document %s %s", method, path)
		}
	}
}
