package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// campaignLock is the PostgreSQL advisory lock key that serialises
// changes to campaigns across nodes ("portcam" in ASCII), so that sizes
// computed from the members are never computed from a stale view.
const campaignLock = 0x706f727463616d

// campaignTx runs fn in a write transaction beside which no other change
// to campaigns runs: SQLite's single writer does it, on PostgreSQL an
// advisory lock.
func (db *DB) campaignTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	if db.driver == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", campaignLock); err != nil {
			return mapError(err)
		}
	}
	if err := fn(tx); err != nil {
		return mapError(err)
	}
	return mapError(tx.Commit())
}

const campaignColumns = "id, name, status, size, first_seen, last_seen, created_at, updated_at"

func scanCampaign(s interface{ Scan(...any) error }) (*Campaign, error) {
	var (
		c                  Campaign
		first, last        dbTime
		created, updatedAt dbTime
	)
	if err := s.Scan(&c.ID, &c.Name, &c.Status, &c.Size, &first, &last, &created, &updatedAt); err != nil {
		return nil, err
	}
	c.FirstSeen, c.LastSeen, c.CreatedAt, c.UpdatedAt = first.T, last.T, created.T, updatedAt.T
	return &c, nil
}

func validCampaignStatus(s string) bool { return s == CampaignActive || s == CampaignClosed }

// CreateCampaign stores a campaign with its members, in one transaction,
// and sets c's ID, Status (CampaignActive when empty), Size, FirstSeen
// and LastSeen (from the members' reports), CreatedAt and UpdatedAt, and
// each member's CampaignID and AddedAt. A campaign needs at least one
// member. A report already in another campaign moves to this one (see
// AddCampaignMembers); a report given twice counts once.
func (db *DB) CreateCampaign(ctx context.Context, c *Campaign, members []CampaignMember) error {
	if c == nil || len(members) == 0 {
		return fmt.Errorf("store: create campaign: %w", errorf(ErrInvalid, "a campaign needs at least one report"))
	}
	status := c.Status
	if status == "" {
		status = CampaignActive
	}
	if !validCampaignStatus(status) {
		return fmt.Errorf("store: create campaign: %w", errorf(ErrInvalid, fmt.Sprintf("status %q is not active or closed", c.Status)))
	}
	now := db.now()
	var got *Campaign
	err := db.campaignTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, db.d.bind("INSERT INTO campaigns (name, status, size, first_seen, last_seen, created_at, updated_at) "+
			"VALUES (?, ?, 0, ?, ?, ?, ?) RETURNING id"),
			c.Name, status, db.d.time(now), db.d.time(now), db.d.time(now), db.d.time(now)).Scan(&id)
		if err != nil {
			return err
		}
		if err := db.putMembers(ctx, tx, id, members, db.d.time(now)); err != nil {
			return err
		}
		got, err = scanCampaign(tx.QueryRowContext(ctx, db.d.bind("SELECT "+campaignColumns+" FROM campaigns WHERE id = ?"), id))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create campaign: %w", err)
	}
	*c = *got
	for i := range members {
		members[i].CampaignID, members[i].AddedAt = c.ID, now
	}
	return nil
}

