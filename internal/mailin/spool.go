package mailin

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The spool directory holds one file per accepted message, named
// <id>.msg, where ids sort in the order messages arrived. tmp/ holds
// messages being received; failed/ holds messages that were rejected or
// could not be read. An administrator can move a file from failed/ back
// into the spool directory to have it tried again.
//
// A spool file is one envelope line followed by the message exactly as it
// was received:
//
//	portcullis-spool/1 2026-01-02T15:04:05.123456789Z "sender@example.org"\n
//	<message bytes>
//
// The sender is quoted as by strconv.Quote.
const (
	spoolMagic   = "portcullis-spool/1"
	spoolExt     = ".msg"
	tmpDir       = "tmp"
	failedDir    = "failed"
	maxHeaderLen = 4096
	maxFromLen   = 320 // RFC 5321: 64 for the local part, @, 255 for the domain
)

// envelope is what the spool keeps about a message besides its bytes.
type envelope struct {
	From     string    // envelope sender
	Received time.Time // when the message was spooled
}

// header returns the envelope line that starts a spool file.
func (e envelope) header() ([]byte, error) {
	if err := checkFrom(e.From); err != nil {
		return nil, err
	}
	line := spoolMagic + " " + e.Received.UTC().Format(time.RFC3339Nano) + " " + strconv.Quote(e.From) + "\n"
	if len(line) > maxHeaderLen {
		return nil, errors.New("mailin: spool header too long")
	}
	return []byte(line), nil
}

// checkFrom accepts a non-empty envelope sender of valid UTF-8 with no
// control characters.
func checkFrom(from string) error {
	if from == "" {
		return errors.New("mailin: empty sender")
	}
	if len(from) > maxFromLen {
		return errors.New("mailin: sender too long")
	}
	if !utf8.ValidString(from) {
		return errors.New("mailin: sender is not UTF-8")
	}
	for _, r := range from {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return errors.New("mailin: control character in sender")
		}
	}
	return nil
}

// parseSpool splits a spool file into its envelope and the message.
func parseSpool(data []byte) (envelope, []byte, error) {
	head := data
	if len(head) > maxHeaderLen {
		head = head[:maxHeaderLen]
	}
	nl := bytes.IndexByte(head, '\n')
	if nl < 0 {
		return envelope{}, nil, errors.New("mailin: spool file: no envelope line")
	}
	line, raw := string(data[:nl]), data[nl+1:]
	rest, ok := strings.CutPrefix(line, spoolMagic+" ")
	if !ok {
		return envelope{}, nil, errors.New("mailin: spool file: not a spool file")
	}
	stamp, quoted, ok := strings.Cut(rest, " ")
	if !ok {
		return envelope{}, nil, errors.New("mailin: spool file: short envelope line")
	}
	received, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return envelope{}, nil, fmt.Errorf("mailin: spool file: time: %w", err)
	}
	if y := received.UTC().Year(); y < 1 || y > 9999 {
		return envelope{}, nil, errors.New("mailin: spool file: time out of range")
	}
	if !strings.HasPrefix(quoted, `"`) {
		return envelope{}, nil, errors.New("mailin: spool file: sender not quoted")
	}
	from, err := strconv.Unquote(quoted)
	if err != nil {
		return envelope{}, nil, fmt.Errorf("mailin: spool file: sender: %w", err)
	}
	if err := checkFrom(from); err != nil {
		return envelope{}, nil, fmt.Errorf("mailin: spool file: %w", err)
	}
	return envelope{From: from, Received: received}, raw, nil
}

// newID returns a fresh spool id. Ids sort by arrival: the time, then a
// counter, then randomness so that ids from two runs never collide.
func (s *Server) newID() string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%010d-%x", s.now().UTC().Format("20060102T150405.000000000Z"), s.seq.Add(1)%1e10, b)
}

// prepareSpool creates the spool directories, removes half-received
// messages (never acknowledged, so their senders retry) and counts the
// messages waiting.
func (s *Server) prepareSpool() (int, error) {
	for _, d := range []string{s.spoolPath(), s.spoolPath(tmpDir), s.spoolPath(failedDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return 0, fmt.Errorf("mailin: start: spool: %w", err)
		}
	}
	parts, err := os.ReadDir(s.spoolPath(tmpDir))
	if err != nil {
		return 0, fmt.Errorf("mailin: start: spool: %w", err)
	}
	for _, p := range parts {
		if err := os.Remove(s.spoolPath(tmpDir, p.Name())); err != nil {
			s.log.Warn("mailin: remove partial message", "file", p.Name(), "error", err)
		}
	}
	if len(parts) > 0 {
		s.log.Info("mailin: removed partial messages", "count", len(parts))
	}
	names, err := s.pending()
	if err != nil {
		return 0, fmt.Errorf("mailin: start: %w", err)
	}
	return len(names), nil
}

