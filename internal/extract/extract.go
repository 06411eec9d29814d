package extract

import (
	"net/netip"
	"regexp"
	"strings"

	"portcullis/internal/indicator"
	"portcullis/internal/message"
)

// URL is a link found in the approach.
type URL struct {
	URL         string // normalised, refanged
	Host        string // ASCII host
	Domain      string // registrable domain
	Field       string
	Defanged    bool   // written as hxxp or with [.] to stop it being clickable
	Text        string // visible text of an HTML link
	TextDomain  string // a different domain the visible text shows
	TextBrand   string // the brand or legislature that TextDomain belongs to
	Lookalike   string // brand the host imitates
	Shortener   bool
	FileSharing bool
	IPHost      bool
	Punycode    bool
}

// Email is an address found in the approach.
type Email struct {
	Address  string
	Domain   string
	Field    string
	Freemail bool
	// Lookalike is the brand the address's domain imitates, if any.
	Lookalike string
}

// Handle is a messaging-app identity or invite link.
type Handle struct {
	Platform string // whatsapp, telegram, wechat, signal, skype, qq, line, viber, threema
	Value    string // platform:identifier
	Field    string
}

// Result is everything extracted from one parsed approach.
type Result struct {
	Indicators []indicator.Indicator
	URLs       []URL
	Emails     []Email
	Handles    []Handle
	Phones     []indicator.Indicator
}

// Extractor extracts indicators with a configured set of brands and own
// domains. It is safe for concurrent use.
type Extractor struct {
	look *Lookalikes
}

// New returns an Extractor; nil brands or own domains take the defaults.
func New(brands []Brand, own []string) *Extractor {
	if brands == nil {
		brands = DefaultBrands
	}
	if own == nil {
		own = DefaultOwnDomains
	}
	return &Extractor{look: NewLookalikes(brands, own)}
}

// Lookalikes returns the extractor's lookalike detector.
func (x *Extractor) Lookalikes() *Lookalikes { return x.look }

var (
	defangRE  = regexp.MustCompile(`(?i)\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\[:\]|\[://\]|\[@\]|\[at\]|\(at\)|\bhxxps?\b|\bhxxp\b|\bh\*\*ps?\b|\bfxp\b`)
	phoneRE   = regexp.MustCompile(`(?:\+|\b00)\s?[1-9][0-9 ()./-]{6,22}[0-9]`)
	ipRE      = regexp.MustCompile(`\b(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\b`)
	handleRes = []struct {
		platform string
		key      string // a lower-case string the text must contain for re to match
		re       *regexp.Regexp
	}{
		{"whatsapp", "wa.me|whatsapp.com", regexp.MustCompile(`(?i)\b(?:wa\.me/|api\.whatsapp\.com/send/?\?phone=)\+?([0-9]{7,15})`)},
		{"whatsapp", "chat.whatsapp", regexp.MustCompile(`(?i)\bchat\.whatsapp\.com/(?:invite/)?([A-Za-z0-9]{10,40})`)},
		{"whatsapp", "what", regexp.MustCompile(`(?i)\bwhats\s?app(?:\s+(?:me|number|no\.?|on|at|is))?\s*[:：]?\s*(\+[0-9][0-9 ()-]{6,20}[0-9])`)},
		{"telegram", ".me/", regexp.MustCompile(`(?i)\b(?:t\.me|telegram\.me|telegram\.dog)/(?:joinchat/)?([A-Za-z0-9_+]{4,40})`)},
		{"telegram", "telegram", regexp.MustCompile(`(?i)\btelegram(?:\s+(?:me|id|handle|username|at|on|is))?\s*[:：]?\s*@([A-Za-z][A-Za-z0-9_]{4,31})`)},
		{"wechat", "chat|weixin|微信", regexp.MustCompile(`(?i)(?:\bwe\s?chat|\bweixin|微信)(?:\s*(?:id|号|account|me|at|on|is))?\s*[:：]\s*([A-Za-z][-_A-Za-z0-9]{5,19})`)},
		{"wechat", "chat|weixin|微信", regexp.MustCompile(`(?i)(?:\bwe\s?chat|\bweixin|微信)\s+(?:id|号)\s*(?:is\s*)?[:：]?\s*([A-Za-z][-_A-Za-z0-9]{5,19})`)},
		{"wechat", "chat|weixin|微信", regexp.MustCompile(`(?i)(?:\bwe\s?chat|\bweixin|微信)[^.\n]{0,40}?\b(?:my |the )?(?:id|username|handle)\s*(?:is|:|：)\s*([A-Za-z][-_A-Za-z0-9]{5,19})`)},
		{"telegram", "telegram", regexp.MustCompile(`(?i)\btelegram[^.\n]{0,40}?\b(?:my |the )?(?:id|username|handle)\s*(?:is|:|：)\s*@?([A-Za-z][A-Za-z0-9_]{4,31})`)},
		{"wechat", "u.wechat", regexp.MustCompile(`(?i)\bu\.wechat\.com/([A-Za-z0-9_-]{6,60})`)},
		{"signal", "signal.", regexp.MustCompile(`(?i)\bsignal\.(?:me/#p/|group/#)([A-Za-z0-9+_-]{6,80})`)},
		{"skype", "skype", regexp.MustCompile(`(?i)\bskype\s*(?:id|name)?\s*[:：]\s*(live:[A-Za-z0-9._-]{3,40}|[A-Za-z][A-Za-z0-9._,-]{5,31})`)},
		{"qq", "qq", regexp.MustCompile(`(?:\bQQ|qq)\s*(?:号|号码|number|no\.?)?\s*[:：]?\s*([1-9][0-9]{4,10})\b`)},
		{"line", "line.me", regexp.MustCompile(`(?i)\bline\.me/(?:ti/p|R/ti/p)/([A-Za-z0-9_~%@-]{4,40})`)},
		{"viber", "viber", regexp.MustCompile(`(?i)\bviber://(?:chat|add)\?number=%?2?B?([0-9]{7,15})`)},
		{"threema", "threema", regexp.MustCompile(`(?i)\bthreema\.id/([A-Z0-9]{8})`)},
	}
)

