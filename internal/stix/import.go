package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"time"

	"portcullis/internal/indicator"
	"portcullis/internal/intel"
)

// MaxImportBytes is the largest document Import reads.
const MaxImportBytes = 64 << 20

// maxAlternatives bounds how many alternatives one pattern may expand to.
const maxAlternatives = 10000

// ImportOptions say how to import.
type ImportOptions struct {
	// Now decides which imported entries have already expired; zero means
	// the current time.
	Now time.Time
}

// ImportReport says what an import did.
type ImportReport struct {
	Objects  int            `json:"objects"`  // STIX objects read
	Imported map[string]int `json:"imported"` // entries made, by indicator type
	Linked   int            `json:"linked"`   // relationships understood
	Skipped  []Skipped      `json:"skipped"`  // objects not imported, each with a reason
	// Notes are remarks on objects that were imported: already expired,
	// part of a pattern left out, no TLP marking.
	Notes   []Skipped `json:"notes,omitempty"`
	Expired []string  `json:"expired,omitempty"` // ids of imported objects past their valid_until
}

// Skipped names an object and why it was skipped or remarked upon.
type Skipped struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// Import reads a STIX 2.1 bundle (or a single object, or a JSON array of
// objects) into watchlist entries, judging expiry by the current time. See
// ImportWith.
func Import(data []byte) ([]*intel.Entry, ImportReport, error) {
	return ImportWith(data, ImportOptions{})
}

// ImportWith reads a STIX 2.1 bundle, a single object or a JSON array of
// objects into watchlist entries:
//
//   - indicators whose STIX pattern is one comparison, or an OR of them, or
//     an AND that names one user-account (account_type with account_login
//     or user_id), on what the watchlist holds: email-addr:value (and an
//     email-message's from_ref.value or sender_ref.value), domain-name:value,
//     url:value, ipv4-addr:value, ipv6-addr:value, file:hashes.'SHA-256', and
//     user-accounts of type linkedin, phone or a messaging platform. The
//     operators are =, IN, and LIKE or MATCHES when they name one exact
//     value (no wildcards; a regular expression ^literal$). Indicators typed
//     "benign" become allowlist entries;
//   - observables (email-addr, domain-name, url, ipv4-addr, ipv6-addr, file,
//     user-account) that no indicator in the bundle describes and that are
//     not an email's recipients;
//   - threat-actors that can be a persona (not only nation-state,
//     crime-syndicate, activist, terrorist or competitor), as persons with
//     their aliases, and the organisations they are related-to or
//     attributed-to as context;
//   - identities of class organization that a threat actor is related to
//     (a bundle also names its producer and victims, which stay out).
//
// TLP comes from object_marking_refs (the TLP 2.0 and TLP 1.0 fixed ids, or
// TLP marking definitions in the bundle; the most restrictive wins;
// unmarked objects count as amber); confidence, description, labels (as
// tags), external_references (as the source) and valid_from/valid_until
// are kept. Revoked objects are skipped; expired ones are imported and
// noted. The report names every skipped object with its reason.
//
// Input is hostile: more than MaxImportBytes is refused, and nothing in it
// makes Import panic. Only a document that is not JSON, or not STIX
// objects at all, is an error.
func ImportWith(data []byte, opt ImportOptions) ([]*intel.Entry, ImportReport, error) {
	rep := ImportReport{Imported: map[string]int{}}
	if len(data) > MaxImportBytes {
		return nil, rep, fmt.Errorf("stix: import: document of %d bytes is larger than %d MB", len(data), MaxImportBytes>>20)
	}
	raws, err := topLevel(data)
	if err != nil {
		return nil, rep, err
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	im := &importer{rep: &rep, now: now, byID: map[string]*object{}, producers: map[string]bool{},
		markings: map[string]string{}, covered: map[string]bool{}, recipients: map[string]bool{},
		orgLinks: map[string][]*object{}, linkedOrgs: map[string]bool{}}
	im.read(raws)
	im.index()
	for _, o := range im.objects {
		im.convert(o)
	}
	return im.entries, rep, nil
}

// topLevel splits a document into its STIX objects.
func topLevel(data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(data) == 0 {
		return nil, fmt.Errorf("stix: import: empty document")
	}
	switch data[0] {
	case '[':
		var raws []json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, fmt.Errorf("stix: import: %w", err)
		}
		return raws, nil
	case '{':
		var head struct {
			Type    string            `json:"type"`
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			return nil, fmt.Errorf("stix: import: not a STIX bundle or object: %w", err)
		}
		if head.Type == "bundle" {
			return head.Objects, nil
		}
		if head.Type == "" {
			return nil, fmt.Errorf("stix: import: not a STIX bundle or object: no \"type\"")
		}
		return []json.RawMessage{data}, nil
	}
	return nil, fmt.Errorf("stix: import: not a STIX bundle, object or array of objects")
}

