package taxii

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"portcullis/internal/store"
)

// baseURL is how the client reached the server: PublicURL, else the
// request's scheme and host.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme := "http"
	if r.TLS != nil || (s.cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request, _ *partner) error {
	root := s.baseURL(r) + apiRoot
	d := struct {
		Title       string   `json:"title"`
		Description string   `json:"description,omitempty"`
		Contact     string   `json:"contact,omitempty"`
		Default     string   `json:"default"`
		APIRoots    []string `json:"api_roots"`
	}{s.cfg.Title, s.cfg.Description, s.cfg.Contact, root, []string{root}}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) apiRootInfo(w http.ResponseWriter, r *http.Request, _ *partner) error {
	a := struct {
		Title            string   `json:"title"`
		Description      string   `json:"description,omitempty"`
		Versions         []string `json:"versions"`
		MaxContentLength int64    `json:"max_content_length"`
	}{s.cfg.Title, s.cfg.Description, []string{MediaType}, s.cfg.MaxContentLength}
	return writeJSON(w, http.StatusOK, a)
}

// collectionResource is a collection as TAXII describes it to a partner.
type collectionResource struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types"`
}

func resource(c *store.TAXIICollection, read, write bool) collectionResource {
	return collectionResource{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias,
		CanRead: read, CanWrite: write, MediaTypes: []string{STIXMediaType}}
}

