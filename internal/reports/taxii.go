package reports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"portcullis/internal/stix"
	"portcullis/internal/store"
	"portcullis/internal/taxii/client"
)

// Subscriptions to partners' TAXII collections: each poll pages through
// the objects added since the last one, imports them into the watchlist
// with their provenance (partner, collection, date), which starts a
// retro-hunt for each new hostile indicator, and stores the cursor after
// every page, so that a restart resumes where it stopped. Failures back
// off from 30 seconds to an hour.

// Subscribe records a partner collection to poll (admins, or the command
// line with actor nil).
func (s *Service) Subscribe(ctx context.Context, actor *store.User, sub *store.Subscription, ip string) error {
	if actor != nil {
		if err := require(actor, store.RoleAdmin); err != nil {
			return err
		}
	}
	if !strings.HasPrefix(sub.ObjectsURL, "https://") && !strings.HasPrefix(sub.ObjectsURL, "http://") {
		return Errorf(store.ErrInvalid, "the collection URL must start with https://")
	}
	if sub.Direction == "" {
		sub.Direction = "pull"
	}
	if strings.TrimSpace(sub.Partner) == "" {
		return Errorf(store.ErrInvalid, "name the partner: it is recorded as the source of what comes from them")
	}
	if err := s.db.CreateSubscription(ctx, sub); err != nil {
		return err
	}
	s.audit(ctx, actor, "taxii.subscribe", fmt.Sprintf("subscription:%d", sub.ID), Detail("direction", sub.Direction, "partner", sub.Partner, "url", sub.ObjectsURL), ip)
	return nil
}

// PollResult says what one poll did.
type PollResult struct {
	Pages, Objects, Imported, Updated int
	Notes                             []string
}

// Poll polls one pull subscription to the end of what is new.
func (s *Service) Poll(ctx context.Context, sub *store.Subscription, httpClient *client.Client) (PollResult, error) {
	var res PollResult
	c := httpClient
	if c == nil {
		c = &client.Client{}
	}
	c.ObjectsURL, c.Token, c.User, c.Password = sub.ObjectsURL, sub.Token, sub.Username, sub.Password
	now := s.now()
	fail := func(err error) (PollResult, error) {
		sub.Failures++
		sub.LastError = truncate(err.Error(), 500)
		next := now.Add(client.Backoff(sub.Failures))
		sub.NextAttempt = &next
		_ = s.db.SaveSubscriptionState(context.WithoutCancel(ctx), sub)
		return res, err
	}
	for {
		page, err := c.Fetch(ctx, sub.AddedAfter, sub.Next)
		if err != nil {
			return fail(err)
		}
		res.Pages++
		res.Objects += len(page.Objects)
		if len(page.Objects) > 0 {
			b, _ := json.Marshal(page.Objects)
			entries, rep, err := stix.Import(b)
			if err != nil {
				return fail(fmt.Errorf("the partner's objects could not be read: %w", err))
			}
			for _, sk := range rep.Skipped {
				res.Notes = append(res.Notes, fmt.Sprintf("skipped %s: %s", sk.ID, sk.Reason))
			}
			for _, e := range entries {
				// Provenance: who told us, through which collection, when.
				orig := e.Source.Name
				e.Source.Name = "TAXII " + sub.Partner
				if orig != "" && orig != sub.Partner {
					e.Source.Name += " (" + orig + ")"
				}
				if e.Source.URL == "" {
					e.Source.URL = sub.ObjectsURL
				}
				if e.Source.Date == "" {
					e.Source.Date = now.UTC().Format("2006-01-02")
				}
			}
			if len(entries) > 0 {
				ins, upd, err := s.putIndicators(ctx, nil, entries, "taxii", "")
				if err != nil && !errors.Is(err, store.ErrInvalid) {
					return fail(err)
				}
				res.Imported += ins
				res.Updated += upd
				sub.Imported += ins
			}
		}
		// The cursor moves only after the page is stored.
		if !page.DateAddedLast.IsZero() && page.DateAddedLast.After(sub.AddedAfter) {
			sub.AddedAfter = page.DateAddedLast
		}
		sub.Next = ""
		if page.More && page.Next != "" {
			sub.Next = page.Next
		}
		sub.Failures, sub.LastError, sub.NextAttempt = 0, "", nil
		polled := now
		sub.PolledAt = &polled
		if err := s.db.SaveSubscriptionState(ctx, sub); err != nil {
			return res, err
		}
		if !page.More || page.Next == "" || len(page.Objects) == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
	}
	s.audit(ctx, nil, "taxii.poll", fmt.Sprintf("subscription:%d", sub.ID), Detail("objects", res.Objects, "imported", res.Imported), "")
	return res, nil
}

// PollDue polls every pull subscription whose back-off has passed.
func (s *Service) PollDue(ctx context.Context) error {
	subs, err := s.db.ListSubscriptions(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	var errs []error
	for i := range subs {
		sub := &subs[i]
		if sub.Direction != "pull" || (sub.NextAttempt != nil && now.Before(*sub.NextAttempt)) {
			continue
		}
		if _, err := s.Poll(ctx, sub, nil); err != nil {
			s.logger.Warn("taxii poll failed", "subscription", sub.ID, "partner", sub.Partner, "failures", sub.Failures, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// startPoller polls subscriptions every interval until stop closes.
func (s *Service) startPoller(interval time.Duration, stop <-chan struct{}) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), interval)
				_ = s.PollDue(ctx)
				cancel()
			}
		}
	}()
}

// Subscriptions lists subscriptions (admins only); credentials are blanked.
func (s *Service) Subscriptions(ctx context.Context, actor *store.User) ([]store.Subscription, error) {
	if err := require(actor, store.RoleAdmin); err != nil {
		return nil, err
	}
	subs, err := s.db.ListSubscriptions(ctx)
	for i := range subs {
		subs[i].Token, subs[i].Password = "", ""
	}
	return subs, err
}