// object is any STIX object, with the properties Import reads.
type object struct {
	Type               string                     `json:"type"`
	ID                 string                     `json:"id"`
	Created            string                     `json:"created"`
	Modified           string                     `json:"modified"`
	CreatedByRef       string                     `json:"created_by_ref"`
	Revoked            bool                       `json:"revoked"`
	Labels             []string                   `json:"labels"`
	Confidence         *float64                   `json:"confidence"`
	ExternalReferences []externalRef              `json:"external_references"`
	ObjectMarkingRefs  []string                   `json:"object_marking_refs"`
	Name               string                     `json:"name"`
	Description        string                     `json:"description"`
	IndicatorTypes     []string                   `json:"indicator_types"`
	Pattern            string                     `json:"pattern"`
	PatternType        string                     `json:"pattern_type"`
	ValidFrom          string                     `json:"valid_from"`
	ValidUntil         string                     `json:"valid_until"`
	ThreatActorTypes   []string                   `json:"threat_actor_types"`
	Aliases            []string                   `json:"aliases"`
	IdentityClass      string                     `json:"identity_class"`
	RelationshipType   string                     `json:"relationship_type"`
	SourceRef          string                     `json:"source_ref"`
	TargetRef          string                     `json:"target_ref"`
	Value              string                     `json:"value"`
	Hashes             map[string]string          `json:"hashes"`
	AccountType        string                     `json:"account_type"`
	AccountLogin       string                     `json:"account_login"`
	UserID             string                     `json:"user_id"`
	ToRefs             []string                   `json:"to_refs"`
	CcRefs             []string                   `json:"cc_refs"`
	BccRefs            []string                   `json:"bcc_refs"`
	DefinitionType     string                     `json:"definition_type"`
	Definition         json.RawMessage            `json:"definition"`
	Extensions         map[string]json.RawMessage `json:"extensions"`

	modified time.Time
	parsed   *Pattern     // of an indicator
	parseErr error        // of an indicator
	tpl      *intel.Entry // see template
	marked   bool         // has a TLP marking
}

// pattern parses an indicator's pattern once.
func (o *object) pattern() (*Pattern, error) {
	if o.parsed == nil && o.parseErr == nil {
		o.parsed, o.parseErr = ParsePattern(o.Pattern)
	}
	return o.parsed, o.parseErr
}

type importer struct {
	rep     *ImportReport
	now     time.Time
	objects []*object // latest version of each, in document order
	byID    map[string]*object
	entries []*intel.Entry

	producers  map[string]bool      // ids named by created_by_ref
	markings   map[string]string    // marking-definition id -> TLP level
	covered    map[string]bool      // observable keys an indicator describes
	recipients map[string]bool      // ids of email recipients
	orgLinks   map[string][]*object // person id -> organisations related to it
	linkedOrgs map[string]bool      // organisations some threat actor is related to
}

func (im *importer) skip(o *object, format string, args ...any) {
	im.rep.Skipped = append(im.rep.Skipped, Skipped{ID: o.ID, Type: o.Type, Reason: fmt.Sprintf(format, args...)})
}

func (im *importer) note(o *object, format string, args ...any) {
	im.rep.Notes = append(im.rep.Notes, Skipped{ID: o.ID, Type: o.Type, Reason: fmt.Sprintf(format, args...)})
}

// read decodes the objects and keeps the latest version of each id.
func (im *importer) read(raws []json.RawMessage) {
	for i, raw := range raws {
		im.rep.Objects++
		o := &object{}
		if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
			o.ID = fmt.Sprintf("objects[%d]", i)
			im.skip(o, "malformed: not a JSON object")
			continue
		}
		if err := json.Unmarshal(raw, o); err != nil {
			if o.ID == "" {
				o.ID = fmt.Sprintf("objects[%d]", i)
			}
			im.skip(o, "malformed: %v", err)
			continue
		}
		if o.Type == "" || o.ID == "" {
			if o.ID == "" {
				o.ID = fmt.Sprintf("objects[%d]", i)
			}
			im.skip(o, "malformed: an object needs a type and an id")
			continue
		}
		if t, err := parseTimestamp(o.Modified); err == nil {
			o.modified = t
		} else if t, err := parseTimestamp(o.Created); err == nil {
			o.modified = t
		}
		if prev := im.byID[o.ID]; prev != nil {
			if o.modified.After(prev.modified) {
				*prev, *o = *o, *prev
			}
			im.skip(o, "an older version of an object in the bundle")
			continue
		}
		im.byID[o.ID] = o
		im.objects = append(im.objects, o)
	}
}

