package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"portcullis/internal/intel"
	"portcullis/internal/stix"
	"portcullis/internal/store"
	"portcullis/internal/taxii"
	"portcullis/internal/taxii/client"
)

// Sharing with partners: what the security team adds to the watchlist is
// published to our TAXII indicators collection (TLP:RED never), advisories
// to the advisories collection, and every few minutes the sightings are
// summarised (how often and when each indicator was seen, never who) into
// the sightings collection. Push subscriptions send what is new in a
// collection of ours to a partner's writable collection.

func (s *Server) publishIndicators(ctx context.Context, entries []*intel.Entry) {
	if s.taxii == nil {
		return
	}
	if _, err := s.taxii.PublishIndicators(ctx, entries); err != nil {
		s.logger.Error("taxii: publish indicators", "err", err)
	}
}

func (s *Server) publishAdvisory(ctx context.Context, a *store.Advisory, entries []*intel.Entry) {
	if s.taxii == nil || a.PublishedAt == nil {
		return
	}
	b, err := stix.ExportReport(stix.Report{Key: fmt.Sprintf("advisory:%d", a.ID), Name: a.Title, Description: a.Body, TLP: a.TLP,
		Created: a.CreatedAt, Published: *a.PublishedAt}, entries, time.Now(), stix.ExportOptions{TLPMax: "amber+strict"})
	if err != nil {
		s.logger.Info("taxii: advisory not shared", "advisory", a.ID, "why", err)
		return
	}
	if _, err := s.taxii.PublishAdvisory(ctx, b); err != nil {
		s.logger.Error("taxii: publish advisory", "advisory", a.ID, "err", err)
	}
}

// PublishSightings summarises every sighting of a stored watchlist entry
// into the sightings collection.
func (s *Server) PublishSightings(ctx context.Context) (int, error) {
	if s.taxii == nil {
		return 0, nil
	}
	sums, err := s.db.SightingSummaries(ctx, time.Time{})
	if err != nil {
		return 0, err
	}
	var out []taxii.SightingSummary
	for _, sm := range sums {
		rec, err := s.db.GetIndicator(ctx, sm.IndicatorID)
		if err != nil || rec.Entry.Kind == intel.Allow || rec.Entry.TLP == "red" {
			continue
		}
		id, err := taxii.EntrySTIXID(rec.Entry)
		if err != nil {
			continue
		}
		out = append(out, taxii.SightingSummary{IndicatorSTIXID: id, Count: sm.Count, First: sm.First, Last: sm.Last, TLP: rec.Entry.TLP})
	}
	if len(out) == 0 {
		return 0, nil
	}
	return s.taxii.PublishSightings(ctx, out)
}

// Push sends what is new in one of our collections (sub.Source) to a
// partner's writable collection, for a push subscription; PushAfter is
// the last sequence sent.
func (s *Server) Push(ctx context.Context, sub *store.Subscription) (int, error) {
	// What leaves is decided by the same TLP choke point as our own
	// TAXII endpoints: the partner must be registered, and its maximum
	// TLP applies (unmarked objects take the collection's default; RED
	// never leaves).
	p, err := s.db.GetPartnerByName(ctx, sub.Partner)
	if err != nil {
		return 0, fmt.Errorf("push to %s: register the partner first ('portcullis taxii partner add'), so that its TLP is known: %w", sub.Partner, err)
	}
	c := &client.Client{ObjectsURL: sub.ObjectsURL, Token: sub.Token, User: sub.Username, Password: sub.Password}
	sent := 0
	for {
		objs, nextSeq, more, err := s.taxii.ReleasableObjects(ctx, sub.Source, p.MaxTLP, sub.PushAfter, 500)
		if err != nil {
			return sent, err
		}
		if len(objs) > 0 {
			raws := make([]json.RawMessage, 0, len(objs))
			for _, o := range objs {
				raws = append(raws, json.RawMessage(o.Body))
			}
			if _, err := c.Push(ctx, raws); err != nil {
				sub.Failures++
				sub.LastError = err.Error()
				next := time.Now().Add(client.Backoff(sub.Failures))
				sub.NextAttempt = &next
				_ = s.db.SaveSubscriptionState(context.WithoutCancel(ctx), sub)
				return sent, err
			}
			sent += len(raws)
			sub.Imported += len(raws)
		}
		if nextSeq > sub.PushAfter {
			sub.PushAfter = nextSeq
		}
		sub.Failures, sub.LastError, sub.NextAttempt = 0, "", nil
		now := time.Now()
		sub.PolledAt = &now
		if err := s.db.SaveSubscriptionState(ctx, sub); err != nil {
			return sent, err
		}
		if !more {
			break
		}
	}
	return sent, nil
}

// shareLoop publishes sightings and runs push subscriptions every
// interval until ctx ends.
func (s *Server) shareLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.PublishSightings(ctx); err != nil {
			s.logger.Warn("taxii: publish sightings", "err", err)
		}
		subs, err := s.db.ListSubscriptions(ctx)
		if err != nil {
			continue
		}
		for i := range subs {
			sub := &subs[i]
			if sub.Direction != "push" || (sub.NextAttempt != nil && time.Now().Before(*sub.NextAttempt)) {
				continue
			}
			if _, err := s.Push(ctx, sub); err != nil {
				s.logger.Warn("taxii: push failed", "subscription", sub.ID, "partner", sub.Partner, "err", err)
			}
		}
	}
}
