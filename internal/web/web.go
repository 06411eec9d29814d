// Package web is Portcullis's HTTP face: server-rendered HTML pages for
// reporters and the security team (no JavaScript), and the JSON API
// under /api/v1. Both are thin adapters over reports.Service. Every route
// is declared once, in routes.go, with the least role it needs; that
// table is where authorisation is decided for pages and API alike, and a
// test walks it as every role.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"portcullis/internal/auth"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the web handler.
type Config struct {
	// PublicURL is where users reach the service (for links in mail and
	// on the console), e.g. https://portcullis.parliament.uk.
	PublicURL string
	// SecureCookies marks cookies Secure (and names the session cookie
	// __Host-…). Set it whenever users reach the service over HTTPS, at
	// the server or at a reverse proxy.
	SecureCookies bool
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// Ready reports whether the service can take work, for /readyz.
	Ready func(context.Context) error
	// SMTPAddress is the report-by-email address, shown to reporters.
	ReportAddress string
	Logger        *slog.Logger
	Metrics       *Metrics
	// Sharing manages TAXII partners and collections (nil: not offered).
	Sharing Sharing
}

// Sharing is what the sharing page needs from the TAXII server.
type Sharing interface {
	Partners(ctx context.Context) ([]store.Partner, error)
	Collections(ctx context.Context) ([]store.TAXIICollection, error)
	AddPartner(ctx context.Context, name, maxTLP string) (*store.Partner, string, error)
	Grant(ctx context.Context, partnerID int64, collectionID string, read, write bool) error
}

// Handler serves the pages and the API.
type Handler struct {
	svc     *reports.Service
	cfg     Config
	logger  *slog.Logger
	mux     *http.ServeMux
	pages   map[string]*template.Template
	signIn  *auth.Limiter // per client address
	apiFail *auth.Limiter // failed API token attempts per client address
	// analyzeLimit bounds analyses without a report per reporter.
	analyzeLimit *auth.Limiter
	metrics      *Metrics
	cop          *http.CrossOriginProtection
}

// New returns the handler.
func New(svc *reports.Service, cfg Config) (*Handler, error) {
	h := &Handler{svc: svc, cfg: cfg, logger: cfg.Logger, mux: http.NewServeMux(), metrics: cfg.Metrics}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if h.metrics == nil {
		h.metrics = NewMetrics()
	}
	h.cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	h.signIn = auth.NewLimiter(10, time.Minute, 10, time.Now)
	h.apiFail = auth.NewLimiter(30, time.Minute, 30, time.Now)
	h.analyzeLimit = auth.NewLimiter(30, time.Minute, 30, time.Now)
	h.cop = http.NewCrossOriginProtection()
	var err error
	if h.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	for _, rt := range h.routes() {
		h.mux.Handle(rt.pattern, h.wrap(rt))
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, &call{api: strings.HasPrefix(r.URL.Path, "/api/")}, reports.Errorf(store.ErrNotFound, "there is no page at this address"))
	})
	return h, nil
}

// Metrics returns the handler's metrics.
func (h *Handler) Metrics() *Metrics { return h.metrics }

// ServeHTTP sets the security headers every response carries and
// dispatches.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	// No script at all: the pages work without JavaScript, so the
	// policy can forbid it outright.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if h.cfg.SecureCookies {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.logger.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	h.mux.ServeHTTP(w, r)
}

// call is one request's context: who is calling and how.
type call struct {
	user  *store.User
	sess  *store.Session
	token string // session cookie token
	ip    string
	api   bool
}

