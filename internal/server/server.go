// Package server assembles the running service: the store, the core
// (reports.Service), the web pages and JSON API, SMTP intake and
// outbound mail. A Server is a value with Start and Shutdown, so an
// end-to-end test boots the real thing on 127.0.0.1:0 with a temporary
// database.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/auth"
	"portcullis/internal/intel"
	"portcullis/internal/mailin"
	"portcullis/internal/notify"
	"portcullis/internal/reports"
	"portcullis/internal/store"
	"portcullis/internal/taxii"
	"portcullis/internal/web"
)

// Config is everything `portcullis serve` can be told.
type Config struct {
	Addr      string // HTTP listen address, e.g. ":8080"
	Database  string // "" = SQLite in DataDir; or postgres://...
	DataDir   string
	PublicURL string // how users reach the service; default http://ADDR
	TLSCert   string
	TLSKey    string
	// SecureCookies: cookies only over HTTPS. Defaults to true when TLS
	// is configured here or PublicURL is https.
	SecureCookies *bool
	TrustProxy    bool

	SMTPAddr      string         // "" = no SMTP intake
	SMTPDomain    string         // greeting hostname
	ReportAddress []string       // accepted recipients for reports by email
	SMTPAllow     []netip.Prefix // client networks allowed to connect (empty: any)
	SMTPRelay     string         // host:port for outbound mail; "" = none
	SMTPFrom      string
	SMTPUser      string
	SMTPPassword  string

	Rules      []string
	OwnDomains []string
	NoSeed     bool
	MaxBytes   int64

	AdminEmail string // the first admin's address
	// PasswordParams, when set, replaces the argon2id cost (tests).
	PasswordParams *auth.Params

	// TAXIIAllowHTTP serves TAXII without TLS (tests, or a proxy that
	// terminates TLS without X-Forwarded-Proto): partners' credentials
	// and marked intelligence should only travel over TLS.
	TAXIIAllowHTTP bool
	// ShareEvery is how often sightings are published and push
	// subscriptions run (default 5 minutes); PollEvery how often partners'
	// collections are polled (default 5 minutes).
	ShareEvery time.Duration
	PollEvery  time.Duration

	Logger  *slog.Logger
	Console io.Writer // where the first admin's sign-in link is printed
}

// Server is the running service.
type Server struct {
	cfg     Config
	logger  *slog.Logger
	db      *store.DB
	svc     *reports.Service
	web     *web.Handler
	http    *http.Server
	ln      net.Listener
	smtp    *mailin.Server
	mailer  *notify.Mailer
	taxii   *taxii.Server
	bg      sync.WaitGroup
	started bool
	stop    context.CancelFunc
}

// New opens the store, loads rules and watchlist, and creates the first
// admin when there are no users (printing a one-time sign-in link).
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Console == nil {
		cfg.Console = io.Discard
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("server: give both --tls-cert and --tls-key, or neither")
	}
	s := &Server{cfg: cfg, logger: cfg.Logger}
	dsn := cfg.Database
	if dsn == "" {
		dsn = store.DefaultDSN(cfg.DataDir)
	}
	db, err := store.Open(ctx, dsn, cfg.Logger)
	if err != nil {
		return nil, err
	}
	s.db = db
	if cfg.SMTPRelay != "" {
		from := cfg.SMTPFrom
		if from == "" && len(cfg.ReportAddress) > 0 {
			from = cfg.ReportAddress[0]
		}
		s.mailer = &notify.Mailer{Addr: cfg.SMTPRelay, From: from, Username: cfg.SMTPUser, Password: cfg.SMTPPassword, StartTLS: notify.StartTLSOpportunistic, Timeout: 30 * time.Second}
	}
	var mailer reports.Mailer
	if s.mailer != nil {
		mailer = s.mailer
	}
	s.svc, err = reports.New(ctx, reports.Config{Store: db, Rules: cfg.Rules, OwnDomains: cfg.OwnDomains, NoSeed: cfg.NoSeed,
		MaxBytes: cfg.MaxBytes, Logger: cfg.Logger, Mailer: mailer, PollInterval: cfg.PollEvery,
		OnIndicators: s.publishIndicators, OnAdvisory: s.publishAdvisory})
	if err != nil {
		db.Close()
		return nil, err
	}
	if cfg.PasswordParams != nil {
		s.svc.SetPasswordParams(*cfg.PasswordParams)
	}
	return s, nil
}

