package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"portcullis/internal/indicator"
	"portcullis/internal/intel"
)

// ExportOptions say what an export shares.
type ExportOptions struct {
	// TLPMax is the most restrictive TLP level exported: clear, green,
	// amber or amber+strict ("" means amber+strict). TLP:RED entries never
	// leave, whatever TLPMax says; "red" is accepted and means amber+strict.
	TLPMax string
	// IncludeExpired exports entries whose valid_until has passed; by
	// default they stay home.
	IncludeExpired bool
}

// Export writes entries as a STIX 2.1 bundle with the default options:
// everything up to TLP:AMBER+STRICT that has not expired at now.
func Export(entries []*intel.Entry, now time.Time) ([]byte, error) {
	return ExportWith(entries, now, ExportOptions{})
}

// ExportWith writes entries as a STIX 2.1 bundle:
//
//   - typed entries (email, domain, URL, LinkedIn profile, phone, handle, IP,
//     file SHA-256) become an indicator with a STIX pattern, the observable
//     it is based on (with the id the specification defines), and a
//     based-on relationship between them. LinkedIn profiles, phones and
//     messaging handles are user-accounts whose account_type is linkedin,
//     phone or the platform; the profile URL is the indicator's name;
//   - persons on the watchlist (watch or context) become threat-actors of
//     type spy with their aliases; organisations become identities of
//     class organization; a person related to an exported organisation
//     (ContextOrganizations) gets a related-to relationship to it;
//   - allowlist entries are exported, not skipped: typed ones as
//     indicators whose indicator_types is ["benign"], persons as
//     identities of class individual, and every object says its kind in a
//     "portcullis-kind:" label.
//
// Every object carries the TLP 2.0 marking of its entry (an entry with no
// TLP counts as amber, one with an unknown level as red) and the bundle
// holds the marking definitions used; relationships and shared observables
// take the more restrictive marking of what they join. Objects are created
// by a Portcullis identity (created_by_ref); the source becomes an external
// reference, with its date as "published YYYY-MM-DD".
//
// Output is deterministic. Observables have the ids the specification
// defines (UUIDv5 in its namespace over the RFC 8785 JSON of their
// id-contributing properties); other objects have UUIDv5 ids in a fixed
// Portcullis namespace over their type and normal value, so the same entry
// has the same id in every export, from every installation. created and
// modified come from the source date (or a fixed epoch), never from the
// clock; valid_from is the entry's ValidFrom or else its created time. So
// exporting the same entries twice, in any order, gives the same bytes. An
// entry records no time of its last edit, so an edited entry keeps its
// modified time: consumers that keep versions by modified will not see the
// edit. now only decides which entries have expired.
//
// Entries that are invalid (an unknown type or kind, a value that does not
// normalise) make the export fail.
func ExportWith(entries []*intel.Entry, now time.Time, opt ExportOptions) ([]byte, error) {
	tlpMax := normalTLP(opt.TLPMax)
	switch {
	case strings.TrimSpace(opt.TLPMax) == "":
		tlpMax = "amber+strict"
	case tlpMax == "":
		return nil, fmt.Errorf("stix: export: tlp-max %q is not clear, green, amber or amber+strict", opt.TLPMax)
	case tlpMax == "red":
		tlpMax = "amber+strict"
	}
	x := &exporter{scos: map[string]*sco{}, used: map[string]bool{}, ids: map[string]int{}, orgs: map[string]*sdo{}}
	var keep []entry
	for i, e := range entries {
		if e == nil {
			continue
		}
		tlp := entryTLP(e)
		if tlpRank(tlp) > tlpRank(tlpMax) || tlp == "red" {
			continue
		}
		if !opt.IncludeExpired && !e.ValidUntil.IsZero() && !now.Before(e.ValidUntil) {
			continue
		}
		v, err := checkEntry(e)
		if err != nil {
			return nil, fmt.Errorf("stix: export: entry %d: %w", i+1, err)
		}
		kind := e.Kind
		if kind == "" {
			kind = intel.Watch
		}
		keep = append(keep, entry{e: e, value: v, kind: kind, tlp: tlp})
	}
	sort.SliceStable(keep, func(i, j int) bool { return keep[i].less(keep[j]) })

	// Organisations first, so that persons can point at them.
	for i := range keep {
		if keep[i].e.Type == indicator.Organization {
			x.org(&keep[i])
		}
	}
	for i := range keep {
		switch keep[i].e.Type {
		case indicator.Organization:
		case indicator.Person:
			x.person(&keep[i])
		default:
			x.typed(&keep[i])
		}
	}
	return x.bundle()
}

type entry struct {
	e     *intel.Entry
	value string // normal form
	kind  string
	tlp   string
	obj   *sdo
}

