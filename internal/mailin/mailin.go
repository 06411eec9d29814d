// Package mailin is Portcullis's "report by email" intake: an SMTP server
// that members and staff forward suspicious mail to (for example
// report@security.parliament.uk).
//
// A message is accepted only from the envelope sender of a registered,
// active user (Intake.KnownSender) and only for one of the configured
// report addresses. Before the server replies 250 to DATA, the message is
// written to a durable spool directory (temporary file, fsync, rename), so
// nothing that was acknowledged is lost by a crash or a restart. A single
// background worker hands spooled messages, oldest first, to
// Intake.SubmitMail; it deletes a message once it is stored, moves a
// message that is permanently rejected to SpoolDir/failed/, and retries
// temporary failures with capped exponential back-off. Whatever is still
// in the spool when the server stops is delivered after the next Start.
// Delivery is at least once: a crash between SubmitMail returning and the
// spool file being removed delivers that message again.
//
// The server does no authentication: it is an internal relay endpoint, and
// the envelope sender (MAIL FROM) alone can be forged by anyone who can
// connect. It must therefore listen only where the organisation's own mail
// server forwards to (a private address, or a port firewalled to the mail
// hub), which has already authenticated the member of staff. The analysis
// ignores the forwarded message's own authentication results (SPF, DKIM,
// DMARC of the forward) anyway: it judges the approach inside, and a report
// only tells the security team that someone received it.
//
// Every byte of a reported message is hostile. Lines are limited in
// length, each read and write on a connection has a deadline, the whole
// DATA phase has a deadline, and DATA is streamed to the spool file with a
// size limit instead of being held in memory. Logs carry the envelope, the
// spool id and sizes, never message content. One Server owns a spool
// directory; two servers must not share one.
package mailin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Intake is what mailin needs from the rest of Portcullis: a way to check
// senders and somewhere to put a report.
type Intake interface {
	// KnownSender reports whether addr (the envelope sender) belongs to an
	// active user.
	KnownSender(ctx context.Context, addr string) (bool, error)
	// SubmitMail stores and analyses one forwarded message from the user
	// at from. An error wrapping ErrRejected is permanent; any other error
	// is temporary (retry later).
	SubmitMail(ctx context.Context, from string, raw []byte) error
}

// ErrRejected marks a SubmitMail error as permanent: the message is moved
// to SpoolDir/failed/ and not tried again.
var ErrRejected = errors.New("rejected")

// Defaults for the zero values of Config.
const (
	DefaultMaxBytes      = 25 << 20
	DefaultMaxRecipients = 10
	DefaultMaxConns      = 100
	DefaultTimeout       = 5 * time.Minute
	DefaultDataTimeout   = 10 * time.Minute
	DefaultRetryMin      = 100 * time.Millisecond
	DefaultRetryMax      = 30 * time.Second
	DefaultRetryFor      = 5 * 24 * time.Hour
)

const (
	// maxLineLength is twice RFC 5321's 1000, as go-smtp recommends.
	maxLineLength = 2000
	// checkTimeout bounds one KnownSender call.
	checkTimeout = 30 * time.Second
	// submitTimeout bounds one SubmitMail call; a call that runs out is
	// a temporary failure and is retried.
	submitTimeout = 5 * time.Minute
	// forceGrace is how long Shutdown waits, after its context is done
	// and it has closed every connection, for the goroutines to notice.
	forceGrace = 5 * time.Second
	// pokeInterval is how often Shutdown wakes idle connections.
	pokeInterval = 25 * time.Millisecond
)

// Config configures a Server. Addr and SpoolDir are required; every other
// zero value means the default.
type Config struct {
	// Addr is the TCP listen address, e.g. ":2525"; ":0" picks a port.
	Addr string
	// Domain is our host name, shown in the greeting. Default: the
	// machine's host name.
	Domain string
	// Recipients are the accepted report addresses, compared without
	// regard to case. Empty accepts any recipient at all.
	Recipients []string
	// MaxBytes is the largest message accepted. Default DefaultMaxBytes.
	MaxBytes int64
	// MaxRecipients is the most RCPT TO one message may have. Default
	// DefaultMaxRecipients.
	MaxRecipients int
	// MaxConns is the most connections served at once; more wait in the
	// listen queue. Default DefaultMaxConns.
	MaxConns int
	// Allow, when not empty, lists the client networks that may connect
	// (the organisation's mail servers); others are refused at once.
	// MAIL FROM can be forged, so production should always set it.
	Allow []netip.Prefix
	// Timeout bounds waiting for each command line, each read during
	// DATA and each reply written. Default DefaultTimeout.
	Timeout time.Duration
	// DataTimeout bounds the whole DATA phase of one message. Default
	// DefaultDataTimeout.
	DataTimeout time.Duration
	// SpoolDir is the durable spool directory, created with mode 0700.
	SpoolDir string
	// TLSConfig, when set, makes the server offer STARTTLS.
	TLSConfig *tls.Config
	// RetryMin and RetryMax bound the back-off between attempts after a
	// temporary SubmitMail failure: RetryMin, doubling up to RetryMax.
	// Defaults DefaultRetryMin and DefaultRetryMax.
	RetryMin, RetryMax time.Duration
	// RetryFor is how long after it was received a message that keeps
	// failing temporarily is retried before it is moved to failed/.
	// Default DefaultRetryFor.
	RetryFor time.Duration
	// Now is the clock for spool times. Default time.Now.
	Now func() time.Time
}