var freemail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "yahoo.co.uk": true, "ymail.com": true, "hotmail.com": true,
	"hotmail.co.uk": true, "outlook.com": true, "live.com": true, "msn.com": true, "aol.com": true, "icloud.com": true,
	"me.com": true, "mac.com": true, "gmx.com": true, "gmx.de": true, "gmx.net": true, "web.de": true, "mail.com": true,
	"protonmail.com": true, "proton.me": true, "pm.me": true, "protonmail.ch": true, "tutanota.com": true, "tuta.io": true,
	"yandex.ru": true, "yandex.com": true, "mail.ru": true, "inbox.ru": true, "bk.ru": true, "list.ru": true, "rambler.ru": true,
	"qq.com": true, "foxmail.com": true, "163.com": true, "126.com": true, "yeah.net": true, "sina.com": true, "sina.cn": true,
	"sohu.com": true, "aliyun.com": true, "139.com": true, "naver.com": true, "daum.net": true, "zoho.com": true,
	"zohomail.com": true, "fastmail.com": true, "hushmail.com": true, "mail.ee": true, "cock.li": true, "onionmail.org": true,
	"btinternet.com": true, "virginmedia.com": true, "sky.com": true, "talktalk.net": true, "orange.fr": true, "free.fr": true,
	"libero.it": true, "seznam.cz": true, "wp.pl": true, "o2.pl": true, "interia.pl": true, "rediffmail.com": true,
}

// IsFreemail reports whether a registrable domain is a free webmail provider.
func IsFreemail(domain string) bool { return freemail[domain] }

// privacyMail are providers whose point is that they cannot be traced.
var privacyMail = map[string]bool{"protonmail.com": true, "proton.me": true, "pm.me": true, "protonmail.ch": true,
	"tutanota.com": true, "tuta.io": true, "hushmail.com": true, "cock.li": true, "onionmail.org": true}

// IsPrivacyMail reports whether a domain is an anonymity-focused mail provider.
func IsPrivacyMail(domain string) bool { return privacyMail[domain] }

var shorteners = map[string]bool{"bit.ly": true, "tinyurl.com": true, "t.co": true, "goo.gl": true, "ow.ly": true, "is.gd": true,
	"buff.ly": true, "rebrand.ly": true, "cutt.ly": true, "shorturl.at": true, "rb.gy": true, "tiny.cc": true, "s.id": true,
	"t.ly": true, "bl.ink": true, "lnkd.in": true, "short.io": true, "urlz.fr": true, "v.gd": true, "qrco.de": true}