func (a entry) less(b entry) bool {
	ka := []string{string(a.e.Type), a.value, a.kind, a.tlp, a.e.Source.Name, a.e.Source.Date, a.e.Description}
	kb := []string{string(b.e.Type), b.value, b.kind, b.tlp, b.e.Source.Name, b.e.Source.Date, b.e.Description}
	for i := range ka {
		if ka[i] != kb[i] {
			return ka[i] < kb[i]
		}
	}
	return false
}

// entryTLP is an entry's TLP level: amber when unset (as the CSV reader
// defaults), red when unknown, so that an unreadable level never leaves.
func entryTLP(e *intel.Entry) string {
	if strings.TrimSpace(e.TLP) == "" {
		return "amber"
	}
	if l := normalTLP(e.TLP); l != "" {
		return l
	}
	return "red"
}

func checkEntry(e *intel.Entry) (string, error) {
	known := false
	for _, t := range indicator.Types {
		known = known || t == e.Type
	}
	if !known {
		return "", fmt.Errorf("type %q is not one of %v", e.Type, indicator.Types)
	}
	switch e.Kind {
	case "", intel.Watch, intel.Allow, intel.Context:
	default:
		return "", fmt.Errorf("kind %q is not watch, allow or context", e.Kind)
	}
	v := indicator.Normalize(e.Type, e.Value)
	if v == "" {
		return "", fmt.Errorf("%q is not a valid %s", e.Value, e.Type)
	}
	return v, nil
}

// sdo is a STIX domain or relationship object as Portcullis writes it; the
// field order is the order in the output.
type sdo struct {
	Type               string        `json:"type"`
	SpecVersion        string        `json:"spec_version"`
	ID                 string        `json:"id"`
	CreatedByRef       string        `json:"created_by_ref,omitempty"`
	Created            string        `json:"created"`
	Modified           string        `json:"modified"`
	Name               string        `json:"name,omitempty"`
	Description        string        `json:"description,omitempty"`
	IndicatorTypes     []string      `json:"indicator_types,omitempty"`
	Pattern            string        `json:"pattern,omitempty"`
	PatternType        string        `json:"pattern_type,omitempty"`
	PatternVersion     string        `json:"pattern_version,omitempty"`
	ValidFrom          string        `json:"valid_from,omitempty"`
	ValidUntil         string        `json:"valid_until,omitempty"`
	ThreatActorTypes   []string      `json:"threat_actor_types,omitempty"`
	Aliases            []string      `json:"aliases,omitempty"`
	IdentityClass      string        `json:"identity_class,omitempty"`
	RelationshipType   string        `json:"relationship_type,omitempty"`
	SourceRef          string        `json:"source_ref,omitempty"`
	TargetRef          string        `json:"target_ref,omitempty"`
	Labels             []string      `json:"labels,omitempty"`
	Confidence         *int          `json:"confidence,omitempty"`
	ExternalReferences []externalRef `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string      `json:"object_marking_refs,omitempty"`

	tlp string
}

type externalRef struct {
	SourceName  string `json:"source_name"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
}

// sco is a cyber-observable object as Portcullis writes it.
type sco struct {
	Type              string            `json:"type"`
	SpecVersion       string            `json:"spec_version"`
	ID                string            `json:"id"`
	Value             string            `json:"value,omitempty"`
	Hashes            map[string]string `json:"hashes,omitempty"`
	AccountType       string            `json:"account_type,omitempty"`
	AccountLogin      string            `json:"account_login,omitempty"`
	ObjectMarkingRefs []string          `json:"object_marking_refs,omitempty"`

	tlp string
}

type exporter struct {
	objects  []any
	scoOrder []*sco
	scos     map[string]*sco
	rels     []*sdo
	used     map[string]bool // TLP levels marked on some object
	ids      map[string]int  // SDO ids handed out, to keep duplicates apart
	orgs     map[string]*sdo // OrgKey of an exported organisation's names
}

// producer is the identity every exported object is created by.
var producer = sdo{
	Type: "identity", SpecVersion: "2.1", ID: sdoID("identity", "portcullis"),
	Created: timestamp(epoch), Modified: timestamp(epoch), Name: "Portcullis", IdentityClass: "system",
	ObjectMarkingRefs: []string{MarkingClear}, tlp: "clear",
}

// id returns a stable id for an entry's object, told apart from an earlier
// entry with the same type and value by a counter.
func (x *exporter) id(typ string, parts ...string) string {
	id := sdoID(typ, parts...)
	n := x.ids[id]
	x.ids[id] = n + 1
	if n > 0 {
		return sdoID(typ, append(parts, strconv.Itoa(n+1))...)
	}
	return id
}

