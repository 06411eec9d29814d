package extract

import (
	"strings"
	"unicode/utf8"

	"portcullis/internal/indicator"
)

// Brand is a well-known organisation whose domains attackers imitate.
type Brand struct {
	Name    string
	Domains []string // registrable domains the brand really uses
	// Keywords are other distinctive names that a lookalike may wrap in
	// extra words ("lockheed" in lockheed-careers.com).
	Keywords []string
}

// DefaultBrands are organisations impersonated in recruitment lures and
// credential phishing: the professional network itself, mail and file
// services, defence and aerospace employers, think tanks and universities
// used as cover, and government.
var DefaultBrands = []Brand{
	{"LinkedIn", []string{"linkedin.com", "licdn.com", "lnkd.in", "linkedin.cn"}, nil},
	{"Microsoft", []string{"microsoft.com", "office.com", "office365.com", "outlook.com", "live.com", "microsoftonline.com", "sharepoint.com", "onedrive.com", "hotmail.com"}, nil},
	{"Google", []string{"google.com", "gmail.com", "googlemail.com", "youtube.com", "goo.gl"}, nil},
	{"Apple", []string{"apple.com", "icloud.com", "me.com"}, nil},
	{"PayPal", []string{"paypal.com", "paypal.me"}, nil},
	{"Amazon", []string{"amazon.com", "amazon.co.uk", "amazonaws.com"}, nil},
	{"Dropbox", []string{"dropbox.com", "dropboxusercontent.com"}, nil},
	{"DocuSign", []string{"docusign.com", "docusign.net"}, nil},
	{"WeTransfer", []string{"wetransfer.com", "we.tl"}, nil},
	{"Adobe", []string{"adobe.com"}, nil},
	{"Zoom", []string{"zoom.us", "zoom.com"}, nil},
	{"Lockheed Martin", []string{"lockheedmartin.com", "lmco.com"}, []string{"lockheed"}},
	{"BAE Systems", []string{"baesystems.com"}, nil},
	{"Airbus", []string{"airbus.com"}, nil},
	{"Boeing", []string{"boeing.com"}, nil},
	{"Raytheon", []string{"raytheon.com", "rtx.com"}, nil},
	{"Northrop Grumman", []string{"northropgrumman.com", "ngc.com"}, []string{"northrop"}},
	{"General Dynamics", []string{"gd.com", "generaldynamics.com"}, nil},
	{"Thales", []string{"thalesgroup.com"}, nil},
	{"Leonardo", []string{"leonardo.com"}, nil},
	{"Rolls-Royce", []string{"rolls-royce.com"}, []string{"rollsroyce"}},
	{"QinetiQ", []string{"qinetiq.com"}, nil},
	{"MBDA", []string{"mbda-systems.com"}, nil},
	{"Chatham House", []string{"chathamhouse.org"}, []string{"chatham"}},
	{"RUSI", []string{"rusi.org"}, nil},
	{"IISS", []string{"iiss.org"}, nil},
	{"Brookings", []string{"brookings.edu"}, nil},
	{"CSIS", []string{"csis.org"}, nil},
	{"Carnegie", []string{"carnegieendowment.org"}, []string{"carnegie"}},
	{"RAND", []string{"rand.org"}, nil},
	{"Atlantic Council", []string{"atlanticcouncil.org"}, nil},
	{"Council on Foreign Relations", []string{"cfr.org"}, nil},
	{"Washington Institute", []string{"washingtoninstitute.org"}, nil},
	{"University of Oxford", []string{"ox.ac.uk"}, nil},
	{"University of Cambridge", []string{"cam.ac.uk"}, nil},
	{"LSE", []string{"lse.ac.uk"}, nil},
	{"King's College London", []string{"kcl.ac.uk"}, nil},
	{"Harvard", []string{"harvard.edu"}, nil},
	{"Stanford", []string{"stanford.edu"}, nil},
	{"GOV.UK", []string{"gov.uk", "service.gov.uk"}, nil},
	{"NATO", []string{"nato.int"}, nil},
	{"European Union", []string{"europa.eu"}, nil},
}

// DefaultOwnDomains are the legislature's own domains; a site sets its own.
var DefaultOwnDomains = []string{"parliament.uk"}

// brandLabel is a domain's distinctive label, compared for lookalikes.
type brandLabel struct {
	brand    string
	label    string // e.g. "lockheedmartin"
	skeleton string
	own      bool
}

