// Package client speaks TAXII 2.1 to partner agencies' servers: it pages
// through a collection's objects (added_after, next), and pushes objects
// to a writable collection. It keeps no state of its own: the caller
// stores the cursor between polls, so that polling survives restarts.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MediaType is the TAXII 2.1 media type.
const MediaType = "application/taxii+json;version=2.1"

// Client talks to one collection.
type Client struct {
	// ObjectsURL is the collection's objects endpoint, e.g.
	// https://partner.example/taxii2/api/collections/<id>/objects/.
	ObjectsURL string
	// Credentials: a bearer token, or a basic user and password.
	Token    string
	User     string
	Password string
	HTTP     *http.Client
	// PageSize is the limit asked for per page (default 500).
	PageSize int
	// MaxBytes bounds one response (default 64 MiB).
	MaxBytes int64
}

// CollectionURL builds a collection's objects URL from an API root and a
// collection id.
func CollectionURL(apiRoot, collection string) string {
	return strings.TrimRight(apiRoot, "/") + "/collections/" + url.PathEscape(collection) + "/objects/"
}

// Page is one page of a collection.
type Page struct {
	Objects []json.RawMessage
	More    bool
	Next    string
	// DateAddedLast is the X-TAXII-Date-Added-Last header: where the
	// next poll's added_after starts.
	DateAddedLast time.Time
}

// Error is a TAXII error answer.
type Error struct {
	Status      int
	Title       string
	Description string
}

func (e *Error) Error() string {
	if e.Description != "" {
		return fmt.Sprintf("taxii: %d %s: %s", e.Status, e.Title, e.Description)
	}
	return fmt.Sprintf("taxii: %d %s", e.Status, e.Title)
}

// Temporary reports whether trying again later may succeed.
func (e *Error) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 2 * time.Minute}
}

func (c *Client) auth(req *http.Request) {
	switch {
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	case c.User != "":
		req.SetBasicAuth(c.User, c.Password)
	}
}

// Fetch gets one page of objects added after addedAfter (zero: from the
// start), continuing from next when it is not empty.
func (c *Client) Fetch(ctx context.Context, addedAfter time.Time, next string) (*Page, error) {
	u, err := url.Parse(c.ObjectsURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("taxii: %q is not an http(s) collection URL", c.ObjectsURL)
	}
	q := u.Query()
	limit := c.PageSize
	if limit <= 0 {
		limit = 500
	}
	q.Set("limit", strconv.Itoa(limit))
	if !addedAfter.IsZero() {
		q.Set("added_after", addedAfter.UTC().Format("2006-01-02T15:04:05.000000Z"))
	}
	if next != "" {
		q.Set("next", next)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", MediaType)
	c.auth(req)
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("taxii: get %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := c.read(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotFound && next == "" {
		// An empty collection page may be a 404 with no objects in
		// some servers; the specification answers 200 with an empty
		// envelope. Treat a TAXII error body as an error.
		return nil, taxiiError(resp.StatusCode, body)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, taxiiError(resp.StatusCode, body)
	}
	var env struct {
		More    bool              `json:"more"`
		Next    string            `json:"next"`
		Objects []json.RawMessage `json:"objects"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, fmt.Errorf("taxii: %s answered something that is not an envelope: %w", u.Redacted(), err)
		}
	}
	p := &Page{Objects: env.Objects, More: env.More, Next: env.Next}
	if h := resp.Header.Get("X-TAXII-Date-Added-Last"); h != "" {
		if t, err := time.Parse(time.RFC3339Nano, h); err == nil {
			p.DateAddedLast = t
		}
	}
	return p, nil
}

// Status is a TAXII status resource.
type Status struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	TotalCount   int    `json:"total_count"`
	SuccessCount int    `json:"success_count"`
	FailureCount int    `json:"failure_count"`
	PendingCount int    `json:"pending_count"`
}

// Push sends objects to the collection (which must be writable for us).
func (c *Client) Push(ctx context.Context, objects []json.RawMessage) (*Status, error) {
	b, err := json.Marshal(map[string]any{"objects": objects})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.ObjectsURL, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", MediaType)
	req.Header.Set("Content-Type", MediaType)
	c.auth(req)
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("taxii: post: %w", err)
	}
	defer resp.Body.Close()
	body, err := c.read(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		return nil, taxiiError(resp.StatusCode, body)
	}
	var st Status
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("taxii: the status answer could not be read: %w", err)
	}
	return &st, nil
}

func (c *Client) read(resp *http.Response) ([]byte, error) {
	max := c.MaxBytes
	if max <= 0 {
		max = 64 << 20
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && resp.StatusCode < 300 &&
		mt != "application/taxii+json" && mt != "application/json" {
		return nil, fmt.Errorf("taxii: the server answered %s, not TAXII", mt)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("taxii: read: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("taxii: the answer is larger than %d MB", max>>20)
	}
	return b, nil
}

func taxiiError(status int, body []byte) error {
	e := &Error{Status: status, Title: http.StatusText(status)}
	var m struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	if json.Unmarshal(body, &m) == nil && m.Title != "" {
		e.Title, e.Description = m.Title, m.Description
	}
	return e
}

// IsTemporary reports whether err may pass by itself (network trouble,
// 429, 5xx): the caller backs off and tries again.
func IsTemporary(err error) bool {
	var te *Error
	if errors.As(err, &te) {
		return te.Temporary()
	}
	return err != nil
}

// Backoff is how long to wait after failures consecutive failures:
// 30 s doubling to an hour.
func Backoff(failures int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < failures && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