// base fills the properties every object of an entry shares.
func (x *exporter) base(en *entry, typ string) *sdo {
	e := en.e
	created := epoch
	if t, ok := parseSourceDate(e.Source.Date); ok {
		created = t
	}
	conf := min(max(e.Confidence, 0), 100)
	o := &sdo{
		Type: typ, SpecVersion: "2.1", ID: x.id(typ, string(e.Type), en.value),
		CreatedByRef: producer.ID, Created: timestamp(created), Modified: timestamp(created),
		Description: e.Description, Confidence: &conf,
		ObjectMarkingRefs: []string{tlpMarking[en.tlp]}, tlp: en.tlp,
	}
	x.used[en.tlp] = true
	if ref, ok := sourceRef(e.Source); ok {
		o.ExternalReferences = []externalRef{ref}
	}
	for _, t := range e.Tags {
		if t = strings.TrimSpace(t); t != "" {
			o.Labels = append(o.Labels, t)
		}
	}
	o.Labels = append(o.Labels, labelKind+en.kind)
	for _, s := range e.ContextOrganizations {
		o.Labels = append(o.Labels, labelOrganization+s)
	}
	for _, s := range e.ContextLocations {
		o.Labels = append(o.Labels, labelLocation+s)
	}
	en.obj = o
	x.objects = append(x.objects, o)
	return o
}

// validityLabels carries validity on objects that have no valid_from.
func validityLabels(o *sdo, e *intel.Entry) {
	if !e.ValidFrom.IsZero() {
		o.Labels = append(o.Labels, labelValidFrom+timestamp(e.ValidFrom))
	}
	if !e.ValidUntil.IsZero() {
		o.Labels = append(o.Labels, labelValidUntil+timestamp(e.ValidUntil))
	}
}

func aliasLabels(o *sdo, aliases []string) {
	for _, a := range aliases {
		if a = strings.TrimSpace(a); a != "" {
			o.Labels = append(o.Labels, labelAlias+a)
		}
	}
}

func sourceRef(s intel.Source) (externalRef, bool) {
	if s.Name == "" && s.URL == "" && s.Date == "" {
		return externalRef{}, false
	}
	r := externalRef{SourceName: s.Name, URL: s.URL}
	if r.SourceName == "" {
		r.SourceName = "unnamed source"
	}
	if s.Date != "" {
		r.Description = sourcePublished + s.Date
	} else if r.URL == "" {
		r.Description = "source of this intelligence" // the schema wants a description, URL or id
	}
	return r, true
}

func (x *exporter) org(en *entry) {
	o := x.base(en, "identity")
	o.Name = en.value
	o.IdentityClass = "organization"
	aliasLabels(o, en.e.Aliases)
	validityLabels(o, en.e)
	for _, n := range append([]string{en.value}, en.e.Aliases...) {
		if k := intel.OrgKey(n); k != "" && x.orgs[k] == nil {
			x.orgs[k] = o
		}
	}
}

func (x *exporter) person(en *entry) {
	var o *sdo
	if en.kind == intel.Allow {
		o = x.base(en, "identity")
		o.IdentityClass = "individual"
		aliasLabels(o, en.e.Aliases)
	} else {
		o = x.base(en, "threat-actor")
		o.ThreatActorTypes = []string{"spy"}
		for _, a := range en.e.Aliases {
			if a = strings.TrimSpace(a); a != "" {
				o.Aliases = append(o.Aliases, a)
			}
		}
	}
	o.Name = en.value
	validityLabels(o, en.e)
	seen := map[string]bool{}
	for _, name := range en.e.ContextOrganizations {
		org := x.orgs[intel.OrgKey(name)]
		if org == nil || seen[org.ID] {
			continue
		}
		seen[org.ID] = true
		x.relate(o, "related-to", org.ID, org.tlp)
	}
}

// relate links two objects; the relationship is marked as the more
// restrictive of the two.
func (x *exporter) relate(from *sdo, typ, to string, toTLP string) {
	tlp := from.tlp
	if tlpRank(toTLP) > tlpRank(tlp) {
		tlp = toTLP
	}
	r := &sdo{
		Type: "relationship", SpecVersion: "2.1", ID: sdoID("relationship", from.ID, typ, to),
		CreatedByRef: producer.ID, Created: from.Created, Modified: from.Modified,
		RelationshipType: typ, SourceRef: from.ID, TargetRef: to,
		ObjectMarkingRefs: []string{tlpMarking[tlp]}, tlp: tlp,
	}
	x.used[tlp] = true
	x.rels = append(x.rels, r)
}

// observable is what a typed entry's pattern tests.
type observable struct {
	pattern string
	sco     sco
	idProps map[string]any
	name    string
}

