package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"

	"portcullis/internal/approach"
	"portcullis/internal/extract"
	"portcullis/internal/indicator"
	"portcullis/internal/message"
)

// Finding is a rule that fired, with the evidence that made it fire.
type Finding struct {
	Rule        string     `json:"rule"`
	Title       string     `json:"title"`
	Severity    string     `json:"severity"`
	Weight      int        `json:"weight"`
	Explanation string     `json:"explanation"`
	Evidence    []Evidence `json:"evidence"`
	Attack      []string   `json:"attack"`
	Tags        []string   `json:"-"`
}

// Evidence points at what made a rule fire: a field of the approach and an
// excerpt of it.
type Evidence struct {
	Field   string `json:"field"`
	Excerpt string `json:"excerpt"`
}

// features are the values one approach offers to rules.
type features struct {
	vars   map[string]any
	act    interpreter.Activation
	fields []extract.Field
	hits   []hit
	first  int // index of the sender's first message, -1 if none
	p      *message.Parsed
	x      *extract.Result
	email  map[string]evidenceFn
}

type evidenceFn func() []Evidence

const maxHits = 2000

// Evaluate runs every rule over a parsed approach and its extracted
// indicators and returns the findings, in rule order.
func (e *Engine) Evaluate(p *message.Parsed, x *extract.Result) []Finding {
	f := e.features(p, x)
	var out []Finding
	for _, r := range e.rules {
		if fired, _ := e.fires(r, f); fired {
			out = append(out, e.finding(r, f))
		}
	}
	return out
}

func (e *Engine) fires(r *Rule, f *features) (bool, error) {
	v, _, err := r.prog.Eval(f.act)
	if err != nil {
		return false, err
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, errNotBool
	}
	return bool(b), nil
}

func (e *Engine) features(p *message.Parsed, x *extract.Result) *features {
	a := p.Approach
	f := &features{p: p, x: x, first: -1, fields: extract.Fields(a)}
	if idx := a.SenderMessages(); len(idx) > 0 {
		f.first = idx[0]
	}
	signal := make(map[string]bool, len(e.signals))
	first := make(map[string]bool, len(e.signals))
	later := make(map[string]bool, len(e.signals))
	for _, s := range e.signals {
		signal[s.ID], first[s.ID], later[s.ID] = false, false, false
	}
	mark := func(sig, fi, start, end int) {
		if len(f.hits) >= maxHits {
			return
		}
		id := e.signals[sig].ID
		fld := f.fields[fi]
		signal[id] = true
		if fld.Message >= 0 && fld.Message == f.first {
			first[id] = true
		} else if fld.Message > f.first {
			later[id] = true
		}
		f.hits = append(f.hits, hit{signal: sig, field: fi, start: start, end: end})
	}
	moneyIdx, largeIdx := e.sigIndex["money_amount"], e.sigIndex["large_amount"]
	var toks []token
	type span struct{ sig, start, end int }
	var exc []span
	for fi, fld := range f.fields {
		toks = tokens(fld.Text, toks)
		exc = exc[:0]
		e.except.scan(toks, func(sig, start, end int) bool {
			exc = append(exc, span{sig, start, end})
			return len(exc) < 200
		})
		e.lex.scan(toks, func(sig, start, end int) bool {
			s := e.signals[sig]
			if !fieldAllowed(s.Fields, fld.Name) {
				return true
			}
			reach := s.Window * 8
			for _, x := range exc {
				if x.sig == sig && x.start < end+reach && x.end > start-reach {
					return true
				}
			}
			mark(sig, fi, start, end)
			return len(f.hits) < maxHits
		})
		if strings.HasPrefix(fld.Name, "messages[") {
			amounts(fld.Text, func(start, end int, v float64) {
				mark(moneyIdx, fi, start, end)
				if v >= 1000 {
					mark(largeIdx, fi, start, end)
				}
			})
		}
	}
	// Composite signals, in definition order: each group must have a hit
	// near a hit of the first group, in the same field.
	for ci, c := range e.signals {
		if len(c.groups) == 0 {
			continue
		}
		reach := c.Window * 8
		n := len(f.hits)
		for i := 0; i < n; i++ {
			h := f.hits[i]
			if !contains(c.groups[0], h.signal) {
				continue
			}
			lo, hi, ok := h.start, h.end, true
			for _, g := range c.groups[1:] {
				found := false
				for _, o := range f.hits[:n] {
					if o.field == h.field && contains(g, o.signal) && o.start < h.end+reach && o.end > h.start-reach {
						found = true
						lo, hi = min(lo, o.start), max(hi, o.end)
						break
					}
				}
				if !found {
					ok = false
					break
				}
			}
			if ok {
				mark(ci, h.field, lo, hi)
			}
		}
	}
	var text strings.Builder
	for _, fld := range f.fields {
		if text.Len() > 1<<20 {
			break
		}
		text.WriteString(strings.ToLower(fld.Text))
		text.WriteByte('\n')
	}
	f.vars = map[string]any{
		"signal":      signal,
		"first":       first,
		"later":       later,
		"approach":    approachVars(p),
		"sender":      senderVars(a),
		"recipient":   recipientVars(a),
		"email":       f.emailVars(e.extractor),
		"urls":        urlVars(x),
		"emails":      emailVars(x),
		"handles":     handleVars(x),
		"phones":      phoneVars(x),
		"attachments": attachmentVars(p),
		"indicators":  indicatorVars(x),
		"text":        text.String(),
	}
	act, err := interpreter.NewActivation(f.vars)
	if err != nil {
		panic(fmt.Sprintf("rules: activation: %v", err)) // only on a programming error in the map above
	}
	f.act = act
	return f
}

