-- TAXII subscriptions: partners' collections we poll (pull) or push our
-- objects to (push); a push names the collection of ours it sends
-- (source_collection). The cursor (added_after, next, push_after) is stored
-- after every page, so polling resumes where it stopped after a restart.
-- Credentials for the partner's server are kept here, readable only by
-- whoever can read the database file (0600) or the PostgreSQL role.
CREATE TABLE taxii_subscriptions (
	id           INTEGER NOT NULL PRIMARY KEY,
	direction    TEXT    NOT NULL CHECK (direction IN ('pull', 'push')),
	partner      TEXT    NOT NULL DEFAULT '',
	objects_url  TEXT    NOT NULL CHECK (objects_url <> ''),
	token        TEXT    NOT NULL DEFAULT '',
	username     TEXT    NOT NULL DEFAULT '',
	password     TEXT    NOT NULL DEFAULT '',
	added_after  TEXT,
	next_token   TEXT    NOT NULL DEFAULT '',
	source_collection TEXT NOT NULL DEFAULT '',
	push_after   INTEGER NOT NULL DEFAULT 0,
	imported     INTEGER NOT NULL DEFAULT 0,
	failures     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT    NOT NULL DEFAULT '',
	polled_at    TEXT,
	next_attempt TEXT,
	created_at   TEXT    NOT NULL,
	UNIQUE (direction, objects_url)
) STRICT;
