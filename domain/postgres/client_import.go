package postgres

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// ImportStats says what ClientImport did.
type ImportStats struct {
	Inserted  int // new clients
	Updated   int // clients found by one of their phones whose data or phones changed
	Unchanged int // clients found whose row changed nothing
	// Skipped are rows that were not imported because they cannot be matched
	// to one client; each names the row by its index in the input.
	Skipped []ImportSkip
}

// ImportSkip is an input row ClientImport left out.
type ImportSkip struct {
	Index   int // into the rows given to ClientImport
	Message string
}

// ClientImport stores a client list in one transaction, set-based, whatever
// its size: the rows are COPYed into staging tables and matched to existing
// clients by any of their phones; then one UPDATE, one INSERT … SELECT (new
// clients with their phones) and one upsert of the found clients' phones
// apply them. A client already present by any phone is updated, never
// duplicated, so importing the same file twice changes nothing. Updated
// counts the clients found whose data or phones change; the others are
// Unchanged and not rewritten. On
// update an empty email, status or groups keeps the stored value, and phones
// are added to the client's (none is taken away).
//
// A row whose phones belong to two different clients is skipped, as is a row
// that matches the same client as a later row (the later one wins, as in the
// file). Rows must carry at least one valid phone and no phone may be on two
// rows (clientcsv.Parse guarantees both); otherwise nothing is written and the
// error is ErrInvalid.
//
// Imports of one club run one at a time, and a ClientCreate of the club
// waits for a running import (see clientPhonesLock), so a phone added while
// the file is being matched cannot fail the import.
//
// Errors are not prefixed with the operation's name: the caller, the one
// command that imports, names it along with the file.
func (db *DB) ClientImport(ctx context.Context, clubID int64, rows []domain.Client) (ImportStats, error) {
	rows, err := importCheck(rows)
	if err != nil {
		return ImportStats{}, err
	}
	var st ImportStats
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		st, err = clientImportTx(ctx, tx, clubID, rows, db.clock.Now())
		return err
	})
	if err != nil {
		return ImportStats{}, err
	}
	return st, nil
}

// importCheck cleans and validates every row and checks that no phone is on
// two rows.
func importCheck(rows []domain.Client) ([]domain.Client, error) {
	out := make([]domain.Client, len(rows))
	owner := make(map[string]int, len(rows))
	for i, c := range rows {
		c, err := domain.CleanClient(c)
		if err != nil {
			return nil, domain.Invalid(domain.CodeImportRowInvalid, fmt.Sprintf("row %d: %v", i, err), map[string]any{"index": i})
		}
		for _, p := range c.Phones {
			if j, ok := owner[p]; ok {
				return nil, domain.Invalid(domain.CodeImportPhoneRepeated,
					fmt.Sprintf("phone %s is on rows %d and %d", p, j, i), map[string]any{"index": i, "phone": p})
			}
			owner[p] = i
		}
		out[i] = c
	}
	return out, nil
}