func contains(set []int, v int) bool {
	for _, x := range set {
		if x == v {
			return true
		}
	}
	return false
}

func approachVars(p *message.Parsed) map[string]any {
	a := p.Approach
	replied := false
	for _, m := range a.Messages {
		if !m.FromSender() {
			replied = true
		}
	}
	return map[string]any{
		"platform":          a.Platform,
		"kind":              a.Kind,
		"input_kind":        p.Kind,
		"messages":          int64(len(a.Messages)),
		"sender_messages":   int64(len(a.SenderMessages())),
		"recipient_replied": replied,
	}
}

func senderVars(a *approach.Approach) map[string]any {
	m := map[string]any{
		"name": "", "headline": "", "company": "", "location": "", "profile_url": "", "email": "", "phone": "",
		"experience_count": int64(0), "education_count": int64(0), "headline_company_mismatch": false, "known": false,
	}
	s := a.Sender
	if s == nil {
		return m
	}
	m["known"] = true
	m["name"], m["headline"], m["company"], m["location"] = s.Name, s.Headline, s.Company, s.Location
	m["profile_url"], m["email"], m["phone"] = s.ProfileURL, s.Email, s.Phone
	if s.Connections != nil {
		m["connections"] = int64(*s.Connections)
	}
	if s.AccountAgeDays != nil {
		m["account_age_days"] = int64(*s.AccountAgeDays)
	}
	m["experience_count"] = int64(len(s.Experience))
	m["education_count"] = int64(len(s.Education))
	if months, ok := historyMonths(a); ok {
		m["history_months"] = int64(months)
	}
	m["headline_company_mismatch"] = headlineMismatch(s)
	return m
}

// historyMonths is the span from the earliest start date on the profile to
// the approach (its last dated message, or now).
func historyMonths(a *approach.Approach) (int, bool) {
	var earliest time.Time
	for _, e := range a.Sender.Experience {
		t, ok := parseMonth(e.Start)
		if ok && (earliest.IsZero() || t.Before(earliest)) {
			earliest = t
		}
	}
	if earliest.IsZero() {
		return 0, false
	}
	ref := time.Now()
	for _, msg := range a.Messages {
		if t, err := time.Parse(time.RFC3339, msg.SentAt); err == nil {
			ref = t
		}
	}
	months := (ref.Year()-earliest.Year())*12 + int(ref.Month()-earliest.Month())
	return max(months, 0), true
}

func parseMonth(s string) (time.Time, bool) {
	if t, err := time.Parse("2006-01", s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// headlineMismatch reports a headline naming an employer that is neither
// the profile's company nor its current position.
func headlineMismatch(s *approach.Sender) bool {
	hc := orgKey(approach.HeadlineCompany(s.Headline))
	if hc == "" {
		return false
	}
	var known []string
	if s.Company != "" {
		known = append(known, s.Company)
	}
	for _, e := range s.Experience {
		if e.End == "" && e.Organization != "" {
			known = append(known, e.Organization)
		}
	}
	if len(known) == 0 {
		return false
	}
	for _, k := range known {
		kk := orgKey(k)
		if kk != "" && (strings.Contains(kk, hc) || strings.Contains(hc, kk)) {
			return false
		}
	}
	return true
}

// orgKey folds an organisation name for loose comparison.
func orgKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			b.WriteRune(r)
		}
	}
	k := b.String()
	for _, suf := range []string{"limited", "ltd", "llc", "inc", "plc", "gmbh", "group", "co"} {
		k = strings.TrimSuffix(k, suf)
	}
	return k
}

