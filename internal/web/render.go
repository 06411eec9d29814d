package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// page is what every template gets.
type page struct {
	Title string
	User  *store.User
	CSRF  string
	Nav   string // the current section, for aria-current
	Flash string // a one-line confirmation shown at the top
	Data  any
	// Banner is the newest advisory for the user; Unread counts their
	// unread notifications.
	Banner *store.Advisory
	Unread int
}

// IsAnalyst is for templates.
func (p page) IsAnalyst() bool { return reports.IsAnalyst(p.User) }

// IsAdmin is for templates.
func (p page) IsAdmin() bool {
	return p.User != nil && p.User.Role == store.RoleAdmin && !p.User.Disabled
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"whenp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"join": strings.Join,
	"list": func(xs ...string) []string { return xs },
	"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"add":  func(a, b int) int { return a + b },
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
}

func parseTemplates() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		out[base] = t
	}
	return out, nil
}

// render writes a page. Rendering goes to a buffer first so that a
// template error becomes a clean 500, not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, c *call, name string, p page) {
	t := h.pages[name]
	if t == nil {
		h.logger.Error("no such template", "template", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p.User = c.user
	if c.sess != nil {
		p.CSRF = c.sess.CSRF
	}
	if c.user != nil {
		p.Banner = h.svc.Banner(r.Context(), c.user)
		p.Unread = h.svc.UnreadCount(r.Context(), c.user)
	}
	if p.Flash == "" {
		p.Flash = flashText(r.URL.Query().Get("done"))
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", p); err != nil {
		h.logger.Error("render failed", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

// flashText turns a ?done= code (set by a redirect after a change) into
// a sentence; unknown codes show nothing, so the text is never taken
// from the address.
func flashText(code string) string {
	return map[string]string{
		"case":      "The case was updated.",
		"note":      "The note was added.",
		"watch":     "The indicator was added to the watchlist.",
		"allow":     "The indicator was added to the allowlist.",
		"expired":   "The indicator was expired: it no longer matches.",
		"edited":    "The indicator was saved.",
		"password":  "Your password was changed.",
		"revoked":   "The token was revoked.",
		"user":      "The user was saved.",
		"people":    "The people directory was imported.",
		"signout":   "You are signed out.",
		"campaign":  "The campaign was saved.",
		"merged":    "The campaigns were merged. A rebuild keeps them together.",
		"split":     "The reports were split off. A rebuild keeps them apart.",
		"hunt":      "The retro-hunt has started.",
		"saved":     "The advisory was saved as a draft.",
		"published": "The advisory was published: the audience is being told, and retro-hunts have started.",
		"prefs":     "Your email choices were saved.",
	}[code]
}

// redirect answers a successful form with a See Other to a page.
func redirect(w http.ResponseWriter, r *http.Request, to, done string) error {
	if done != "" {
		to, frag, _ := strings.Cut(to, "#")
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "done=" + url.QueryEscape(done)
		if frag != "" {
			to += "#" + frag
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps a post-sign-in destination on this site.
// Browsers drop tabs and newlines and read \ as /, so any control
// character, space or backslash is refused outright, and what is left
// must parse as a path with no scheme or host.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

// writeJSON writes v as the response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"encoding failed"}}`)
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}

// segment is a piece of reported text, marked when it is evidence.
type segment struct {
	Text string
	Mark bool
}

// highlight splits text into segments, marking every occurrence of the
// excerpts (case-insensitively).
func highlight(text string, excerpts []string) []segment {
	if text == "" {
		return nil
	}
	lower := strings.ToLower(text)
	type span struct{ a, b int }
	var spans []span
	for _, ex := range excerpts {
		ex = strings.TrimSpace(strings.Trim(ex, "…."))
		if len(ex) < 3 {
			continue
		}
		le := strings.ToLower(ex)
		if len(le) != len(ex) {
			continue // case folding changed lengths: offsets would not line up
		}
		for i := 0; i < len(lower); {
			j := strings.Index(lower[i:], le)
			if j < 0 {
				break
			}
			spans = append(spans, span{i + j, i + j + len(le)})
			i += j + len(le)
		}
	}
	if len(spans) == 0 {
		return []segment{{Text: text}}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	var out []segment
	pos := 0
	for _, s := range spans {
		if s.b <= pos {
			continue
		}
		if s.a < pos {
			s.a = pos
		}
		if s.a > pos {
			out = append(out, segment{Text: text[pos:s.a]})
		}
		out = append(out, segment{Text: text[s.a:s.b], Mark: true})
		pos = s.b
	}
	if pos < len(text) {
		out = append(out, segment{Text: text[pos:]})
	}
	return out
}