// putMembers puts reports into campaign id, taking them out of any other
// campaign, and brings the sizes and times of every campaign touched up
// to date, deleting those left empty.
func (db *DB) putMembers(ctx context.Context, tx *sql.Tx, id int64, members []CampaignMember, now any) error {
	var reports []int64
	rows := make(map[int64]CampaignMember, len(members))
	for _, m := range members {
		if m.ReportID == 0 {
			return errorf(ErrInvalid, "a campaign member needs a report")
		}
		if _, ok := rows[m.ReportID]; !ok {
			reports = append(reports, m.ReportID)
		}
		rows[m.ReportID] = m
	}
	// The campaigns the reports leave.
	touched := []int64{id}
	err := chunks(reports, func(ids []int64) error {
		rs, err := tx.QueryContext(ctx, db.d.bind("SELECT DISTINCT campaign_id FROM campaign_members WHERE campaign_id <> ? AND report_id IN ("+placeholders(len(ids))+")"),
			append([]any{id}, anys(ids)...)...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var c int64
			if err := rs.Scan(&c); err != nil {
				return err
			}
			touched = append(touched, c)
		}
		return rs.Err()
	})
	if err != nil {
		return err
	}
	// When no report moves from another campaign, the campaign only
	// grows: its size and times are updated from the new members alone,
	// so adding to a large campaign costs what is added, not its size.
	incremental := len(touched) == 1
	var already int
	var newFirst, newLast dbTime
	if incremental {
		err := chunks(reports, func(ids []int64) error {
			var n int
			if err := tx.QueryRowContext(ctx, db.d.bind("SELECT COUNT(*) FROM campaign_members WHERE campaign_id = ? AND report_id IN ("+placeholders(len(ids))+")"),
				append([]any{id}, anys(ids)...)...).Scan(&n); err != nil {
				return err
			}
			already += n
			var lo, hi dbTime
			if err := tx.QueryRowContext(ctx, db.d.bind("SELECT MIN(created_at), MAX(created_at) FROM reports WHERE id IN ("+placeholders(len(ids))+")"),
				anys(ids)...).Scan(&lo, &hi); err != nil {
				return err
			}
			if lo.Valid && (!newFirst.Valid || lo.T.Before(newFirst.T)) {
				newFirst = lo
			}
			if hi.Valid && (!newLast.Valid || hi.T.After(newLast.T)) {
				newLast = hi
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	args := make([]any, 0, 5*len(reports))
	for _, r := range reports {
		m := rows[r]
		args = append(args, r, id, m.Reason, m.Detail, now)
	}
	if _, err := db.execRows(ctx, tx, "INSERT INTO campaign_members (report_id, campaign_id, reason, detail, added_at)",
		" ON CONFLICT (report_id) DO UPDATE SET campaign_id = excluded.campaign_id, reason = excluded.reason, "+
			"detail = excluded.detail, added_at = excluded.added_at", 5, 500, args); err != nil {
		return err
	}
	if !incremental || !newFirst.Valid {
		return db.refreshCampaigns(ctx, tx, touched, now)
	}
	// A new campaign row starts with size 0 and the members' own times.
	_, err = tx.ExecContext(ctx, db.d.bind("UPDATE campaigns SET size = size + ?, "+
		"first_seen = CASE WHEN size = 0 OR ? < first_seen THEN ? ELSE first_seen END, "+
		"last_seen = CASE WHEN size = 0 OR ? > last_seen THEN ? ELSE last_seen END, updated_at = ? WHERE id = ?"),
		len(reports)-already, db.d.time(newFirst.T), db.d.time(newFirst.T), db.d.time(newLast.T), db.d.time(newLast.T), now, id)
	return err
}

// refreshCampaigns recomputes the size, first and last seen of campaigns
// from their members' reports, and deletes those left without a report.
func (db *DB) refreshCampaigns(ctx context.Context, tx *sql.Tx, ids []int64, now any) error {
	ids = uniqueIDs(ids)
	return chunks(ids, func(ids []int64) error {
		in := placeholders(len(ids))
		_, err := tx.ExecContext(ctx, db.d.bind("UPDATE campaigns SET "+
			"size = (SELECT COUNT(*) FROM campaign_members AS m WHERE m.campaign_id = campaigns.id), "+
			"first_seen = COALESCE((SELECT MIN(r.created_at) FROM campaign_members AS m JOIN reports AS r ON r.id = m.report_id WHERE m.campaign_id = campaigns.id), first_seen), "+
			"last_seen = COALESCE((SELECT MAX(r.created_at) FROM campaign_members AS m JOIN reports AS r ON r.id = m.report_id WHERE m.campaign_id = campaigns.id), last_seen), "+
			"updated_at = ? WHERE id IN ("+in+")"), append([]any{now}, anys(ids)...)...)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.d.bind("DELETE FROM campaigns WHERE size = 0 AND id IN ("+in+")"), anys(ids)...)
		return err
	})
}

// campaignExists returns ErrNotFound unless campaign id exists.
func (db *DB) campaignExists(ctx context.Context, tx *sql.Tx, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, db.d.bind("SELECT COUNT(*) FROM campaigns WHERE id = ?"), id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errorf(ErrNotFound, fmt.Sprintf("no campaign %d", id))
	}
	return nil
}

// GetCampaign returns the campaign with the given ID.
func (db *DB) GetCampaign(ctx context.Context, id int64) (*Campaign, error) {
	c, err := scanCampaign(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+campaignColumns+" FROM campaigns WHERE id = ?"), id))
	if err != nil {
		return nil, fmt.Errorf("store: get campaign %d: %w", id, mapError(err))
	}
	return c, nil
}

