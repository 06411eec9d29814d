package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"portcullis/internal/intel"
	"portcullis/internal/stix"
	"portcullis/internal/store"
)

// producer is the identity Portcullis's STIX objects are created by, as
// package stix writes it.
type producer struct {
	id   string
	body []byte
}

func newProducer(now time.Time) (producer, error) {
	b, err := stix.ExportWith(nil, now, stix.ExportOptions{})
	if err != nil {
		return producer{}, fmt.Errorf("taxii: %w", err)
	}
	objs, err := bundleObjects(b)
	if err != nil {
		return producer{}, fmt.Errorf("taxii: %w", err)
	}
	for _, raw := range objs {
		var h struct{ Type, ID string }
		if json.Unmarshal(raw, &h) == nil && h.Type == "identity" {
			var c bytes.Buffer
			if err := json.Compact(&c, raw); err != nil {
				return producer{}, fmt.Errorf("taxii: %w", err)
			}
			return producer{id: h.ID, body: c.Bytes()}, nil
		}
	}
	return producer{}, errors.New("taxii: package stix exports no producer identity")
}

// bundleObjects returns the objects of a STIX bundle.
func bundleObjects(b []byte) ([]json.RawMessage, error) {
	var bundle struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		return nil, fmt.Errorf("not a STIX bundle: %w", err)
	}
	if bundle.Type != "bundle" {
		return nil, fmt.Errorf("not a STIX bundle: type %q", bundle.Type)
	}
	return bundle.Objects, nil
}

// tlpExtension is the extension definition TLP 2.0 marking definitions
// carry their level in; tlpCreated their fixed created time.
const (
	tlpExtension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
	tlpCreated   = "2022-10-01T00:00:00.000Z"
)

// markingDefinition returns the OASIS TLP 2.0 marking definition of a
// level, as package stix exports it.
func markingDefinition(level string) []byte {
	type ext struct {
		ExtensionType string `json:"extension_type"`
		TLP           string `json:"tlp_2_0"`
	}
	m := struct {
		Type        string         `json:"type"`
		SpecVersion string         `json:"spec_version"`
		ID          string         `json:"id"`
		Created     string         `json:"created"`
		Name        string         `json:"name"`
		Extensions  map[string]ext `json:"extensions"`
	}{"marking-definition", "2.1", markingID[level], tlpCreated, "TLP:" + upper(level),
		map[string]ext{tlpExtension: {"property-extension", level}}}
	b, _ := json.Marshal(m)
	return b
}

func upper(s string) string { return string(bytes.ToUpper([]byte(s))) }

// PublishIndicators shares watchlist entries in the indicators collection:
// they are exported as STIX 2.1 (stix.ExportWith, up to TLP:AMBER+STRICT;
// TLP:RED is never exported) and each object is stored as a new version
// only when it changed. An entry edited without a new source date keeps
// its modified time in the export; such an object gets the time of
// publication as its modified, so that partners see the edit. Objects
// published earlier and missing now are left as they are. It returns how
// many object versions were added.
func (s *Server) PublishIndicators(ctx context.Context, entries []*intel.Entry) (int, error) {
	b, err := stix.ExportWith(entries, s.now(), stix.ExportOptions{TLPMax: "amber+strict"})
	if err != nil {
		return 0, fmt.Errorf("taxii: publish indicators: %w", err)
	}
	objs, err := bundleObjects(b)
	if err != nil {
		return 0, fmt.Errorf("taxii: publish indicators: %w", err)
	}
	n, err := s.publish(ctx, store.CollectionIndicators, objs)
	if err != nil {
		return 0, fmt.Errorf("taxii: publish indicators: %w", err)
	}
	s.log.Info("taxii indicators published", "entries", len(entries), "objects", len(objs), "added", n)
	return n, nil
}

// PublishAdvisory shares an advisory, a STIX bundle such as
// stix.ExportReport writes, in the advisories collection, each object as
// a new version only when it changed. A bundle with an object that is not
// valid STIX 2.1 is refused whole. It returns how many object versions
// were added.
func (s *Server) PublishAdvisory(ctx context.Context, bundleJSON []byte) (int, error) {
	objs, err := bundleObjects(bundleJSON)
	if err != nil {
		return 0, fmt.Errorf("taxii: publish advisory: %w", errors.Join(store.ErrInvalid, err))
	}
	n, err := s.publish(ctx, store.CollectionAdvisories, objs)
	if err != nil {
		return 0, fmt.Errorf("taxii: publish advisory: %w", err)
	}
	s.log.Info("taxii advisory published", "objects", len(objs), "added", n)
	return n, nil
}