// index gathers what objects say about each other before any is converted.
func (im *importer) index() {
	for _, o := range im.objects {
		if o.CreatedByRef != "" {
			im.producers[o.CreatedByRef] = true
		}
		switch o.Type {
		case "marking-definition":
			if lvl := definedTLP(o); lvl != "" {
				im.markings[o.ID] = lvl
			}
		case "email-message":
			for _, refs := range [][]string{o.ToRefs, o.CcRefs, o.BccRefs} {
				for _, r := range refs {
					im.recipients[r] = true
				}
			}
		case "indicator":
			if p, err := o.pattern(); err == nil {
				for _, d := range disjuncts(p.Root) {
					for _, c := range d.conj {
						objType := c.Path.ObjectType
						if objType == "email-message" {
							objType = "email-addr" // from_ref.value, sender_ref.value
						}
						for _, v := range c.Values {
							im.covered[objType+"\x00"+v.Str] = true
						}
					}
				}
			}
		case "relationship":
			src, dst := im.byID[o.SourceRef], im.byID[o.TargetRef]
			if src == nil || dst == nil || o.Revoked || src.Revoked || dst.Revoked {
				continue
			}
			switch {
			case o.RelationshipType == "based-on" && src.Type == "indicator":
				if k := observableKey(dst); k != "" {
					im.covered[k] = true
				}
			case (o.RelationshipType == "related-to" || o.RelationshipType == "attributed-to") && isPersonObject(src) && isOrgObject(dst):
				im.orgLinks[src.ID] = append(im.orgLinks[src.ID], dst)
				im.linkedOrgs[dst.ID] = true
			case o.RelationshipType == "related-to" && isOrgObject(src) && isPersonObject(dst):
				im.orgLinks[dst.ID] = append(im.orgLinks[dst.ID], src)
				im.linkedOrgs[src.ID] = true
			}
		}
	}
}

// isPersonObject reports whether o is a persona whose organisations are
// context: a threat actor, or a person Portcullis exported as an identity.
// Other individuals in a bundle are often victims, and their employers must
// not land on the watchlist.
func isPersonObject(o *object) bool {
	return o.Type == "threat-actor" || o.Type == "identity" && o.IdentityClass == "individual" && hasKindLabel(o)
}

func isOrgObject(o *object) bool {
	return o.Type == "identity" && (o.IdentityClass == "organization" || o.IdentityClass == "")
}

// definedTLP reads the TLP level a marking definition in the bundle
// describes, by the TLP 2.0 extension or a TLP 1.0 definition.
func definedTLP(o *object) string {
	if raw, ok := o.Extensions[tlp2Extension]; ok {
		var ext struct {
			TLP string `json:"tlp_2_0"`
		}
		if json.Unmarshal(raw, &ext) == nil {
			return normalTLP(ext.TLP)
		}
	}
	if o.DefinitionType == "tlp" {
		var def struct {
			TLP string `json:"tlp"`
		}
		if json.Unmarshal(o.Definition, &def) == nil {
			return normalTLP(def.TLP)
		}
	}
	return ""
}

// tlpOf returns an object's TLP level: the most restrictive of its
// markings; ok is false when it has none.
func (im *importer) tlpOf(o *object) (string, bool) {
	best := ""
	for _, ref := range o.ObjectMarkingRefs {
		lvl := ""
		for l, id := range tlpMarking {
			if id == ref {
				lvl = l
			}
		}
		if lvl == "" {
			lvl = tlp1Marking[ref]
		}
		if lvl == "" {
			lvl = im.markings[ref]
		}
		if lvl != "" && tlpRank(lvl) > tlpRank(best) {
			best = lvl
		}
	}
	return best, best != ""
}

func (im *importer) convert(o *object) {
	switch o.Type {
	case "marking-definition":
		return // read in index
	case "relationship":
		src, dst := im.byID[o.SourceRef], im.byID[o.TargetRef]
		switch {
		case o.Revoked:
			im.skip(o, "revoked")
		case src == nil || dst == nil:
			im.skip(o, "%s relationship to an object not in the bundle", o.RelationshipType)
		case src.Revoked || dst.Revoked:
			im.skip(o, "%s relationship to a revoked object", o.RelationshipType)
		case o.RelationshipType == "based-on" && src.Type == "indicator",
			(o.RelationshipType == "related-to" || o.RelationshipType == "attributed-to") && isPersonObject(src) && isOrgObject(dst),
			o.RelationshipType == "related-to" && isOrgObject(src) && isPersonObject(dst):
			im.rep.Linked++
		default:
			im.skip(o, "a %s relationship from %s to %s is not something the watchlist holds", o.RelationshipType, src.Type, dst.Type)
		}
		return
	}
	if o.Revoked {
		im.skip(o, "revoked")
		return
	}
	switch o.Type {
	case "indicator":
		im.indicator(o)
	case "threat-actor":
		im.threatActor(o)
	case "identity":
		im.identity(o)
	case "email-addr", "domain-name", "url", "ipv4-addr", "ipv6-addr", "file", "user-account":
		im.observable(o)
	case "email-message":
		im.skip(o, "an email message is not held; its sender is read from the email-addr object or an indicator")
	default:
		im.skip(o, "the watchlist does not hold %s objects", o.Type)
	}
}

