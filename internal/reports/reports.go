// Package reports is the core of the Portcullis service: it takes reports
// in from every channel (web form, JSON API, forwarded mail), analyses and
// stores them, and carries the security team's work on them: cases,
// notes, feedback and the watchlist. The web pages, the JSON API and SMTP
// intake are thin adapters over a Service, so the same report gives the
// same verdict whichever way it arrives, and who may do what is decided
// here, in one place, for all of them.
package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/approach"
	"portcullis/internal/auth"
	"portcullis/internal/extract"
	"portcullis/internal/intel"
	"portcullis/internal/message"
	"portcullis/internal/rules"
	"portcullis/internal/store"
)

// Error kinds beyond the store's (store.ErrNotFound, store.ErrInvalid,
// store.ErrConflict), shared by every adapter.
var (
	// ErrUnauthenticated: nobody is signed in, or the credentials are wrong.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: signed in, but this role may not do that.
	ErrForbidden = errors.New("forbidden")
)

// kindError gives a kind a message of its own for the user.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// IsUserMessage reports whether err carries a message written for users
// (made by Errorf), as opposed to a store or driver message.
func IsUserMessage(err error) bool {
	var ke *kindError
	return errors.As(err, &ke)
}

// Errorf returns an error of the given kind whose message is safe to show.
func Errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Config configures a Service.
type Config struct {
	Store *store.DB
	// Rules are the site's rule directories, added to the built-in rules.
	Rules []string
	// OwnDomains are the legislature's own mail domains (default parliament.uk).
	OwnDomains []string
	// NoSeed leaves out the watchlist shipped with Portcullis.
	NoSeed bool
	// MaxBytes bounds one submitted input (default 25 MiB).
	MaxBytes int64
	Logger   *slog.Logger
	Now      func() time.Time
	// OnReport, when set, is called after a report is stored (for
	// notifications); it must not block.
	OnReport func(r *store.Report, res *analysis.Result, reporter *store.User)
	// Mailer sends notification mail; nil sends none.
	Mailer Mailer
	// PublicURL is where users reach the service, for links in mail.
	PublicURL string
	// HuntBatch is how many reports a retro-hunt scans between progress
	// records (default 500).
	HuntBatch int
	// OnIndicators, when set, is told of watchlist entries added or
	// changed (to share them with partners); OnAdvisory of a published
	// advisory and its entries. Both are called synchronously and should
	// be quick.
	OnIndicators func(ctx context.Context, entries []*intel.Entry)
	OnAdvisory   func(ctx context.Context, a *store.Advisory, entries []*intel.Entry)
	// PollInterval is how often partners' TAXII collections are polled
	// (default 5 minutes).
	PollInterval time.Duration
}

// Service is the core. It is safe for concurrent use.
type Service struct {
	db       *store.DB
	engine   *rules.Engine
	own      []string
	noSeed   bool
	maxBytes int64
	logger   *slog.Logger
	now      func() time.Time
	onReport func(*store.Report, *analysis.Result, *store.User)

	analyzer atomic.Pointer[analysis.Analyzer]
	reload   sync.Mutex
	pw       auth.Params
	// hashing bounds how many argon2id computations (about 19 MiB each)
	// run at once, so a burst of sign-ins cannot exhaust memory.
	hashing chan struct{}

	mailer    Mailer
	mail      *mailQueue
	publicURL string
	hunter    *Hunter
	huntBatch int

	corr *correlator

	onIndicators func(context.Context, []*intel.Entry)
	onAdvisory   func(context.Context, *store.Advisory, []*intel.Entry)
	pollEvery    time.Duration
	stopPoll     chan struct{}
}