// typedObservable returns the pattern and observable of a typed value.
func typedObservable(t indicator.Type, v string) observable {
	eq := func(objType, value string) observable {
		return observable{
			pattern: "[" + objType + ":value = " + quote(value) + "]",
			sco:     sco{Type: objType, Value: value},
			idProps: map[string]any{"value": value},
			name:    value,
		}
	}
	account := func(accountType, login, name string) observable {
		o := observable{sco: sco{Type: "user-account", AccountType: accountType, AccountLogin: login}, name: name,
			idProps: map[string]any{"account_login": login}}
		if accountType == "" {
			o.pattern = "[user-account:account_login = " + quote(login) + "]"
			return o
		}
		o.idProps["account_type"] = accountType
		o.pattern = "[user-account:account_type = " + quote(accountType) + " AND user-account:account_login = " + quote(login) + "]"
		return o
	}
	switch t {
	case indicator.Email:
		return eq("email-addr", v)
	case indicator.Domain:
		return eq("domain-name", v)
	case indicator.URL:
		return eq("url", v)
	case indicator.IP:
		if a, err := netip.ParseAddr(v); err == nil && a.Is6() {
			return eq("ipv6-addr", v)
		}
		return eq("ipv4-addr", v)
	case indicator.FileSHA256:
		return observable{
			pattern: "[file:hashes.'SHA-256' = " + quote(v) + "]",
			sco:     sco{Type: "file", Hashes: map[string]string{"SHA-256": v}},
			idProps: map[string]any{"hashes": map[string]string{"SHA-256": v}},
			name:    v,
		}
	case indicator.LinkedIn:
		return account("linkedin", strings.TrimPrefix(v, "https://www.linkedin.com/in/"), v)
	case indicator.Phone:
		return account("phone", v, v)
	case indicator.Handle:
		platform, login, ok := strings.Cut(v, ":")
		if !ok || platform == "" || login == "" {
			return account("", v, v)
		}
		return account(platform, login, v)
	}
	panic("stix: typedObservable: " + string(t))
}

func (x *exporter) typed(en *entry) {
	ob := typedObservable(en.e.Type, en.value)
	o := x.base(en, "indicator")
	o.Name = ob.name
	aliasLabels(o, en.e.Aliases)
	switch en.kind {
	case intel.Allow:
		o.IndicatorTypes = []string{"benign"}
	case intel.Context:
		o.IndicatorTypes = []string{"anomalous-activity"}
	default:
		o.IndicatorTypes = []string{"malicious-activity"}
	}
	o.Pattern, o.PatternType, o.PatternVersion = ob.pattern, "stix", "2.1"
	from := ob.fromTime(en.e, o.Created)
	o.ValidFrom = timestamp(from)
	if !en.e.ValidUntil.IsZero() {
		o.ValidUntil = timestamp(en.e.ValidUntil)
	}

	id := scoID(ob.sco.Type, ob.idProps)
	s := x.scos[id]
	if s == nil {
		s = &ob.sco
		s.SpecVersion, s.ID = "2.1", id
		x.scos[id] = s
		x.scoOrder = append(x.scoOrder, s)
	}
	if tlpRank(en.tlp) > tlpRank(s.tlp) {
		s.tlp = en.tlp
		s.ObjectMarkingRefs = []string{tlpMarking[en.tlp]}
	}
	x.relate(o, "based-on", s.ID, s.tlp)
}

// fromTime is an indicator's valid_from: the entry's ValidFrom, else its
// creation; kept before valid_until as the specification requires.
func (ob observable) fromTime(e *intel.Entry, created string) time.Time {
	from := e.ValidFrom
	if from.IsZero() {
		from, _ = parseTimestamp(created)
	}
	if !e.ValidUntil.IsZero() && !from.Before(e.ValidUntil) {
		from = e.ValidUntil.Add(-time.Millisecond)
	}
	return from
}

func (x *exporter) bundle() ([]byte, error) {
	var objs []any
	for _, l := range tlpLevels {
		if x.used[l] || l == "clear" {
			objs = append(objs, markingFor(l))
		}
	}
	objs = append(objs, &producer)
	objs = append(objs, x.objects...)
	for _, s := range x.scoOrder {
		objs = append(objs, s)
	}
	for _, r := range x.rels {
		objs = append(objs, r)
	}
	var ids strings.Builder
	for _, o := range objs {
		switch v := o.(type) {
		case markingDefinition:
			ids.WriteString(v.ID)
		case *sdo:
			ids.WriteString(v.ID)
		case *sco:
			ids.WriteString(v.ID)
		}
		ids.WriteByte('\n')
	}
	b := struct {
		Type    string `json:"type"`
		ID      string `json:"id"`
		Objects []any  `json:"objects"`
	}{"bundle", sdoID("bundle", ids.String()), objs}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("stix: export: %w", err)
	}
	return buf.Bytes(), nil
}