// Lookalikes detects domains imitating brands or the legislature.
type Lookalikes struct {
	labels []brandLabel
	real   map[string]string // registrable domain -> brand
}

// NewLookalikes builds a detector for the brands and own domains.
func NewLookalikes(brands []Brand, own []string) *Lookalikes {
	l := &Lookalikes{real: map[string]string{}}
	addDomain := func(brand, d string, isOwn bool) {
		d = indicator.NormalizeDomain(d)
		if d == "" {
			return
		}
		l.real[indicator.Registrable(d)] = brand
		lab := mainLabel(indicator.Registrable(d))
		if utf8.RuneCountInString(lab) < 4 {
			return // too short to compare without false alarms
		}
		l.labels = append(l.labels, brandLabel{brand: brand, label: lab, skeleton: skeleton(lab), own: isOwn})
	}
	for _, b := range brands {
		for _, d := range b.Domains {
			addDomain(b.Name, d, false)
		}
		for _, k := range b.Keywords {
			l.labels = append(l.labels, brandLabel{brand: b.Name, label: k, skeleton: skeleton(k)})
		}
	}
	for _, d := range own {
		addDomain("the legislature ("+d+")", d, true)
	}
	return l
}

// Real returns the brand that really owns a registrable domain.
func (l *Lookalikes) Real(registrable string) (string, bool) {
	b, ok := l.real[registrable]
	return b, ok
}

// Own reports whether a registrable domain is one of the legislature's.
func (l *Lookalikes) Own(registrable string) bool {
	b, ok := l.real[registrable]
	return ok && strings.HasPrefix(b, "the legislature")
}

// Check returns the brand a host imitates, or "" if none. A host imitates a
// brand when it is not the brand's own and its main label (or a label
// before it) reads like the brand's after undoing homoglyphs, is one edit
// away, or wraps the brand name in extra words ("baesystems-careers").
func (l *Lookalikes) Check(host string) string {
	reg := indicator.Registrable(host)
	if _, ok := l.real[reg]; ok || reg == "" {
		return ""
	}
	uni := indicator.UnicodeDomain(reg)
	lab := mainLabel(uni)
	cands := candidates(lab)
	sks := make([]string, len(cands))
	for i, c := range cands {
		sks[i] = skeleton(c)
	}
	for _, b := range l.labels {
		for i, c := range cands {
			if c == b.label {
				if i == 0 {
					break // the same name under another suffix: usually the brand's own ccTLD
				}
				if len(b.label) >= 5 && !genericLabels[b.label] {
					return b.brand // the brand wrapped in extra words: "baesystems-careers"
				}
				continue
			}
			sk := sks[i]
			switch {
			case sk == b.skeleton && len(b.label) >= 4:
				return b.brand
			case len(b.label) >= 7 && editDistanceAtMost(sk, b.skeleton, 1) && (i == 0 || !genericLabels[b.label]),
				i == 0 && len(b.label) >= 12 && editDistanceAtMost(sk, b.skeleton, 2):
				return b.brand
			}
		}
	}
	// brand.com.evil.example: the brand's own domain used as a subdomain.
	if sub := strings.TrimSuffix(host, "."+reg); sub != host {
		// A subdomain label spelled like a brand ("pariiament.uk.co") or
		// naming a distinctive brand outright ("linkedin.login-check.ru").
		for _, part := range strings.Split(sub, ".") {
			if len(part) < 6 {
				continue
			}
			sk := skeleton(indicator.UnicodeDomain(part))
			for _, b := range l.labels {
				if part == b.label && !genericLabels[b.label] || part != b.label && sk == b.skeleton {
					return b.brand
				}
			}
		}
		for d, brand := range l.real {
			if strings.Contains(sub+".", d+".") || strings.Contains(sub, d+"-") || strings.HasSuffix(sub, "-"+d) {
				if strings.Contains(d, ".") && len(d) >= 8 {
					return brand
				}
			}
		}
	}
	return ""
}