// template returns what an object gives every entry it makes, worked out
// once per object: an indicator with a long IN list makes many entries.
func (im *importer) template(o *object) *intel.Entry {
	if o.tpl != nil {
		return o.tpl
	}
	e := &intel.Entry{Confidence: 50, Description: o.Description}
	if tlp, ok := im.tlpOf(o); ok {
		e.TLP = tlp
		o.marked = true
	} else {
		e.TLP = "amber"
	}
	if o.Confidence != nil && !math.IsNaN(*o.Confidence) {
		e.Confidence = int(math.Round(min(max(*o.Confidence, 0), 100)))
	}
	if len(o.ExternalReferences) > 0 {
		r := o.ExternalReferences[0]
		e.Source = intel.Source{Name: r.SourceName, URL: r.URL}
		if d, ok := strings.CutPrefix(r.Description, sourcePublished); ok {
			if _, valid := parseSourceDate(d); valid {
				e.Source.Date = d
			}
		}
	} else if p := im.byID[o.CreatedByRef]; p != nil && p.Name != "" && p.ID != producer.ID {
		// A partner's own identity names the source; Portcullis's does not.
		e.Source.Name = p.Name
	}
	var aliases, orgs, places []string
	for _, l := range o.Labels {
		switch {
		case strings.HasPrefix(l, labelKind):
			switch k := strings.TrimPrefix(l, labelKind); k {
			case intel.Watch, intel.Allow, intel.Context:
				e.Kind = k
			}
		case strings.HasPrefix(l, labelAlias):
			aliases = append(aliases, strings.TrimPrefix(l, labelAlias))
		case strings.HasPrefix(l, labelOrganization):
			orgs = append(orgs, strings.TrimPrefix(l, labelOrganization))
		case strings.HasPrefix(l, labelLocation):
			places = append(places, strings.TrimPrefix(l, labelLocation))
		case strings.HasPrefix(l, labelValidFrom):
			if t, err := parseTimestamp(strings.TrimPrefix(l, labelValidFrom)); err == nil {
				e.ValidFrom = t
			}
		case strings.HasPrefix(l, labelValidUntil):
			if t, err := parseTimestamp(strings.TrimPrefix(l, labelValidUntil)); err == nil {
				e.ValidUntil = t
			}
		default:
			if l = strings.TrimSpace(l); l != "" {
				e.Tags = append(e.Tags, l)
			}
		}
	}
	e.Aliases = appendNew(nil, aliases...)
	e.ContextOrganizations = appendNew(nil, orgs...)
	e.ContextLocations = appendNew(nil, places...)
	if o.Type == "indicator" {
		// valid_from equal to created says no more than "from the start".
		if t, err := parseTimestamp(o.ValidFrom); err == nil && o.ValidFrom != o.Created {
			e.ValidFrom = t
		}
		if t, err := parseTimestamp(o.ValidUntil); err == nil {
			e.ValidUntil = t
		}
	}
	o.tpl = e
	return e
}

// newEntry makes an entry of type t and value v with the object's shared
// properties; kind is the default when the object does not name one.
func (im *importer) newEntry(o *object, t indicator.Type, v, kind string) *intel.Entry {
	e := *im.template(o)
	e.Type, e.Value = t, v
	if e.Kind == "" {
		e.Kind = kind
	}
	e.Aliases = slices.Clone(e.Aliases)
	e.Tags = slices.Clone(e.Tags)
	e.ContextOrganizations = slices.Clone(e.ContextOrganizations)
	e.ContextLocations = slices.Clone(e.ContextLocations)
	return &e
}

// appendNew appends the non-empty strings of add not yet in list, ignoring
// case and surrounding space.
func appendNew(list []string, add ...string) []string {
	seen := make(map[string]bool, len(list)+len(add))
	for _, x := range list {
		seen[strings.ToLower(x)] = true
	}
	for _, s := range add {
		s = strings.TrimSpace(s)
		if k := strings.ToLower(s); s != "" && !seen[k] {
			seen[k] = true
			list = append(list, s)
		}
	}
	return list
}