// ListCampaigns returns the campaigns with the given status ("" for any),
// largest first, then the most recently seen. limit <= 0 means no limit.
func (db *DB) ListCampaigns(ctx context.Context, status string, limit, offset int) ([]Campaign, error) {
	if offset < 0 {
		return nil, fmt.Errorf("store: list campaigns: %w", errorf(ErrInvalid, "offset may not be negative"))
	}
	if limit <= 0 {
		limit = noLimit
	}
	q := "SELECT " + campaignColumns + " FROM campaigns"
	var args []any
	if status != "" {
		q += " WHERE status = ?"
		args = append(args, status)
	}
	q += " ORDER BY size DESC, last_seen DESC, id DESC LIMIT ? OFFSET ?"
	rs, err := db.read.QueryContext(ctx, db.d.bind(q), append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("store: list campaigns: %w", mapError(err))
	}
	defer rs.Close()
	var out []Campaign
	for rs.Next() {
		c, err := scanCampaign(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list campaigns: %w", mapError(err))
		}
		out = append(out, *c)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list campaigns: %w", mapError(err))
	}
	return out, nil
}

// AddCampaignMembers puts reports into a campaign, in one transaction,
// and sets each member's CampaignID and AddedAt. A report is in at most
// one campaign: one already in another campaign moves, and a campaign
// left without reports is deleted; one already in this campaign takes
// the new Reason and Detail. Size, FirstSeen and LastSeen of every
// campaign touched are recomputed. An unknown campaign is ErrNotFound,
// an unknown report ErrInvalid.
func (db *DB) AddCampaignMembers(ctx context.Context, campaignID int64, members []CampaignMember) error {
	if len(members) == 0 {
		return nil
	}
	now := db.now()
	err := db.campaignTx(ctx, func(tx *sql.Tx) error {
		if err := db.campaignExists(ctx, tx, campaignID); err != nil {
			return err
		}
		return db.putMembers(ctx, tx, campaignID, members, db.d.time(now))
	})
	if err != nil {
		return fmt.Errorf("store: add to campaign %d: %w", campaignID, err)
	}
	for i := range members {
		members[i].CampaignID, members[i].AddedAt = campaignID, now
	}
	return nil
}

// CampaignOf returns the campaign a report is in, or 0 when none.
func (db *DB) CampaignOf(ctx context.Context, reportID int64) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, db.d.bind("SELECT campaign_id FROM campaign_members WHERE report_id = ?"), reportID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: campaign of report %d: %w", reportID, mapError(err))
	}
	return id, nil
}

