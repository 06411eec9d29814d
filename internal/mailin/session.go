package mailin

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Replies. go-smtp writes an *smtp.SMTPError returned by a session
// method as the reply.
var (
	errShuttingDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
		Message: "Service shutting down, please try again later"}
	errCheckFailed = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Cannot check your address just now, please try again later"}
	errNullSender = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Mail with an empty sender (bounces, auto-replies) is not accepted here: forward from your work address, or report on the web"}
	errSpool = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Cannot queue your report just now, please try again later"}
	errDataTimeout = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2},
		Message: "Timed out receiving the message, please try again"}
	errDataRead = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Error receiving the message, please try again"}
	errLongLine = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: fmt.Sprintf("Message has a line longer than %d characters", maxLineLength)}
)

// backend makes a session for each connection that says EHLO or HELO.
type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	if b.s.closing.Load() {
		return nil, errShuttingDown
	}
	sess := &session{s: b.s, conn: connOf(c.Conn()), remote: "unknown"}
	if a := c.Conn().RemoteAddr(); a != nil {
		sess.remote = a.String()
	}
	if len(b.s.cfg.Allow) > 0 && !allowed(b.s.cfg.Allow, c.Conn().RemoteAddr()) {
		b.s.log.Warn("smtp client refused: not in the allowed networks", "remote", sess.remote)
		return nil, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: "This server takes reports only from the organisation's mail servers"}
	}
	_, sess.tls = c.TLSConnectionState()
	return sess, nil
}

// session is one SMTP conversation after EHLO. go-smtp calls its methods
// from the connection's goroutine only (and Data, for BDAT, from one more
// while that goroutine waits for chunks).
type session struct {
	s      *Server
	conn   *trackedConn // nil if go-smtp's connection is not ours
	remote string
	tls    bool
	from   string
}

func (ss *session) Reset()        { ss.from = "" }
func (ss *session) Logout() error { return nil }

// Mail accepts the envelope sender only if it is a registered user.
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = ""
	if ss.s.closing.Load() {
		return errShuttingDown
	}
	log := ss.s.log.With("remote_addr", ss.remote, "from", from)
	if from == "" {
		log.Info("mailin: sender refused", "reason", "null sender")
		return errNullSender
	}
	if err := checkFrom(from); err != nil {
		log.Info("mailin: sender refused", "reason", err.Error())
		return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 7},
			Message: "Malformed sender address"}
	}
	ctx, cancel := context.WithTimeout(ss.s.sessCtx, checkTimeout)
	defer cancel()
	ok, err := ss.s.in.KnownSender(ctx, from)
	if err != nil {
		log.Warn("mailin: sender check failed", "error", err)
		return errCheckFailed
	}
	if !ok {
		log.Info("mailin: sender refused", "reason", "not a registered user")
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: fmt.Sprintf("<%s> is not a registered Portcullis user: forward from your work address, or report on the web", from)}
	}
	ss.from = from
	return nil
}

// Rcpt accepts only the configured report addresses.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if len(ss.s.recipients) == 0 || ss.s.recipients[strings.ToLower(to)] {
		return nil
	}
	if len(to) > maxFromLen {
		to = strings.ToValidUTF8(to[:maxFromLen], "") + "..."
	}
	ss.s.log.Info("mailin: recipient refused", "remote_addr", ss.remote, "from", ss.from, "rcpt", to)
	msg := fmt.Sprintf("<%s> is not a report address here", to)
	if len(ss.s.cfg.Recipients) > 0 {
		msg += ": send reports to " + ss.s.cfg.Recipients[0]
	}
	return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: msg}
}