func (s *Server) collections(w http.ResponseWriter, r *http.Request, p *partner) error {
	cs, err := s.db.ListTAXIICollections(r.Context())
	if err != nil {
		return err
	}
	var out struct {
		Collections []collectionResource `json:"collections,omitempty"`
	}
	for i := range cs {
		if read, write := p.can(&cs[i]); read || write {
			out.Collections = append(out.Collections, resource(&cs[i], read, write))
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// visible returns the collection named in the path (by ID or alias) and
// what the partner may do with it. A collection the partner may neither
// read nor write does not exist for it: 404.
func (s *Server) visible(r *http.Request, p *partner) (c *store.TAXIICollection, read, write bool, err error) {
	key := r.PathValue("collection")
	c, err = s.db.GetTAXIICollection(r.Context(), key)
	if errors.Is(err, store.ErrNotFound) {
		c, err = s.collectionByAlias(r, key)
	}
	notFound := errorf(http.StatusNotFound, "not found", "no such collection")
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, false, notFound
	}
	if err != nil {
		return nil, false, false, err
	}
	read, write = p.can(c)
	if !read && !write {
		return nil, false, false, notFound
	}
	return c, read, write, nil
}

func (s *Server) collectionByAlias(r *http.Request, alias string) (*store.TAXIICollection, error) {
	cs, err := s.db.ListTAXIICollections(r.Context())
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if cs[i].Alias != "" && cs[i].Alias == alias {
			return &cs[i], nil
		}
	}
	return nil, store.ErrNotFound
}

// readable is visible, and 403 when the partner may only write.
func (s *Server) readable(r *http.Request, p *partner) (*store.TAXIICollection, error) {
	c, read, _, err := s.visible(r, p)
	if err != nil {
		return nil, err
	}
	if !read {
		return nil, errorf(http.StatusForbidden, "forbidden", "this collection cannot be read")
	}
	return c, nil
}

func (s *Server) collection(w http.ResponseWriter, r *http.Request, p *partner) error {
	c, read, write, err := s.visible(r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resource(c, read, write))
}

// release is where the TLP choke point is applied to an object on its way
// out: the TLP of its markings (read again from the body that leaves,
// and never less than what was stored) against the collection's default
// and the partner's maximum.
func release(maxTLP string, c *store.TAXIICollection, o *store.TAXIIObject) bool {
	return releasable(stricter(o.TLP, objectTLP(o.Body)), c.DefaultTLP, maxTLP)
}

// list runs a page's query over what the partner may see, and returns the
// objects that pass the choke point, whether more follow and the token
// of the next page.
func (s *Server) list(r *http.Request, p *partner, c *store.TAXIICollection, pg *page) ([]store.TAXIIObject, bool, string, error) {
	pg.q.CollectionID = c.ID
	pg.q.TLPs = releasableLevels(c.DefaultTLP, p.MaxTLP)
	objs, more, err := s.db.ListTAXIIObjects(r.Context(), pg.q)
	if err != nil {
		return nil, false, "", err
	}
	next := ""
	if more && len(objs) > 0 {
		next = pg.next(objs[len(objs)-1].Seq)
	}
	out := objs[:0]
	for i := range objs {
		if release(p.MaxTLP, c, &objs[i]) {
			out = append(out, objs[i])
		}
	}
	return out, more, next, nil
}

// dateHeaders sets X-TAXII-Date-Added-First and -Last.
func dateHeaders(w http.ResponseWriter, objs []store.TAXIIObject) {
	if len(objs) == 0 {
		return
	}
	w.Header().Set("X-TAXII-Date-Added-First", objs[0].DateAdded.UTC().Format(dateAddedLayout))
	w.Header().Set("X-TAXII-Date-Added-Last", objs[len(objs)-1].DateAdded.UTC().Format(dateAddedLayout))
}

// writeEnvelope writes objects as a TAXII envelope. The stored bodies are
// compact JSON already, so they are written as they are.
func writeEnvelope(w http.ResponseWriter, objs []store.TAXIIObject, more bool, next string) error {
	dateHeaders(w, objs)
	var b bytes.Buffer
	b.WriteString(`{"more":`)
	b.WriteString(strconv.FormatBool(more))
	if next != "" {
		b.WriteString(`,"next":`)
		nb, _ := json.Marshal(next)
		b.Write(nb)
	}
	if len(objs) > 0 {
		b.WriteString(`,"objects":[`)
		for i, o := range objs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(o.Body)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	w.Header().Set("Content-Type", MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes()) // a client that went away cannot be told
	return nil
}

func (s *Server) getObjects(w http.ResponseWriter, r *http.Request, p *partner) error {
	c, err := s.readable(r, p)
	if err != nil {
		return err
	}
	pg, err := s.parsePage(r, "objects:"+c.ID, "id", "type", "version", "spec_version")
	if err != nil {
		return err
	}
	objs, more, next, err := s.list(r, p, c, pg)
	if err != nil {
		return err
	}
	return writeEnvelope(w, objs, more, next)
}

// exists reports whether the partner may see any version of an object.
func (s *Server) exists(r *http.Request, p *partner, c *store.TAXIICollection, id string) error {
	objs, _, _, err := s.list(r, p, c, &page{q: store.TAXIIQuery{IDs: []string{id}, Versions: []string{"all"}, Limit: 50}})
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return errorf(http.StatusNotFound, "not found", "no such object in this collection")
	}
	return nil
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request, p *partner) error {
	c, err := s.readable(r, p)
	if err != nil {
		return err
	}
	id := r.PathValue("object")
	if err := s.exists(r, p, c, id); err != nil {
		return err
	}
	pg, err := s.parsePage(r, "object:"+c.ID+":"+id, "version", "spec_version")
	if err != nil {
		return err
	}
	pg.q.IDs = []string{id}
	objs, more, next, err := s.list(r, p, c, pg)
	if err != nil {
		return err
	}
	return writeEnvelope(w, objs, more, next)
}

func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request, p *partner) error {
	if _, _, _, err := s.visible(r, p); err != nil {
		return err
	}
	return errorf(http.StatusForbidden, "forbidden", "objects cannot be deleted from this server")
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request, p *partner) error {
	c, err := s.readable(r, p)
	if err != nil {
		return err
	}
	id := r.PathValue("object")
	if err := s.exists(r, p, c, id); err != nil {
		return err
	}
	pg, err := s.parsePage(r, "versions:"+c.ID+":"+id, "spec_version")
	if err != nil {
		return err
	}
	pg.q.IDs, pg.q.Versions = []string{id}, []string{"all"}
	objs, more, next, err := s.list(r, p, c, pg)
	if err != nil {
		return err
	}
	out := struct {
		More     bool     `json:"more"`
		Next     string   `json:"next,omitempty"`
		Versions []string `json:"versions,omitempty"`
	}{More: more, Next: next}
	for _, o := range objs {
		out.Versions = append(out.Versions, o.Version)
	}
	dateHeaders(w, objs)
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) manifest(w http.ResponseWriter, r *http.Request, p *partner) error {
	c, err := s.readable(r, p)
	if err != nil {
		return err
	}
	pg, err := s.parsePage(r, "manifest:"+c.ID, "id", "type", "version", "spec_version")
	if err != nil {
		return err
	}
	objs, more, next, err := s.list(r, p, c, pg)
	if err != nil {
		return err
	}
	type record struct {
		ID        string `json:"id"`
		DateAdded string `json:"date_added"`
		Version   string `json:"version"`
		MediaType string `json:"media_type"`
	}
	out := struct {
		More    bool     `json:"more"`
		Next    string   `json:"next,omitempty"`
		Objects []record `json:"objects,omitempty"`
	}{More: more, Next: next}
	for _, o := range objs {
		out.Objects = append(out.Objects, record{o.ObjectID, o.DateAdded.UTC().Format(dateAddedLayout), o.Version, STIXMediaType})
	}
	dateHeaders(w, objs)
	return writeJSON(w, http.StatusOK, out)
}