// CampaignsOf returns the campaign of each of the reports that is in
// one, by report ID; reports in none are left out.
func (db *DB) CampaignsOf(ctx context.Context, reportIDs []int64) (map[int64]int64, error) {
	out := make(map[int64]int64)
	err := chunks(uniqueIDs(reportIDs), func(ids []int64) error {
		rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT report_id, campaign_id FROM campaign_members WHERE report_id IN ("+placeholders(len(ids))+")"), anys(ids)...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r, c int64
			if err := rs.Scan(&r, &c); err != nil {
				return err
			}
			out[r] = c
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: campaigns of reports: %w", mapError(err))
	}
	return out, nil
}

// CampaignMembers returns a campaign's members, by report ID.
func (db *DB) CampaignMembers(ctx context.Context, id int64) ([]CampaignMember, error) {
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT campaign_id, report_id, reason, detail, added_at FROM campaign_members WHERE campaign_id = ? ORDER BY report_id"), id)
	if err != nil {
		return nil, fmt.Errorf("store: members of campaign %d: %w", id, mapError(err))
	}
	defer rs.Close()
	var out []CampaignMember
	for rs.Next() {
		var m CampaignMember
		var added dbTime
		if err := rs.Scan(&m.CampaignID, &m.ReportID, &m.Reason, &m.Detail, &added); err != nil {
			return nil, fmt.Errorf("store: members of campaign %d: %w", id, mapError(err))
		}
		m.AddedAt = added.T
		out = append(out, m)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: members of campaign %d: %w", id, mapError(err))
	}
	return out, nil
}

// CampaignReports returns a campaign's reports without Raw and Analysis,
// oldest first, at most limit of them (limit <= 0: no limit).
func (db *DB) CampaignReports(ctx context.Context, id int64, limit int) ([]Report, error) {
	if limit <= 0 {
		limit = noLimit
	}
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+reportListColumns+" FROM reports "+
		"WHERE id IN (SELECT report_id FROM campaign_members WHERE campaign_id = ?) ORDER BY created_at, id LIMIT ?"), id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: reports of campaign %d: %w", id, mapError(err))
	}
	defer rs.Close()
	var out []Report
	for rs.Next() {
		r, err := scanReport(rs, false)
		if err != nil {
			return nil, fmt.Errorf("store: reports of campaign %d: %w", id, mapError(err))
		}
		out = append(out, *r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: reports of campaign %d: %w", id, mapError(err))
	}
	return out, nil
}

// MergeCampaigns moves every report of campaign from into campaign into
// and deletes from, in one transaction. Either campaign unknown is
// ErrNotFound; merging a campaign into itself ErrInvalid.
func (db *DB) MergeCampaigns(ctx context.Context, into, from int64) error {
	if into == from {
		return fmt.Errorf("store: merge campaign %d into itself: %w", from, errorf(ErrInvalid, "a campaign cannot be merged into itself"))
	}
	now := db.d.time(db.now())
	err := db.campaignTx(ctx, func(tx *sql.Tx) error {
		for _, id := range []int64{into, from} {
			if err := db.campaignExists(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, db.d.bind("UPDATE campaign_members SET campaign_id = ? WHERE campaign_id = ?"), into, from); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.d.bind("DELETE FROM campaigns WHERE id = ?"), from); err != nil {
			return err
		}
		return db.refreshCampaigns(ctx, tx, []int64{into}, now)
	})
	if err != nil {
		return fmt.Errorf("store: merge campaign %d into %d: %w", from, into, err)
	}
	return nil
}

// RemoveCampaignMembers takes reports out of a campaign (reports not in
// it are ignored) and recomputes its size and times; a campaign left
// without reports is deleted. An unknown campaign is ErrNotFound.
func (db *DB) RemoveCampaignMembers(ctx context.Context, campaignID int64, reportIDs []int64) error {
	now := db.d.time(db.now())
	err := db.campaignTx(ctx, func(tx *sql.Tx) error {
		if err := db.campaignExists(ctx, tx, campaignID); err != nil {
			return err
		}
		err := chunks(uniqueIDs(reportIDs), func(ids []int64) error {
			_, err := tx.ExecContext(ctx, db.d.bind("DELETE FROM campaign_members WHERE campaign_id = ? AND report_id IN ("+placeholders(len(ids))+")"),
				append([]any{campaignID}, anys(ids)...)...)
			return err
		})
		if err != nil {
			return err
		}
		return db.refreshCampaigns(ctx, tx, []int64{campaignID}, now)
	})
	if err != nil {
		return fmt.Errorf("store: remove from campaign %d: %w", campaignID, err)
	}
	return nil
}

