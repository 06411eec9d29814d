package taxii

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portcullis/internal/auth"
	"portcullis/internal/store"
)

// apiError is an error with the TAXII error message a client is shown.
// Internal detail never goes into it; it is logged.
type apiError struct {
	status      int
	title       string
	description string
	retryAfter  int // seconds, for 429
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.title, e.description) }

func errorf(status int, title, description string) error {
	return &apiError{status: status, title: title, description: description}
}

// statusOf maps the store's error kinds to HTTP statuses, in one table.
func statusOf(err error) int {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae.status
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// partner is the authenticated client of a request.
type partner struct {
	*store.Partner
	rights map[string]store.PartnerRight
}

// can reports what the partner may do with a collection.
func (p *partner) can(c *store.TAXIICollection) (read, write bool) {
	if r, ok := p.rights[c.ID]; ok {
		return r.CanRead, r.CanWrite
	}
	return c.CanReadDefault, c.CanWriteDefault
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, p *partner) error

// handle wraps an endpoint: TLS, authentication and content negotiation
// first, then the TAXII error message for whatever went wrong.
func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		p, err := s.authorize(w, r)
		if err == nil {
			err = h(w, r, p)
		}
		if err != nil {
			s.writeError(w, r, p, err)
		}
	}
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) (*partner, error) {
	if r.TLS == nil && !s.cfg.AllowHTTP && !(s.cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")) {
		return nil, errorf(http.StatusForbidden, "TLS required", "TAXII is served over HTTPS only")
	}
	p, err := s.authenticate(r)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.status == http.StatusUnauthorized {
			w.Header().Add("WWW-Authenticate", `Basic realm="TAXII", charset="UTF-8"`)
			w.Header().Add("WWW-Authenticate", `Bearer realm="TAXII"`)
		}
		return nil, err
	}
	if !acceptable(r.Header.Get("Accept")) {
		return p, errorf(http.StatusNotAcceptable, "not acceptable", "this server answers in "+MediaType)
	}
	return p, nil
}

// authenticate finds the partner from HTTP Basic credentials or a bearer
// token. Failures are throttled per client address.
func (s *Server) authenticate(r *http.Request) (*partner, error) {
	ctx := r.Context()
	ip := auth.ClientIP(r, s.cfg.TrustProxy)
	unauthorized := errorf(http.StatusUnauthorized, "unauthorized", "send a partner's HTTP Basic credentials or bearer token")
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, unauthorized
	}
	if wait := s.failed.RetryAfter(ip); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		return nil, &apiError{status: http.StatusTooManyRequests, title: "too many requests",
			description: fmt.Sprintf("too many failed sign-ins; try again in %d seconds", secs), retryAfter: secs}
	}
	var p *store.Partner
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	var err error
	switch {
	case strings.EqualFold(scheme, "Bearer") && cred != "":
		p, err = s.db.GetPartnerByBearerHash(ctx, auth.HashToken(cred))
	case strings.EqualFold(scheme, "Basic"):
		user, pw, ok := r.BasicAuth()
		if !ok {
			err = store.ErrNotFound
			break
		}
		p, err = s.db.GetPartnerByBasicUser(ctx, user)
		if errors.Is(err, store.ErrNotFound) {
			auth.EqualizeTiming(s.cfg.Password)
			break
		}
		if err == nil && !s.checkBasic(p, pw) {
			err = store.ErrNotFound
		}
	default:
		err = store.ErrNotFound
	}
	if err == nil && p.Disabled {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		s.failed.Allow(ip)
		s.log.Warn("taxii sign-in failed", "ip", ip, "scheme", strings.ToLower(scheme))
		return nil, unauthorized
	}
	if err != nil {
		return nil, err
	}
	rights, err := s.db.PartnerRights(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return &partner{Partner: p, rights: rights}, nil
}

// basicCheckTTL is how long a verified Basic password is remembered, so
// that a client paging through a collection does not pay argon2id on every
// request. Changing the password (its hash) forgets it.
const basicCheckTTL = 5 * time.Minute

func (s *Server) checkBasic(p *store.Partner, pw string) bool {
	if p.BasicHash == "" {
		auth.EqualizeTiming(s.cfg.Password)
		return false
	}
	sum := sha256.Sum256([]byte(strconv.FormatInt(p.ID, 10) + "\x00" + p.BasicHash + "\x00" + pw))
	key := hex.EncodeToString(sum[:])
	now := s.now()
	s.mu.Lock()
	until, ok := s.checks[key]
	s.mu.Unlock()
	if ok && now.Before(until) {
		return true
	}
	match, _, err := auth.CheckPassword(p.BasicHash, pw, s.cfg.Password)
	if err != nil {
		s.log.Error("taxii partner password hash unreadable", "partner", p.Name, "err", err)
		return false
	}
	if !match {
		return false
	}
	s.mu.Lock()
	if len(s.checks) >= 1024 {
		for k, t := range s.checks {
			if !now.Before(t) || len(s.checks) >= 1024 {
				delete(s.checks, k)
			}
		}
	}
	s.checks[key] = now.Add(basicCheckTTL)
	s.mu.Unlock()
	return true
}

// acceptable reports whether an Accept header admits the TAXII 2.1 media
// type: application/taxii+json with version 2.1 or no version, or a
// wildcard; no header at all accepts anything.
func acceptable(h string) bool {
	if strings.TrimSpace(h) == "" {
		return true
	}
	for _, part := range strings.Split(h, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
				continue
			}
		}
		switch mt {
		case "application/taxii+json":
			if v, ok := params["version"]; !ok || v == "2.1" {
				return true
			}
		case "*/*", "application/*":
			return true
		}
	}
	return false
}

// taxiiContent reports whether a Content-Type is the TAXII 2.1 media type
// (with version 2.1 or none).
func taxiiContent(h string) bool {
	mt, params, err := mime.ParseMediaType(h)
	if err != nil || mt != "application/taxii+json" {
		return false
	}
	v, ok := params["version"]
	return !ok || v == "2.1"
}

// writeJSON writes v as a TAXII response.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(status)
	w.Write(b) // a client that went away cannot be told
	return nil
}

// writeError writes err as a TAXII error message. Errors with no message
// of their own are logged and shown as an internal error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, p *partner, err error) {
	status := statusOf(err)
	title, desc := http.StatusText(status), ""
	var ae *apiError
	if errors.As(err, &ae) {
		title, desc = ae.title, ae.description
	}
	name := ""
	if p != nil {
		name = p.Name
	}
	switch {
	case status >= 500:
		s.log.Error("taxii request failed", "method", r.Method, "path", r.URL.Path, "partner", name, "err", err)
		title, desc = "internal error", "the server could not complete the request"
	case errors.Is(err, context.Canceled):
		return
	default:
		s.log.Debug("taxii request refused", "method", r.Method, "path", r.URL.Path, "partner", name, "status", status, "err", err)
		if ae == nil {
			desc = ""
		}
	}
	body := map[string]string{"title": title, "http_status": strconv.Itoa(status)}
	if desc != "" {
		body["description"] = desc
	}
	if ae != nil && ae.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ae.retryAfter))
	}
	writeJSON(w, status, body)
}
