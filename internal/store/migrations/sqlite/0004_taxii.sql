-- Sharing with partner agencies over TAXII 2.1: collections of STIX
-- objects, the partners who read and write them, and the status of their
-- additions. Times are UTC text in one fixed-width layout
-- (2006-01-02T15:04:05.000000Z) so that they compare as text; booleans
-- are 0 or 1. The default collections are created by the taxii package
-- when it starts, not here.

-- Collections. id is a UUID (the default collections' are UUIDv5 of their
-- kind, so they are the same on every installation); default_tlp is what
-- an unmarked object in the collection counts as; a partner without a
-- row in partner_rights reads and writes as can_read_default and
-- can_write_default say. last_added is the date_added of the newest
-- object: the next one added is later.
CREATE TABLE taxii_collections (
	id                TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
	alias             TEXT    NOT NULL DEFAULT '',
	title             TEXT    NOT NULL CHECK (title <> ''),
	description       TEXT    NOT NULL DEFAULT '',
	kind              TEXT    NOT NULL CHECK (kind IN ('indicators', 'sightings', 'advisories', 'inbox', 'custom')),
	default_tlp       TEXT    NOT NULL CHECK (default_tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
	can_read_default  INTEGER NOT NULL DEFAULT 0 CHECK (can_read_default IN (0, 1)),
	can_write_default INTEGER NOT NULL DEFAULT 0 CHECK (can_write_default IN (0, 1)),
	last_added        TEXT,
	created_at        TEXT    NOT NULL
) STRICT;
CREATE UNIQUE INDEX taxii_collections_alias ON taxii_collections (alias) WHERE alias <> '';

-- Every version of every object in a collection. seq is the total order
-- of additions and the paging cursor; it is never reused
-- (AUTOINCREMENT). date_added strictly increases with seq within a
-- collection. version is the object's modified (else created, else its
-- date_added) as a STIX timestamp with milliseconds, which compares as
-- text. tlp is the TLP level its markings carry, '' when unmarked. The
-- UNIQUE index also finds an object's versions by (collection_id,
-- object_id); taxii_objects_seq serves paging, taxii_objects_added
-- turns added_after into a seq.
CREATE TABLE taxii_objects (
	seq           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	collection_id TEXT    NOT NULL REFERENCES taxii_collections (id) ON DELETE CASCADE,
	object_id     TEXT    NOT NULL CHECK (object_id <> ''),
	version       TEXT    NOT NULL CHECK (version <> ''),
	spec_version  TEXT    NOT NULL,
	type          TEXT    NOT NULL CHECK (type <> ''),
	tlp           TEXT    NOT NULL DEFAULT '' CHECK (tlp IN ('', 'clear', 'green', 'amber', 'amber+strict', 'red')),
	date_added    TEXT    NOT NULL,
	body          TEXT    NOT NULL,
	UNIQUE (collection_id, object_id, version)
) STRICT;
CREATE INDEX taxii_objects_seq ON taxii_objects (collection_id, seq);
CREATE INDEX taxii_objects_added ON taxii_objects (collection_id, date_added);

-- Partner organisations' systems. Only the SHA-256 of a bearer token and
-- the argon2id hash of a Basic password are kept. Nothing above max_tlp
-- leaves towards a partner, and TLP:RED never does.
CREATE TABLE partners (
	id          INTEGER NOT NULL PRIMARY KEY,
	name        TEXT    NOT NULL UNIQUE CHECK (name <> ''),
	max_tlp     TEXT    NOT NULL CHECK (max_tlp IN ('clear', 'green', 'amber', 'amber+strict')),
	bearer_hash TEXT    NOT NULL DEFAULT '',
	basic_user  TEXT    NOT NULL DEFAULT '',
	basic_hash  TEXT    NOT NULL DEFAULT '',
	disabled    INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created_at  TEXT    NOT NULL
) STRICT;
CREATE UNIQUE INDEX partners_bearer ON partners (bearer_hash) WHERE bearer_hash <> '';
CREATE UNIQUE INDEX partners_basic_user ON partners (basic_user) WHERE basic_user <> '';

-- A partner's rights on a collection, overriding the collection's defaults.
CREATE TABLE partner_rights (
	partner_id    INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	collection_id TEXT    NOT NULL REFERENCES taxii_collections (id) ON DELETE CASCADE,
	can_read      INTEGER NOT NULL CHECK (can_read IN (0, 1)),
	can_write     INTEGER NOT NULL CHECK (can_write IN (0, 1)),
	PRIMARY KEY (partner_id, collection_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX partner_rights_collection ON partner_rights (collection_id);

-- The outcome of a partner's addition of objects. successes and failures
-- are JSON arrays of {id, version, message}.
CREATE TABLE taxii_status (
	id            TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
	partner_id    INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	status        TEXT    NOT NULL CHECK (status IN ('pending', 'complete')),
	total         INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
	success_count INTEGER NOT NULL DEFAULT 0 CHECK (success_count >= 0),
	failure_count INTEGER NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
	pending_count INTEGER NOT NULL DEFAULT 0 CHECK (pending_count >= 0),
	successes     TEXT    NOT NULL DEFAULT '[]',
	failures      TEXT    NOT NULL DEFAULT '[]',
	created_at    TEXT    NOT NULL
) STRICT;
CREATE INDEX taxii_status_partner ON taxii_status (partner_id);
CREATE INDEX taxii_status_created ON taxii_status (created_at);
