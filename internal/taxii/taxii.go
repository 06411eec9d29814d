// Package taxii shares indicators, sightings and advisories with partner
// agencies over TAXII 2.1 (OASIS, docs.oasis-open.org/cti/taxii/v2.1),
// and takes in what they push. It is an http.Handler for everything under
// /taxii2/: discovery, one API root (/taxii2/api/), its collections, their
// objects, manifests and versions, and the status of additions.
//
// Partners authenticate with HTTP Basic or a bearer token. What a partner
// may read is decided per collection (its defaults, or the partner's own
// rights), and every object that leaves passes one TLP choke point,
// releasable: an unmarked object takes its collection's default TLP,
// nothing above the partner's maximum leaves, and TLP:RED never does.
//
// The server publishes from the rest of Portcullis through
// PublishIndicators, PublishSightings and PublishAdvisory, which store
// STIX 2.1 objects in the default collections as new versions only when
// they changed; partners' additions land in the inbox collection.
package taxii

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"portcullis/internal/auth"
	"portcullis/internal/store"
)

// Media types, exactly as the specification writes them.
const (
	// MediaType is the TAXII 2.1 media type of every response.
	MediaType = "application/taxii+json;version=2.1"
	// STIXMediaType is the media type of the objects served.
	STIXMediaType = "application/stix+json;version=2.1"
)

// Prefix is the path the server answers under; mount it as it is
// (mux.Handle(taxii.Prefix, srv)), without stripping the prefix.
const Prefix = "/taxii2/"

// apiRoot is the path of the one API root.
const apiRoot = Prefix + "api/"

// Config says how the server presents itself and behaves.
type Config struct {
	Title       string // discovery and API root title; default "Portcullis TAXII"
	Description string
	Contact     string
	// MaxPageSize is the most objects one response carries, whatever
	// limit a client asks for; default 1000.
	MaxPageSize int
	// MaxContentLength is the largest request body accepted, in bytes;
	// default 10 MiB.
	MaxContentLength int64
	// PublicURL is how partners reach the server (https://host[:port]),
	// for the URLs in discovery; default: the scheme and host of the
	// request.
	PublicURL string
	// AllowHTTP serves requests that did not come over TLS. Partners'
	// credentials and TLP-marked intelligence must only travel over TLS:
	// set it only for tests, or when TrustProxy is not enough.
	AllowHTTP bool
	// TrustProxy takes X-Forwarded-Proto: https as TLS and
	// X-Forwarded-For as the client's address: right only behind a
	// reverse proxy that sets them.
	TrustProxy bool
	// Password are the argon2id parameters for partners' Basic
	// passwords; zero means auth.DefaultParams.
	Password auth.Params
	Now      func() time.Time // default time.Now
	Logger   *slog.Logger     // default: discard
}

// Server is the TAXII 2.1 server. Its methods are safe for concurrent use.
type Server struct {
	db     *store.DB
	cfg    Config
	now    func() time.Time
	log    *slog.Logger
	mux    *http.ServeMux
	ids    map[string]string // collection ID by kind, for the defaults
	failed *auth.Limiter     // failed sign-ins per client address

	mu     sync.Mutex
	checks map[string]time.Time // recently verified Basic credentials, until when

	pubMu sync.Mutex // one publication at a time

	producer producer
}

// Default collections, by kind.
var defaultCollections = []store.TAXIICollection{
	{Kind: store.CollectionIndicators, Alias: "indicators", Title: "Indicators",
		Description: "Indicators of hostile approaches to the legislature (STIX 2.1 indicators, observables, threat actors, identities and relationships).",
		DefaultTLP:  "amber", CanReadDefault: true},
	{Kind: store.CollectionSightings, Alias: "sightings", Title: "Sightings",
		Description: "Anonymised sightings of the indicators in reports: how often and when, never who.",
		DefaultTLP:  "amber", CanReadDefault: true},
	{Kind: store.CollectionAdvisories, Alias: "advisories", Title: "Advisories",
		Description: "Advisories published to members and staff, as STIX reports with their indicators.",
		DefaultTLP:  "amber", CanReadDefault: true},
	{Kind: store.CollectionInbox, Alias: "inbox", Title: "Inbox",
		Description: "Where partners add objects for the security team.",
		DefaultTLP:  "amber", CanWriteDefault: true},
}

