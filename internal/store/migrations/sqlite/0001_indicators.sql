-- Watchlist indicators (issue 3). Times are UTC text in one fixed-width
-- layout (2006-01-02T15:04:05.000000Z) so that they compare as text.
-- The UNIQUE index on (type, value, source_name) also serves look-ups by
-- (type, value), its leading columns.
CREATE TABLE indicators (
	id                    TEXT    NOT NULL PRIMARY KEY,
	type                  TEXT    NOT NULL CHECK (type <> ''),
	value                 TEXT    NOT NULL CHECK (value <> ''),
	display               TEXT    NOT NULL,
	kind                  TEXT    NOT NULL CHECK (kind IN ('watch', 'allow', 'context')),
	aliases               TEXT    NOT NULL DEFAULT '[]',
	context_organizations TEXT    NOT NULL DEFAULT '[]',
	context_locations     TEXT    NOT NULL DEFAULT '[]',
	source_name           TEXT    NOT NULL DEFAULT '',
	source_url            TEXT    NOT NULL DEFAULT '',
	source_date           TEXT    NOT NULL DEFAULT '',
	tlp                   TEXT    NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
	confidence            INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
	valid_from            TEXT,
	valid_until           TEXT,
	description           TEXT    NOT NULL DEFAULT '',
	tags                  TEXT    NOT NULL DEFAULT '[]',
	search                TEXT    NOT NULL DEFAULT '',
	created_at            TEXT    NOT NULL,
	updated_at            TEXT    NOT NULL,
	expired_at            TEXT,
	UNIQUE (type, value, source_name)
) STRICT;
