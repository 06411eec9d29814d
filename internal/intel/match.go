package intel

import (
	"fmt"
	"strings"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/approach"
	"portcullis/internal/extract"
	"portcullis/internal/indicator"
	"portcullis/internal/message"
)

// Weights of watchlist matches in the score, like rule weights.
const (
	weightExact       = 90 // a known hostile profile, email, domain, URL, phone, handle or file
	weightIP          = 50
	weightOrg         = 65 // a named front organisation
	weightNameContext = 70 // a named persona with their organisation or place
	weightNameLead    = 5  // a name alone: a lead for an analyst, not a flag
)

// nameThreshold is the least similarity for a person-name match.
const nameThreshold = 0.88

// Watchlist matches approaches against entries. Build it with New; it is
// safe for concurrent use once built.
type Watchlist struct {
	exact   map[string][]*Entry // type + "\x00" + value
	orgs    map[string][]*Entry // OrgKey of value and aliases
	persons []*person
	byPair  map[string][]*person // pairs of name-word prefixes, see pairKeys
	maxOrg  int                  // most words in an organisation name
	Now     func() time.Time
}

type person struct {
	e      *Entry
	names  [][]string // folded names: value and aliases
	orgs   []string   // OrgKeys of context organisations
	places [][]string
}

// New builds a watchlist from entries.
func New(entries []*Entry) *Watchlist {
	w := &Watchlist{exact: map[string][]*Entry{}, orgs: map[string][]*Entry{}, byPair: map[string][]*person{}, Now: time.Now}
	for _, e := range entries {
		switch e.Type {
		case indicator.Organization:
			for _, n := range append([]string{e.Value}, e.Aliases...) {
				if k := OrgKey(n); len(k) >= 3 {
					w.orgs[k] = append(w.orgs[k], e)
					w.maxOrg = max(w.maxOrg, len(foldWords(n)))
				}
			}
		case indicator.Person:
			p := &person{e: e}
			for _, n := range append([]string{e.Value}, e.Aliases...) {
				if toks := NameTokens(n); len(toks) > 0 {
					p.names = append(p.names, toks)
				}
			}
			for _, o := range e.ContextOrganizations {
				p.orgs = append(p.orgs, OrgKey(o))
			}
			for _, l := range e.ContextLocations {
				p.places = append(p.places, foldWords(l))
			}
			w.persons = append(w.persons, p)
			seen := map[string]bool{}
			for _, n := range p.names {
				for _, k := range pairKeys(n) {
					if !seen[k] {
						seen[k] = true
						w.byPair[k] = append(w.byPair[k], p)
					}
				}
			}
		default:
			k := string(e.Type) + "\x00" + e.Value
			w.exact[k] = append(w.exact[k], e)
		}
	}
	return w
}

// pairKeys index a name by every pair of its words' first three letters, in
// sorted order: "Amanda Qiu" and "Qiu Amanda" share "ama|qiu", and so do
// "Shirly Shen" and "Shirley Shen". A lookup touches a few small buckets
// however large the watchlist is.
func pairKeys(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		for j := i + 1; j < len(words); j++ {
			a, b := prefix3(words[i]), prefix3(words[j])
			if b < a {
				a, b = b, a
			}
			out = append(out, a+"|"+b)
		}
	}
	return out
}

func prefix3(s string) string {
	n := 0
	for i := range s {
		if n == 3 {
			return s[:i]
		}
		n++
	}
	return s
}

// Len returns the number of entries indexed (organisation aliases count once).
func (w *Watchlist) Len() int {
	n := len(w.persons)
	for _, es := range w.exact {
		n += len(es)
	}
	seen := map[*Entry]bool{}
	for _, es := range w.orgs {
		for _, e := range es {
			seen[e] = true
		}
	}
	return n + len(seen)
}