// add records imported entries, noting the object once if it has expired.
func (im *importer) add(o *object, es ...*intel.Entry) {
	for _, e := range es {
		im.entries = append(im.entries, e)
		im.rep.Imported[string(e.Type)]++
	}
	if len(es) > 0 {
		e := es[0]
		if !e.ValidUntil.IsZero() && !im.now.Before(e.ValidUntil) {
			im.rep.Expired = append(im.rep.Expired, o.ID)
			im.note(o, "expired at %s; imported, but it no longer matches", timestamp(e.ValidUntil))
		}
		if !o.marked {
			im.note(o, "no TLP marking: treated as TLP:AMBER")
		}
	}
}

// typedValue is one value an indicator names.
type typedValue struct {
	t indicator.Type
	v string
}

func (im *importer) indicator(o *object) {
	if pt := strings.ToLower(o.PatternType); pt != "" && pt != "stix" {
		im.skip(o, "pattern_type %s is not stix", o.PatternType)
		return
	}
	p, err := o.pattern()
	if err != nil {
		im.skip(o, "%v", err)
		return
	}
	ds := disjuncts(p.Root)
	if len(ds) > maxAlternatives {
		im.skip(o, "pattern has more than %d alternatives", maxAlternatives)
		return
	}
	var vals []typedValue
	var reasons []string
	seen := map[typedValue]bool{}
	for _, d := range ds {
		if d.reason != "" {
			reasons = append(reasons, d.reason)
			continue
		}
		vs, reason := hold(d.conj)
		if reason != "" {
			reasons = append(reasons, reason)
		}
		for _, v := range vs {
			if !seen[v] {
				seen[v] = true
				vals = append(vals, v)
			}
		}
	}
	if len(vals) == 0 {
		im.skip(o, "%s", summarise(reasons))
		return
	}
	if len(reasons) > 0 {
		im.note(o, "partly imported: %s", summarise(reasons))
	}
	kind := intel.Watch
	for _, t := range o.IndicatorTypes {
		if t == "benign" && len(o.IndicatorTypes) == 1 {
			kind = intel.Allow
		}
	}
	es := make([]*intel.Entry, 0, len(vals))
	for _, v := range vals {
		es = append(es, im.newEntry(o, v.t, v.v, kind))
	}
	im.add(o, es...)
}

func summarise(reasons []string) string {
	if len(reasons) == 0 {
		return "nothing the watchlist holds"
	}
	uniq := []string{}
	seen := map[string]bool{}
	for _, r := range reasons {
		if !seen[r] {
			seen[r] = true
			uniq = append(uniq, r)
		}
	}
	if len(uniq) > 3 {
		return strings.Join(uniq[:3], "; ") + fmt.Sprintf("; and %d more", len(uniq)-3)
	}
	return strings.Join(uniq, "; ")
}

// disjunct is one alternative of a pattern: a conjunction of comparisons
// on one observation, or the reason it cannot be one.
type disjunct struct {
	conj   []*Comparison
	reason string
}

// disjuncts rewrites a pattern as alternatives (an OR of ANDs), giving up
// on observation-level AND, FOLLOWEDBY and qualifiers, which need several
// observations or time and cannot be held as a watchlist entry.
func disjuncts(e Expr) []disjunct {
	switch x := e.(type) {
	case *Observation:
		conjs, ok := condDNF(x.Cond)
		if !ok {
			return []disjunct{{reason: fmt.Sprintf("more than %d alternatives, or more than %d conditions joined by AND", maxAlternatives, maxConjunction)}}
		}
		out := make([]disjunct, len(conjs))
		for i, c := range conjs {
			out[i] = disjunct{conj: c}
		}
		return out
	case *ObservationOp:
		switch x.Op {
		case "OR":
			l := disjuncts(x.Left)
			if len(l) > maxAlternatives {
				return l
			}
			return append(l, disjuncts(x.Right)...)
		case "AND":
			return []disjunct{{reason: "AND between observations needs two things seen together, which a watchlist entry cannot say"}}
		default:
			return []disjunct{{reason: "FOLLOWEDBY is not supported"}}
		}
	case *Qualified:
		q := x.Qualifier
		if q == "START" {
			q = "START/STOP"
		}
		return []disjunct{{reason: q + " qualifiers are not supported"}}
	}
	return nil
}

// maxConjunction bounds the comparisons one alternative may join with AND;
// the watchlist holds at most a user-account's type and login.
const maxConjunction = 16

