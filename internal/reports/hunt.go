package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/indicator"
	"portcullis/internal/intel"
	"portcullis/internal/message"
	"portcullis/internal/store"
)

// A retro-hunt searches every stored report for one indicator: first
// the extracted indicators (an index look-up, immediate), then the raw
// text and, for people and organisations, the persona-aware matcher over
// each report in id order. Matches are recorded as sightings, the reports
// are re-scored with today's watchlist (so they rise in the queue) and
// their reporters may be followed up. A hunt is a durable job: it records
// its cursor as it goes and resumes after a restart.

// StartHunt queues a retro-hunt for a watchlist entry (analysts, or the
// system with actor nil).
func (s *Service) StartHunt(ctx context.Context, actor *store.User, indicatorID, reason, ip string) (*store.HuntJob, error) {
	if actor != nil {
		if err := require(actor, store.RoleAnalyst); err != nil {
			return nil, err
		}
	}
	rec, err := s.db.GetIndicator(ctx, indicatorID)
	if err != nil {
		return nil, err
	}
	total, err := s.db.CountAllReports(ctx)
	if err != nil {
		return nil, err
	}
	j := &store.HuntJob{IndicatorID: rec.ID, Type: string(rec.Entry.Type), Value: rec.Entry.Value, Status: store.HuntQueued,
		Total: total, Reason: truncate(reason, 200)}
	if actor != nil {
		j.CreatedBy = actor.ID
	}
	if err := s.db.CreateHuntJob(ctx, j); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, "hunt.start", fmt.Sprintf("hunt:%d", j.ID), Detail("indicator", rec.ID, "reason", reason), ip)
	s.wakeHunter()
	return j, nil
}

// HuntJobs lists recent retro-hunts (analysts only).
func (s *Service) HuntJobs(ctx context.Context, actor *store.User) ([]store.HuntJob, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.ListHuntJobs(ctx, 100)
}

// HuntJob returns one retro-hunt (analysts only).
func (s *Service) HuntJob(ctx context.Context, actor *store.User, id int64) (*store.HuntJob, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.GetHuntJob(ctx, id)
}

// Hunter runs queued retro-hunts in the background.
type Hunter struct {
	s    *Service
	wake chan struct{}
	stop chan struct{}
	done chan struct{}
	once sync.Once
	Poll time.Duration // how often to look for work without a wake-up
}

func (s *Service) wakeHunter() {
	if h := s.hunter; h != nil {
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
}

// StartHunter starts the background retro-hunt worker. Jobs left running
// by a stopped process are resumed from their cursor.
func (s *Service) StartHunter() *Hunter {
	h := &Hunter{s: s, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), Poll: 5 * time.Second}
	s.hunter = h
	go h.loop()
	h.wake <- struct{}{}
	return h
}

// Shutdown stops the worker after its current batch; the job stays
// running in the store and is resumed at the next start.
func (h *Hunter) Shutdown(ctx context.Context) error {
	h.once.Do(func() { close(h.stop) })
	select {
	case <-h.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hunter) loop() {
	defer close(h.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-h.stop
		cancel()
	}()
	t := time.NewTicker(h.Poll)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-h.wake:
		case <-t.C:
		}
		for ctx.Err() == nil {
			j, err := h.s.db.ClaimHuntJob(ctx)
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			if err != nil {
				h.s.logger.Warn("hunt: claim failed", "err", err)
				break
			}
			if err := h.s.RunHunt(ctx, j, nil); err != nil && ctx.Err() == nil {
				h.s.logger.Error("hunt failed", "hunt", j.ID, "err", err)
			}
		}
	}
}

// HuntResult is what a finished (or advancing) hunt found.
type HuntResult struct {
	Job         *store.HuntJob
	ExactTime   time.Duration // the indexed look-up of extracted indicators
	Matched     []int64       // reports matched so far
	Rescored    int
	Elapsed     time.Duration
	FollowUpFor []int64 // reports whose reporters were followed up
}

// RunHunt runs a claimed job to the end (or until ctx ends, leaving it
// resumable). progress, when set, is called after each batch.
func (s *Service) RunHunt(ctx context.Context, j *store.HuntJob, progress func(*store.HuntJob)) error {
	_, err := s.runHunt(ctx, j, progress)
	return err
}