// SightingSummary is what Portcullis shares about the sightings of one
// indicator: how many and when, never who.
type SightingSummary struct {
	IndicatorSTIXID string // the STIX id of the indicator, as PublishIndicators shared it
	Count           int
	First, Last     time.Time // zero: unknown
	// TLP is the indicator's TLP when it is not in our indicators
	// collection (a partner's indicator: we share that we saw it, not the
	// indicator itself). "" means: take it from the collection, or skip.
	TLP string
}

// EntrySTIXID returns the STIX id PublishIndicators shares a watchlist
// entry under: its indicator (typed entries), threat actor (persons on
// the watchlist) or identity (organisations, allowlisted persons); the id
// a SightingSummary names. An entry that is never shared (TLP:RED) or is
// invalid is an error.
func EntrySTIXID(e *intel.Entry) (string, error) {
	b, err := stix.ExportWith([]*intel.Entry{e}, time.Time{}, stix.ExportOptions{TLPMax: "amber+strict", IncludeExpired: true})
	if err != nil {
		return "", fmt.Errorf("taxii: STIX id: %w", err)
	}
	objs, err := bundleObjects(b)
	if err != nil {
		return "", fmt.Errorf("taxii: STIX id: %w", err)
	}
	for _, raw := range objs {
		var h struct{ Type, ID string }
		if json.Unmarshal(raw, &h) != nil {
			continue
		}
		switch h.Type {
		case "indicator", "threat-actor", "identity":
			if h.ID != producerID {
				return h.ID, nil
			}
		}
	}
	return "", fmt.Errorf("taxii: STIX id: %w", errors.Join(store.ErrInvalid, errors.New("the entry is not shared (TLP:RED)")))
}

// producerID is the id of Portcullis's own identity.
var producerID = func() string {
	p, err := newProducer(time.Time{})
	if err != nil {
		panic(err)
	}
	return p.id
}()

// sightingNamespace makes a sighting's id follow from its indicator's.
var sightingNamespace = mustUUID("3c7a2f0e-5b9d-4e61-8f24-6a1d0c3b7e95")

// sighting is the STIX sighting Portcullis shares: no where_sighted_refs,
// no observed data, nothing that names a person.
type sighting struct {
	Type              string   `json:"type"`
	SpecVersion       string   `json:"spec_version"`
	ID                string   `json:"id"`
	CreatedByRef      string   `json:"created_by_ref"`
	Created           string   `json:"created"`
	Modified          string   `json:"modified"`
	FirstSeen         string   `json:"first_seen,omitempty"`
	LastSeen          string   `json:"last_seen,omitempty"`
	Count             int      `json:"count"`
	SightingOfRef     string   `json:"sighting_of_ref"`
	ObjectMarkingRefs []string `json:"object_marking_refs"`
}

// maxSightingCount is the largest count STIX allows.
const maxSightingCount = 999_999_999

