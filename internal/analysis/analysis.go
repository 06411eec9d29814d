// Package analysis runs the whole offline pipeline on one input: parse,
// extract indicators, match the watchlist, evaluate rules, and turn the
// findings into an explained score, a level, a one-sentence summary and
// advice for the recipient. The CLI, the web UI and the API all call it, so
// the same input gets the same verdict everywhere.
package analysis

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"portcullis/internal/extract"
	"portcullis/internal/indicator"
	"portcullis/internal/message"
	"portcullis/internal/rules"
)

// Levels in increasing order of risk.
var Levels = []string{"none", "low", "medium", "high", "critical"}

// Level thresholds on the 0-100 score: low from 15, medium from 40 (an
// approach is flagged at medium or above), high from 65, critical from 85.
const (
	LowAt      = 15
	MediumAt   = 40
	HighAt     = 65
	CriticalAt = 85
)

// LevelOf returns the level of a score.
func LevelOf(score int) string {
	switch {
	case score >= CriticalAt:
		return "critical"
	case score >= HighAt:
		return "high"
	case score >= MediumAt:
		return "medium"
	case score >= LowAt:
		return "low"
	}
	return "none"
}

// LevelRank orders levels: none 0 … critical 4; -1 for an unknown level.
func LevelRank(level string) int {
	for i, l := range Levels {
		if l == level {
			return i
		}
	}
	return -1
}

// Result is the analysis of one input, in the JSON form of DESIGN.md.
type Result struct {
	Input            string                `json:"input"`
	Kind             string                `json:"kind"`
	Score            int                   `json:"score"`
	Level            string                `json:"level"`
	Summary          string                `json:"summary"`
	Findings         []rules.Finding       `json:"findings"`
	WatchlistMatches []Match               `json:"watchlist_matches"`
	Indicators       []indicator.Indicator `json:"indicators"`
	Advice           []string              `json:"advice"`

	// Reporter is who forwarded the approach, when it came as a forward.
	Reporter string `json:"-"`
	// Problems are non-fatal parse problems, for the analyst.
	Problems []string `json:"-"`
	// Parsed is the parsed input, for callers that store or render it.
	Parsed *message.Parsed `json:"-"`
}

// Match is a watchlist hit: which indicator, where, and how close.
type Match struct {
	Indicator  MatchedIndicator `json:"indicator"`
	Field      string           `json:"field"`
	Matched    string           `json:"matched"`
	Similarity float64          `json:"similarity"`
	// Weight is what the match adds to the score (0-100), like a rule's.
	Weight int `json:"-"`
	// Allow marks an allowlist hit: a known-legitimate indicator.
	Allow bool `json:"-"`
	// Title explains the match in a sentence, for the summary.
	Title string `json:"-"`
	// TLP is the watchlist entry's TLP: who may learn of the match.
	TLP string `json:"-"`
}