func clientImportTx(ctx context.Context, tx pgx.Tx, clubID int64, rows []domain.Client, now time.Time) (ImportStats, error) {
	var st ImportStats
	var exists bool
	err := tx.QueryRow(ctx, `SELECT true FROM clubs WHERE id = $1 AND deleted_at IS NULL FOR SHARE`, clubID).Scan(&exists)
	if err != nil {
		return st, fmt.Errorf("club %d: %w", clubID, mapErr(err))
	}
	// Nobody else adds a phone to the club until this transaction ends: two
	// imports at once, or a client created in the bot mid-import, would
	// otherwise insert a phone this import has matched as new.
	if err := clientPhonesLock(ctx, tx, clubID, true); err != nil {
		return st, err
	}
	for _, sql := range []string{
		`CREATE TEMP TABLE import_rows (
    ord       int PRIMARY KEY,
    name      text NOT NULL,
    email     text NOT NULL,
    status    text NOT NULL,
    groups    text[] NOT NULL,
    notes     text NOT NULL,
    client_id bigint,                -- the existing client the phones point at
    matches   int NOT NULL DEFAULT 0, -- how many existing clients own the row's phones
    changed   boolean NOT NULL DEFAULT false -- the found client's data or phones change
) ON COMMIT DROP`,
		`CREATE TEMP TABLE import_phones (
    ord      int NOT NULL,
    phone    text NOT NULL,
    position smallint NOT NULL
) ON COMMIT DROP`,
	} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return st, fmt.Errorf("staging: %w", mapErr(err))
		}
	}

	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_rows"},
		[]string{"ord", "name", "email", "status", "groups", "notes"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			c := rows[i]
			return []any{i, c.Name, c.Email, string(c.Status), c.Groups, c.Notes}, nil
		})); err != nil {
		return st, fmt.Errorf("copy rows: %w", mapErr(err))
	}
	var phones [][]any
	for i, c := range rows {
		for pos, p := range c.Phones {
			phones = append(phones, []any{i, p, int16(pos)})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_phones"}, []string{"ord", "phone", "position"},
		pgx.CopyFromRows(phones)); err != nil {
		return st, fmt.Errorf("copy phones: %w", mapErr(err))
	}
	// Temporary tables are never auto-analyzed; without statistics the
	// planner guesses a handful of rows and picks nested loops.
	if _, err := tx.Exec(ctx, `ANALYZE import_rows, import_phones`); err != nil {
		return st, fmt.Errorf("analyze staging: %w", mapErr(err))
	}

	// Which existing client does each row's phones point at?
	if _, err := tx.Exec(ctx, `
UPDATE import_rows r SET client_id = m.client_id, matches = m.n
FROM (SELECT ip.ord, min(cp.client_id) AS client_id, count(DISTINCT cp.client_id) AS n
      FROM import_phones ip
      JOIN client_phones cp ON cp.club_id = $1 AND cp.phone = ip.phone
      GROUP BY ip.ord) m
WHERE r.ord = m.ord`, clubID); err != nil {
		return st, fmt.Errorf("match phones: %w", mapErr(err))
	}
	skipped, err := importSkip(ctx, tx, clubID)
	if err != nil {
		return st, err
	}
	st.Skipped = skipped

	// A row that would change nothing is not rewritten (re-importing a list
	// costs reads), and only the clients whose data or phones change count
	// as updated.
	if _, err := tx.Exec(ctx, `
WITH upd AS (
    UPDATE clients c SET
        name       = r.name,
        email      = CASE WHEN r.email <> '' THEN r.email ELSE c.email END,
        status     = CASE WHEN r.status <> '' THEN r.status ELSE c.status END,
        groups     = CASE WHEN cardinality(r.groups) > 0 THEN r.groups ELSE c.groups END,
        notes      = CASE WHEN r.notes <> '' THEN r.notes ELSE c.notes END,
        updated_at = $2
    FROM import_rows r
    WHERE c.club_id = $1 AND c.id = r.client_id AND r.matches = 1
      AND (c.name <> r.name
           OR (r.email <> '' AND c.email <> r.email)
           OR (r.status <> '' AND c.status <> r.status)
           OR (cardinality(r.groups) > 0 AND c.groups <> r.groups)
           OR (r.notes <> '' AND c.notes <> r.notes))
    RETURNING r.ord
)
UPDATE import_rows r SET changed = true FROM upd WHERE r.ord = upd.ord`, clubID, now); err != nil {
		return st, fmt.Errorf("update clients: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, `
UPDATE import_rows r SET changed = true
WHERE r.matches = 1 AND NOT r.changed AND EXISTS (
    SELECT 1 FROM import_phones ip
    WHERE ip.ord = r.ord AND NOT EXISTS (
        SELECT 1 FROM client_phones cp
        WHERE cp.club_id = $1 AND cp.phone = ip.phone AND cp.client_id = r.client_id AND cp.position = ip.position))`, clubID); err != nil {
		return st, fmt.Errorf("compare phones: %w", mapErr(err))
	}
	if err := tx.QueryRow(ctx, `
SELECT count(*) FILTER (WHERE matches = 1 AND changed), count(*) FILTER (WHERE matches = 1 AND NOT changed),
       count(*) FILTER (WHERE matches = 0)
FROM import_rows`).Scan(&st.Updated, &st.Unchanged, &st.Inserted); err != nil {
		return st, fmt.Errorf("count rows: %w", mapErr(err))
	}

	// New clients and their phones in one statement: ids are drawn from the
	// clients' identity sequence first, so the phones can be joined to them
	// without reading the inserted rows back.
	if _, err := tx.Exec(ctx, `
WITH new AS MATERIALIZED (
    SELECT ord, nextval(pg_get_serial_sequence('clients', 'id')) AS id FROM import_rows WHERE matches = 0
), inserted AS (
    INSERT INTO clients (id, club_id, name, email, status, groups, notes, created_at, updated_at)
    OVERRIDING SYSTEM VALUE
    SELECT n.id, $1, r.name, r.email, coalesce(nullif(r.status, ''), 'lead'), r.groups, r.notes, $2, $2
    FROM new n JOIN import_rows r ON r.ord = n.ord
)
INSERT INTO client_phones (club_id, client_id, phone, position)
SELECT $1, n.id, ip.phone, ip.position FROM new n JOIN import_phones ip ON ip.ord = n.ord`, clubID, now); err != nil {
		return st, fmt.Errorf("insert clients: %w", mapErr(err))
	}

	// Phones of found clients: new ones are added, and the file's order of
	// phones becomes their order. Under the lock no phone appears meanwhile,
	// so the conflict is only with the client's own phones; the WHERE keeps
	// a phone of someone else theirs all the same.
	if _, err := tx.Exec(ctx, `
INSERT INTO client_phones (club_id, client_id, phone, position)
SELECT $1, r.client_id, ip.phone, ip.position
FROM import_phones ip JOIN import_rows r ON r.ord = ip.ord
WHERE r.matches = 1 AND NOT EXISTS (
    SELECT 1 FROM client_phones cp
    WHERE cp.club_id = $1 AND cp.phone = ip.phone AND cp.client_id = r.client_id AND cp.position = ip.position)
ON CONFLICT (club_id, phone) DO UPDATE SET position = EXCLUDED.position
WHERE client_phones.client_id = EXCLUDED.client_id`, clubID); err != nil {
		return st, fmt.Errorf("upsert phones: %w", mapErr(err))
	}
	return st, nil
}

// importSkip removes from the staging table the rows that cannot be applied
// and says why: rows whose phones belong to several clients, and rows
// matching the same client as a later row.
func importSkip(ctx context.Context, tx pgx.Tx, clubID int64) ([]ImportSkip, error) {
	var skipped []ImportSkip

	// Phones of several clients: name them all so the club can merge them.
	rows, err := tx.Query(ctx, `
SELECT ip.ord, ip.phone, c.name
FROM import_rows r
JOIN import_phones ip ON ip.ord = r.ord
JOIN client_phones cp ON cp.club_id = $1 AND cp.phone = ip.phone
JOIN clients c ON c.club_id = cp.club_id AND c.id = cp.client_id
WHERE r.matches > 1
ORDER BY ip.ord, ip.position`, clubID)
	if err != nil {
		return nil, fmt.Errorf("find ambiguous rows: %w", mapErr(err))
	}
	owners := map[int][]string{}
	var order []int
	for rows.Next() {
		var (
			ord         int
			phone, name string
		)
		if err := rows.Scan(&ord, &phone, &name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find ambiguous rows: %w", mapErr(err))
		}
		if _, ok := owners[ord]; !ok {
			order = append(order, ord)
		}
		owners[ord] = append(owners[ord], fmt.Sprintf("%s is %q's", phone, name))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find ambiguous rows: %w", mapErr(err))
	}
	for _, ord := range order {
		skipped = append(skipped, ImportSkip{Index: ord,
			Message: "the phones belong to different clients (" + strings.Join(owners[ord], ", ") + "); merge them first"})
	}

	// The same client on two rows: the later row wins.
	rows, err = tx.Query(ctx, `
WITH ranked AS (
    SELECT ord, client_id, row_number() OVER (PARTITION BY client_id ORDER BY ord DESC) AS n
    FROM import_rows WHERE matches = 1
)
SELECT r.ord, c.name
FROM ranked r JOIN clients c ON c.club_id = $1 AND c.id = r.client_id
WHERE r.n > 1`, clubID)
	if err != nil {
		return nil, fmt.Errorf("find repeated clients: %w", mapErr(err))
	}
	for rows.Next() {
		var (
			ord  int
			name string
		)
		if err := rows.Scan(&ord, &name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find repeated clients: %w", mapErr(err))
		}
		skipped = append(skipped, ImportSkip{Index: ord,
			Message: fmt.Sprintf("client %q is also on a later row (by another of their phones), which is imported instead", name)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find repeated clients: %w", mapErr(err))
	}
	if len(skipped) == 0 {
		return skipped, nil
	}

	ords := make([]int32, len(skipped))
	for i, s := range skipped {
		ords[i] = int32(s.Index)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_rows WHERE ord = ANY($1)`, ords); err != nil {
		return nil, fmt.Errorf("drop skipped rows: %w", mapErr(err))
	}
	sort.Slice(skipped, func(i, j int) bool { return skipped[i].Index < skipped[j].Index })
	return skipped, nil
}
