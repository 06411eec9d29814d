-- Campaigns, correlation, retro-hunts, advisories, notifications and the
-- dashboard. Times are UTC text in one fixed-width layout
-- (2006-01-02T15:04:05.000000Z) so that they compare as text; booleans
-- are 0 or 1.

-- When a case first left "new", for the time to triage. The dashboard
-- counts reports by week (reports_created, which covers the query), time
-- to triage (reports_triaged) and open cases (reports_open).
ALTER TABLE reports ADD COLUMN triaged_at TEXT;
CREATE INDEX reports_created ON reports (created_at, level, reporter_id);
CREATE INDEX reports_triaged ON reports (triaged_at, created_at) WHERE triaged_at IS NOT NULL;
CREATE INDEX reports_open ON reports (id) WHERE intent = 'report' AND status <> 'closed';

-- Campaigns: groups of reports. A report is in at most one campaign
-- (campaign_members is keyed by report); a campaign always has a report.
-- size, first_seen and last_seen are kept from its members' reports.
CREATE TABLE campaigns (
	id         INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL DEFAULT '',
	status     TEXT    NOT NULL CHECK (status IN ('active', 'closed')),
	size       INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
	first_seen TEXT    NOT NULL,
	last_seen  TEXT    NOT NULL,
	created_at TEXT    NOT NULL,
	updated_at TEXT    NOT NULL
) STRICT;
CREATE INDEX campaigns_size ON campaigns (size DESC, last_seen DESC);

CREATE TABLE campaign_members (
	report_id   INTEGER NOT NULL PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
	reason      TEXT    NOT NULL DEFAULT '',
	detail      TEXT    NOT NULL DEFAULT '',
	added_at    TEXT    NOT NULL
) STRICT;
CREATE INDEX campaign_members_campaign ON campaign_members (campaign_id);

-- Analysts' merges and splits, which a rebuild of the campaigns honours;
-- they outlive the campaigns themselves.
CREATE TABLE campaign_decisions (
	id         INTEGER NOT NULL PRIMARY KEY,
	kind       TEXT    NOT NULL CHECK (kind IN ('together', 'apart')),
	report_a   INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	report_b   INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	actor_id   INTEGER REFERENCES users (id),
	created_at TEXT    NOT NULL,
	CHECK (report_a <> report_b)
) STRICT;
CREATE INDEX campaign_decisions_a ON campaign_decisions (report_a);
CREATE INDEX campaign_decisions_b ON campaign_decisions (report_b);

-- Near-duplicate text: each report's LSH band keys (uint64 stored as the
-- int64 with the same bits), found by key through the primary key; and
-- the signature that confirms a candidate.
CREATE TABLE report_bands (
	band_key  INTEGER NOT NULL,
	report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	PRIMARY KEY (band_key, report_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_bands_report ON report_bands (report_id);

CREATE TABLE report_signatures (
	report_id INTEGER NOT NULL PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
	signature BLOB    NOT NULL
) STRICT;

-- Watchlist indicators seen in reports, when they came in or by a
-- retro-hunt; once per indicator and report.
CREATE TABLE sightings (
	indicator_id TEXT    NOT NULL CHECK (indicator_id <> ''),
	report_id    INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	source       TEXT    NOT NULL,
	field        TEXT    NOT NULL DEFAULT '',
	matched      TEXT    NOT NULL DEFAULT '',
	seen_at      TEXT    NOT NULL,
	created_at   TEXT    NOT NULL,
	PRIMARY KEY (indicator_id, report_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX sightings_report ON sightings (report_id);
CREATE INDEX sightings_seen ON sightings (indicator_id, seen_at);

-- Retro-hunts: durable jobs that scan every report in id order from
-- last_report_id. A running job whose heartbeat stops is taken over.
CREATE TABLE hunt_jobs (
	id             INTEGER NOT NULL PRIMARY KEY,
	indicator_id   TEXT    NOT NULL DEFAULT '',
	type           TEXT    NOT NULL CHECK (type <> ''),
	value          TEXT    NOT NULL CHECK (value <> ''),
	status         TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
	last_report_id INTEGER NOT NULL DEFAULT 0,
	scanned        INTEGER NOT NULL DEFAULT 0 CHECK (scanned >= 0),
	total          INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
	found          INTEGER NOT NULL DEFAULT 0 CHECK (found >= 0),
	error          TEXT    NOT NULL DEFAULT '',
	created_by     INTEGER REFERENCES users (id),
	reason         TEXT    NOT NULL DEFAULT '',
	created_at     TEXT    NOT NULL,
	started_at     TEXT,
	heartbeat_at   TEXT,
	finished_at    TEXT
) STRICT;
CREATE INDEX hunt_jobs_pending ON hunt_jobs (id) WHERE status IN ('queued', 'running');

-- Advisories. audience is a JSON object, indicators (watchlist ids) and
-- hunt_job_ids JSON arrays.
CREATE TABLE advisories (
	id           INTEGER NOT NULL PRIMARY KEY,
	title        TEXT    NOT NULL CHECK (title <> ''),
	body         TEXT    NOT NULL DEFAULT '',
	tlp          TEXT    NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
	audience     TEXT    NOT NULL DEFAULT '{}',
	status       TEXT    NOT NULL CHECK (status IN ('draft', 'published')),
	indicators   TEXT    NOT NULL DEFAULT '[]',
	hunt_job_ids TEXT    NOT NULL DEFAULT '[]',
	created_by   INTEGER REFERENCES users (id),
	created_at   TEXT    NOT NULL,
	updated_at   TEXT    NOT NULL,
	published_at TEXT
) STRICT;
CREATE INDEX advisories_status ON advisories (status, id);

-- Notifications in the app, newest first per user; notifications_unread
-- counts what is left to read.
CREATE TABLE notifications (
	id         INTEGER NOT NULL PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind       TEXT    NOT NULL CHECK (kind <> ''),
	title      TEXT    NOT NULL DEFAULT '',
	body       TEXT    NOT NULL DEFAULT '',
	link       TEXT    NOT NULL DEFAULT '',
	tlp        TEXT    NOT NULL DEFAULT '',
	created_at TEXT    NOT NULL,
	read_at    TEXT
) STRICT;
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;

-- What a user chose not to receive; no row means everything.
CREATE TABLE notification_prefs (
	user_id           INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	no_email          INTEGER NOT NULL DEFAULT 0 CHECK (no_email IN (0, 1)),
	no_report_email   INTEGER NOT NULL DEFAULT 0 CHECK (no_report_email IN (0, 1)),
	no_campaign_email INTEGER NOT NULL DEFAULT 0 CHECK (no_campaign_email IN (0, 1)),
	no_advisory_email INTEGER NOT NULL DEFAULT 0 CHECK (no_advisory_email IN (0, 1)),
	updated_at        TEXT    NOT NULL
) STRICT;