// candidates are the strings of a label compared with brand names: the
// label itself, its hyphen-separated parts, and the label with a combo word
// taken off either end.
func candidates(lab string) []string {
	out := []string{lab}
	parts := strings.FieldsFunc(lab, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) > 1 {
		out = append(out, parts...)
		out = append(out, strings.Join(parts, ""))
	}
	for _, w := range comboWords {
		if len(w) < 3 && len(parts) < 2 {
			continue
		}
		if rest, ok := strings.CutPrefix(lab, w); ok && len(rest) >= 4 {
			out = append(out, strings.Trim(rest, "-"))
		}
		if rest, ok := strings.CutSuffix(lab, w); ok && len(rest) >= 4 {
			out = append(out, strings.Trim(rest, "-"))
		}
	}
	return out
}

// genericLabels are brand domain labels that are also ordinary words; a
// domain containing them is not taken as imitating the brand unless it is
// spelled to look like it ("0utlook").
var genericLabels = map[string]bool{"outlook": true, "office": true, "live": true, "service": true, "hotmail": true,
	"apple": true, "amazon": true, "zoom": true, "adobe": true, "leonardo": true,
	"thalesgroup": true, "google": true, "harvard": true, "stanford": true, "carnegie": true, "chatham": true}

// comboWords are words attackers add to a brand name to make a domain.
var comboWords = []string{"careers", "career", "jobs", "job", "hr", "recruit", "recruiting", "recruitment", "talent", "hiring",
	"login", "secure", "security", "support", "mail", "portal", "official", "online", "verify", "account", "accounts",
	"uk", "us", "eu", "group", "global", "services", "service", "team", "research", "institute", "events", "docs", "share", "cloud", "intl", "gov"}

// wraps reports whether label is the brand with hyphenated or appended words.
func wraps(label, brand string) bool {
	if label == brand {
		return false
	}
	for _, tok := range strings.FieldsFunc(label, func(r rune) bool { return r == '-' || r == '_' || (r >= '0' && r <= '9') }) {
		if tok == brand {
			return true
		}
	}
	if rest, ok := strings.CutPrefix(label, brand); ok {
		return isComboWord(strings.Trim(rest, "-"))
	}
	if rest, ok := strings.CutSuffix(label, brand); ok {
		return isComboWord(strings.Trim(rest, "-"))
	}
	return false
}

func isComboWord(s string) bool {
	for _, w := range comboWords {
		if s == w {
			return true
		}
	}
	return false
}

// mainLabel is the registrable domain without its public suffix.
func mainLabel(reg string) string {
	if i := strings.IndexByte(reg, '.'); i > 0 {
		return reg[:i]
	}
	return reg
}

var confusables = map[rune]rune{
	// Cyrillic and Greek letters that render like Latin ones.
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'l', 'ј': 'j', 'ԁ': 'd', 'ѕ': 's',
	'һ': 'h', 'ԛ': 'q', 'ԝ': 'w', 'ɡ': 'g', 'ο': 'o', 'α': 'a', 'ν': 'v', 'ι': 'l', 'κ': 'k', 'τ': 't', 'ρ': 'p',
	'í': 'l', 'ì': 'l', 'ï': 'l', 'ı': 'l', 'ł': 'l', 'á': 'a', 'à': 'a', 'â': 'a', 'ä': 'a', 'é': 'e', 'è': 'e', 'ê': 'e',
	'ó': 'o', 'ò': 'o', 'ô': 'o', 'ö': 'o', 'ú': 'u', 'ù': 'u', 'û': 'u', 'ü': 'u', 'ç': 'c', 'ñ': 'n',
	// Digits and letters that pass for each other.
	'0': 'o', '1': 'l', 'i': 'l', '|': 'l', '3': 'e', '5': 's', '$': 's', '@': 'a',
}

// skeleton maps a label to a form in which homoglyphs and common typing
// substitutions compare equal ("rn" for "m", "vv" for "w", digits for
// letters, Cyrillic for Latin); hyphens are dropped.
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == '-' || r == '_' {
			continue
		}
		if c, ok := confusables[r]; ok {
			r = c
		}
		b.WriteRune(r)
	}
	out := b.String()
	out = strings.ReplaceAll(out, "rn", "m")
	out = strings.ReplaceAll(out, "vv", "w")
	out = strings.ReplaceAll(out, "cl", "d")
	return out
}

// editDistanceAtMost reports whether the Damerau-Levenshtein distance
// between a and b is at most k.
func editDistanceAtMost(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	if len(ra) > 64 || len(rb) > 64 {
		return false
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > k {
			return false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)] <= k
}