// Service returns the core, for commands and tests.
func (s *Server) Service() *reports.Service { return s.svc }

// Store returns the store.
func (s *Server) Store() *store.DB { return s.db }

// Start listens and serves in the background.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w (is another portcullis running? choose another address with --addr)", s.cfg.Addr, err)
	}
	s.ln = ln
	public := strings.TrimRight(s.cfg.PublicURL, "/")
	if public == "" {
		scheme := "http"
		if s.cfg.TLSCert != "" {
			scheme = "https"
		}
		public = scheme + "://" + displayAddr(ln.Addr())
	}
	s.cfg.PublicURL = public
	s.svc.SetPublicURL(public)
	secure := s.cfg.TLSCert != "" || strings.HasPrefix(public, "https://")
	if s.cfg.SecureCookies != nil {
		secure = *s.cfg.SecureCookies
	}
	reportAddr := ""
	if len(s.cfg.ReportAddress) > 0 && s.cfg.SMTPAddr != "" {
		reportAddr = s.cfg.ReportAddress[0]
	}
	tcfg := taxii.Config{PublicURL: public, AllowHTTP: s.cfg.TAXIIAllowHTTP, TrustProxy: s.cfg.TrustProxy, Logger: s.logger}
	if s.cfg.PasswordParams != nil {
		tcfg.Password = *s.cfg.PasswordParams
	}
	s.taxii, err = taxii.New(s.db, tcfg)
	if err != nil {
		ln.Close()
		return err
	}
	s.web, err = web.New(s.svc, web.Config{PublicURL: public, SecureCookies: secure, TrustProxy: s.cfg.TrustProxy,
		ReportAddress: reportAddr, Logger: s.logger, Sharing: s.taxii})
	if err != nil {
		ln.Close()
		return err
	}
	root := http.NewServeMux()
	root.Handle("/taxii2/", s.taxii)
	root.Handle("/", s.web)
	s.http = &http.Server{Handler: root, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)}
	if s.cfg.SMTPAddr != "" {
		spool := filepath.Join(s.cfg.DataDir, "spool")
		s.smtp, err = mailin.New(mailin.Config{Addr: s.cfg.SMTPAddr, Domain: s.cfg.SMTPDomain, Recipients: s.cfg.ReportAddress,
			MaxBytes: s.svc.MaxBytes(), SpoolDir: spool, Allow: s.cfg.SMTPAllow}, &intake{s: s}, s.logger)
		if err != nil {
			ln.Close()
			return err
		}
		if err := s.smtp.Start(ctx); err != nil {
			ln.Close()
			return err
		}
		s.logger.Info("smtp intake listening", "addr", s.smtp.Addr().String(), "spool", spool)
	}
	tok, err := s.svc.Bootstrap(ctx, s.cfg.AdminEmail)
	if err != nil {
		ln.Close()
		return fmt.Errorf("server: create the first admin: %w", err)
	}
	if tok != "" {
		fmt.Fprintf(s.cfg.Console, "\nNo users yet: created the administrator %s.\nSign in once with this link (valid 24 hours), then choose a password:\n\n    %s/signin/link/%s\n\n",
			orDefault(s.cfg.AdminEmail, "admin@localhost"), public, tok)
	}
	// Background work: retro-hunts (resuming any a previous run left)
	// and notification mail.
	s.svc.StartBackground()
	bgctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	every := s.cfg.ShareEvery
	if every <= 0 {
		every = 5 * time.Minute
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		// What is already on the watchlist is shared from the start
		// (only new versions are stored), then kept up as it changes.
		if recs, err := s.db.ListIndicators(bgctx, store.Filter{}); err == nil {
			entries := make([]*intel.Entry, 0, len(recs))
			for _, r := range recs {
				entries = append(entries, r.Entry)
			}
			for i := 0; i < len(entries) && bgctx.Err() == nil; i += 1000 {
				s.publishIndicators(bgctx, entries[i:min(i+1000, len(entries))])
			}
		}
		s.shareLoop(bgctx, every)
	}()
	s.started = true
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		var err error
		if s.cfg.TLSCert != "" {
			s.http.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			err = s.http.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			err = s.http.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("http server stopped", "err", err)
		}
	}()
	s.logger.Info("portcullis serving", "addr", ln.Addr().String(), "url", public, "database", s.db.Driver())
	return nil
}

