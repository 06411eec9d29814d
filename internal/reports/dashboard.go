package reports

import (
	"context"
	"time"

	"portcullis/internal/store"
)

// Dashboard is the security team's overview.
type Dashboard struct {
	Since        time.Time
	Weeks        []store.WeekCount
	TriageMedian time.Duration
	TriageP90    time.Duration
	Triaged      int
	OpenCases    int
	Campaigns    []store.Campaign
	ByRole       []store.Count
	ByOffice     []store.Count
	ActiveHunts  []store.HuntJob
	TotalReports int
}

// Dashboard gathers the overview for the last weeks (analysts only).
func (s *Service) Dashboard(ctx context.Context, actor *store.User, weeks int) (*Dashboard, error) {
	if err := require(actor, store.RoleAnalyst); err != nil {
		return nil, err
	}
	if weeks <= 0 || weeks > 104 {
		weeks = 12
	}
	now := s.now().UTC()
	// From the Monday weeks-1 weeks back.
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	d := &Dashboard{Since: monday.AddDate(0, 0, -7*(weeks-1))}
	var err error
	if d.Weeks, err = s.db.ReportsPerWeek(ctx, d.Since); err != nil {
		return nil, err
	}
	if d.TriageMedian, d.TriageP90, d.Triaged, err = s.db.TriageTimes(ctx, d.Since); err != nil {
		return nil, err
	}
	if d.OpenCases, err = s.db.OpenCases(ctx); err != nil {
		return nil, err
	}
	if d.Campaigns, err = s.db.ListCampaigns(ctx, store.CampaignActive, 10, 0); err != nil {
		return nil, err
	}
	if d.ByRole, err = s.db.TargetedBy(ctx, "role", d.Since, 10); err != nil {
		return nil, err
	}
	if d.ByOffice, err = s.db.TargetedBy(ctx, "office", d.Since, 10); err != nil {
		return nil, err
	}
	for _, cs := range [][]store.Count{d.ByRole, d.ByOffice} {
		for i := range cs {
			if cs[i].Label == "" {
				cs[i].Label = "not recorded"
			}
		}
	}
	jobs, err := s.db.ListHuntJobs(ctx, 20)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if j.Status == store.HuntQueued || j.Status == store.HuntRunning {
			d.ActiveHunts = append(d.ActiveHunts, j)
		}
	}
	if d.TotalReports, err = s.db.CountAllReports(ctx); err != nil {
		return nil, err
	}
	return d, nil
}
