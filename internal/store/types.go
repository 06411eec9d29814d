package store

import "time"

// Roles a user can hold, from least to most trusted.
const (
	RoleReporter = "reporter" // members, peers, staff: report and see their own reports
	RoleAnalyst  = "analyst"  // the security team: triage every report, keep the watchlist
	RoleAdmin    = "admin"    // everything an analyst does, plus users and settings
)

// RoleRank orders roles: reporter 1, analyst 2, admin 3, anything else 0.
func RoleRank(role string) int {
	switch role {
	case RoleReporter:
		return 1
	case RoleAnalyst:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// User is someone who signs in: a reporter, an analyst or an admin.
type User struct {
	ID    int64
	Email string // lower-cased; unique
	Name  string
	Role  string // RoleReporter, RoleAnalyst or RoleAdmin
	// Office is where the user works (a member's office, a committee...).
	Office string
	// PasswordHash is an argon2id PHC string; "" means no password yet
	// (the user signs in with a one-time link).
	PasswordHash  string
	Disabled      bool
	FailedSignIns int        // consecutive failed password attempts
	LockedUntil   *time.Time // sign-in refused until then
	LastSignInAt  *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Session is a signed-in browser. The cookie holds a random token; the
// store keeps only its SHA-256 (TokenHash), so a copy of the database
// does not sign anyone in.
type Session struct {
	TokenHash string
	UserID    int64
	// CSRF is the session's anti-forgery token, sent back in every form.
	CSRF       string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

// APIToken lets a program call the JSON API as a user, with that user's role.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string // what the token is for, chosen by its owner
	Hash       string // SHA-256 hex of the secret; the secret itself is never stored
	Prefix     string // the secret's first characters, to tell tokens apart
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Person is an entry in the people directory: who works where, so that an
// analyst can see who a campaign targets.
type Person struct {
	ID         int64
	Name       string
	Email      string // lower-cased; unique
	Role       string // member, peer, staff, official...
	Office     string
	Party      string
	Committees []string
	UpdatedAt  time.Time
}

// Report statuses, in the order a case moves through them.
const (
	StatusNew       = "new"
	StatusTriaging  = "triaging"
	StatusEscalated = "escalated"
	StatusClosed    = "closed"
)

// Verdicts an analyst can give a report.
const (
	VerdictHostile    = "hostile"
	VerdictSuspicious = "suspicious"
	VerdictBenign     = "benign"
	VerdictExercise   = "exercise"
)

// Intents: what the reporter asked for.
const (
	IntentCheck  = "check"  // just check it: the reporter sees the verdict; analysts see it only if flagged
	IntentReport = "report" // send to the security team
)

// Report is a reporter's submission of an approach, its analysis and the
// security team's case around it.
type Report struct {
	ID         int64
	ReporterID int64
	Channel    string // web, api, email
	Intent     string // IntentCheck or IntentReport
	Platform   string // linkedin, email, whatsapp... as the analysis or the reporter said
	// What the reporter says they did, so that advice fits: never a signal.
	Replied    bool
	SharedInfo bool
	Met        bool
	// Title is a short line for lists: the subject or the sender's name.
	Title string
	// Raw is the submitted input exactly as received (approach JSON, mail
	// or text); RawName the uploaded file's name, if any.
	Raw     []byte
	RawName string
	// The analysis: Kind, Score, Level, Summary as in analysis.Result, and
	// Analysis the whole analysis.Result as JSON.
	Kind     string
	Score    int
	Level    string
	Summary  string
	Analysis []byte
	// The case.
	Status     string // StatusNew...
	Verdict    string // "" until an analyst decides
	AssigneeID *int64
	Feedback   string // what the security team tells the reporter
	FeedbackAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// TriagedAt is when the case first left StatusNew.
	TriagedAt *time.Time
}

// ReportIndicator is an indicator extracted from a report, kept so that
// reports sharing one can be found.
type ReportIndicator struct {
	Type  string
	Value string
	Field string
}

// Attachment is a file that came with a report: stored and hashed, never
// opened or rendered.
type Attachment struct {
	ID          int64
	ReportID    int64
	Name        string
	ContentType string // as sniffed, not as claimed
	SHA256      string
	Size        int64
	Data        []byte // nil in lists
}

// ReportFilter selects reports. Zero fields do not filter.
type ReportFilter struct {
	ReporterID int64    // only this reporter's reports
	Levels     []string // any of these levels
	Status     string
	Platform   string
	Intent     string
	AssigneeID int64 // -1: unassigned
	Since      time.Time
	Until      time.Time
	Limit      int // default 50
	Offset     int
}

// ReportCounts counts the reports a filter selects (ignoring Levels and
// Status, so that the counts can label those filters), by level and by status.
type ReportCounts struct {
	Total    int
	ByLevel  map[string]int
	ByStatus map[string]int
}

// CaseUpdate changes a report's case; nil fields stay as they are.
// AssigneeID pointing at 0 unassigns.
type CaseUpdate struct {
	Status     *string
	Verdict    *string
	AssigneeID *int64
	Feedback   *string
}

// Note is one entry in a report's timeline: an analyst's note, or a
// record of a change to the case.
type Note struct {
	ID        int64
	ReportID  int64
	AuthorID  int64
	Kind      string // "note" or "change"
	Text      string
	CreatedAt time.Time
}

// Related is another report that shares an indicator with a report.
type Related struct {
	ReportID  int64
	Title     string
	Level     string
	Score     int
	CreatedAt time.Time
	Type      string // the shared indicator
	Value     string
}

// AuditEvent is one entry in the append-only, hash-chained audit log.
type AuditEvent struct {
	Seq     int64 // 1, 2, 3... with no gaps
	At      time.Time
	ActorID int64  // 0: the system or an anonymous caller
	Actor   string // e-mail or "system", for reading without joins
	Action  string // sign_in, sign_in_failed, report.view, report.update, indicator.add, export...
	Target  string // what it acted on: "report:12", "user:3"...
	Detail  string // JSON or text with the particulars
	IP      string
	// PrevHash is the previous event's Hash ("" before the first);
	// Hash = SHA-256 over PrevHash and this event's fields.
	PrevHash string
	Hash     string
}