// statusResource is the TAXII status resource.
type statusResource struct {
	ID               string                    `json:"id"`
	Status           string                    `json:"status"`
	RequestTimestamp string                    `json:"request_timestamp,omitempty"`
	TotalCount       int                       `json:"total_count"`
	SuccessCount     int                       `json:"success_count"`
	Successes        []store.TAXIIStatusDetail `json:"successes,omitempty"`
	FailureCount     int                       `json:"failure_count"`
	Failures         []store.TAXIIStatusDetail `json:"failures,omitempty"`
	PendingCount     int                       `json:"pending_count"`
}

func toResource(st *store.TAXIIStatus) statusResource {
	return statusResource{ID: st.ID, Status: st.Status, RequestTimestamp: st.CreatedAt.UTC().Format(dateAddedLayout),
		TotalCount: st.Total, SuccessCount: st.SuccessCount, Successes: st.Successes,
		FailureCount: st.FailureCount, Failures: st.Failures, PendingCount: st.PendingCount}
}

func (s *Server) addObjects(w http.ResponseWriter, r *http.Request, p *partner) error {
	c, _, write, err := s.visible(r, p)
	if err != nil {
		return err
	}
	if !write {
		return errorf(http.StatusForbidden, "forbidden", "this collection cannot be written to")
	}
	if !taxiiContent(r.Header.Get("Content-Type")) {
		return errorf(http.StatusUnsupportedMediaType, "unsupported media type", "send an envelope as "+MediaType)
	}
	if r.ContentLength > s.cfg.MaxContentLength {
		return tooLarge(s.cfg.MaxContentLength)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxContentLength))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(s.cfg.MaxContentLength)
	}
	if err != nil {
		return errorf(http.StatusBadRequest, "bad request", "the body could not be read")
	}
	var env struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(body, &env); err != nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return errorf(http.StatusBadRequest, "bad request", "the body is not a TAXII envelope")
	}
	st := &store.TAXIIStatus{PartnerID: p.ID, Status: store.TAXIIComplete, Total: len(env.Objects)}
	var good []store.TAXIIObject
	for i, raw := range env.Objects {
		o, err := parseObject(raw)
		if err != nil {
			id := o.ObjectID
			if id == "" {
				var h struct {
					ID any `json:"id"`
				}
				json.Unmarshal(raw, &h)
				if sid, ok := h.ID.(string); ok && len(sid) <= 300 {
					id = sid
				} else {
					id = "objects[" + strconv.Itoa(i) + "]"
				}
			}
			st.Failures = append(st.Failures, store.TAXIIStatusDetail{ID: id, Message: err.Error()})
			continue
		}
		good = append(good, o)
	}
	added, err := s.db.PutTAXIIObjects(r.Context(), c.ID, good)
	if err != nil {
		return err
	}
	isNew := map[string]bool{}
	for _, a := range added {
		isNew[a.ObjectID+"\x00"+a.Version] = true
	}
	for _, o := range good {
		d := store.TAXIIStatusDetail{ID: o.ObjectID, Version: o.Version}
		if o.Version == "" {
			d.Version = s.latestVersion(r, c.ID, o.ObjectID, added)
		}
		if key := o.ObjectID + "\x00" + d.Version; isNew[key] {
			delete(isNew, key) // a repeat in the same envelope was not added again
		} else {
			d.Message = "already in the collection"
		}
		st.Successes = append(st.Successes, d)
	}
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	if err := s.db.CreateTAXIIStatus(r.Context(), st); err != nil {
		return err
	}
	s.log.Info("taxii objects added", "partner", p.Name, "collection", c.ID, "total", st.Total,
		"added", len(added), "failed", st.FailureCount, "status", st.ID)
	return writeJSON(w, http.StatusAccepted, toResource(st))
}

// latestVersion is the version an unversioned object was stored as: the
// one just added, else the newest stored.
func (s *Server) latestVersion(r *http.Request, collectionID, id string, added []store.TAXIIObject) string {
	for i := len(added) - 1; i >= 0; i-- {
		if added[i].ObjectID == id {
			return added[i].Version
		}
	}
	if l, err := s.db.LatestTAXIIObjects(r.Context(), collectionID, []string{id}); err == nil {
		return l[id].Version
	}
	return ""
}

func tooLarge(n int64) error {
	return errorf(http.StatusRequestEntityTooLarge, "request too large", "the largest request body accepted is "+strconv.FormatInt(n, 10)+" bytes")
}

func (s *Server) status(w http.ResponseWriter, r *http.Request, p *partner) error {
	st, err := s.db.GetTAXIIStatus(r.Context(), r.PathValue("status"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && st.PartnerID != p.ID) {
		return errorf(http.StatusNotFound, "not found", "no such status")
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toResource(st))
}
