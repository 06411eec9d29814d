package store

import "time"

// Campaign statuses.
const (
	CampaignActive = "active"
	CampaignClosed = "closed"
)

// Campaign is a group of reports that share an indicator, a watchlist
// persona or near-identical text: one adversary reaching many people.
type Campaign struct {
	ID        int64
	Name      string // analyst-given, or made from what links the reports
	Status    string // CampaignActive or CampaignClosed
	Size      int    // reports in it
	FirstSeen time.Time
	LastSeen  time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CampaignMember is a report's place in a campaign and why it is there.
type CampaignMember struct {
	CampaignID int64
	ReportID   int64
	Reason     string // "indicator", "persona", "text" or "analyst"
	Detail     string // e.g. "linkedin_profile https://www.linkedin.com/in/x" or "text 0.86 like report 12"
	AddedAt    time.Time
}

// Campaign decision kinds: an analyst's merge or split, kept so that a
// rebuild honours it.
const (
	DecisionTogether = "together" // these two reports belong to one campaign
	DecisionApart    = "apart"    // these two reports must never share a campaign
)

// CampaignDecision is one analyst decision between two reports.
type CampaignDecision struct {
	ID        int64
	Kind      string
	ReportA   int64
	ReportB   int64
	ActorID   int64
	CreatedAt time.Time
}

// Target is one person a campaign reached: the reporter, with what the
// people directory knows of them.
type Target struct {
	UserID     int64
	Name       string
	Email      string
	Role       string // from the directory when known, else the user's role
	Office     string
	Party      string
	Committees []string
	Reports    int
	FirstSeen  time.Time
	LastSeen   time.Time
}

// Sighting is an indicator seen in a report.
type Sighting struct {
	IndicatorID string // watchlist entry id
	ReportID    int64
	Source      string // "analysis" (matched when the report came in) or "hunt"
	Field       string
	Matched     string
	SeenAt      time.Time // when the report came in
	CreatedAt   time.Time
}

// Hunt job statuses.
const (
	HuntQueued  = "queued"
	HuntRunning = "running"
	HuntDone    = "done"
	HuntFailed  = "failed"
)

// HuntJob is a durable retro-hunt: a search of every stored report for
// one indicator. It resumes from Cursor after a restart.
type HuntJob struct {
	ID          int64
	IndicatorID string // watchlist entry, when hunting one
	Type        string // indicator type
	Value       string // normalised value hunted
	Status      string
	Cursor      int64 // the last report id scanned
	Done        int   // reports scanned
	Total       int   // reports to scan when the job started
	Found       int   // reports matched
	Error       string
	CreatedBy   int64 // 0: the system (an import or advisory)
	Reason      string
	CreatedAt   time.Time
	StartedAt   *time.Time
	HeartbeatAt *time.Time // the worker's last sign of life while running
	FinishedAt  *time.Time
}

// Advisory statuses.
const (
	AdvisoryDraft     = "draft"
	AdvisoryPublished = "published"
)

// Advisory is a warning the security team publishes to members and staff.
type Advisory struct {
	ID          int64
	Title       string
	Body        string // Markdown, rendered safely
	TLP         string
	Audience    Audience
	Status      string
	Indicators  []string // watchlist entry ids
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
	HuntJobIDs  []int64 // retro-hunts started on publishing
}

// Audience says who an advisory is for. Empty means everyone.
type Audience struct {
	Roles   []string `json:"roles,omitempty"`   // user roles or directory roles (member, staff...)
	Offices []string `json:"offices,omitempty"` // offices
	Groups  []string `json:"groups,omitempty"`  // parties or committees
}

// Notification is a message to one user, in the app and perhaps by mail.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      string // report, campaign, advisory, follow_up
	Title     string
	Body      string
	Link      string // a path in the app
	TLP       string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// NotificationPrefs are a user's choices; the zero value is the default
// (everything on).
type NotificationPrefs struct {
	UserID          int64
	NoEmail         bool // no mail at all
	NoReportEmail   bool // analysts: new high and critical reports
	NoCampaignEmail bool // analysts: campaigns that grow
	NoAdvisoryEmail bool // advisories (the in-app banner stays)
}

// WeekCount is the number of reports of one level in one week.
type WeekCount struct {
	Week  time.Time // Monday 00:00 UTC
	Level string
	N     int
}

// Count is a labelled number, for dashboards.
type Count struct {
	Label string
	N     int
}
