package taxii

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"portcullis/internal/store"
)

// filters are the query parameters that select objects; a next token
// carries them, so that a page continues the query it came from.
type filters struct {
	AddedAfter   string   `json:"a,omitempty"`
	IDs          []string `json:"i,omitempty"`
	Types        []string `json:"t,omitempty"`
	Versions     []string `json:"v,omitempty"`
	SpecVersions []string `json:"s,omitempty"`
}

func (f filters) empty() bool {
	return f.AddedAfter == "" && len(f.IDs) == 0 && len(f.Types) == 0 && len(f.Versions) == 0 && len(f.SpecVersions) == 0
}

func (f filters) equal(g filters) bool {
	return f.AddedAfter == g.AddedAfter && slices.Equal(f.IDs, g.IDs) && slices.Equal(f.Types, g.Types) &&
		slices.Equal(f.Versions, g.Versions) && slices.Equal(f.SpecVersions, g.SpecVersions)
}

// cursor is what a next token encodes: the last seq served, where, and
// for which query. It grants nothing: rights and TLP are checked on
// every request.
type cursor struct {
	Seq     int64   `json:"n"`
	Scope   string  `json:"c"`
	Filters filters `json:"f"`
}

func (c cursor) token() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseToken(s string) (cursor, bool) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Seq < 0 {
		return cursor{}, false
	}
	return c, true
}

// page is a parsed paging request.
type page struct {
	q     store.TAXIIQuery
	f     filters
	scope string
	limit int
}

// matchValues returns the values of a match[...] parameter, which may be
// repeated and comma-separated, sorted and without repeats.
func matchValues(v url.Values, name string) []string {
	var out []string
	for _, s := range v["match["+name+"]"] {
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// parsePage reads added_after, limit, next and the match filters a
// paginated endpoint takes (allowed names them: "id", "type", "version",
// "spec_version").
func (s *Server) parsePage(r *http.Request, scope string, allowed ...string) (*page, error) {
	v := r.URL.Query()
	p := &page{scope: scope, limit: s.cfg.MaxPageSize}
	bad := func(desc string) (*page, error) { return nil, errorf(http.StatusBadRequest, "bad request", desc) }
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return bad("limit must be a positive integer")
		}
		p.limit = min(n, s.cfg.MaxPageSize)
	}
	if a := v.Get("added_after"); a != "" {
		t, err := time.Parse(time.RFC3339Nano, a)
		if err != nil {
			return bad("added_after must be an RFC 3339 timestamp")
		}
		p.f.AddedAfter = t.UTC().Format(time.RFC3339Nano)
	}
	for _, name := range allowed {
		vals := matchValues(v, name)
		switch name {
		case "id":
			if len(vals) > 1000 {
				return bad("at most 1000 ids in match[id]")
			}
			p.f.IDs = vals
		case "type":
			p.f.Types = vals
		case "spec_version":
			p.f.SpecVersions = vals
		case "version":
			for i, x := range vals {
				switch x {
				case "first", "last", "all":
				default:
					t, err := parseTimestamp(x)
					if err != nil {
						return bad("match[version] takes first, last, all or STIX timestamps")
					}
					vals[i] = stixTime(t)
				}
			}
			slices.Sort(vals)
			p.f.Versions = slices.Compact(vals)
		}
	}
	if n := v.Get("next"); n != "" {
		c, ok := parseToken(n)
		if !ok || c.Scope != scope {
			return bad("next is not a token this query gave")
		}
		if !p.f.empty() && !p.f.equal(c.Filters) {
			return bad("next belongs to a query with other filters")
		}
		p.f = c.Filters
		p.q.AfterSeq = c.Seq
	}
	if p.f.AddedAfter != "" {
		p.q.AddedAfter, _ = time.Parse(time.RFC3339Nano, p.f.AddedAfter)
	}
	p.q.IDs, p.q.Types, p.q.Versions, p.q.SpecVersions = p.f.IDs, p.f.Types, p.f.Versions, p.f.SpecVersions
	p.q.Limit = p.limit
	return p, nil
}

// next returns the token that continues the page after seq.
func (p *page) next(seq int64) string {
	return cursor{Seq: seq, Scope: p.scope, Filters: p.f}.token()
}
