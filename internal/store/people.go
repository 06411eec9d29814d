package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// PutPeople adds people to the directory, or updates those already there
// (same e-mail address, ignoring case), in one transaction. A person given
// twice counts once, the later one winning; unchanged people are counted
// in neither number. A person without an e-mail address is ErrInvalid and
// nothing is stored.
func (db *DB) PutPeople(ctx context.Context, people []Person) (created, updated int, err error) {
	rows := make([]Person, 0, len(people))
	seen := make(map[string]int, len(people))
	for i, p := range people {
		p.Email = NormalizeEmail(p.Email)
		if p.Email == "" {
			return 0, 0, fmt.Errorf("store: put people: person %d: %w", i+1, errorf(ErrInvalid, "e-mail address is empty"))
		}
		if j, ok := seen[p.Email]; ok {
			rows[j] = p
			continue
		}
		seen[p.Email] = len(rows)
		rows = append(rows, p)
	}
	// One order for every writer, so that concurrent PostgreSQL
	// transactions lock rows in the same order and cannot deadlock.
	slices.SortFunc(rows, func(a, b Person) int { return strings.Compare(a.Email, b.Email) })

	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("store: put people: %w", mapError(err))
	}
	defer tx.Rollback()
	insert, err := tx.PrepareContext(ctx, db.d.bind("INSERT INTO people (email, name, role, office, party, committees, search, updated_at) "+
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING"))
	if err != nil {
		return 0, 0, fmt.Errorf("store: put people: %w", mapError(err))
	}
	defer insert.Close()
	update, err := tx.PrepareContext(ctx, db.d.bind("UPDATE people SET name = ?, role = ?, office = ?, party = ?, committees = ?, search = ?, updated_at = ? "+
		"WHERE email = ? AND (name <> ? OR role <> ? OR office <> ? OR party <> ? OR committees <> ?)"))
	if err != nil {
		return 0, 0, fmt.Errorf("store: put people: %w", mapError(err))
	}
	defer update.Close()
	now := db.d.time(db.now())
	for _, p := range rows {
		committees, search := jsonList(p.Committees), personSearch(p)
		res, err := insert.ExecContext(ctx, p.Email, p.Name, p.Role, p.Office, p.Party, committees, search, now)
		if err != nil {
			return 0, 0, fmt.Errorf("store: put people: %w", mapError(err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, 0, fmt.Errorf("store: put people: %w", mapError(err))
		} else if n > 0 {
			created++
			continue
		}
		res, err = update.ExecContext(ctx, p.Name, p.Role, p.Office, p.Party, committees, search, now,
			p.Email, p.Name, p.Role, p.Office, p.Party, committees)
		if err != nil {
			return 0, 0, fmt.Errorf("store: put people: %w", mapError(err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, 0, fmt.Errorf("store: put people: %w", mapError(err))
		} else if n > 0 {
			updated++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("store: put people: %w", mapError(err))
	}
	return created, updated, nil
}

// personSearch is the text ListPeople searches: name, e-mail address,
// office and party, lower-cased.
func personSearch(p Person) string {
	return strings.ToLower(p.Name + "\n" + p.Email + "\n" + p.Office + "\n" + p.Party)
}

const personColumns = "id, name, email, role, office, party, committees, updated_at"

func scanPerson(s interface{ Scan(...any) error }) (*Person, error) {
	var (
		p          Person
		committees string
		updated    dbTime
	)
	if err := s.Scan(&p.ID, &p.Name, &p.Email, &p.Role, &p.Office, &p.Party, &committees, &updated); err != nil {
		return nil, err
	}
	var err error
	if p.Committees, err = parseList(committees); err != nil {
		return nil, fmt.Errorf("person %d: %w", p.ID, err)
	}
	p.UpdatedAt = updated.T
	return &p, nil
}

// ListPeople returns the people whose name, e-mail address, office or
// party contains search, ignoring case (everyone when search is empty),
// ordered by name. limit <= 0 means no limit.
func (db *DB) ListPeople(ctx context.Context, search string, limit int) ([]Person, error) {
	q := "SELECT " + personColumns + " FROM people"
	var args []any
	if search = strings.TrimSpace(search); search != "" {
		q += ` WHERE search LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(search))+"%")
	}
	if limit <= 0 {
		limit = noLimit
	}
	q += " ORDER BY name, email LIMIT ?"
	args = append(args, limit)
	rs, err := db.read.QueryContext(ctx, db.d.bind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list people: %w", mapError(err))
	}
	defer rs.Close()
	var out []Person
	for rs.Next() {
		p, err := scanPerson(rs)
		if err != nil {
			return nil, fmt.Errorf("store: list people: %w", mapError(err))
		}
		out = append(out, *p)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: list people: %w", mapError(err))
	}
	return out, nil
}

// GetPersonByEmail returns the person with the given e-mail address,
// ignoring case and surrounding space.
func (db *DB) GetPersonByEmail(ctx context.Context, email string) (*Person, error) {
	p, err := scanPerson(db.read.QueryRowContext(ctx, db.d.bind("SELECT "+personColumns+" FROM people WHERE email = ?"), NormalizeEmail(email)))
	if err != nil {
		return nil, fmt.Errorf("store: get person by e-mail: %w", mapError(err))
	}
	return p, nil
}