// condDNF rewrites a comparison expression as a list of conjunctions; ok is
// false when that would exceed maxAlternatives alternatives or
// maxConjunction comparisons in one.
func condDNF(c Cond) ([][]*Comparison, bool) {
	switch x := c.(type) {
	case *Comparison:
		return [][]*Comparison{{x}}, true
	case *CondOp:
		l, ok := condDNF(x.Left)
		if !ok {
			return nil, false
		}
		r, ok := condDNF(x.Right)
		if !ok {
			return nil, false
		}
		if x.Op == "OR" {
			if len(l)+len(r) > maxAlternatives {
				return nil, false
			}
			return append(l, r...), true
		}
		if len(l)*len(r) > maxAlternatives {
			return nil, false
		}
		out := make([][]*Comparison, 0, len(l)*len(r))
		for _, a := range l {
			for _, b := range r {
				if len(a)+len(b) > maxConjunction {
					return nil, false
				}
				out = append(out, append(append([]*Comparison{}, a...), b...))
			}
		}
		return out, true
	}
	return nil, true
}

// hold turns one conjunction into the values it names, or says why it
// cannot be held.
func hold(conj []*Comparison) ([]typedValue, string) {
	// Drop repeats: [a = 'x' AND a = 'x'] is [a = 'x'].
	var cs []*Comparison
	seen := map[string]bool{}
	for _, c := range conj {
		if s := c.String(); !seen[s] {
			seen[s] = true
			cs = append(cs, c)
		}
	}
	for _, c := range cs {
		if c.Not {
			return nil, "NOT " + c.Op + " cannot be held as a watchlist entry"
		}
		if !supportedOp(c.Op) {
			return nil, "operator " + c.Op + " is not supported"
		}
	}
	allAccount := true
	for _, c := range cs {
		allAccount = allAccount && c.Path.ObjectType == "user-account"
	}
	if allAccount {
		return holdAccount(cs)
	}
	if len(cs) > 1 {
		return nil, "AND of conditions on " + describePaths(cs) + " cannot be held as one watchlist entry"
	}
	c := cs[0]
	t, reason := pathType(c.Path)
	if reason != "" {
		return nil, reason
	}
	strs, reason := exactValues(c)
	if reason != "" {
		return nil, reason
	}
	var out []typedValue
	var bad []string
	for _, s := range strs {
		tt, v := t, ""
		switch t {
		case indicator.IP:
			v = normalIP(s)
		case indicator.URL:
			v = indicator.Normalize(t, s)
			if li := linkedInProfile(v); li != "" {
				tt, v = indicator.LinkedIn, li
			}
		default:
			v = indicator.Normalize(t, s)
		}
		if v == "" {
			bad = append(bad, s)
			continue
		}
		out = append(out, typedValue{tt, v})
	}
	if len(bad) > 0 {
		return out, fmt.Sprintf("%s is not a valid %s", quote(shorten(bad[0])), t)
	}
	return out, ""
}

// linkedInProfile returns the profile a normalised URL on LinkedIn's own
// host names, or "".
func linkedInProfile(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	if h := pu.Hostname(); h != "linkedin.com" && !strings.HasSuffix(h, ".linkedin.com") {
		return ""
	}
	return indicator.NormalizeLinkedIn(u)
}

func describePaths(cs []*Comparison) string {
	var ps []string
	for _, c := range cs {
		ps = append(ps, c.Path.String())
	}
	return strings.Join(ps, " and ")
}

// normalIP reads an address, or a network of one address (/32, /128).
func normalIP(s string) string {
	if p, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil {
		if p.IsSingleIP() {
			return p.Addr().String()
		}
		return ""
	}
	return indicator.Normalize(indicator.IP, s)
}

// pathType maps an object path to the indicator type it holds.
func pathType(p Path) (indicator.Type, string) {
	key := p.String()
	switch key {
	case "email-addr:value", "email-message:from_ref.value", "email-message:sender_ref.value":
		return indicator.Email, ""
	case "domain-name:value":
		return indicator.Domain, ""
	case "url:value":
		return indicator.URL, ""
	case "ipv4-addr:value", "ipv6-addr:value":
		return indicator.IP, ""
	}
	if p.ObjectType == "file" && len(p.Steps) == 2 && p.Steps[0].Key == "hashes" && !p.Steps[1].IsIndex {
		if isSHA256Key(p.Steps[1].Key) {
			return indicator.FileSHA256, ""
		}
		return "", "file hash " + p.Steps[1].Key + ": the watchlist holds SHA-256 only"
	}
	return "", key + " is not something the watchlist holds"
}

// sha256Hash returns the SHA-256 of a hashes dictionary ("SHA-256" first,
// then other spellings in order).
func sha256Hash(hashes map[string]string) string {
	if v, ok := hashes["SHA-256"]; ok {
		return v
	}
	keys := make([]string, 0, len(hashes))
	for k := range hashes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if isSHA256Key(k) {
			return hashes[k]
		}
	}
	return ""
}