func recipientVars(a *approach.Approach) map[string]any {
	m := map[string]any{"name": "", "role": "", "organization": ""}
	if r := a.Recipient; r != nil {
		m["name"], m["role"], m["organization"] = r.Name, r.Role, r.Organization
	}
	return m
}

// displayBrands are brand names distinctive enough that a display name
// using them claims to be that organisation ("Apple" or "RAND" are not).
var displayBrands = map[string]bool{"LinkedIn": true, "Microsoft": true, "PayPal": true, "DocuSign": true, "Dropbox": true,
	"WeTransfer": true, "Lockheed Martin": true, "BAE Systems": true, "Northrop Grumman": true, "Raytheon": true,
	"QinetiQ": true, "Chatham House": true, "RUSI": true, "NATO": true, "GOV.UK": true}

var ownNames = []string{"parliament", "house of commons", "house of lords", "parliamentary"}

func (f *features) emailVars(x *extract.Extractor) map[string]any {
	m := map[string]any{
		"present": false, "from": "", "from_domain": "", "from_name": "", "reply_to": "", "reply_to_domain": "",
		"return_path_domain": "", "spf": "", "dkim": "", "dmarc": "", "auth_fail": false, "list": false,
		"html_only": false, "forwarded": f.p.Reporter != "", "from_freemail": false, "reply_to_freemail": false,
		"reply_to_mismatch": false, "return_path_mismatch": false, "display_name_address": false,
		"display_brand": "", "from_lookalike": "", "from_own_domain": false, "claims_own": false, "remote_images": int64(0),
	}
	f.email = map[string]evidenceFn{}
	mail := f.p.Mail
	if mail == nil || f.p.Kind != message.KindEmail {
		return m
	}
	look := x.Lookalikes()
	m["present"] = true
	fromDom := registrableOf(mail.From.Address)
	m["from"], m["from_domain"], m["from_name"] = mail.From.Address, fromDom, mail.From.Name
	fromEv := func() []Evidence { return []Evidence{{"headers.from", mail.From.String()}} }
	for _, k := range []string{"from", "from_domain", "from_name", "from_freemail", "from_lookalike", "from_own_domain", "display_brand", "display_name_address", "claims_own"} {
		f.email[k] = fromEv
	}
	if len(mail.ReplyTo) > 0 {
		rt := mail.ReplyTo[0]
		rtDom := registrableOf(rt.Address)
		m["reply_to"], m["reply_to_domain"] = rt.Address, rtDom
		m["reply_to_freemail"] = extract.IsFreemail(rtDom)
		m["reply_to_mismatch"] = rtDom != "" && fromDom != "" && rtDom != fromDom
		ev := func() []Evidence {
			return []Evidence{{"headers.from", mail.From.String()}, {"headers.reply_to", rt.String()}}
		}
		for _, k := range []string{"reply_to", "reply_to_domain", "reply_to_freemail", "reply_to_mismatch"} {
			f.email[k] = ev
		}
	}
	if rp := registrableOf(mail.ReturnPath); rp != "" {
		m["return_path_domain"] = rp
		m["return_path_mismatch"] = fromDom != "" && rp != fromDom
		f.email["return_path_domain"] = func() []Evidence { return []Evidence{{"headers.return_path", mail.ReturnPath}} }
		f.email["return_path_mismatch"] = f.email["return_path_domain"]
	}
	au := mail.Auth
	m["spf"], m["dkim"], m["dmarc"] = au.SPF, au.DKIM, au.DMARC
	m["auth_fail"] = au.DMARC == "fail" || ((au.SPF == "fail" || au.SPF == "softfail") && au.DKIM != "pass")
	authEv := func() []Evidence { return []Evidence{{"headers.authentication_results", au.Raw}} }
	for _, k := range []string{"spf", "dkim", "dmarc", "auth_fail"} {
		f.email[k] = authEv
	}
	m["list"] = mail.ListMail
	m["html_only"] = mail.HTMLOnly
	m["remote_images"] = int64(mail.RemoteImages)
	m["from_freemail"] = extract.IsFreemail(fromDom)
	if fromDom != "" {
		m["from_lookalike"] = look.Check(hostOf(mail.From.Address))
		m["from_own_domain"] = look.Own(fromDom)
	}
	name := strings.ToLower(mail.From.Name)
	if addrs := addrInName.FindAllString(name, 3); len(addrs) > 0 {
		for _, ad := range addrs {
			if registrableOf(ad) != fromDom {
				m["display_name_address"] = true
			}
		}
	}
	if name != "" {
		for _, b := range extract.DefaultBrands {
			bn := strings.ToLower(b.Name)
			if displayBrands[b.Name] && containsWord(name, bn) {
				if real, ok := look.Real(fromDom); !ok || real != b.Name {
					m["display_brand"] = b.Name
				}
				break
			}
		}
		for _, own := range ownNames {
			if containsWord(name, own) {
				m["claims_own"] = true
				if !look.Own(fromDom) {
					m["display_brand"] = "the legislature"
				}
			}
		}
	}
	return m
}