// Match implements analysis.Matcher.
func (w *Watchlist) Match(p *message.Parsed, x *extract.Result) []analysis.Match {
	now := w.Now()
	var out []analysis.Match
	seen := map[*Entry]bool{}
	add := func(e *Entry, m analysis.Match) {
		if seen[e] || !e.Active(now) {
			return
		}
		seen[e] = true
		m.Indicator = analysis.MatchedIndicator{Type: string(e.Type), Value: e.Value, Source: e.Source.Name}
		m.TLP = e.TLP
		switch e.Kind {
		case Allow:
			m.Allow, m.Weight = true, 0
		case Context:
			m.Weight = 0
		}
		out = append(out, m)
	}

	// 1. Exact typed values, in constant time each.
	for _, ind := range x.Indicators {
		if ind.Type == indicator.Person || ind.Type == indicator.Organization {
			continue
		}
		// LinkedIn's own mail is not the sender of a LinkedIn approach,
		// and headers of a forward belong to the reporter.
		if p.Kind == message.KindLinkedIn && strings.HasPrefix(ind.Field, "headers.") {
			continue
		}
		for _, e := range w.exact[string(ind.Type)+"\x00"+ind.Value] {
			weight := weightExact
			if ind.Type == indicator.IP {
				weight = weightIP
			}
			if e.Kind == Allow && (!senderField(ind.Field) || authFailed(p)) {
				continue // an allowed domain in a link, or a spoofed sender, vouches for nothing
			}
			add(e, analysis.Match{Field: ind.Field, Matched: ind.Value, Similarity: 1, Weight: weight,
				Title: fmt.Sprintf("the %s %s is on the watchlist (%s)", typeName(ind.Type), ind.Value, e.Source.Name)})
		}
	}

	// 2. Organisations: structured fields, then one scan of the text.
	orgHits := map[string]bool{} // OrgKeys seen in the approach
	orgField := func(field, text string) {
		k := OrgKey(text)
		if k == "" {
			return
		}
		orgHits[k] = true
		for _, e := range w.orgs[k] {
			add(e, w.orgMatch(e, field, text))
		}
	}
	a := p.Approach
	if s := a.Sender; s != nil {
		orgField("sender.company", s.Company)
		for i, ex := range s.Experience {
			orgField(fmt.Sprintf("sender.experience[%d].organization", i), ex.Organization)
		}
		if co := approach.HeadlineCompany(s.Headline); co != "" {
			orgField("sender.headline", co)
		}
	}
	fields := extract.Fields(a)
	for _, f := range fields {
		w.scanOrgs(f, orgHits, func(e *Entry, matched string) {
			add(e, w.orgMatch(e, f.Name, matched))
		})
	}

	// 3. People: the sender's name and names the text gives, token-wise.
	var candidates []struct{ field, name string }
	if s := a.Sender; s != nil && s.Name != "" {
		candidates = append(candidates, struct{ field, name string }{"sender.name", s.Name})
	}
	for _, ind := range x.Indicators {
		if ind.Type == indicator.Person && ind.Field != "sender.name" {
			candidates = append(candidates, struct{ field, name string }{ind.Field, ind.Value})
		}
	}
	var places [][]string
	if s := a.Sender; s != nil && s.Location != "" {
		places = append(places, foldWords(s.Location))
	}
	text := make([][]string, 0, len(fields))
	for _, f := range fields {
		text = append(text, foldWords(f.Text))
	}
	for _, c := range candidates {
		toks := NameTokens(c.name)
		if len(toks) < 2 || len(toks) > 5 {
			continue
		}
		for _, pp := range w.personCandidates(toks) {
			best := 0.0
			for _, n := range pp.names {
				best = max(best, nameSimilarity(toks, n))
			}
			if best < nameThreshold {
				continue
			}
			ctx := w.contextFor(pp, orgHits, places, text)
			m := analysis.Match{Field: c.field, Matched: c.name, Similarity: round2(best)}
			if ctx != "" {
				m.Weight = weightNameContext
				m.Title = fmt.Sprintf("the sender matches %s named by %s, with %s", pp.e.Value, pp.e.Source.Name, ctx)
			} else {
				m.Weight = weightNameLead
				m.Title = fmt.Sprintf("the name resembles %s named by %s (a name alone is only a lead)", pp.e.Value, pp.e.Source.Name)
			}
			add(pp.e, m)
		}
	}
	return out
}