// RenameCampaign sets a campaign's name.
func (db *DB) RenameCampaign(ctx context.Context, id int64, name string) error {
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE campaigns SET name = ?, updated_at = ? WHERE id = ?"), name, db.d.time(db.now()), id)
	if err := oneRow(res, err, "no such campaign"); err != nil {
		return fmt.Errorf("store: rename campaign %d: %w", id, err)
	}
	return nil
}

// SetCampaignStatus sets a campaign's status: CampaignActive or
// CampaignClosed.
func (db *DB) SetCampaignStatus(ctx context.Context, id int64, status string) error {
	if !validCampaignStatus(status) {
		return fmt.Errorf("store: set campaign %d status: %w", id, errorf(ErrInvalid, fmt.Sprintf("status %q is not active or closed", status)))
	}
	res, err := db.write.ExecContext(ctx, db.d.bind("UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ?"), status, db.d.time(db.now()), id)
	if err := oneRow(res, err, "no such campaign"); err != nil {
		return fmt.Errorf("store: set campaign %d status: %w", id, err)
	}
	return nil
}

// AddCampaignDecision records an analyst's decision that two reports
// belong together or apart, and sets d's ID and CreatedAt. ActorID 0 is
// the system. An unknown kind, the same report twice, or an unknown
// report or actor is ErrInvalid.
func (db *DB) AddCampaignDecision(ctx context.Context, d *CampaignDecision) error {
	if d == nil || (d.Kind != DecisionTogether && d.Kind != DecisionApart) || d.ReportA == d.ReportB {
		return fmt.Errorf("store: add campaign decision: %w", errorf(ErrInvalid, "a decision is together or apart, between two different reports"))
	}
	now := db.now()
	err := db.write.QueryRowContext(ctx, db.d.bind("INSERT INTO campaign_decisions (kind, report_a, report_b, actor_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id"),
		d.Kind, d.ReportA, d.ReportB, nullID(d.ActorID), db.d.time(now)).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("store: add campaign decision: %w", mapError(err))
	}
	d.CreatedAt = now
	return nil
}

const decisionColumns = "id, kind, report_a, report_b, actor_id, created_at"

func (db *DB) decisions(ctx context.Context, where string, args ...any) ([]CampaignDecision, error) {
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT "+decisionColumns+" FROM campaign_decisions"+where+" ORDER BY id"), args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []CampaignDecision
	for rs.Next() {
		var d CampaignDecision
		var actor sql.NullInt64
		var created dbTime
		if err := rs.Scan(&d.ID, &d.Kind, &d.ReportA, &d.ReportB, &actor, &created); err != nil {
			return nil, err
		}
		d.ActorID, d.CreatedAt = actor.Int64, created.T
		out = append(out, d)
	}
	return out, rs.Err()
}

// CampaignDecisions returns every decision, oldest first.
func (db *DB) CampaignDecisions(ctx context.Context) ([]CampaignDecision, error) {
	out, err := db.decisions(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("store: campaign decisions: %w", mapError(err))
	}
	return out, nil
}