var addrInName = regexp.MustCompile(`[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}`)

func containsWord(s, w string) bool {
	i := strings.Index(s, w)
	for i >= 0 {
		before := i == 0 || !isWordByte(s[i-1])
		after := i+len(w) == len(s) || !isWordByte(s[i+len(w)])
		if before && after {
			return true
		}
		j := strings.Index(s[i+1:], w)
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return false
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return addr
}

func registrableOf(addr string) string {
	h := hostOf(strings.ToLower(addr))
	if h == "" || !strings.Contains(h, ".") {
		return ""
	}
	return indicator.Registrable(h)
}

func urlVars(x *extract.Result) []any {
	out := make([]any, 0, len(x.URLs))
	for _, u := range x.URLs {
		out = append(out, map[string]any{
			"url": u.URL, "host": u.Host, "domain": u.Domain, "field": u.Field, "defanged": u.Defanged,
			"shortener": u.Shortener, "file_sharing": u.FileSharing, "lookalike": u.Lookalike, "ip_host": u.IPHost,
			"punycode": u.Punycode, "text_domain": u.TextDomain, "text_brand": u.TextBrand,
		})
	}
	return out
}

func emailVars(x *extract.Result) []any {
	out := make([]any, 0, len(x.Emails))
	for _, e := range x.Emails {
		out = append(out, map[string]any{"address": e.Address, "domain": e.Domain, "field": e.Field,
			"freemail": e.Freemail, "privacy": extract.IsPrivacyMail(e.Domain), "lookalike": e.Lookalike})
	}
	return out
}

func handleVars(x *extract.Result) []any {
	out := make([]any, 0, len(x.Handles))
	for _, h := range x.Handles {
		out = append(out, map[string]any{"platform": h.Platform, "value": h.Value, "field": h.Field})
	}
	return out
}

func phoneVars(x *extract.Result) []any {
	out := make([]any, 0, len(x.Phones))
	for _, p := range x.Phones {
		out = append(out, map[string]any{"value": p.Value, "field": p.Field})
	}
	return out
}

func attachmentVars(p *message.Parsed) []any {
	if p.Mail == nil {
		return []any{}
	}
	out := make([]any, 0, len(p.Mail.Attachments))
	for _, a := range p.Mail.Attachments {
		out = append(out, map[string]any{
			"name": a.Name, "ext": message.Ext(a.Name), "type": a.TrueType, "size": a.Size, "sha256": a.SHA256,
			"executable": a.Executable(), "macro": a.MacroEnabled(), "archive": a.Archive(), "encrypted": a.Encrypted,
			"double_extension": a.DoubleExtension(), "type_mismatch": a.TypeMismatch(),
		})
	}
	return out
}

func indicatorVars(x *extract.Result) []any {
	out := make([]any, 0, len(x.Indicators))
	for _, i := range x.Indicators {
		out = append(out, map[string]any{"type": string(i.Type), "value": i.Value, "field": i.Field})
	}
	return out
}

// finding builds a Finding with the evidence behind what the rule reads.
func (e *Engine) finding(r *Rule, f *features) Finding {
	fd := Finding{Rule: r.ID, Title: r.Title, Severity: r.Severity, Weight: r.Weight,
		Explanation: strings.TrimSpace(r.Description), Attack: r.Attack, Tags: r.Tags}
	if fd.Attack == nil {
		fd.Attack = []string{}
	}
	inner := map[string]bool{}
	for _, rf := range r.refs {
		if rf.v == "*" {
			inner[rf.key] = true
		}
	}
	seen := map[Evidence]bool{}
	add := func(ev ...Evidence) {
		for _, x := range ev {
			if x.Excerpt == "" || seen[x] || len(fd.Evidence) >= maxEvidence {
				continue
			}
			seen[x] = true
			fd.Evidence = append(fd.Evidence, x)
		}
	}
	// Signal evidence: one excerpt per signal the rule reads and that
	// fired, skipping a hit already shown in another excerpt.
	var used []hit
	perSignal := 1
	if n := countSignalRefs(r.refs); n <= 2 {
		perSignal = 2
	}
	for _, rf := range r.refs {
		switch rf.v {
		case "signal", "first", "later":
			var ev []Evidence
			ev, used = f.signalEvidence(e, rf.v, rf.key, perSignal, used)
			add(ev...)
		case "email":
			if fn := f.email[rf.key]; fn != nil {
				add(fn()...)
			}
		case "sender":
			add(senderEvidence(f.p.Approach, rf.key, f.vars["sender"].(map[string]any))...)
		case "recipient":
			if v, _ := f.vars["recipient"].(map[string]any)[rf.key].(string); v != "" {
				add(Evidence{"recipient." + rf.key, v})
			}
		case "approach":
			if rf.key == "recipient_replied" {
				for i, m := range f.p.Approach.Messages {
					if !m.FromSender() {
						add(Evidence{fmt.Sprintf("messages[%d].text", i), excerpt(m.Text, 0, 0)})
						break
					}
				}
			}
		case "urls", "emails", "handles", "phones", "attachments", "indicators":
			if rf.key == "" {
				add(listEvidence(rf.v, f.vars[rf.v].([]any), inner)...)
			}
		}
	}
	if len(fd.Evidence) == 0 {
		fd.Evidence = []Evidence{{Field: "condition", Excerpt: strings.Join(strings.Fields(r.Condition), " ")}}
	}
	return fd
}

const maxEvidence = 5

func countSignalRefs(refs []ref) int {
	n := 0
	for _, r := range refs {
		if r.v == "signal" || r.v == "first" || r.v == "later" {
			n++
		}
	}
	return n
}

// signalEvidence returns up to n excerpts for a signal, skipping hits
// within an excerpt already used.
func (f *features) signalEvidence(e *Engine, scope, id string, n int, used []hit) ([]Evidence, []hit) {
	sig, ok := e.sigIndex[id]
	if !ok {
		return nil, used
	}
	var out []Evidence
next:
	for _, h := range f.hits {
		if h.signal != sig {
			continue
		}
		fld := f.fields[h.field]
		if scope == "first" && fld.Message != f.first || scope == "later" && fld.Message <= f.first {
			continue
		}
		for _, u := range used {
			if u.field == h.field && h.start < u.end+50 && h.end > u.start-50 {
				continue next
			}
		}
		used = append(used, h)
		out = append(out, Evidence{fld.Name, excerpt(fld.Text, h.start, h.end)})
		if len(out) >= n {
			break
		}
	}
	return out, used
}

func senderEvidence(a *approach.Approach, key string, vars map[string]any) []Evidence {
	s := a.Sender
	if s == nil {
		return nil
	}
	switch key {
	case "experience_count", "history_months":
		var parts []string
		for _, e := range s.Experience {
			p := strings.TrimSpace(e.Title + " at " + e.Organization)
			if e.Start != "" {
				p += " since " + e.Start
			}
			parts = append(parts, p)
		}
		if len(parts) == 0 {
			return []Evidence{{"sender.experience", "no experience listed"}}
		}
		return []Evidence{{"sender.experience", strings.Join(parts, "; ")}}
	case "headline_company_mismatch":
		ev := []Evidence{{"sender.headline", s.Headline}}
		if s.Company != "" {
			ev = append(ev, Evidence{"sender.company", s.Company})
		}
		return ev
	}
	v, ok := vars[key]
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case string:
		return []Evidence{{"sender." + key, x}}
	case int64:
		return []Evidence{{"sender." + key, strconv.FormatInt(x, 10)}}
	}
	return nil
}

