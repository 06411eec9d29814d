package reports

import (
	"context"
	"fmt"
	"sync"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/notify"
	"portcullis/internal/store"
)

// Mailer sends mail; *notify.Mailer is one. nil means no outbound mail.
type Mailer interface {
	Send(ctx context.Context, m notify.Message) error
}

// mailQueue sends notification mail in the background, so that a report
// or a publication never waits for the relay. In-app notifications are
// stored first; mail is best effort, retried a few times.
type mailQueue struct {
	m    Mailer
	q    chan notify.Message
	wg   sync.WaitGroup
	once sync.Once
	s    *Service
}

func (s *Service) startMail() {
	if s.mailer == nil || s.mail != nil {
		return
	}
	mq := &mailQueue{m: s.mailer, q: make(chan notify.Message, 10000), s: s}
	s.mail = mq
	mq.wg.Add(1)
	go func() {
		defer mq.wg.Done()
		for msg := range mq.q {
			var err error
			for attempt := 0; attempt < 3; attempt++ {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				err = mq.m.Send(ctx, msg)
				cancel()
				if err == nil {
					break
				}
				time.Sleep(time.Duration(attempt+1) * time.Second)
			}
			if err != nil {
				s.logger.Warn("notification mail not sent", "to", len(msg.To), "err", err)
			}
		}
	}()
}

func (mq *mailQueue) enqueue(m notify.Message) {
	select {
	case mq.q <- m:
	default:
		mq.s.logger.Warn("notification mail queue full; mail dropped (the in-app notification stands)")
	}
}