// MatchedIndicator names the watchlist entry that matched.
type MatchedIndicator struct {
	Type   string `json:"type"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// Matcher is the seam through which the watchlist feeds analysis.
type Matcher interface {
	Match(p *message.Parsed, x *extract.Result) []Match
}

// Analyzer runs the pipeline. It is safe for concurrent use.
type Analyzer struct {
	Engine  *rules.Engine
	Matcher Matcher // optional
	Limits  message.Limits
}

// New returns an Analyzer over a loaded rule engine.
func New(e *rules.Engine, m Matcher) *Analyzer {
	return &Analyzer{Engine: e, Matcher: m}
}

// Analyze parses r and analyses it; name is recorded as the input.
func (a *Analyzer) Analyze(r io.Reader, name string) (*Result, error) {
	p, err := message.Parse(r, a.Limits)
	if err != nil {
		return nil, err
	}
	return a.AnalyzeParsed(p, name), nil
}

// AnalyzeParsed analyses an already parsed input.
func (a *Analyzer) AnalyzeParsed(p *message.Parsed, name string) *Result {
	x := a.Engine.Extractor().Extract(p)
	findings := a.Engine.Evaluate(p, x)
	var matches []Match
	if a.Matcher != nil {
		matches = a.Matcher.Match(p, x)
	}
	res := &Result{
		Input:            name,
		Kind:             p.Kind,
		Findings:         findings,
		WatchlistMatches: matches,
		Indicators:       x.Indicators,
		Reporter:         p.Reporter,
		Problems:         p.Problems,
		Parsed:           p,
	}
	if res.Findings == nil {
		res.Findings = []rules.Finding{}
	}
	if res.WatchlistMatches == nil {
		res.WatchlistMatches = []Match{}
	}
	if res.Indicators == nil {
		res.Indicators = []indicator.Indicator{}
	}
	res.Score = Score(findings, matches)
	res.Level = LevelOf(res.Score)
	res.Summary = summary(res)
	res.Advice = advice(res)
	return res
}

// Score combines findings and watchlist matches into 0-100. Each weight is
// read as the chance, in percent, that it alone means a hostile approach,
// and independent signs combine as 1 - Π(1 - w/100): one strong sign is
// enough for a high score, several weak ones add up without ever passing
// 100, and the order of findings does not matter. An allowlist match on the
// sender halves what remains.
func Score(findings []rules.Finding, matches []Match) int {
	p := 1.0
	allow := false
	for _, f := range findings {
		p *= 1 - clamp(f.Weight)/100
	}
	for _, m := range matches {
		if m.Allow {
			allow = true
			continue
		}
		p *= 1 - clamp(m.Weight)/100
	}
	s := 100 * (1 - p)
	if allow {
		s /= 2
	}
	return int(math.Round(s))
}

func clamp(w int) float64 {
	return math.Max(0, math.Min(100, float64(w)))
}

// summary is one sentence: the level and the strongest reasons.
func summary(r *Result) string {
	type reason struct {
		title  string
		weight int
	}
	var rs []reason
	for _, m := range r.WatchlistMatches {
		if !m.Allow && m.Title != "" {
			rs = append(rs, reason{m.Title, m.Weight})
		}
	}
	for _, f := range r.Findings {
		rs = append(rs, reason{f.Title, f.Weight})
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].weight > rs[j].weight })
	if len(rs) == 0 {
		return "No signs of a hostile approach were found."
	}
	n := min(len(rs), 2)
	parts := make([]string, 0, n)
	for _, x := range rs[:n] {
		parts = append(parts, lowerFirst(x.title))
	}
	s := fmt.Sprintf("%s risk (%d/100): %s", capitalise(r.Level), r.Score, strings.Join(parts, "; "))
	if more := len(rs) - n; more == 1 {
		s += "; and 1 more sign"
	} else if more > 1 {
		s += fmt.Sprintf("; and %d more signs", more)
	}
	return s + "."
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// lowerFirst lower-cases the first letter unless the first word is an
// acronym or a name ("MI5", "LinkedIn").
func lowerFirst(s string) string {
	w, _, _ := strings.Cut(s, " ")
	if len(w) > 1 && strings.ToUpper(w[:2]) == w[:2] || strings.ContainsAny(w[1:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// advice says what the recipient should do now, in plain words.
func advice(r *Result) []string {
	tags := map[string]bool{}
	for _, f := range r.Findings {
		for _, t := range f.Tags {
			tags[t] = true
		}
	}
	for _, m := range r.WatchlistMatches {
		if !m.Allow && m.Weight > 0 {
			tags["watchlist"] = true
		}
	}
	platform, replied := "", false
	if p := r.Parsed; p != nil && p.Approach != nil {
		platform = p.Approach.Platform
		for _, m := range p.Approach.Messages {
			if !m.FromSender() {
				replied = true
			}
		}
	}
	rank := LevelRank(r.Level)
	if rank <= 0 {
		return []string{
			"Nothing here matches known signs of a hostile approach.",
			"If something still feels wrong, send it to the security team anyway: that is what they are there for.",
		}
	}
	var out []string
	if rank >= LevelRank("medium") {
		out = append(out, "Do not reply, click links or open attachments until the security team has looked at it.")
	} else {
		out = append(out, "Be careful: check who the sender really is through their organisation's public website or switchboard before you engage.")
	}
	if tags["watchlist"] {
		out = append(out, "This matches a sender the security services have warned about: stop all contact and report it now.")
	}
	if tags["malware"] {
		out = append(out, "Do not open the attachment or download the file, and never enable content, macros or editing.")
	}
	if tags["credential"] {
		out = append(out, "Do not sign in through the link. If you already did, change your password and tell the security team at once.")
	}
	if tags["off-platform"] {
		out = append(out, "Do not move the conversation to WhatsApp, WeChat, Telegram, Signal or a personal email.")
	}
	if tags["influence"] {
		out = append(out, "Do not accept money, funding or donations outside the registered and declared channels.")
	}
	if tags["spoofing"] || tags["impersonation"] {
		out = append(out, "Check the sender by a phone number or address you already know, not by replying to this message.")
	}
	if platform == "linkedin" && rank >= LevelRank("medium") {
		out = append(out, "Do not accept the connection. Once you have reported it, remove the connection and report the profile to LinkedIn.")
	}
	if replied {
		out = append(out, "You replied, which is common and fine. Tell the security team what was said or shared: they are there to help, not to blame.")
	}
	if rank >= LevelRank("medium") {
		out = append(out, "Report it: send it to the security team with Portcullis, even if you are unsure.")
	}
	return out
}