// listEvidence shows the list elements for which any field the condition
// reads is set: the lookalike URL, the executable attachment.
func listEvidence(name string, list []any, inner map[string]bool) []Evidence {
	var out []Evidence
	for i, el := range list {
		m := el.(map[string]any)
		var why []string
		for k := range inner {
			switch v := m[k].(type) {
			case bool:
				if v {
					why = append(why, strings.ReplaceAll(k, "_", " "))
				}
			case string:
				if v != "" && k != "field" && k != "url" && k != "value" && k != "address" && k != "name" && k != "host" && k != "domain" {
					why = append(why, strings.ReplaceAll(k, "_", " ")+": "+v)
				}
			}
		}
		if len(why) == 0 && len(inner) > 0 {
			continue
		}
		field, _ := m["field"].(string)
		if field == "" {
			field = fmt.Sprintf("%s[%d]", name, i)
		}
		val := ""
		for _, k := range []string{"url", "address", "value", "name"} {
			if s, _ := m[k].(string); s != "" {
				val = s
				break
			}
		}
		if len(why) > 0 {
			sort.Strings(why)
			val += " (" + strings.Join(why, ", ") + ")"
		}
		out = append(out, Evidence{field, val})
		if len(out) >= 4 {
			break
		}
	}
	return out
}