func (s *Service) runHunt(ctx context.Context, j *store.HuntJob, progress func(*store.HuntJob)) (*HuntResult, error) {
	start := time.Now()
	res := &HuntResult{Job: j}
	rec, err := s.db.GetIndicator(ctx, j.IndicatorID)
	if err != nil {
		_ = s.db.FinishHuntJob(context.WithoutCancel(ctx), j.ID, store.HuntFailed, "the indicator is gone: "+err.Error())
		return res, err
	}
	matched := map[int64]bool{}
	if j.Cursor > 0 {
		// Resuming: what earlier runs of this hunt found stays found.
		prev, err := s.db.SightingsOf(ctx, rec.ID, 10_000_000)
		if err != nil {
			return res, err
		}
		for _, sg := range prev {
			matched[sg.ReportID] = true
		}
	}
	record := func(ids map[int64]string, field string) error {
		var ss []store.Sighting
		for id, m := range ids {
			if matched[id] {
				continue
			}
			matched[id] = true
			ss = append(ss, store.Sighting{IndicatorID: rec.ID, ReportID: id, Source: "hunt", Field: field, Matched: truncate(m, 500)})
		}
		if len(ss) == 0 {
			return nil
		}
		// AddSightings takes SeenAt from each report's creation time.
		if _, err := s.db.AddSightings(ctx, ss); err != nil {
			return err
		}
		for _, sg := range ss {
			if ok, err := s.rescore(ctx, sg.ReportID); err != nil {
				return err
			} else if ok {
				res.Rescored++
			}
		}
		return nil
	}
	// 1. Extracted indicators: an index look-up.
	t0 := time.Now()
	if j.Cursor == 0 {
		exact, err := s.db.ReportsWithIndicators(ctx, []store.ReportIndicator{{Type: string(rec.Entry.Type), Value: rec.Entry.Value}}, 0, 1_000_000)
		if err != nil {
			return res, err
		}
		res.ExactTime = time.Since(t0)
		ids := map[int64]string{}
		for id := range exact {
			ids[id] = rec.Entry.Value
		}
		if err := record(ids, "indicators"); err != nil {
			return res, err
		}
	}
	// 2. Raw text and persona-aware matching, resumable by cursor.
	wl := intel.New([]*intel.Entry{watchOnly(rec.Entry)})
	needle := []byte(strings.ToLower(rec.Entry.Value))
	typed := rec.Entry.Type != indicator.Person && rec.Entry.Type != indicator.Organization
	batch := s.huntBatch
	for ctx.Err() == nil {
		rs, err := s.db.ReportsRawAfter(ctx, j.Cursor, batch)
		if err != nil {
			return res, err
		}
		if len(rs) == 0 {
			break
		}
		ids := map[int64]string{}
		for i := range rs {
			r := &rs[i]
			if matched[r.ID] {
				continue
			}
			if typed && len(needle) >= 4 && bytes.Contains(bytes.ToLower(r.Raw), needle) {
				ids[r.ID] = rec.Entry.Value
				continue
			}
			p, err := message.Parse(bytes.NewReader(r.Raw), message.Limits{MaxBytes: s.maxBytes})
			if err != nil {
				continue
			}
			x := s.engine.Extractor().Extract(p)
			if ms := wl.Match(p, x); len(ms) > 0 {
				ids[r.ID] = ms[0].Matched
			}
		}
		if err := record(ids, "raw"); err != nil {
			return res, err
		}
		j.Cursor = rs[len(rs)-1].ID
		j.Done += len(rs)
		j.Found = len(matched)
		if err := s.db.UpdateHuntProgress(ctx, j.ID, j.Cursor, j.Done, j.Found); err != nil {
			return res, err
		}
		if progress != nil {
			progress(j)
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err // resumable: the job stays running with its cursor
	}
	j.Found = len(matched)
	if err := s.db.UpdateHuntProgress(ctx, j.ID, j.Cursor, j.Done, j.Found); err != nil {
		return res, err
	}
	if err := s.db.FinishHuntJob(ctx, j.ID, store.HuntDone, ""); err != nil {
		return res, err
	}
	j.Status = store.HuntDone
	for id := range matched {
		res.Matched = append(res.Matched, id)
	}
	res.Elapsed = time.Since(start)
	s.audit(ctx, nil, "hunt.done", fmt.Sprintf("hunt:%d", j.ID), Detail("found", j.Found, "scanned", j.Done), "")
	s.afterHunt(ctx, j, rec)
	return res, nil
}

// watchOnly copies an entry as a watch entry, so that a context entry
// (which never flags alone) still finds its sightings.
func watchOnly(e *intel.Entry) *intel.Entry {
	c := *e
	if c.Kind == intel.Context {
		c.Kind = intel.Watch
	}
	c.ValidFrom, c.ValidUntil = time.Time{}, time.Time{}
	return &c
}

// rescore analyses a stored report again with today's watchlist and
// stores the new verdict when it changed. A report that rises to medium
// or above after being closed as benign is reopened.
func (s *Service) rescore(ctx context.Context, id int64) (bool, error) {
	r, err := s.db.GetReport(ctx, id)
	if err != nil {
		return false, err
	}
	res, err := s.analyzer.Load().Analyze(bytes.NewReader(r.Raw), r.RawName)
	if err != nil {
		return false, nil
	}
	if res.Score == r.Score && res.Level == r.Level {
		return false, nil
	}
	js, err := json.Marshal(res)
	if err != nil {
		return false, err
	}
	inds := make([]store.ReportIndicator, 0, len(res.Indicators))
	for _, in := range res.Indicators {
		inds = append(inds, store.ReportIndicator{Type: string(in.Type), Value: in.Value, Field: in.Field})
	}
	ruleIDs := make([]string, 0, len(res.Findings))
	for _, f := range res.Findings {
		ruleIDs = append(ruleIDs, f.Rule)
	}
	if err := s.db.UpdateAnalysis(ctx, id, res.Score, res.Level, res.Summary, js, inds, ruleIDs); err != nil {
		return false, err
	}
	if analysis.LevelRank(res.Level) > analysis.LevelRank(r.Level) && r.Status == store.StatusClosed && analysis.LevelRank(res.Level) >= analysis.LevelRank("medium") {
		st := store.StatusNew
		if _, err := s.db.UpdateCase(ctx, id, store.CaseUpdate{Status: &st}); err != nil {
			return false, err
		}
	}
	_ = s.db.AddNote(ctx, &store.Note{ReportID: id, Kind: store.NoteChange,
		Text: fmt.Sprintf("re-scored after a retro-hunt: %s %d → %s %d", r.Level, r.Score, res.Level, res.Score)})
	return true, nil
}

// RunHuntNow runs one queued hunt in the calling goroutine (the command
// line), with progress.
// Queued hunts run oldest first, so any queued before it run as well.
func (s *Service) RunHuntNow(ctx context.Context, id int64, progress func(*store.HuntJob)) (*HuntResult, error) {
	for {
		j, err := s.db.ClaimHuntJob(ctx)
		if errors.Is(err, store.ErrNotFound) {
			// Someone else (a running serve) has it: wait for it.
			j, err := s.db.GetHuntJob(ctx, id)
			if err != nil {
				return nil, err
			}
			if j.Status == store.HuntDone || j.Status == store.HuntFailed {
				return &HuntResult{Job: j}, nil
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Second):
			}
			if progress != nil {
				progress(j)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if j.ID != id {
			if _, err := s.runHunt(ctx, j, nil); err != nil {
				return nil, err
			}
			continue
		}
		return s.runHunt(ctx, j, progress)
	}
}

// CorrelateOnly stores a report by actor from raw input and correlates
// it, returning how long the correlation took (for scale measurements:
// analysis is timed elsewhere).
func (s *Service) CorrelateOnly(ctx context.Context, actor *store.User, raw []byte) (time.Duration, error) {
	res, err := s.Analyze(raw, "generated")
	if err != nil {
		return 0, err
	}
	js, _ := json.Marshal(res)
	r := &store.Report{ReporterID: actor.ID, Channel: "api", Intent: store.IntentReport, Platform: "linkedin", Title: title(res.Parsed),
		Raw: raw, Kind: res.Kind, Score: res.Score, Level: res.Level, Summary: res.Summary, Analysis: js}
	inds := make([]store.ReportIndicator, 0, len(res.Indicators))
	for _, in := range res.Indicators {
		inds = append(inds, store.ReportIndicator{Type: string(in.Type), Value: in.Value, Field: in.Field})
	}
	if err := s.db.CreateReport(ctx, r, inds, nil, nil); err != nil {
		return 0, err
	}
	t0 := time.Now()
	_, err = s.correlate(ctx, r, res)
	return time.Since(t0), err
}

// Sightings lists the reports an indicator was seen in (analysts only).
func (s *Service) Sightings(ctx context.Context, actor *store.User, indicatorID string) ([]store.Sighting, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	return s.db.SightingsOf(ctx, indicatorID, 500)
}
