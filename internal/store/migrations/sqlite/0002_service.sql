-- The service (portcullis serve): users and how they sign in, the people
-- directory, reports with their cases, and the audit log. Times are UTC
-- text in one fixed-width layout (2006-01-02T15:04:05.000000Z) so that
-- they compare as text; booleans are 0 or 1.

CREATE TABLE users (
	id              INTEGER NOT NULL PRIMARY KEY,
	email           TEXT    NOT NULL UNIQUE CHECK (email <> ''),
	name            TEXT    NOT NULL DEFAULT '',
	role            TEXT    NOT NULL CHECK (role IN ('reporter', 'analyst', 'admin')),
	office          TEXT    NOT NULL DEFAULT '',
	password_hash   TEXT    NOT NULL DEFAULT '',
	disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	failed_sign_ins INTEGER NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
	locked_until    TEXT,
	last_sign_in_at TEXT,
	created_at      TEXT    NOT NULL,
	updated_at      TEXT    NOT NULL
) STRICT;

-- Only the SHA-256 of a session's cookie token is kept.
CREATE TABLE sessions (
	token_hash   TEXT    NOT NULL PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf         TEXT    NOT NULL,
	created_at   TEXT    NOT NULL,
	expires_at   TEXT    NOT NULL,
	last_seen_at TEXT    NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One-time sign-in links, by the SHA-256 of their secret.
CREATE TABLE sign_in_tokens (
	hash       TEXT    NOT NULL PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at TEXT    NOT NULL,
	expires_at TEXT    NOT NULL,
	used_at    TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX sign_in_tokens_user ON sign_in_tokens (user_id);
CREATE INDEX sign_in_tokens_expires ON sign_in_tokens (expires_at);

CREATE TABLE api_tokens (
	id           INTEGER NOT NULL PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT    NOT NULL,
	hash         TEXT    NOT NULL UNIQUE CHECK (hash <> ''),
	prefix       TEXT    NOT NULL DEFAULT '',
	created_at   TEXT    NOT NULL,
	last_used_at TEXT,
	revoked_at   TEXT
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The people directory. committees is a JSON array of strings; search is
-- the lower-cased name, email, office and party, for LIKE.
CREATE TABLE people (
	id         INTEGER NOT NULL PRIMARY KEY,
	email      TEXT    NOT NULL UNIQUE CHECK (email <> ''),
	name       TEXT    NOT NULL DEFAULT '',
	role       TEXT    NOT NULL DEFAULT '',
	office     TEXT    NOT NULL DEFAULT '',
	party      TEXT    NOT NULL DEFAULT '',
	committees TEXT    NOT NULL DEFAULT '[]',
	search     TEXT    NOT NULL DEFAULT '',
	updated_at TEXT    NOT NULL
) STRICT;
CREATE INDEX people_name ON people (name);

-- Reports and their cases. The analyst's queue is ordered by risk, then
-- age: reports_queue serves it; reports_reporter serves a reporter's own list.
CREATE TABLE reports (
	id          INTEGER NOT NULL PRIMARY KEY,
	reporter_id INTEGER NOT NULL REFERENCES users (id),
	channel     TEXT    NOT NULL,
	intent      TEXT    NOT NULL CHECK (intent IN ('check', 'report')),
	platform    TEXT    NOT NULL DEFAULT '',
	replied     INTEGER NOT NULL DEFAULT 0 CHECK (replied IN (0, 1)),
	shared_info INTEGER NOT NULL DEFAULT 0 CHECK (shared_info IN (0, 1)),
	met         INTEGER NOT NULL DEFAULT 0 CHECK (met IN (0, 1)),
	title       TEXT    NOT NULL DEFAULT '',
	raw         BLOB    NOT NULL,
	raw_name    TEXT    NOT NULL DEFAULT '',
	kind        TEXT    NOT NULL DEFAULT '',
	score       INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
	level       TEXT    NOT NULL DEFAULT '',
	summary     TEXT    NOT NULL DEFAULT '',
	analysis    BLOB    NOT NULL,
	status      TEXT    NOT NULL CHECK (status IN ('new', 'triaging', 'escalated', 'closed')),
	verdict     TEXT    NOT NULL DEFAULT '' CHECK (verdict IN ('', 'hostile', 'suspicious', 'benign', 'exercise')),
	assignee_id INTEGER REFERENCES users (id),
	feedback    TEXT    NOT NULL DEFAULT '',
	feedback_at TEXT,
	created_at  TEXT    NOT NULL,
	updated_at  TEXT    NOT NULL
) STRICT;
CREATE INDEX reports_queue ON reports (score DESC, created_at, id);
CREATE INDEX reports_reporter ON reports (reporter_id, created_at);

-- The indicators extracted from each report; report_indicators_value
-- finds the reports that share one.
CREATE TABLE report_indicators (
	report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	type      TEXT    NOT NULL CHECK (type <> ''),
	value     TEXT    NOT NULL CHECK (value <> ''),
	field     TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (report_id, type, value, field)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_indicators_value ON report_indicators (type, value);

-- The rules that fired on each report, for hit counts.
CREATE TABLE report_rules (
	report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	rule      TEXT    NOT NULL CHECK (rule <> ''),
	PRIMARY KEY (report_id, rule)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_rules_rule ON report_rules (rule);

-- Files that came with reports: stored and hashed, never opened.
CREATE TABLE attachments (
	id           INTEGER NOT NULL PRIMARY KEY,
	report_id    INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	name         TEXT    NOT NULL DEFAULT '',
	content_type TEXT    NOT NULL DEFAULT '',
	sha256       TEXT    NOT NULL,
	size         INTEGER NOT NULL CHECK (size >= 0),
	data         BLOB    NOT NULL
) STRICT;
CREATE INDEX attachments_report ON attachments (report_id);

-- A report's timeline: analysts' notes and records of changes.
CREATE TABLE notes (
	id         INTEGER NOT NULL PRIMARY KEY,
	report_id  INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	author_id  INTEGER REFERENCES users (id),
	kind       TEXT    NOT NULL CHECK (kind IN ('note', 'change')),
	text       TEXT    NOT NULL,
	created_at TEXT    NOT NULL
) STRICT;
CREATE INDEX notes_report ON notes (report_id, id);

-- The audit log: append-only and hash-chained (see AuditEvent). Triggers
-- refuse UPDATE and DELETE. audit_head holds the newest event's seq and
-- hash, written in the same transaction as the event, so that deleting
-- the newest events shows.
CREATE TABLE audit_events (
	seq       INTEGER NOT NULL PRIMARY KEY CHECK (seq > 0),
	at        TEXT    NOT NULL,
	actor_id  INTEGER NOT NULL DEFAULT 0,
	actor     TEXT    NOT NULL DEFAULT '',
	action    TEXT    NOT NULL CHECK (action <> ''),
	target    TEXT    NOT NULL DEFAULT '',
	detail    TEXT    NOT NULL DEFAULT '',
	ip        TEXT    NOT NULL DEFAULT '',
	prev_hash TEXT    NOT NULL,
	hash      TEXT    NOT NULL
) STRICT;

CREATE TABLE audit_head (
	id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT    NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused');
END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
	SELECT RAISE(ABORT, 'the audit head cannot be deleted');
END;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1
BEGIN
	SELECT RAISE(ABORT, 'the audit head only moves forward one event at a time');
END;