func isSHA256Key(k string) bool {
	k = strings.ToUpper(strings.ReplaceAll(k, "-", ""))
	return k == "SHA256"
}

// exactValues returns the exact strings a comparison names: the value of =,
// the set of IN, a LIKE without wildcards, a MATCHES of ^literal$.
func exactValues(c *Comparison) ([]string, string) {
	var out []string
	for _, v := range c.Values {
		if v.Kind != LitString {
			return nil, "a " + c.Path.String() + " that is not a string"
		}
	}
	switch c.Op {
	case "=", "IN":
		for _, v := range c.Values {
			out = append(out, v.Str)
		}
	case "LIKE":
		s := c.Values[0].Str
		if strings.ContainsAny(s, "%_") {
			return nil, "LIKE with wildcards names many values, not one the watchlist can hold"
		}
		out = append(out, s)
	case "MATCHES":
		s, ok := regexLiteral(c.Values[0].Str)
		if !ok {
			return nil, "MATCHES names many values, not one the watchlist can hold"
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, "an empty set"
	}
	return out, ""
}

// regexLiteral returns the one string a regular expression ^literal$
// matches.
func regexLiteral(re string) (string, bool) {
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return "", false
	}
	r = r.Simplify()
	if r.Op != syntax.OpConcat || len(r.Sub) != 3 {
		return "", false
	}
	a, lit, z := r.Sub[0], r.Sub[1], r.Sub[2]
	if a.Op != syntax.OpBeginText || z.Op != syntax.OpEndText || lit.Op != syntax.OpLiteral || lit.Flags&syntax.FoldCase != 0 {
		return "", false
	}
	return string(lit.Rune), true
}

