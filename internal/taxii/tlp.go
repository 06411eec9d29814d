package taxii

import (
	"context"
	"encoding/json"
	"fmt"

	"portcullis/internal/stix"
	"portcullis/internal/store"
)

// levels are the TLP 2.0 levels, least restrictive first.
var levels = []string{"clear", "green", "amber", "amber+strict", "red"}

// markingLevel maps the ids of the TLP marking definitions (TLP 2.0, and
// the TLP 1.0 ones in the STIX 2.1 specification, which partners still
// send) to TLP 2.0 levels.
var markingLevel = map[string]string{
	stix.MarkingClear:       "clear",
	stix.MarkingGreen:       "green",
	stix.MarkingAmber:       "amber",
	stix.MarkingAmberStrict: "amber+strict",
	stix.MarkingRed:         "red",
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear", // TLP:WHITE
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}

// markingID is the TLP 2.0 marking definition of each level.
var markingID = map[string]string{
	"clear": stix.MarkingClear, "green": stix.MarkingGreen, "amber": stix.MarkingAmber,
	"amber+strict": stix.MarkingAmberStrict, "red": stix.MarkingRed,
}

// releasable is the TLP choke point: it reports whether an object marked
// objectTLP ("" when it carries no TLP marking), in a collection whose
// default TLP is collectionDefault, may go to a partner cleared up to
// partnerMax. An unmarked object counts as its collection's default;
// TLP:RED never leaves; nothing above the partner's level does; and a
// level that cannot be read counts as red. Every object that leaves the
// server (objects, an object, its versions, manifests) passes here.
func releasable(objectTLP, collectionDefault, partnerMax string) bool {
	level := objectTLP
	if level == "" {
		level = collectionDefault
	}
	r, m := rank(level), rank(partnerMax)
	if r < 0 || m < 0 || level == "red" {
		return false
	}
	return r <= m
}

// rank orders the TLP 2.0 levels, clear 0 to red 4; anything else is -1.
// Only the exact level names count: the store and objectTLP write no
// other.
func rank(level string) int {
	for i, l := range levels {
		if l == level {
			return i
		}
	}
	return -1
}

// releasableLevels lists the stored TLP values ("" for unmarked) that
// releasable lets through for the collection and partner: the store
// filters on them, so that pages are not eaten up by objects the partner
// may not see. Objects are checked again one by one as they leave.
func releasableLevels(collectionDefault, partnerMax string) []string {
	out := []string{}
	for _, l := range append([]string{""}, levels...) {
		if releasable(l, collectionDefault, partnerMax) {
			out = append(out, l)
		}
	}
	return out
}

// stricter returns the more restrictive of two levels ("" counts as no
// marking; an unknown level as red).
func stricter(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	ra, rb := rank(a), rank(b)
	if ra < 0 || rb < 0 {
		return "red"
	}
	if rb > ra {
		return b
	}
	return a
}

// markings are the parts of a STIX object that say how it is marked.
type markings struct {
	Type              string   `json:"type"`
	ID                string   `json:"id"`
	ObjectMarkingRefs []string `json:"object_marking_refs"`
	GranularMarkings  []struct {
		MarkingRef string `json:"marking_ref"`
	} `json:"granular_markings"`
}

// objectTLP returns the most restrictive TLP level among a STIX object's
// markings (object and granular), "" when it has none. A TLP marking
// definition itself is public: clear. An object that cannot be read is
// red, so that it never leaves.
func objectTLP(body []byte) string {
	var m markings
	if err := json.Unmarshal(body, &m); err != nil {
		return "red"
	}
	if m.Type == "marking-definition" && markingLevel[m.ID] != "" {
		return "clear"
	}
	level := ""
	for _, ref := range m.ObjectMarkingRefs {
		level = stricter(level, markingLevel[ref])
	}
	for _, g := range m.GranularMarkings {
		level = stricter(level, markingLevel[g.MarkingRef])
	}
	return level
}

// ReleasableObjects returns what of a collection may go to a partner
// cleared up to maxTLP, through the same choke point as every TAXII
// response: for pushing to a partner's own server. It returns every
// version added after afterSeq, in the order added, at most limit of them
// (0 or less, or more than the server's page size: the page size), the
// seq to continue after, and whether more follow.
func (s *Server) ReleasableObjects(ctx context.Context, collectionID, maxTLP string, afterSeq int64, limit int) ([]store.TAXIIObject, int64, bool, error) {
	c, err := s.db.GetTAXIICollection(ctx, collectionID)
	if err != nil {
		return nil, afterSeq, false, fmt.Errorf("taxii: releasable objects: %w", err)
	}
	if limit <= 0 || limit > s.cfg.MaxPageSize {
		limit = s.cfg.MaxPageSize
	}
	objs, more, err := s.db.ListTAXIIObjects(ctx, store.TAXIIQuery{CollectionID: c.ID, AfterSeq: afterSeq, Versions: []string{"all"},
		TLPs: releasableLevels(c.DefaultTLP, maxTLP), Limit: limit})
	if err != nil {
		return nil, afterSeq, false, fmt.Errorf("taxii: releasable objects: %w", err)
	}
	next := afterSeq
	if len(objs) > 0 {
		next = objs[len(objs)-1].Seq
	}
	out := objs[:0]
	for i := range objs {
		if release(maxTLP, c, &objs[i]) {
			out = append(out, objs[i])
		}
	}
	return out, next, more, nil
}