// PublishSightings shares anonymised sightings in the sightings
// collection: one STIX sighting per indicator (its id follows from the
// indicator's, so an update is a new version of it) with the count and
// the first and last times seen, created by Portcullis's identity. A
// sighting is shared only for an indicator the indicators collection
// holds, and is marked with the more restrictive of that indicator's TLP
// and the sightings collection's default. It returns how many sighting
// versions were added.
func (s *Server) PublishSightings(ctx context.Context, sums []SightingSummary) (int, error) {
	fail := func(err error) (int, error) { return 0, fmt.Errorf("taxii: publish sightings: %w", err) }
	indColl, err := s.db.GetTAXIICollection(ctx, s.ids[store.CollectionIndicators])
	if err != nil {
		return fail(err)
	}
	sightColl, err := s.db.GetTAXIICollection(ctx, s.ids[store.CollectionSightings])
	if err != nil {
		return fail(err)
	}
	var indIDs, sightIDs []string
	for _, sum := range sums {
		indIDs = append(indIDs, sum.IndicatorSTIXID)
		sightIDs = append(sightIDs, "sighting--"+uuid5(sightingNamespace, sum.IndicatorSTIXID))
	}
	inds, err := s.db.LatestTAXIIObjects(ctx, indColl.ID, indIDs)
	if err != nil {
		return fail(err)
	}
	prev, err := s.db.LatestTAXIIObjects(ctx, sightColl.ID, sightIDs)
	if err != nil {
		return fail(err)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	used := map[string]bool{}
	var out []json.RawMessage
	skipped := 0
	for i, sum := range sums {
		ind, ok := inds[sum.IndicatorSTIXID]
		var level string
		switch {
		case ok:
			level = ind.TLP
			if level == "" {
				level = indColl.DefaultTLP
			}
		case sum.TLP != "":
			level = sum.TLP
		default:
			skipped++
			continue
		}
		level = stricter(level, sightColl.DefaultTLP)
		if rank(level) < 0 || level == "red" {
			skipped++
			continue
		}
		sg := sighting{Type: "sighting", SpecVersion: "2.1", ID: sightIDs[i], CreatedByRef: s.producer.id,
			Created: stixTime(now), Modified: stixTime(now), Count: min(max(sum.Count, 0), maxSightingCount),
			SightingOfRef: sum.IndicatorSTIXID, ObjectMarkingRefs: []string{markingID[level]}}
		first, last := sum.First, sum.Last
		if !first.IsZero() && !last.IsZero() && last.Before(first) {
			first, last = last, first
		}
		if !first.IsZero() {
			sg.FirstSeen = stixTime(first)
		}
		if !last.IsZero() {
			sg.LastSeen = stixTime(last)
		}
		if p, ok := prev[sg.ID]; ok {
			var old sighting
			if err := json.Unmarshal(p.Body, &old); err == nil {
				sg.Created = old.Created
				sg.Modified = old.Modified
			}
			b, _ := json.Marshal(sg)
			if sameContent(p.Body, b) {
				continue
			}
			sg.Modified = stixTime(later(now, p.Version))
		}
		b, err := json.Marshal(sg)
		if err != nil {
			return fail(err)
		}
		used[level] = true
		out = append(out, b)
	}
	if len(out) == 0 {
		return 0, nil
	}
	// What the sightings refer to besides their indicators: Portcullis's
	// identity and the marking definitions.
	head := []json.RawMessage{s.producer.body}
	for _, l := range levels {
		if used[l] {
			head = append(head, markingDefinition(l))
		}
	}
	n, err := s.publish(ctx, store.CollectionSightings, append(head, out...))
	if err != nil {
		return fail(err)
	}
	s.log.Info("taxii sightings published", "summaries", len(sums), "skipped", skipped, "added", n)
	return n, nil
}

// later returns now, or a millisecond after version when now is not later.
func later(now time.Time, version string) time.Time {
	if v, err := time.Parse(store.TAXIIVersionLayout, version); err == nil && !now.After(v) {
		return v.Add(time.Millisecond)
	}
	return now
}

// publish stores the server's own STIX objects in a default collection,
// each as a new version only when its content changed. An object that
// changed but kept its modified time gets a later one.
func (s *Server) publish(ctx context.Context, kind string, raws []json.RawMessage) (int, error) {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	collID := s.ids[kind]
	objs := make([]store.TAXIIObject, 0, len(raws))
	var ids []string
	for i, raw := range raws {
		o, err := parseObject(raw)
		if err != nil {
			return 0, fmt.Errorf("object %d: %w", i+1, errors.Join(store.ErrInvalid, err))
		}
		objs = append(objs, o)
		ids = append(ids, o.ObjectID)
	}
	latest, err := s.db.LatestTAXIIObjects(ctx, collID, ids)
	if err != nil {
		return 0, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	keep := objs[:0]
	for _, o := range objs {
		prev, ok := latest[o.ObjectID]
		switch {
		case !ok || o.Version == "":
			// New, or a cyber-observable: the store compares bodies.
		case sameContent(prev.Body, o.Body):
			continue
		case o.Version > prev.Version:
			// A newer version of its own.
		case o.Type == "marking-definition":
			continue // marking definitions are never versioned
		default:
			var h struct {
				Created string `json:"created"`
			}
			json.Unmarshal(o.Body, &h)
			mod := later(now, prev.Version)
			if c, err := parseTimestamp(h.Created); err == nil && mod.Before(c) {
				mod = c
			}
			body, err := setModified(o.Body, stixTime(mod))
			if err != nil {
				return 0, err
			}
			if o, err = parseObject(body); err != nil {
				return 0, err
			}
		}
		keep = append(keep, o)
		latest[o.ObjectID] = o
	}
	added, err := s.db.PutTAXIIObjects(ctx, collID, keep)
	return len(added), err
}

// sameContent reports whether two versions of an object are the same but
// for their modified time.
func sameContent(a, b []byte) bool {
	var ma, mb map[string]any
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return false
	}
	delete(ma, "modified")
	delete(mb, "modified")
	return reflect.DeepEqual(ma, mb)
}

// setModified returns body with its modified property set to ts.
func setModified(body []byte, ts string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	v, _ := json.Marshal(ts)
	m["modified"] = v
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}