// holdAccount reads a conjunction on one user-account: an account_type and
// an account_login (or user_id).
func holdAccount(cs []*Comparison) ([]typedValue, string) {
	var types, logins, userIDs []string
	for _, c := range cs {
		if len(c.Path.Steps) != 1 {
			return nil, c.Path.String() + " is not something the watchlist holds"
		}
		vals, reason := exactValues(c)
		if reason != "" {
			return nil, reason
		}
		switch c.Path.Steps[0].Key {
		case "account_type":
			if types != nil {
				return nil, "two account_type conditions on one user-account"
			}
			types = vals
		case "account_login":
			if logins != nil {
				return nil, "two account_login conditions on one user-account"
			}
			logins = vals
		case "user_id":
			if userIDs != nil {
				return nil, "two user_id conditions on one user-account"
			}
			userIDs = vals
		default:
			return nil, c.Path.String() + " is not something the watchlist holds"
		}
	}
	if logins == nil {
		logins = userIDs
	}
	if logins == nil {
		return nil, "a user-account without account_login or user_id names no one"
	}
	if types == nil {
		types = []string{""}
	}
	var out []typedValue
	var reason string
	for _, at := range types {
		at = strings.ToLower(strings.TrimSpace(at))
		for _, login := range logins {
			var tv typedValue
			switch {
			case at == "linkedin":
				if li := linkedInProfile(indicator.NormalizeURL(login)); li != "" {
					tv = typedValue{indicator.LinkedIn, li}
				} else if !strings.ContainsAny(login, "/?#") {
					tv = typedValue{indicator.LinkedIn, indicator.NormalizeLinkedIn("https://www.linkedin.com/in/" + login)}
				}
			case at == "phone":
				tv = typedValue{indicator.Phone, indicator.NormalizePhone(login)}
			case infraAccountTypes[at]:
				reason = "a " + at + " account is not a messaging handle"
				continue
			case at == "":
				tv = typedValue{indicator.Handle, indicator.Normalize(indicator.Handle, login)}
			default:
				tv = typedValue{indicator.Handle, indicator.Normalize(indicator.Handle, at+":"+login)}
			}
			if tv.v == "" || strings.TrimSpace(login) == "" {
				reason = fmt.Sprintf("%s is not a valid %s account", quote(shorten(login)), orDefault(at, "user"))
				continue
			}
			out = append(out, tv)
		}
	}
	return out, reason
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// groupActorTypes are threat actor types that name a group, not a persona.
var groupActorTypes = map[string]bool{
	"nation-state": true, "crime-syndicate": true, "activist": true, "terrorist": true, "competitor": true,
}

func hasKindLabel(o *object) bool {
	for _, l := range o.Labels {
		if strings.HasPrefix(l, labelKind) {
			return true
		}
	}
	return false
}

func (im *importer) threatActor(o *object) {
	name := indicator.Normalize(indicator.Person, o.Name)
	if name == "" {
		im.skip(o, "a threat actor without a name")
		return
	}
	if !hasKindLabel(o) && len(o.ThreatActorTypes) > 0 {
		group := true
		for _, t := range o.ThreatActorTypes {
			group = group && groupActorTypes[t]
		}
		if group {
			im.skip(o, "a threat actor of type %s is a group, not a persona the watchlist matches by name", strings.Join(o.ThreatActorTypes, ", "))
			return
		}
	}
	e := im.newEntry(o, indicator.Person, name, intel.Watch)
	im.person(o, e)
}

// person completes a person entry with aliases and related organisations.
func (im *importer) person(o *object, e *intel.Entry) {
	e.Aliases = appendNew(e.Aliases, o.Aliases...)
	have := map[string]bool{}
	for _, org := range e.ContextOrganizations {
		have[intel.OrgKey(org)] = true
	}
	for _, org := range im.orgLinks[o.ID] {
		if n := indicator.Normalize(indicator.Organization, org.Name); n != "" && !have[intel.OrgKey(n)] {
			have[intel.OrgKey(n)] = true
			e.ContextOrganizations = append(e.ContextOrganizations, n)
		}
	}
	im.add(o, e)
}

func (im *importer) identity(o *object) {
	if im.producers[o.ID] {
		im.skip(o, "the producer of objects in the bundle (created_by_ref), not an indicator")
		return
	}
	name := indicator.Normalize(indicator.Organization, o.Name)
	if name == "" {
		im.skip(o, "an identity without a name")
		return
	}
	switch {
	case o.IdentityClass == "individual" && hasKindLabel(o):
		im.person(o, im.newEntry(o, indicator.Person, name, intel.Allow))
	case isOrgObject(o) && (hasKindLabel(o) || im.linkedOrgs[o.ID]):
		im.add(o, im.newEntry(o, indicator.Organization, name, intel.Watch))
	case isOrgObject(o):
		im.skip(o, "an organisation no threat actor is related to: a bundle also names its producer and its victims")
	default:
		im.skip(o, "an identity of class %s is not held", orDefault(o.IdentityClass, "unknown"))
	}
}

// observableKey names an observable as indicator patterns do: the object
// type and its value, hash or login.
func observableKey(o *object) string {
	switch o.Type {
	case "email-addr", "domain-name", "url", "ipv4-addr", "ipv6-addr":
		return o.Type + "\x00" + o.Value
	case "file":
		if v := sha256Hash(o.Hashes); v != "" {
			return "file\x00" + v
		}
	case "user-account":
		if o.AccountLogin != "" {
			return "user-account\x00" + o.AccountLogin
		}
		return "user-account\x00" + o.UserID
	}
	return ""
}

func (im *importer) observable(o *object) {
	if k := observableKey(o); k != "" && im.covered[k] {
		im.skip(o, "described by an indicator in the bundle")
		return
	}
	if im.recipients[o.ID] {
		im.skip(o, "a recipient of an email message: a target, not an indicator")
		return
	}
	var c *Comparison
	lit := func(path, v string) *Comparison {
		objType, prop, _ := strings.Cut(path, ":")
		return &Comparison{Path: Path{ObjectType: objType, Steps: []Step{{Key: prop}}}, Op: "=", Values: []Literal{{Kind: LitString, Str: v}}}
	}
	var vals []typedValue
	reason := ""
	switch o.Type {
	case "file":
		if v := sha256Hash(o.Hashes); v != "" {
			c = &Comparison{Path: Path{ObjectType: "file", Steps: []Step{{Key: "hashes"}, {Key: "SHA-256"}}}, Op: "=", Values: []Literal{{Kind: LitString, Str: v}}}
		}
		if c == nil {
			im.skip(o, "a file without a SHA-256 hash")
			return
		}
		vals, reason = hold([]*Comparison{c})
	case "user-account":
		cs := []*Comparison{}
		if o.AccountType != "" {
			cs = append(cs, lit("user-account:account_type", o.AccountType))
		}
		if o.AccountLogin != "" {
			cs = append(cs, lit("user-account:account_login", o.AccountLogin))
		} else if o.UserID != "" {
			cs = append(cs, lit("user-account:user_id", o.UserID))
		}
		vals, reason = holdAccount(cs)
	default:
		vals, reason = hold([]*Comparison{lit(o.Type+":value", o.Value)})
	}
	if len(vals) == 0 {
		im.skip(o, "%s", orDefault(reason, "nothing the watchlist holds"))
		return
	}
	var es []*intel.Entry
	for _, v := range vals {
		es = append(es, im.newEntry(o, v.t, v.v, intel.Watch))
	}
	im.add(o, es...)
}