// New loads the rules and the watchlist and returns a Service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("reports: no store")
	}
	s := &Service{
		db: cfg.Store, own: cfg.OwnDomains, noSeed: cfg.NoSeed, maxBytes: cfg.MaxBytes,
		logger: cfg.Logger, now: cfg.Now, onReport: cfg.OnReport,
		hashing: make(chan struct{}, 4),
		mailer:  cfg.Mailer, publicURL: strings.TrimRight(cfg.PublicURL, "/"),
		huntBatch: cfg.HuntBatch, onIndicators: cfg.OnIndicators, onAdvisory: cfg.OnAdvisory, pollEvery: cfg.PollInterval,
	}
	if s.pollEvery <= 0 {
		s.pollEvery = 5 * time.Minute
	}
	if s.huntBatch <= 0 {
		s.huntBatch = 500
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBytes <= 0 {
		s.maxBytes = 25 << 20
	}
	eng, err := rules.Load(rules.Options{Dirs: cfg.Rules, OwnDomains: cfg.OwnDomains})
	if err != nil {
		return nil, fmt.Errorf("reports: rules: %w", err)
	}
	s.engine = eng
	if err := s.ReloadWatchlist(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Store returns the service's store.
func (s *Service) Store() *store.DB { return s.db }

// Engine returns the loaded rules.
func (s *Service) Engine() *rules.Engine { return s.engine }

// MaxBytes is the largest input accepted.
func (s *Service) MaxBytes() int64 { return s.maxBytes }

// ReloadWatchlist rebuilds the matcher from the seed, the legislature's
// own domains and the database's active indicators. Analyses already
// running finish with the old one.
func (s *Service) ReloadWatchlist(ctx context.Context) error {
	s.reload.Lock()
	defer s.reload.Unlock()
	var entries []*intel.Entry
	if !s.noSeed {
		entries = intel.Seed()
	}
	own := s.own
	if len(own) == 0 {
		own = extract.DefaultOwnDomains
	}
	for _, d := range own {
		e, err := intel.ParseEntry(map[string]string{"type": "domain", "value": d, "kind": intel.Allow, "tlp": "clear",
			"confidence": "100", "source_name": "the legislature's own domains (--own-domain)"})
		if err != nil {
			return fmt.Errorf("reports: own domain %q: %w", d, err)
		}
		entries = append(entries, e)
	}
	// Entries not yet valid are loaded too: the matcher checks validity
	// at match time, so they start matching when their time comes.
	stored, err := s.db.ListIndicators(ctx, store.Filter{})
	if err != nil {
		return fmt.Errorf("reports: load watchlist: %w", err)
	}
	for _, r := range stored {
		entries = append(entries, r.Entry)
	}
	wl := intel.New(entries)
	wl.Now = s.now
	an := analysis.New(s.engine, wl)
	an.Limits = message.Limits{MaxBytes: s.maxBytes}
	s.analyzer.Store(an)
	s.logger.Info("watchlist loaded", "entries", len(entries))
	return nil
}

// Analyze analyses raw input without storing anything.
func (s *Service) Analyze(raw []byte, name string) (*analysis.Result, error) {
	if int64(len(raw)) > s.maxBytes {
		return nil, Errorf(store.ErrInvalid, "the input is larger than %d MB", s.maxBytes>>20)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, Errorf(store.ErrInvalid, "there is nothing to check: paste the message or upload a file")
	}
	res, err := s.analyzer.Load().Analyze(bytes.NewReader(raw), name)
	if err != nil {
		return nil, Errorf(store.ErrInvalid, "the input could not be read: %v", err)
	}
	return res, nil
}

// Submission is a report as it arrives, from any channel.
type Submission struct {
	Channel  string // web, api, email
	Intent   string // store.IntentCheck or store.IntentReport
	Platform string // as the reporter said; "" to take the analysis's
	Replied  bool
	Shared   bool
	Met      bool
	Raw      []byte // approach JSON, mail or text
	RawName  string // uploaded file name
	IP       string // the client's address, for the audit log
}

// Submit analyses and stores a report by actor.
func (s *Service) Submit(ctx context.Context, actor *store.User, sub Submission) (*store.Report, *analysis.Result, error) {
	if err := require(actor, store.RoleReporter); err != nil {
		return nil, nil, err
	}
	switch sub.Intent {
	case "":
		sub.Intent = store.IntentReport
	case store.IntentCheck, store.IntentReport:
	default:
		return nil, nil, Errorf(store.ErrInvalid, "intent must be %q or %q", store.IntentCheck, store.IntentReport)
	}
	if sub.Platform != "" && !oneOf(sub.Platform, approach.Platforms) {
		return nil, nil, Errorf(store.ErrInvalid, "platform must be one of %s", strings.Join(approach.Platforms, ", "))
	}
	name := sub.RawName
	if name == "" {
		name = sub.Channel
	}
	res, err := s.Analyze(sub.Raw, name)
	if err != nil {
		return nil, nil, err
	}
	a := res.Parsed.Approach
	platform := sub.Platform
	if platform == "" && a != nil {
		platform = a.Platform
	}
	if platform == "" {
		platform = "other"
	}
	js, err := json.Marshal(res)
	if err != nil {
		return nil, nil, fmt.Errorf("reports: encode analysis: %w", err)
	}
	r := &store.Report{
		ReporterID: actor.ID, Channel: sub.Channel, Intent: sub.Intent, Platform: platform,
		Replied: sub.Replied, SharedInfo: sub.Shared, Met: sub.Met,
		Title: title(res.Parsed), Raw: sub.Raw, RawName: sanitizeName(sub.RawName),
		Kind: res.Kind, Score: res.Score, Level: res.Level, Summary: res.Summary, Analysis: js,
	}
	inds := make([]store.ReportIndicator, 0, len(res.Indicators))
	for _, in := range res.Indicators {
		inds = append(inds, store.ReportIndicator{Type: string(in.Type), Value: in.Value, Field: in.Field})
	}
	ruleIDs := make([]string, 0, len(res.Findings))
	for _, f := range res.Findings {
		ruleIDs = append(ruleIDs, f.Rule)
	}
	var atts []store.Attachment
	if m := res.Parsed.Mail; m != nil {
		for _, at := range m.Attachments {
			atts = append(atts, store.Attachment{Name: sanitizeName(at.Name), ContentType: at.TrueType, SHA256: at.SHA256, Size: at.Size})
		}
	}
	if err := s.db.CreateReport(ctx, r, inds, ruleIDs, atts); err != nil {
		return nil, nil, fmt.Errorf("reports: save: %w", err)
	}
	s.audit(ctx, actor, "report.create", fmt.Sprintf("report:%d", r.ID),
		Detail("channel", r.Channel, "intent", r.Intent, "level", r.Level), sub.IP)
	// The report is stored. Correlation and notifications follow in the
	// background when it runs (so that reporting stays fast under load),
	// inline otherwise; their failures are logged, never returned.
	s.afterStore(ctx, r, res)
	if s.onReport != nil {
		s.onReport(r, res, actor)
	}
	return r, res, nil
}

// audit appends to the audit log; a failure is logged, and does not undo
// what was done (the change itself is already stored).
func (s *Service) audit(ctx context.Context, actor *store.User, action, target, detail, ip string) {
	e := &store.AuditEvent{Action: action, Target: target, Detail: detail, IP: ip, Actor: "system"}
	if actor != nil {
		e.ActorID, e.Actor = actor.ID, actor.Email
	}
	if err := s.db.AppendAudit(ctx, e); err != nil {
		s.logger.Error("audit append failed", "action", action, "target", target, "err", err)
	}
}

// Audit records an event done through an adapter (sign-ins, exports...).
func (s *Service) Audit(ctx context.Context, actor *store.User, action, target, detail, ip string) {
	s.audit(ctx, actor, action, target, detail, ip)
}

// title is a short line for lists: the subject or the sender.
func title(p *message.Parsed) string {
	var t string
	if p.Mail != nil && p.Mail.Subject != "" {
		t = p.Mail.Subject
	}
	a := p.Approach
	if t == "" && a != nil {
		for _, m := range a.Messages {
			if m.Subject != "" {
				t = m.Subject
				break
			}
		}
	}
	if a != nil && a.Sender != nil && a.Sender.Name != "" {
		if t == "" {
			t = a.Sender.Name
		} else {
			t = a.Sender.Name + ": " + t
		}
	}
	if t == "" && a != nil && len(a.Messages) > 0 {
		t = a.Messages[0].Text
	}
	t = strings.Join(strings.Fields(t), " ")
	if r := []rune(t); len(r) > 120 {
		t = string(r[:119]) + "…"
	}
	if t == "" {
		t = "(untitled)"
	}
	return t
}

// sanitizeName keeps a file name to its base and printable characters.
func sanitizeName(n string) string {
	if i := strings.LastIndexAny(n, `/\`); i >= 0 {
		n = n[i+1:]
	}
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, n)
	if r := []rune(n); len(r) > 200 {
		n = string(r[:200])
	}
	return n
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// Detail encodes an audit event's particulars, given as key-value pairs,
// as a JSON object. Values come from users and adversaries (an email typed
// at sign-in, a partner's name), so they are encoded, never formatted in.
func Detail(kv ...any) string {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "{}"
	}
	return string(b)
}