// pending lists the spooled messages, oldest first.
func (s *Server) pending() ([]string, error) {
	entries, err := os.ReadDir(s.cfg.SpoolDir)
	if err != nil {
		return nil, fmt.Errorf("mailin: spool: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), spoolExt) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// syncDir fsyncs a directory so that a rename in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// notifyWorker wakes the worker if it is waiting for mail.
func (s *Server) notifyWorker() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// work delivers spooled messages until stop is closed. Each pass takes
// the messages oldest first. After a temporary failure it waits (RetryMin,
// doubling up to RetryMax while failures continue) and goes on with the
// next message, so one message that keeps failing does not hold up the
// rest; it is tried again on the next pass.
func (s *Server) work(ctx context.Context, stop <-chan struct{}) {
	defer close(s.workerDone)
	attempts := make(map[string]int)
	failures := 0
	for {
		select {
		case <-stop:
			return
		default:
		}
		names, err := s.pending()
		if err != nil {
			s.log.Error("mailin: list spool", "error", err)
			failures++
			if !sleep(stop, s.backoff(failures)) {
				return
			}
			continue
		}
		if len(names) == 0 {
			clear(attempts)
			select {
			case <-stop:
				return
			case <-s.wake:
			}
			continue
		}
		for _, name := range names {
			select {
			case <-stop:
				return
			default:
			}
			if s.deliver(ctx, name, attempts) {
				failures = 0
				continue
			}
			failures++
			if !sleep(stop, s.backoff(failures)) {
				return
			}
		}
	}
}

// backoff is the wait after the n-th temporary failure in a row.
func (s *Server) backoff(n int) time.Duration {
	d := s.cfg.RetryMin
	for i := 1; i < n && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryMax)
}

// sleep waits for d, or returns false at once when stop is closed.
func sleep(stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-stop:
		return false
	case <-t.C:
		return true
	}
}

// deliver hands one spool file to the Intake. It reports false if the
// message failed temporarily and stays in the spool for another try.
func (s *Server) deliver(ctx context.Context, name string, attempts map[string]int) bool {
	log := s.log.With("id", strings.TrimSuffix(name, spoolExt))
	path := s.spoolPath(name)
	data, err := readSpoolFile(path, s.cfg.MaxBytes)
	if errors.Is(err, fs.ErrNotExist) {
		delete(attempts, name)
		return true
	}
	if err != nil {
		var bad *badSpoolError
		if errors.As(err, &bad) {
			log.Error("mailin: unreadable spool file", "error", err)
			return s.moveToFailed(name, attempts, log)
		}
		log.Error("mailin: read spool file", "error", err)
		return false
	}
	env, raw, err := parseSpool(data)
	if err != nil {
		log.Error("mailin: unreadable spool file", "error", err)
		return s.moveToFailed(name, attempts, log)
	}
	log = log.With("from", env.From, "bytes", len(raw))

	attempts[name]++
	callCtx, cancel := context.WithTimeout(ctx, submitTimeout)
	err = s.in.SubmitMail(callCtx, env.From, raw)
	cancel()
	switch {
	case err == nil:
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			// It would be delivered again; say so loudly.
			log.Error("mailin: delivered but not removed from spool", "error", err)
			return false
		}
		log.Info("mailin: report delivered", "attempts", attempts[name])
		delete(attempts, name)
		return true
	case errors.Is(err, ErrRejected):
		log.Warn("mailin: report rejected", "error", err)
		return s.moveToFailed(name, attempts, log)
	}
	age := s.now().Sub(env.Received)
	if age > s.cfg.RetryFor {
		log.Error("mailin: giving up on report", "error", err, "attempts", attempts[name], "age", age.String())
		return s.moveToFailed(name, attempts, log)
	}
	log.Warn("mailin: report delivery failed, will retry", "error", err, "attempts", attempts[name])
	return false
}

// badSpoolError is a spool file that can never be delivered.
type badSpoolError struct{ msg string }

func (e *badSpoolError) Error() string { return e.msg }

// readSpoolFile reads a spool file no bigger than a message of maxBytes
// plus its envelope line.
func readSpoolFile(path string, maxBytes int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &badSpoolError{"mailin: spool file is not a regular file"}
	}
	if fi.Size() > maxBytes+maxHeaderLen {
		return nil, &badSpoolError{fmt.Sprintf("mailin: spool file of %d bytes is over the limit", fi.Size())}
	}
	data := make([]byte, fi.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil, err
	}
	return data, nil
}

// moveToFailed moves a spool file into failed/. It reports false, so the
// worker backs off, if the move itself failed.
func (s *Server) moveToFailed(name string, attempts map[string]int, log *slog.Logger) bool {
	delete(attempts, name)
	if err := os.Rename(s.spoolPath(name), s.spoolPath(failedDir, name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return true
		}
		log.Error("mailin: move to failed", "error", err)
		return false
	}
	if err := syncDir(s.cfg.SpoolDir); err != nil {
		log.Error("mailin: spool directory sync failed", "error", err)
	}
	log.Info("mailin: moved to failed", "dir", s.spoolPath(failedDir))
	return true
}