// collectionNamespace makes the default collections' ids the same on
// every installation.
var collectionNamespace = mustUUID("8d0e5f3a-6c1b-4f52-9a7e-2b4c1d9e6f30")

// CollectionID returns the stable ID of the default collection of a kind
// (store.CollectionIndicators, ...): the UUIDv5 of the kind.
func CollectionID(kind string) string { return uuid5(collectionNamespace, kind) }

// New returns a server over db and makes sure the default collections
// exist.
func New(db *store.DB, cfg Config) (*Server, error) {
	if cfg.Title == "" {
		cfg.Title = "Portcullis TAXII"
	}
	if cfg.MaxPageSize <= 0 {
		cfg.MaxPageSize = 1000
	}
	if cfg.MaxContentLength <= 0 {
		cfg.MaxContentLength = 10 << 20
	}
	if cfg.Password == (auth.Params{}) {
		cfg.Password = auth.DefaultParams
	}
	if err := cfg.Password.Validate(); err != nil {
		return nil, fmt.Errorf("taxii: password parameters: %w", err)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{db: db, cfg: cfg, now: cfg.Now, log: cfg.Logger, ids: map[string]string{},
		failed: auth.NewLimiter(10, time.Minute, 20, cfg.Now), checks: map[string]time.Time{}}
	p, err := newProducer(s.now())
	if err != nil {
		return nil, err
	}
	s.producer = p
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range defaultCollections {
		c.ID = CollectionID(c.Kind)
		s.ids[c.Kind] = c.ID
		if _, err := db.GetTAXIICollection(ctx, c.ID); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("taxii: %w", err)
		}
		if err := db.CreateTAXIICollection(ctx, &c); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, fmt.Errorf("taxii: create the %s collection: %w", c.Kind, err)
		}
		s.log.Info("taxii collection created", "collection", c.ID, "kind", c.Kind)
	}
	s.routes()
	return s, nil
}

// routes registers every endpoint, in one place.
func (s *Server) routes() {
	m := http.NewServeMux()
	const coll = apiRoot + "collections/{collection}/"
	m.HandleFunc("GET "+Prefix+"{$}", s.handle(s.discovery))
	m.HandleFunc("GET "+apiRoot+"{$}", s.handle(s.apiRootInfo))
	m.HandleFunc("GET "+apiRoot+"collections/{$}", s.handle(s.collections))
	m.HandleFunc("GET "+coll+"{$}", s.handle(s.collection))
	m.HandleFunc("GET "+coll+"objects/{$}", s.handle(s.getObjects))
	m.HandleFunc("POST "+coll+"objects/{$}", s.handle(s.addObjects))
	m.HandleFunc("GET "+coll+"objects/{object}/{$}", s.handle(s.getObject))
	m.HandleFunc("DELETE "+coll+"objects/{object}/{$}", s.handle(s.deleteObject))
	m.HandleFunc("GET "+coll+"objects/{object}/versions/{$}", s.handle(s.versions))
	m.HandleFunc("GET "+coll+"manifest/{$}", s.handle(s.manifest))
	m.HandleFunc("GET "+apiRoot+"status/{status}/{$}", s.handle(s.status))
	m.HandleFunc(Prefix, s.handle(func(w http.ResponseWriter, r *http.Request, _ *partner) error {
		// No route for this method and path: 405 when the path has one
		// for another method, else 404.
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = method
			if _, pattern := m.Handler(probe); pattern != Prefix && pattern != "" {
				return errorf(http.StatusMethodNotAllowed, "method not allowed", r.Method+" is not supported here")
			}
		}
		return errorf(http.StatusNotFound, "not found", "there is no TAXII resource at this address")
	}))
	s.mux = m
}

// ServeHTTP serves the TAXII 2.1 API under Prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// uuid5 returns the RFC 9562 version 5 UUID of name in namespace ns.
func uuid5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func mustUUID(s string) [16]byte {
	var u [16]byte
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		panic("taxii: bad uuid " + s)
	}
	copy(u[:], b)
	return u
}