var fileSharing = map[string]bool{"dropbox.com": true, "dropboxusercontent.com": true, "wetransfer.com": true, "we.tl": true,
	"mega.nz": true, "mega.co.nz": true, "mediafire.com": true, "sendspace.com": true, "box.com": true, "4shared.com": true,
	"zippyshare.com": true, "anonfiles.com": true, "gofile.io": true, "transfer.sh": true, "file.io": true, "pcloud.com": true,
	"filemail.com": true, "sharefile.com": true, "onedrive.live.com": true, "1drv.ms": true, "icloud.com": true,
	"pixeldrain.com": true, "catbox.moe": true, "workupload.com": true, "swisstransfer.com": true, "smash.gg": true,
	"notion.site": true, "docsend.com": true, "github.io": true, "githubusercontent.com": true, "discordapp.com": true, "cdn.discordapp.com": true}

// fileSharingHosts are hosts of big providers whose other hosts are not file sharing.
var fileSharingHosts = map[string]bool{"drive.google.com": true, "docs.google.com": true, "sites.google.com": true,
	"storage.googleapis.com": true, "firebasestorage.googleapis.com": true, "onedrive.live.com": true, "1drv.ms": true,
	"sharepoint.com": true, "s3.amazonaws.com": true, "cdn.discordapp.com": true, "raw.githubusercontent.com": true}

// IsFileSharing reports whether a host or its registrable domain serves
// user-uploaded files.
func IsFileSharing(host, reg string) bool {
	if fileSharingHosts[host] || fileSharing[reg] {
		return true
	}
	return strings.HasSuffix(host, ".sharepoint.com") && strings.Contains(host, "-my.")
}

// Extract pulls indicators from a parsed input.
func (x *Extractor) Extract(p *message.Parsed) *Result {
	r := &Result{}
	seen := map[string]bool{}
	add := func(t indicator.Type, v, field string) bool {
		if v == "" {
			return false
		}
		k := string(t) + "\x00" + v
		if seen[k] || len(r.Indicators) >= 2000 {
			return false
		}
		seen[k] = true
		r.Indicators = append(r.Indicators, indicator.Indicator{Type: t, Value: v, Field: field})
		return true
	}
	a := p.Approach
	fields := Fields(a)

	// Structured sender fields first: they name the persona.
	if s := a.Sender; s != nil {
		add(indicator.Person, indicator.Normalize(indicator.Person, s.Name), "sender.name")
		if u := indicator.NormalizeLinkedIn(s.ProfileURL); u != "" {
			add(indicator.LinkedIn, u, "sender.profile_url")
		}
		if e := indicator.NormalizeEmail(s.Email); e != "" {
			x.addEmail(r, add, e, "sender.email")
		}
		if ph := indicator.NormalizePhone(s.Phone); ph != "" {
			if add(indicator.Phone, ph, "sender.phone") {
				r.Phones = append(r.Phones, indicator.Indicator{Type: indicator.Phone, Value: ph, Field: "sender.phone"})
			}
		}
		add(indicator.Organization, indicator.Normalize(indicator.Organization, s.Company), "sender.company")
		for i, e := range s.Experience {
			add(indicator.Organization, indicator.Normalize(indicator.Organization, e.Organization), fieldName("sender.experience", i, "organization"))
		}
	}
	if m := p.Mail; m != nil {
		x.mailIndicators(r, add, m)
	}
	for _, f := range fields {
		x.scanText(r, add, f)
	}
	for _, f := range fields {
		if strings.HasSuffix(f.Name, ".text") {
			for _, n := range personNames(f.Text) {
				add(indicator.Person, n, f.Name)
			}
			for _, o := range organizations(f.Text) {
				add(indicator.Organization, o, f.Name)
			}
		}
	}
	return r
}