// Data streams the message into the spool and replies only once it is
// safely on disk.
func (ss *session) Data(r io.Reader) error {
	if ss.conn != nil {
		ss.conn.setInData(true)
		defer ss.conn.setInData(false)
	}
	if ss.from == "" {
		// go-smtp does not call Data without a successful MAIL; be safe.
		return &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "Need MAIL first"}
	}
	log := ss.s.log.With("remote_addr", ss.remote, "from", ss.from)
	dr := &deadlineReader{r: r, end: time.Now().Add(ss.s.cfg.DataTimeout), idle: ss.s.cfg.Timeout}
	if ss.conn != nil {
		dr.conn = ss.conn.Conn
	}
	id, n, err := ss.s.spool(ss.from, dr)
	if err != nil {
		var tooBig *tooBigError
		switch {
		case errors.As(err, &tooBig) || errors.Is(err, smtp.ErrDataTooLarge):
			log.Info("mailin: message refused", "reason", "too big", "max_bytes", ss.s.cfg.MaxBytes)
			return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
				Message: fmt.Sprintf("Message too big: the limit is %s. Forward the suspicious message without large attachments, or report it on the web",
					formatBytes(ss.s.cfg.MaxBytes))}
		case dr.err == nil:
			// Reading went fine, so writing the spool failed.
			log.Error("mailin: spool write failed", "error", err)
			return errSpool
		case errors.Is(dr.err, smtp.ErrTooLongLine):
			log.Info("mailin: message refused", "reason", "line too long")
			return errLongLine
		case isTimeout(dr.err):
			log.Info("mailin: message refused", "reason", "timeout", "bytes", n)
			return errDataTimeout
		case errors.Is(dr.err, smtp.ErrDataReset):
			return dr.err
		default:
			log.Info("mailin: message refused", "reason", "read error", "error", dr.err)
			return errDataRead
		}
	}
	ss.s.notifyWorker()
	log.Info("mailin: report queued", "id", id, "bytes", n, "tls", ss.tls)
	// go-smtp replies "250 OK: queued" to a nil error; a 250 "error" is
	// how a backend words the reply itself.
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0},
		Message: fmt.Sprintf("Thank you: your report is queued (id %s)", id)}
}

// spool writes one message: a temporary file in tmp/, fsynced, renamed
// into the spool and the directory fsynced. It returns the spool id and
// the size of the message.
func (s *Server) spool(from string, r io.Reader) (id string, n int64, err error) {
	id = s.newID()
	hdr, err := envelope{From: from, Received: s.now()}.header()
	if err != nil {
		return "", 0, err
	}
	f, err := os.CreateTemp(s.spoolPath(tmpDir), id+"-*.part")
	if err != nil {
		return "", 0, fmt.Errorf("mailin: spool: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 64<<10)
	if _, err := w.Write(hdr); err != nil {
		return "", 0, fmt.Errorf("mailin: spool: %w", err)
	}
	// One byte over the limit tells a message that is too big from one
	// that fits exactly.
	n, err = io.Copy(w, io.LimitReader(r, s.cfg.MaxBytes+1))
	if err != nil {
		return "", n, err
	}
	if n > s.cfg.MaxBytes {
		return "", n, &tooBigError{}
	}
	if err := w.Flush(); err != nil {
		return "", n, fmt.Errorf("mailin: spool: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", n, fmt.Errorf("mailin: spool: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", n, fmt.Errorf("mailin: spool: %w", err)
	}
	if err := os.Rename(tmp, s.spoolPath(id+spoolExt)); err != nil {
		return "", n, fmt.Errorf("mailin: spool: %w", err)
	}
	done = true
	if err := syncDir(s.cfg.SpoolDir); err != nil {
		// The file is in place and will be delivered; only durability
		// across a power cut is weaker.
		s.log.Warn("mailin: spool directory sync failed", "error", err)
	}
	return id, n, nil
}

// tooBigError is a message over MaxBytes.
type tooBigError struct{}

func (*tooBigError) Error() string { return "mailin: message too big" }

// deadlineReader refreshes the connection's read deadline before each
// read, never past end, and remembers the first read error.
type deadlineReader struct {
	r    io.Reader
	conn net.Conn // nil: leave deadlines alone
	idle time.Duration
	end  time.Time
	err  error
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	if d.conn != nil {
		dl := time.Now().Add(d.idle)
		if dl.After(d.end) {
			dl = d.end
		}
		d.conn.SetReadDeadline(dl)
	}
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF && d.err == nil {
		d.err = err
	}
	return n, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// formatBytes writes a size for people: "25 MiB", "1500 bytes".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// allowed reports whether addr is in one of the networks.
func allowed(nets []netip.Prefix, addr net.Addr) bool {
	if addr == nil {
		return false
	}
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}