func (h *Handler) cookieName() string {
	if h.cfg.SecureCookies {
		return "__Host-portcullis"
	}
	return "portcullis_session"
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// wrap authenticates the caller, enforces the route's role and CSRF
// protection, and maps errors to responses.
func (h *Handler) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		c := &call{ip: auth.ClientIP(r, h.cfg.TrustProxy), api: rt.api}
		err := h.serve(sw, r, rt, c)
		if err != nil {
			h.fail(sw, r, c, err)
		}
		h.metrics.observe(rt.pattern, sw.status, time.Since(start))
	})
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, rt route, c *call) error {
	if rt.api {
		if rt.role != "" {
			if err := h.apiAuth(r, c); err != nil {
				return err
			}
		}
	} else {
		// Browsers say where a request comes from: refuse cross-origin
		// state changes before anything else (login CSRF included).
		if err := h.cop.Check(r); err != nil {
			return reports.Errorf(reports.ErrForbidden, "this form was sent from another site; go back to Portcullis and try again")
		}
		if ck, err := r.Cookie(h.cookieName()); err == nil {
			u, sess, err := h.svc.SessionUser(r.Context(), ck.Value)
			if err == nil {
				c.user, c.sess, c.token = u, sess, ck.Value
			} else if !errors.Is(err, reports.ErrUnauthenticated) {
				return err
			}
		}
		if rt.role != "" {
			// Refuse before reading a body: a form is parsed only for
			// someone allowed to send it.
			if err := reports.Require(c.user, rt.role); err != nil {
				return err
			}
		}
		if c.sess != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, h.svc.MaxBytes()+1<<20)
			if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return fmt.Errorf("%w: the upload is larger than %d MB", errTooLarge, h.svc.MaxBytes()>>20)
				}
				return reports.Errorf(store.ErrInvalid, "the form could not be read: %v", err)
			}
			if !auth.Equal(r.PostFormValue("csrf"), c.sess.CSRF) {
				return reports.Errorf(reports.ErrForbidden, "this form has expired or did not come from Portcullis; reload the page and try again")
			}
		}
	}
	if rt.role != "" {
		if err := reports.Require(c.user, rt.role); err != nil {
			return err
		}
	}
	return rt.handle(w, r, c)
}

// apiAuth authenticates an API call by its bearer token.
func (h *Handler) apiAuth(r *http.Request, c *call) error {
	a := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(a, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return reports.Errorf(reports.ErrUnauthenticated, "send an API token as 'Authorization: Bearer TOKEN' (create one on your account page)")
	}
	if h.apiFail.RetryAfter(c.ip) > 0 {
		return errTooMany
	}
	u, err := h.svc.TokenUser(r.Context(), strings.TrimSpace(tok))
	if err != nil {
		if errors.Is(err, reports.ErrUnauthenticated) {
			h.apiFail.Allow(c.ip)
		}
		return err
	}
	c.user = u
	return nil
}

var errTooMany = errors.New("too many requests")

// statusWriter records the status for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errorKind maps an error to its HTTP status and API code: the one table.
func errorKind(err error) (int, string) {
	switch {
	case errors.Is(err, reports.ErrUnauthenticated):
		return http.StatusUnauthorized, "unauthenticated"
	case errors.Is(err, reports.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest, "invalid"
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, errTooMany):
		return http.StatusTooManyRequests, "too_many_requests"
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.Is(err, errUnsupported):
		return http.StatusUnsupportedMediaType, "unsupported_media_type"
	}
	return http.StatusInternalServerError, "internal"
}

var (
	errTooLarge    = errors.New("too large")
	errUnsupported = errors.New("unsupported media type")
)

// userMessage is what a user may read about an error: ours, never a driver's.
func userMessage(err error, status int) string {
	if status == http.StatusInternalServerError {
		return "something went wrong on our side; it has been logged. Try again, and tell the security team if it keeps happening"
	}
	if !reports.IsUserMessage(err) && !errors.Is(err, errTooMany) && !errors.Is(err, errTooLarge) && !errors.Is(err, errUnsupported) {
		// A store or driver message: say only what kind of problem it is.
		switch status {
		case http.StatusNotFound:
			return "not found"
		case http.StatusConflict:
			return "that conflicts with something that already exists"
		case http.StatusBadRequest:
			return "the request is not valid"
		}
		return http.StatusText(status)
	}
	if errors.Is(err, errTooMany) {
		return "too many attempts: wait a minute and try again"
	}
	return err.Error()
}

// fail writes an error as a page or as the API's JSON error shape.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, c *call, err error) {
	status, code := errorKind(err)
	if status == http.StatusInternalServerError {
		h.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	msg := userMessage(err, status)
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	if c.api {
		writeJSON(w, status, apiError{Error: apiErrorBody{Code: code, Message: msg}})
		return
	}
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	w.WriteHeader(status)
	h.render(w, r, c, "error", page{Title: http.StatusText(status), Data: map[string]any{"Status": status, "Message": msg}})
}

// staticFiles serves the embedded stylesheet.
func staticFiles() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	return http.FileServerFS(sub)
}