func fieldName(prefix string, i int, suffix string) string {
	return prefix + "[" + itoa(i) + "]." + suffix
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

type addFunc func(t indicator.Type, v, field string) bool

func (x *Extractor) addEmail(r *Result, add addFunc, e, field string) {
	if !add(indicator.Email, e, field) {
		return
	}
	_, dom, _ := strings.Cut(e, "@")
	reg := indicator.Registrable(dom)
	r.Emails = append(r.Emails, Email{Address: e, Domain: reg, Field: field, Freemail: freemail[reg], Lookalike: x.look.Check(indicator.NormalizeDomain(dom))})
	if !freemail[reg] {
		add(indicator.Domain, reg, field)
	}
}

func (x *Extractor) mailIndicators(r *Result, add addFunc, m *message.Mail) {
	if e := indicator.NormalizeEmail(m.From.Address); e != "" {
		x.addEmail(r, add, e, "headers.from")
	}
	for _, a := range m.ReplyTo {
		if e := indicator.NormalizeEmail(a.Address); e != "" {
			x.addEmail(r, add, e, "headers.reply_to")
		}
	}
	if e := indicator.NormalizeEmail(m.ReturnPath); e != "" {
		_, dom, _ := strings.Cut(e, "@")
		add(indicator.Domain, indicator.Registrable(dom), "headers.return_path")
	}
	for _, h := range []string{"X-Originating-Ip", "X-Sender-Ip"} {
		if v := strings.Trim(m.Header.Get(h), "[] "); v != "" {
			if ip, err := netip.ParseAddr(v); err == nil && ip.IsGlobalUnicast() && !ip.IsPrivate() {
				add(indicator.IP, ip.String(), "headers."+strings.ToLower(strings.ReplaceAll(h, "-", "_")))
			}
		}
	}
	for i, l := range m.Links {
		if i >= 500 {
			break
		}
		x.addURL(r, add, l.Href, "body.html", false, l.Text)
	}
	for i, att := range m.Attachments {
		field := fieldName("attachments", i, "sha256")
		add(indicator.FileSHA256, att.SHA256, field)
	}
}

// scanText finds URLs, domains, emails, phones, handles and IPs in a field.
func (x *Extractor) scanText(r *Result, add addFunc, f Field) {
	text := f.Text
	defanged := false
	if mayBeDefanged(text) && defangRE.MatchString(text) {
		defanged = true
		text = refang(text)
	}
	for _, u := range findURLs(text, 300) {
		x.addURL(r, add, u, f.Name, defanged, "")
	}
	// Bare domains ("lockheed-careers.com/jd"): words with a dot whose last
	// label is a known top-level domain.
	seenBare := 0
	for _, w := range strings.FieldsFunc(text, isSpaceOrQuote) {
		if seenBare >= 300 || strings.IndexByte(w, '.') < 0 || strings.Contains(w, "://") || strings.IndexByte(w, '@') >= 0 {
			continue
		}
		w = strings.Trim(w, ".,;:!?()[]<>*")
		if len(w) < 7 || strings.HasPrefix(strings.ToLower(w), "www.") {
			continue
		}
		if m := bareDomain(w); m != "" {
			seenBare++
			x.addURL(r, add, "http://"+m, f.Name, defanged, "")
		}
	}
	for _, e := range findEmails(text, 200) {
		if n := indicator.NormalizeEmail(e); n != "" {
			x.addEmail(r, add, n, f.Name)
		}
	}
	if mayHavePhone(text) {
		for _, ph := range phoneRE.FindAllString(text, 100) {
			if n := indicator.NormalizePhone(ph); n != "" {
				if add(indicator.Phone, n, f.Name) {
					r.Phones = append(r.Phones, indicator.Indicator{Type: indicator.Phone, Value: n, Field: f.Name})
				}
			}
		}
	}
	low := strings.ToLower(text)
	for _, h := range handleRes {
		if !containsAny(low, h.key) {
			continue
		}
		{
			for _, m := range h.re.FindAllStringSubmatch(text, 20) {
				v := m[1]
				if h.platform == "whatsapp" && strings.ContainsAny(v, " ()-+") || h.platform == "whatsapp" && isDigits(v) {
					if n := indicator.NormalizePhone("+" + strings.TrimPrefix(v, "+")); n != "" {
						v = n
					}
				}
				val := h.platform + ":" + strings.ToLower(v)
				if add(indicator.Handle, val, f.Name) {
					r.Handles = append(r.Handles, Handle{Platform: h.platform, Value: val, Field: f.Name})
				}
			}
		}
	}
	if hasDottedQuad(text) {
		for _, ip := range ipRE.FindAllString(text, 50) {
			a, err := netip.ParseAddr(ip)
			if err == nil && a.IsGlobalUnicast() && !a.IsPrivate() {
				add(indicator.IP, a.String(), f.Name)
			}
		}
	}
}

func isSpaceOrQuote(r rune) bool {
	return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '"' || r == '\'' || r == '<' || r == '>'
}

// mayBeDefanged is a cheap test before the defang pattern runs.
func mayBeDefanged(s string) bool {
	for _, w := range []string{"[.]", "(.)", "{.}", "[dot]", "(dot)", "[:]", "[@]", "[at]", "(at)", "[://]", "hxxp", "HXXP", "Hxxp", "h**p", "fxp"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// hasDottedQuad reports whether s has digits, dot, digits, dot, digits.
func hasDottedQuad(s string) bool {
	for i := 0; i+4 < len(s); i++ {
		if s[i] == '.' && i > 0 && isDigit(s[i-1]) && isDigit(s[i+1]) {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
				return true
			}
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// refang undoes the usual ways of writing a link so it cannot be clicked.
func refang(s string) string {
	return defangRE.ReplaceAllStringFunc(s, func(m string) string {
		switch strings.ToLower(m) {
		case "[.]", "(.)", "{.}", "[dot]", "(dot)":
			return "."
		case "[:]":
			return ":"
		case "[://]":
			return "://"
		case "[@]", "[at]", "(at)":
			return "@"
		case "hxxp", "h**p":
			return "http"
		case "hxxps", "h**ps":
			return "https"
		case "fxp":
			return "ftp"
		}
		return m
	})
}

func (x *Extractor) addURL(r *Result, add addFunc, raw, field string, defanged bool, text string) {
	raw = strings.TrimRight(raw, ".,;:!?)'\"")
	if !strings.Contains(raw, "://") {
		if strings.HasPrefix(strings.ToLower(raw), "www.") {
			raw = "http://" + raw
		} else {
			return // mailto:, tel:, relative links
		}
	}
	n := indicator.NormalizeURL(raw)
	if n == "" {
		return
	}
	host := hostOf(n)
	if strings.HasSuffix(host, ".") || !strings.Contains(host, ".") {
		return
	}
	reg := indicator.Registrable(host)
	u := URL{URL: n, Host: host, Domain: reg, Field: field, Defanged: defanged, Text: text}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		u.IPHost = true
	}
	u.Punycode = strings.Contains(host, "xn--")
	u.Shortener = shorteners[host] || shorteners[reg]
	u.FileSharing = IsFileSharing(host, reg)
	if !u.IPHost {
		u.Lookalike = x.look.Check(host)
	}
	if text != "" {
		if td := textDomain(text); td != "" && td != reg {
			u.TextDomain = td
			if b, ok := x.look.Real(td); ok {
				if rb, same := x.look.Real(reg); !same || rb != b {
					u.TextBrand = b
				}
			}
		}
	}
	if li := indicator.NormalizeLinkedIn(n); li != "" {
		add(indicator.LinkedIn, li, field)
	}
	if !add(indicator.URL, n, field) {
		return
	}
	if len(r.URLs) < 500 {
		r.URLs = append(r.URLs, u)
	}
	if !u.IPHost {
		add(indicator.Domain, reg, field)
	} else {
		add(indicator.IP, strings.Trim(host, "[]"), field)
	}
}

func hostOf(u string) string {
	_, rest, _ := strings.Cut(u, "://")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		rest = rest[:i]
	}
	return rest
}

var textDomainRE = regexp.MustCompile(`(?i)^(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,24})(?:[/\s]|$)`)

// textDomain returns the registrable domain an HTML link's visible text
// shows, when the text is itself a URL or host name.
func textDomain(text string) string {
	m := textDomainRE.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return ""
	}
	h := indicator.NormalizeDomain(m[1])
	if h == "" {
		return ""
	}
	return indicator.Registrable(h)
}

// containsAny reports whether s contains any of the "|"-separated keys.
func containsAny(s, keys string) bool {
	for _, k := range strings.Split(keys, "|") {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// mayHavePhone reports whether text has "+" or "00" before a digit, the
// start of an international number.
func mayHavePhone(text string) bool {
	for i := 0; i+1 < len(text); i++ {
		switch {
		case text[i] == '+' && (isDigit(text[i+1]) || text[i+1] == ' ' && i+2 < len(text) && isDigit(text[i+2])):
			return true
		case text[i] == '0' && text[i+1] == '0' && (i == 0 || !isDigit(text[i-1]) && text[i-1] != ':' && text[i-1] != '.') && i+2 < len(text) && text[i+2] >= '1' && text[i+2] <= '9':
			return true
		}
	}
	return false
}

// urlStop ends a URL written in text.
func urlStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '<', '>', '"', '\'', '`', '{', '}', '|', '\\', '^', '[', ']':
		return true
	}
	return c < 0x20
}

// findURLs finds http, https and ftp URLs and www. host names in text.
func findURLs(text string, limit int) []string {
	var out []string
	for i := 0; i < len(text) && len(out) < limit; {
		j := strings.Index(text[i:], "://")
		if j < 0 {
			break
		}
		p := i + j
		s := p
		for s > 0 && isAlpha(text[s-1]) && p-s < 6 {
			s--
		}
		scheme := strings.ToLower(text[s:p])
		e := p + 3
		for e < len(text) && !urlStop(text[e]) {
			e++
		}
		if (scheme == "http" || scheme == "https" || scheme == "ftp") && e > p+3 {
			out = append(out, text[s:e])
		}
		i = e
	}
	for i := 0; i < len(text) && len(out) < limit; {
		j := strings.Index(text[i:], "www.")
		if j < 0 {
			j = strings.Index(text[i:], "WWW.")
			if j < 0 {
				break
			}
		}
		s := i + j
		e := s
		for e < len(text) && !urlStop(text[e]) {
			e++
		}
		if s == 0 || !(isAlnum(text[s-1]) || text[s-1] == '/' || text[s-1] == '.' || text[s-1] == '@' || text[s-1] == '-') {
			if host, _, _ := strings.Cut(text[s:e], "/"); strings.Count(host, ".") >= 2 {
				out = append(out, text[s:e])
			}
		}
		i = max(e, s+4)
	}
	return out
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isHostChar(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// findEmails finds addresses around each @ in text.
func findEmails(text string, limit int) []string {
	var out []string
	for i := 0; i < len(text) && len(out) < limit; {
		j := strings.IndexByte(text[i:], '@')
		if j < 0 {
			break
		}
		at := i + j
		s := at
		for s > 0 && isLocalChar(text[s-1]) && at-s < 64 {
			s--
		}
		e := at + 1
		for e < len(text) && isHostChar(text[e]) && e-at < 253 {
			e++
		}
		local := strings.TrimLeft(text[s:at], ".")
		host := strings.Trim(text[at+1:e], ".-")
		i = max(e, at+1)
		if local == "" || !strings.Contains(host, ".") {
			continue
		}
		tld := host[strings.LastIndexByte(host, '.')+1:]
		if len(tld) < 2 || !allAlpha(tld) {
			continue
		}
		out = append(out, local+"@"+host)
	}
	return out
}

func allAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlpha(s[i]) && s[i] < 0x80 {
			return false
		}
	}
	return s != ""
}

// bareDomain returns w's host (and path) when w is a host name with a
// known top-level domain, like "lockheed-careers.com/jd"; else "".
func bareDomain(w string) string {
	host, _, _ := strings.Cut(w, "/")
	labels := strings.Split(strings.ToLower(host), ".")
	if len(labels) < 2 {
		return ""
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return ""
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return ""
			}
		}
	}
	tld := labels[len(labels)-1]
	if !bareTLDs[tld] {
		return ""
	}
	return w
}

var bareTLDs = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`com net org info biz io co uk cn ru ir kp hk tw sg us eu de fr top xyz online site club app live pro me cc ws tk ml ga cf gq in jp kr ch nl be se no pl it es int gov edu ac mil ltd group consulting agency work jobs careers services digital global space email link news today vip asia ai cloud tech network`) {
		bareTLDs[t] = true
	}
}