func (w *Watchlist) orgMatch(e *Entry, field, matched string) analysis.Match {
	m := analysis.Match{Field: field, Matched: matched, Similarity: 1, Weight: weightOrg,
		Title: fmt.Sprintf("the organisation %s is on the watchlist (%s)", e.Value, e.Source.Name)}
	return m
}

// scanOrgs looks for watched organisation names in a text field: every run
// of up to maxOrg words is folded and looked up, so the cost grows with the
// text, not with the watchlist.
func (w *Watchlist) scanOrgs(f extract.Field, hits map[string]bool, fn func(*Entry, string)) {
	if len(w.orgs) == 0 {
		return
	}
	words := foldWords(f.Text)
	if len(words) > 20000 {
		words = words[:20000]
	}
	var b strings.Builder
	for i := range words {
		b.Reset()
		for j := i; j < len(words) && j < i+w.maxOrg; j++ {
			if legalForms[words[j]] && j > i {
				continue
			}
			b.WriteString(words[j])
			k := b.String()
			if es, ok := w.orgs[k]; ok {
				hits[k] = true
				for _, e := range es {
					fn(e, strings.Join(words[i:j+1], " "))
				}
			}
		}
	}
}

// personCandidates narrows the persons to those sharing a pair key with
// the name.
func (w *Watchlist) personCandidates(toks []string) []*person {
	seen := map[*person]bool{}
	var out []*person
	for _, k := range pairKeys(toks) {
		for _, p := range w.byPair[k] {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// contextFor says what in the approach supports a name match: one of the
// persona's organisations or places.
func (w *Watchlist) contextFor(p *person, orgHits map[string]bool, places [][]string, text [][]string) string {
	for i, o := range p.orgs {
		if o != "" && orgHits[o] {
			return "their organisation " + p.e.ContextOrganizations[i]
		}
	}
	for i, pl := range p.places {
		for _, loc := range places {
			if containsSeq(loc, pl) {
				return "their location " + p.e.ContextLocations[i]
			}
		}
		for _, t := range text {
			if containsSeq(t, pl) {
				return "their location " + p.e.ContextLocations[i]
			}
		}
	}
	return ""
}

func containsSeq(hay, needle []string) bool {
	if len(needle) == 0 {
		return false
	}
outer:
	for i := 0; i+len(needle) <= len(hay); i++ {
		for j, n := range needle {
			if hay[i+j] != n {
				continue outer
			}
		}
		return true
	}
	return false
}

func authFailed(p *message.Parsed) bool {
	return p.Mail != nil && (p.Mail.Auth.DMARC == "fail" || p.Mail.Auth.SPF == "fail" || p.Mail.Auth.SPF == "softfail")
}

func senderField(f string) bool {
	return f == "headers.from" || f == "sender.email" || f == "sender.profile_url"
}

func typeName(t indicator.Type) string {
	switch t {
	case indicator.LinkedIn:
		return "LinkedIn profile"
	case indicator.FileSHA256:
		return "file"
	case indicator.IP:
		return "IP address"
	}
	return string(t)
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// MatchValue checks one value on its own, as analysis would see it in a
// message: typed values exactly, and the value as a name or organisation.
func (w *Watchlist) MatchValue(v string) []analysis.Match {
	text := v
	if n := indicator.NormalizeLinkedIn(v); n != "" {
		text = n
	}
	p, err := message.Parse(strings.NewReader(text), message.Limits{})
	if err != nil {
		return nil
	}
	p.Approach.Sender = &approach.Sender{Name: v, Company: v}
	x := extract.New(nil, nil).Extract(p)
	return w.Match(p, x)
}