// URL is where the server can be reached.
func (s *Server) URL() string { return s.cfg.PublicURL }

// SMTPAddr is the SMTP intake's address, when it runs.
func (s *Server) SMTPAddr() string {
	if s.smtp == nil {
		return ""
	}
	return s.smtp.Addr().String()
}

// Run starts the server and serves until ctx is cancelled, then shuts
// down gracefully.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		s.db.Close()
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}

// Shutdown stops in order: HTTP (in-flight requests finish), SMTP
// intake (accepted mail stays spooled for the next start), background
// work (a retro-hunt stops after its batch and resumes at the next
// start; queued mail is sent), then the database.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	if s.http != nil {
		errs = append(errs, s.http.Shutdown(ctx))
	}
	if s.smtp != nil {
		errs = append(errs, s.smtp.Shutdown(ctx))
	}
	errs = append(errs, s.svc.Shutdown(ctx))
	if s.stop != nil {
		s.stop()
	}
	s.bg.Wait()
	errs = append(errs, s.db.Close())
	s.logger.Info("portcullis stopped")
	return errors.Join(errs...)
}

// intake adapts the service to SMTP intake, and mails the verdict back
// when outbound mail is configured.
type intake struct{ s *Server }

func (in *intake) KnownSender(ctx context.Context, addr string) (bool, error) {
	return in.s.svc.KnownSender(ctx, addr)
}

func (in *intake) SubmitMail(ctx context.Context, from string, raw []byte) error {
	rep, res, u, err := in.s.svc.SubmitMail(ctx, from, raw)
	if errors.Is(err, reports.ErrMailRejected) {
		return fmt.Errorf("%w: %v", mailin.ErrRejected, err)
	}
	if err != nil {
		return err
	}
	if in.s.web != nil {
		in.s.web.Metrics().ReportAccepted("email", rep.Level)
	}
	if in.s.mailer != nil {
		msg := verdictMail(in.s.cfg.PublicURL, rep, res, u)
		if err := in.s.mailer.Send(ctx, msg); err != nil {
			in.s.logger.Warn("verdict mail not sent", "report", rep.ID, "err", err)
		}
	}
	return nil
}

// verdictMail tells a reporter what Portcullis made of what they forwarded.
func verdictMail(public string, r *store.Report, res *analysis.Result, u *store.User) notify.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "Thank you for reporting %q.\n\n", r.Title)
	fmt.Fprintf(&b, "Risk: %s (%d/100)\n%s\n\n", strings.ToUpper(r.Level), r.Score, res.Summary)
	if len(res.Advice) > 0 {
		b.WriteString("What to do now:\n")
		for _, a := range res.Advice {
			fmt.Fprintf(&b, "  - %s\n", a)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "The security team has your report. See it, and their feedback, at\n%s/reports/%d\n", public, r.ID)
	return notify.Message{To: []string{u.Email}, Subject: fmt.Sprintf("Portcullis: your report %d is %s risk", r.ID, r.Level), Text: b.String()}
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