// Server is the SMTP intake server. Create it with New, run it with Start
// and stop it with Shutdown; a Server is not restarted after Shutdown.
type Server struct {
	cfg        Config
	in         Intake
	log        *slog.Logger
	recipients map[string]bool
	smtp       *smtp.Server
	seq        atomic.Uint64
	closing    atomic.Bool
	wake       chan struct{} // a message was spooled

	mu    sync.Mutex
	state int // stateNew, stateRunning, stateStopped
	ln    *listener
	conns map[*trackedConn]struct{}

	// Set by Start.
	sessCtx    context.Context // for Intake calls from sessions
	stopSess   context.CancelFunc
	workCtx    context.Context // for the worker's SubmitMail calls
	stopWork   context.CancelFunc
	stop       chan struct{} // closed to ask the worker to stop
	workerDone chan struct{}
	serveDone  chan struct{}
}

const (
	stateNew = iota
	stateRunning
	stateStopped
)

// New checks cfg, fills in defaults and returns a Server that is not yet
// listening. A nil logger discards logs.
func New(cfg Config, in Intake, logger *slog.Logger) (*Server, error) {
	if in == nil {
		return nil, errors.New("mailin: new: nil Intake")
	}
	if cfg.Addr == "" {
		return nil, errors.New("mailin: new: Addr is required")
	}
	if cfg.SpoolDir == "" {
		return nil, errors.New("mailin: new: SpoolDir is required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
		if h, err := os.Hostname(); err == nil && h != "" {
			cfg.Domain = h
		}
	}
	if strings.ContainsAny(cfg.Domain, "\r\n") {
		return nil, errors.New("mailin: new: Domain contains a line break")
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = DefaultMaxRecipients
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.DataTimeout <= 0 {
		cfg.DataTimeout = DefaultDataTimeout
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = DefaultRetryMin
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = cfg.RetryMin
	}
	if cfg.RetryFor <= 0 {
		cfg.RetryFor = DefaultRetryFor
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	rcpts := make(map[string]bool, len(cfg.Recipients))
	for _, r := range cfg.Recipients {
		r = strings.ToLower(strings.TrimSpace(r))
		if r == "" || !strings.Contains(r, "@") || strings.ContainsAny(r, "\r\n<> ") {
			return nil, fmt.Errorf("mailin: new: bad recipient address %q", r)
		}
		rcpts[r] = true
	}
	cfg.Recipients = append([]string(nil), cfg.Recipients...)

	s := &Server{
		cfg:        cfg,
		in:         in,
		log:        logger,
		recipients: rcpts,
		wake:       make(chan struct{}, 1),
		conns:      make(map[*trackedConn]struct{}),
	}
	srv := smtp.NewServer(backend{s})
	srv.Addr = cfg.Addr
	srv.Domain = cfg.Domain
	srv.TLSConfig = cfg.TLSConfig
	// go-smtp refuses a message that reaches its limit, one byte short of
	// ours; the spool writer enforces MaxBytes itself.
	srv.MaxMessageBytes = cfg.MaxBytes + 1
	srv.MaxRecipients = cfg.MaxRecipients
	srv.MaxLineLength = maxLineLength
	srv.ReadTimeout = cfg.Timeout
	srv.WriteTimeout = cfg.Timeout
	srv.ErrorLog = smtpLogger{logger}
	s.smtp = srv
	return s, nil
}

// Start creates the spool directories, clears half-written files left by
// a crash, starts listening and starts the spool worker, which first
// delivers whatever a previous run left in the spool. ctx bounds start-up
// only; the server runs until Shutdown.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateNew {
		return errors.New("mailin: start: server already started")
	}
	pending, err := s.prepareSpool()
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	inner, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mailin: start: listen: %w", err)
	}
	s.ln = &listener{Listener: inner, srv: s, sem: make(chan struct{}, s.cfg.MaxConns), closed: make(chan struct{})}

	base := context.WithoutCancel(ctx)
	s.sessCtx, s.stopSess = context.WithCancel(base)
	s.workCtx, s.stopWork = context.WithCancel(base)
	s.stop = make(chan struct{})
	s.workerDone = make(chan struct{})
	s.serveDone = make(chan struct{})
	s.state = stateRunning

	go func() {
		defer close(s.serveDone)
		err := s.smtp.Serve(s.ln)
		if err != nil && !(s.closing.Load() && errors.Is(err, net.ErrClosed)) {
			s.log.Error("mailin: serve stopped", "error", err)
		}
	}()
	go s.work(s.workCtx, s.stop)

	s.log.Info("mailin: listening", "addr", inner.Addr().String(), "spool_dir", s.cfg.SpoolDir,
		"pending", pending, "starttls", s.cfg.TLSConfig != nil)
	return nil
}