func (mq *mailQueue) shutdown(ctx context.Context) error {
	mq.once.Do(func() { close(mq.q) })
	done := make(chan struct{})
	go func() { mq.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StartBackground starts the retro-hunt worker and the mail queue.
func (s *Service) StartBackground() {
	s.startMail()
	s.startCorrelator()
	if s.hunter == nil {
		s.StartHunter()
	}
	if s.stopPoll == nil {
		s.stopPoll = make(chan struct{})
		s.startPoller(s.pollEvery, s.stopPoll)
	}
}

// Shutdown stops the background work: hunts stop after their batch (and
// resume at the next start), queued mail is sent.
func (s *Service) Shutdown(ctx context.Context) error {
	var err error
	if s.corr != nil {
		err = s.corr.shutdown(ctx)
	}
	if s.stopPoll != nil {
		close(s.stopPoll)
		s.stopPoll = nil
	}
	if s.hunter != nil {
		if e := s.hunter.Shutdown(ctx); err == nil {
			err = e
		}
	}
	if s.mail != nil {
		if e := s.mail.shutdown(ctx); err == nil {
			err = e
		}
	}
	return err
}

// Notify stores an in-app notification for each user and, where email
// returns ok (and the user has not turned mail off), queues a mail.
func (s *Service) Notify(ctx context.Context, users []store.User, n store.Notification, email func(store.User, store.NotificationPrefs) (subject, text string, ok bool)) {
	if len(users) == 0 {
		return
	}
	ns := make([]store.Notification, 0, len(users))
	for _, u := range users {
		c := n
		c.UserID = u.ID
		ns = append(ns, c)
	}
	for i := 0; i < len(ns); i += 500 {
		if err := s.db.AddNotifications(ctx, ns[i:min(i+500, len(ns))]); err != nil {
			s.logger.Error("notifications not stored", "kind", n.Kind, "err", err)
			return
		}
	}
	if s.mail == nil || email == nil {
		return
	}
	for _, u := range users {
		p, err := s.db.GetNotificationPrefs(ctx, u.ID)
		if err != nil || p.NoEmail {
			continue
		}
		subject, text, ok := email(u, p)
		if !ok {
			continue
		}
		s.mail.enqueue(notify.Message{To: []string{u.Email}, Subject: subject, Text: text})
	}
}

func (s *Service) alreadyNotified(ctx context.Context, userID int64, kind, link string) bool {
	ns, err := s.db.ListNotifications(ctx, userID, false, 500)
	if err != nil {
		return false
	}
	for _, n := range ns {
		if n.Kind == kind && n.Link == link {
			return true
		}
	}
	return false
}

// analystsList is every active analyst and admin.
func (s *Service) analystsList(ctx context.Context) []store.User {
	all, err := s.db.ListUsers(ctx)
	if err != nil {
		return nil
	}
	var out []store.User
	for _, u := range all {
		if IsAnalyst(&u) {
			out = append(out, u)
		}
	}
	return out
}

// campaignMilestones are the sizes at which analysts hear that a
// campaign grew: often at first, then less so.
func campaignMilestone(n int) bool {
	switch n {
	case 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000:
		return true
	}
	return n > 1000 && n%1000 == 0
}

// tellAnalysts notifies the security team of a new high or critical
// report and of a campaign that grew. The mail says where to look, not
// what was reported: reports hold members' correspondence.
func (s *Service) tellAnalysts(ctx context.Context, r *store.Report, c correlation) {
	high := analysis.LevelRank(r.Level) >= analysis.LevelRank("high") && r.Intent == store.IntentReport
	grew := c.Campaign != nil && c.Grew && campaignMilestone(c.Campaign.Size)
	if !high && !grew {
		return
	}
	analysts := s.analystsList(ctx)
	if high {
		link := fmt.Sprintf("/reports/%d", r.ID)
		title := fmt.Sprintf("New %s-risk report %d", r.Level, r.ID)
		s.Notify(ctx, analysts, store.Notification{Kind: "report", Title: title, Body: r.Summary, Link: link, TLP: "amber"},
			func(u store.User, p store.NotificationPrefs) (string, string, bool) {
				if p.NoReportEmail {
					return "", "", false
				}
				return "Portcullis: " + title, fmt.Sprintf("%s\n\nOpen it: %s%s\n", title, s.publicURL, link), true
			})
	}
	if grew {
		link := fmt.Sprintf("/campaigns/%d", c.Campaign.ID)
		title := fmt.Sprintf("Campaign %d now has %d reports", c.Campaign.ID, c.Campaign.Size)
		if c.Created {
			title = fmt.Sprintf("New campaign %d: %d reports share an indicator, persona or text", c.Campaign.ID, c.Campaign.Size)
		}
		s.Notify(ctx, analysts, store.Notification{Kind: "campaign", Title: title, Link: link, TLP: "amber"},
			func(u store.User, p store.NotificationPrefs) (string, string, bool) {
				if p.NoCampaignEmail {
					return "", "", false
				}
				return "Portcullis: " + title, fmt.Sprintf("%s\n\nOpen it: %s%s\n", title, s.publicURL, link), true
			})
	}
}

// Notifications lists the actor's notifications.
func (s *Service) Notifications(ctx context.Context, actor *store.User, unreadOnly bool) ([]store.Notification, error) {
	if err := require(actor, store.RoleReporter); err != nil {
		return nil, err
	}
	return s.db.ListNotifications(ctx, actor.ID, unreadOnly, 200)
}

// UnreadCount counts the actor's unread notifications (0 on error).
func (s *Service) UnreadCount(ctx context.Context, actor *store.User) int {
	if actor == nil {
		return 0
	}
	n, _ := s.db.CountUnread(ctx, actor.ID)
	return n
}

// MarkRead marks one (id > 0) or all of the actor's notifications read.
func (s *Service) MarkRead(ctx context.Context, actor *store.User, id int64) error {
	if err := require(actor, store.RoleReporter); err != nil {
		return err
	}
	return s.db.MarkRead(ctx, actor.ID, id)
}

// Prefs returns the actor's notification preferences.
func (s *Service) Prefs(ctx context.Context, actor *store.User) (store.NotificationPrefs, error) {
	if err := require(actor, store.RoleReporter); err != nil {
		return store.NotificationPrefs{}, err
	}
	return s.db.GetNotificationPrefs(ctx, actor.ID)
}

// SetPrefs saves the actor's notification preferences.
func (s *Service) SetPrefs(ctx context.Context, actor *store.User, p store.NotificationPrefs) error {
	if err := require(actor, store.RoleReporter); err != nil {
		return err
	}
	p.UserID = actor.ID
	return s.db.SetNotificationPrefs(ctx, p)
}

// SetPublicURL sets where users reach the service, for links in mail
// (known only once the server listens).
func (s *Service) SetPublicURL(u string) { s.publicURL = u }
