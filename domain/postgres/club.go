package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// clubColumnNames are the clubs columns a domain.Club is loaded from, in
// clubFields' order: every query that loads a club reads them through
// clubColumns, so a new setting is added in one place.
var clubColumnNames = []string{"id", "slug", "name", "time_zone", "language", "digest_hour", "phone_code",
	"work_open_min", "work_close_min", "viber_free_window_only", "created_at"}

// clubColumns lists clubColumnNames for a SELECT: qualified by table (say
// "c") when it is not empty, and each named alias+column when alias is not
// empty (a CTE that also holds the staff's columns needs unique names).
func clubColumns(table, alias string) string {
	cols := make([]string, len(clubColumnNames))
	for i, c := range clubColumnNames {
		if table != "" {
			cols[i] = table + "." + c
		} else {
			cols[i] = c
		}
		if alias != "" {
			cols[i] += " AS " + alias + c
		}
	}
	return strings.Join(cols, ", ")
}

// clubFields are the scan targets of clubColumns; call finish after the
// scan (it sets the language).
func clubFields(c *domain.Club) (fields []any, finish func()) {
	var lang string
	return []any{&c.ID, &c.Slug, &c.Name, &c.TimeZone, &lang, &c.DigestHour, &c.PhoneCode,
			&c.WorkingHours.Open, &c.WorkingHours.Close, &c.ViberFreeWindowOnly, &c.CreatedAt},
		func() { c.Language = domain.Language(lang) }
}

var clubSelect = `SELECT ` + clubColumns("", "") + ` FROM clubs`

func scanClub(row pgx.Row) (domain.Club, error) {
	var c domain.Club
	fields, finish := clubFields(&c)
	err := row.Scan(fields...)
	finish()
	return c, err
}

// ClubCreate stores a new club together with its four default templates
// (one per task type, named in the club's language), in one transaction, so
// no club ever exists without them. A taken slug is ErrConflict.
func (db *DB) ClubCreate(ctx context.Context, c domain.Club) (domain.Club, error) {
	if err := c.ValidateRecord(); err != nil {
		return domain.Club{}, err
	}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		c, err = clubInsert(ctx, tx, c)
		return err
	})
	if err != nil {
		return domain.Club{}, err
	}
	return c, nil
}

// clubInsert writes the club row and its default templates.
func clubInsert(ctx context.Context, tx pgx.Tx, c domain.Club) (domain.Club, error) {
	err := tx.QueryRow(ctx, `
INSERT INTO clubs (slug, name, time_zone, language, digest_hour, phone_code, work_open_min, work_close_min, viber_free_window_only)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, created_at`,
		c.Slug, c.Name, c.TimeZone, string(c.Language), c.DigestHour, c.PhoneCode, c.Hours().Open, c.Hours().Close, c.ViberFreeWindowOnly).Scan(&c.ID, &c.CreatedAt)
	if err != nil {
		return domain.Club{}, fmt.Errorf("club create %q: %w", c.Slug, mapErr(err))
	}
	c.WorkingHours = c.Hours()
	defs := domain.DefaultTemplates(c.Language)
	keys, names, types, positions := make([]string, len(defs)), make([]string, len(defs)), make([]string, len(defs)), make([]int32, len(defs))
	for i, t := range defs {
		keys[i], names[i], types[i], positions[i] = t.Key, t.Name, string(t.Type), int32(t.Position)
	}
	if _, err := tx.Exec(ctx, `
INSERT INTO templates (club_id, key, name, task_type, default_title, is_default, position)
SELECT $1, k, n, t, n, true, p FROM unnest($2::text[], $3::text[], $4::text[], $5::int[]) AS d(k, n, t, p)`,
		c.ID, keys, names, types, positions); err != nil {
		return domain.Club{}, fmt.Errorf("club create %q: default templates: %w", c.Slug, mapErr(err))
	}
	return c, nil
}

// ClubGet returns a live club by id; a deleted or missing club is ErrNotFound.
func (db *DB) ClubGet(ctx context.Context, id int64) (domain.Club, error) {
	c, err := scanClub(db.pool.QueryRow(ctx, clubSelect+` WHERE id = $1 AND deleted_at IS NULL`, id))
	if err != nil {
		return domain.Club{}, fmt.Errorf("club %d: %w", id, mapErr(err))
	}
	return c, nil
}

// ClubBySlug returns a live club by its slug; ErrNotFound when none.
func (db *DB) ClubBySlug(ctx context.Context, slug string) (domain.Club, error) {
	c, err := scanClub(db.pool.QueryRow(ctx, clubSelect+` WHERE slug = $1 AND deleted_at IS NULL`, slug))
	if err != nil {
		return domain.Club{}, fmt.Errorf("club %q: %w", slug, mapErr(err))
	}
	return c, nil
}

// ClubList returns every live club, oldest first. The scheduler walks it to
// find whose local digest hour has come.
func (db *DB) ClubList(ctx context.Context) ([]domain.Club, error) {
	rows, err := db.pool.Query(ctx, clubSelect+` WHERE deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("club list: %w", mapErr(err))
	}
	clubs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Club, error) { return scanClub(row) })
	if err != nil {
		return nil, fmt.Errorf("club list: %w", mapErr(err))
	}
	return clubs, nil
}

// ClubCount counts live clubs; serve uses it to decide whether to create the
// demo club.
func (db *DB) ClubCount(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM clubs WHERE deleted_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("club count: %w", mapErr(err))
	}
	return n, nil
}

// ClubOverviewLine is one club as `clubcrm club list` shows it.
type ClubOverviewLine struct {
	domain.Club
	Staff   int // active staff members
	Clients int
}

// ClubOverview lists every live club, oldest first, with its active staff
// and client counts: the operator's map of the database.
func (db *DB) ClubOverview(ctx context.Context) ([]ClubOverviewLine, error) {
	rows, err := db.pool.Query(ctx, `
SELECT `+clubColumns("c", "")+`,
       (SELECT count(*) FROM staff s WHERE s.club_id = c.id AND s.active),
       (SELECT count(*) FROM clients k WHERE k.club_id = c.id)
FROM clubs c WHERE c.deleted_at IS NULL ORDER BY c.id`)
	if err != nil {
		return nil, fmt.Errorf("club overview: %w", mapErr(err))
	}
	defer rows.Close()
	out := []ClubOverviewLine{}
	for rows.Next() {
		var l ClubOverviewLine
		fields, finish := clubFields(&l.Club)
		if err := rows.Scan(append(fields, &l.Staff, &l.Clients)...); err != nil {
			return nil, fmt.Errorf("club overview: %w", mapErr(err))
		}
		finish()
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("club overview: %w", mapErr(err))
	}
	return out, nil
}