// Addr returns the address the server listens on, or nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Shutdown stops accepting connections, refuses new mail transactions,
// lets sessions that are sending a message finish (closing idle ones),
// then stops the spool worker after the item it is working on. Mail still
// in the spool stays there for the next Start. If ctx ends first, Shutdown
// closes every connection, cancels the Intake calls in progress and
// returns ctx's error; a message whose DATA was cut off was never
// acknowledged, so the sending server will retry it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.state != stateRunning {
		s.state = stateStopped
		s.mu.Unlock()
		return nil
	}
	s.state = stateStopped
	s.mu.Unlock()
	s.closing.Store(true)

	forced := false
	sessionsDone := make(chan struct{})
	go func() {
		defer close(sessionsDone)
		// Closes the listener, then waits for every connection to end;
		// the loop below makes idle ones end.
		if err := s.smtp.Shutdown(context.Background()); err != nil {
			s.log.Warn("mailin: shutdown listener", "error", err)
		}
	}()
	// go-smtp closes only listeners its Serve has registered; Serve may
	// not have got that far yet.
	if err := s.ln.Close(); err != nil {
		s.log.Warn("mailin: close listener", "error", err)
	}
	tick := time.NewTicker(pokeInterval)
	s.pokeIdle()
wait:
	for {
		select {
		case <-sessionsDone:
			break wait
		case <-tick.C:
			s.pokeIdle()
		case <-ctx.Done():
			forced = true
			s.log.Warn("mailin: shutdown deadline: closing connections")
			s.stopSess()
			s.closeAll()
			select {
			case <-sessionsDone:
			case <-time.After(forceGrace):
				s.log.Error("mailin: sessions still running after shutdown")
			}
			break wait
		}
	}
	tick.Stop()

	close(s.stop)
	if forced {
		s.stopWork()
	}
	select {
	case <-s.workerDone:
	case <-ctx.Done():
		forced = true
		s.stopWork()
		select {
		case <-s.workerDone:
		case <-time.After(forceGrace):
			s.log.Error("mailin: spool worker still running after shutdown")
		}
	}
	s.stopSess()
	s.stopWork()
	<-s.serveDone
	s.log.Info("mailin: stopped", "forced", forced)
	if forced {
		return fmt.Errorf("mailin: shutdown: %w", ctx.Err())
	}
	return nil
}

// now is the configured clock.
func (s *Server) now() time.Time { return s.cfg.Now() }

// pokeIdle makes every connection that is not receiving a message give up
// waiting for its next command now.
func (s *Server) pokeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tc := range s.conns {
		tc.pokeIfIdle()
	}
}

// closeAll closes every connection, whatever it is doing.
func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tc := range s.conns {
		tc.Conn.Close()
	}
}

// listener limits the number of open connections and tracks each one so
// that Shutdown can reach it.
type listener struct {
	net.Listener
	srv       *Server
	sem       chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

// Accept waits for a free connection slot, then for a connection.
func (l *listener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.srv.mu.Lock()
	l.srv.conns[tc] = struct{}{}
	l.srv.mu.Unlock()
	return tc, nil
}

// Close stops Accept. Only the first call does anything.
func (l *listener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.closed)
		err = l.Listener.Close()
	})
	return err
}

// trackedConn is one accepted connection. go-smtp may wrap it in a
// tls.Conn after STARTTLS; deadlines set here apply to both.
type trackedConn struct {
	net.Conn
	l         *listener
	closeOnce sync.Once

	mu     sync.Mutex
	inData bool // receiving a message: Shutdown lets it finish
}

// Close closes the connection and frees its slot.
func (c *trackedConn) Close() error {
	c.closeOnce.Do(func() {
		c.l.srv.mu.Lock()
		delete(c.l.srv.conns, c)
		c.l.srv.mu.Unlock()
		<-c.l.sem
	})
	return c.Conn.Close()
}

// setInData marks the start or end of a message transfer.
func (c *trackedConn) setInData(v bool) {
	c.mu.Lock()
	c.inData = v
	c.mu.Unlock()
}

// pokeIfIdle ends the wait for the next command, unless a message is
// being received. go-smtp then replies 421 and closes the connection.
func (c *trackedConn) pokeIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.inData {
		c.Conn.SetReadDeadline(time.Now())
	}
}

// connOf finds our trackedConn under go-smtp's connection.
func connOf(c net.Conn) *trackedConn {
	for range 4 {
		switch v := c.(type) {
		case *trackedConn:
			return v
		case *tls.Conn:
			c = v.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// smtpLogger sends go-smtp's internal error log to slog.
type smtpLogger struct{ log *slog.Logger }

func (l smtpLogger) Printf(format string, v ...any) {
	l.log.Warn("mailin: smtp", "detail", fmt.Sprintf(format, v...))
}

func (l smtpLogger) Println(v ...any) {
	l.log.Warn("mailin: smtp", "detail", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

// spoolPath joins elem to the spool directory.
func (s *Server) spoolPath(elem ...string) string {
	return filepath.Join(append([]string{s.cfg.SpoolDir}, elem...)...)
}