// DecisionsFor returns the decisions that name any of the reports, oldest
// first, each once.
func (db *DB) DecisionsFor(ctx context.Context, reportIDs []int64) ([]CampaignDecision, error) {
	seen := map[int64]bool{}
	var out []CampaignDecision
	err := chunks(uniqueIDs(reportIDs), func(ids []int64) error {
		in := placeholders(len(ids))
		ds, err := db.decisions(ctx, " WHERE report_a IN ("+in+") OR report_b IN ("+in+")", append(anys(ids), anys(ids)...)...)
		for _, d := range ds {
			if !seen[d.ID] {
				seen[d.ID] = true
				out = append(out, d)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: campaign decisions for reports: %w", mapError(err))
	}
	slices.SortFunc(out, func(a, b CampaignDecision) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ResetCampaigns deletes every campaign and membership, for a rebuild;
// analysts' decisions stay.
func (db *DB) ResetCampaigns(ctx context.Context) error {
	err := db.campaignTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM campaign_members"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM campaigns")
		return err
	})
	if err != nil {
		return fmt.Errorf("store: reset campaigns: %w", err)
	}
	return nil
}

// CampaignTargets returns the people a campaign reached: one row for
// each reporter of its reports, with how many of them and when the first
// and last came in, most reports first. Name is the user's (or the
// directory's when the user has none); Role and Office come from the
// people directory, found by e-mail address, when it has them, else from
// the user; Party and Committees from the directory.
func (db *DB) CampaignTargets(ctx context.Context, id int64) ([]Target, error) {
	// users.email and people.email are both stored lower-cased
	// (NormalizeEmail), so plain equality joins them through people's
	// unique index.
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT u.id, COALESCE(NULLIF(u.name, ''), p.name, ''), u.email, "+
		"COALESCE(NULLIF(p.role, ''), u.role), COALESCE(NULLIF(p.office, ''), u.office), COALESCE(p.party, ''), COALESCE(p.committees, '[]'), "+
		"c.n, c.first_seen, c.last_seen "+
		"FROM (SELECT r.reporter_id, COUNT(*) AS n, MIN(r.created_at) AS first_seen, MAX(r.created_at) AS last_seen "+
		"FROM campaign_members AS m JOIN reports AS r ON r.id = m.report_id WHERE m.campaign_id = ? GROUP BY r.reporter_id) AS c "+
		"JOIN users AS u ON u.id = c.reporter_id LEFT JOIN people AS p ON p.email = u.email "+
		"ORDER BY c.n DESC, u.email"), id)
	if err != nil {
		return nil, fmt.Errorf("store: targets of campaign %d: %w", id, mapError(err))
	}
	defer rs.Close()
	var out []Target
	for rs.Next() {
		var t Target
		var committees string
		var first, last dbTime
		if err := rs.Scan(&t.UserID, &t.Name, &t.Email, &t.Role, &t.Office, &t.Party, &committees, &t.Reports, &first, &last); err != nil {
			return nil, fmt.Errorf("store: targets of campaign %d: %w", id, mapError(err))
		}
		if t.Committees, err = parseList(committees); err != nil {
			return nil, fmt.Errorf("store: targets of campaign %d: %w", id, err)
		}
		t.FirstSeen, t.LastSeen = first.T, last.T
		out = append(out, t)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: targets of campaign %d: %w", id, mapError(err))
	}
	return out, nil
}

// SharedIndicator is an indicator and the number of a campaign's reports
// that carry it.
type SharedIndicator struct {
	Type    string
	Value   string
	Reports int
}

// CampaignIndicators returns the indicators found in at least minReports
// of a campaign's reports, the most shared first, then by type and value.
func (db *DB) CampaignIndicators(ctx context.Context, id int64, minReports int) ([]SharedIndicator, error) {
	rs, err := db.read.QueryContext(ctx, db.d.bind("SELECT i.type, i.value, COUNT(DISTINCT i.report_id) "+
		"FROM campaign_members AS m JOIN report_indicators AS i ON i.report_id = m.report_id WHERE m.campaign_id = ? "+
		"GROUP BY i.type, i.value HAVING COUNT(DISTINCT i.report_id) >= ? ORDER BY 3 DESC, 1, 2"), id, max(minReports, 1))
	if err != nil {
		return nil, fmt.Errorf("store: indicators of campaign %d: %w", id, mapError(err))
	}
	defer rs.Close()
	var out []SharedIndicator
	for rs.Next() {
		var s SharedIndicator
		if err := rs.Scan(&s.Type, &s.Value, &s.Reports); err != nil {
			return nil, fmt.Errorf("store: indicators of campaign %d: %w", id, mapError(err))
		}
		out = append(out, s)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: indicators of campaign %d: %w", id, mapError(err))
	}
	return out, nil
}
