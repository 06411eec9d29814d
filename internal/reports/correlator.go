package reports

import (
	"context"
	"sync"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/store"
)

// correlator correlates stored reports and tells analysts, one at a time,
// off the request path: a burst of reports is accepted at the speed of
// storing them, and campaigns catch up behind. A report still queued when
// the process dies misses its campaign until 'portcullis campaigns
// rebuild'; Shutdown drains the queue first.
type correlator struct {
	q      chan corrJob
	wg     sync.WaitGroup
	once   sync.Once
	mu     sync.Mutex
	closed bool
	busy   sync.WaitGroup // queued or running jobs, for Flush
}

type corrJob struct {
	r   *store.Report
	res *analysis.Result
}

func (s *Service) startCorrelator() {
	if s.corr != nil {
		return
	}
	c := &correlator{q: make(chan corrJob, 100_000)}
	s.corr = c
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for j := range c.q {
			s.correlateNow(context.Background(), j.r, j.res)
			c.busy.Done()
		}
	}()
}

func (s *Service) afterStore(ctx context.Context, r *store.Report, res *analysis.Result) {
	if c := s.corr; c != nil {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			s.correlateNow(ctx, r, res)
			return
		}
		c.busy.Add(1)
		select {
		case c.q <- corrJob{r, res}:
			c.mu.Unlock()
			return
		default:
			c.busy.Done()
			c.mu.Unlock()
			s.logger.Warn("correlation queue full; correlating inline", "report", r.ID)
		}
	}
	s.correlateNow(ctx, r, res)
}

func (s *Service) correlateNow(ctx context.Context, r *store.Report, res *analysis.Result) {
	c, err := s.correlate(ctx, r, res)
	if err != nil {
		s.logger.Error("correlation failed", "report", r.ID, "err", err)
	}
	s.tellAnalysts(ctx, r, c)
}

// Flush waits until every report stored so far has been correlated (for
// tests and commands that read campaigns right after reporting).
func (s *Service) Flush(ctx context.Context) error {
	c := s.corr
	if c == nil {
		return nil
	}
	done := make(chan struct{})
	go func() { c.busy.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *correlator) shutdown(ctx context.Context) error {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		close(c.q)
		c.mu.Unlock()
	})
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Minute):
		return context.DeadlineExceeded
	}
}
