package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// ImportStats says what an import did.
type ImportStats struct {
	Inserted  int // new clients
	Updated   int // clients found by one of their phones whose data or phones changed
	Unchanged int // clients found whose row changed nothing
	// Skipped are the first ImportSkipsKept rows, in input order, that were
	// not imported: their phone is on a later row, or they cannot be matched
	// to one client. SkippedCount counts them all, so a file of a million
	// such rows is not held in memory to be reported.
	Skipped      []ImportSkip
	SkippedCount int
}

// ImportSkipsKept is how many skipped rows an import describes; the rest
// are only counted. A person reads the first few to see what is wrong.
const ImportSkipsKept = 100

// ImportSkip is an input row an import left out.
type ImportSkip struct {
	Index   int // the row's position in the input, from 0
	Line    int // the row's ImportRow.Line (ClientImport: Index)
	Message string
}

// ImportRow is one row of a streamed import.
type ImportRow struct {
	Line   int // the caller's name for the row, its line in the file; skipped rows are reported by it
	Client domain.Client
}

// ClientImport stores a client list in one transaction; see
// ClientImportStream. The rows must carry at least one valid phone each and
// no phone may be on two rows (clientcsv.Parse guarantees both); otherwise
// nothing is written and the error is ErrInvalid. Skipped rows are named by
// their index in rows.
func (db *DB) ClientImport(ctx context.Context, clubID int64, rows []domain.Client) (ImportStats, error) {
	rows, err := importCheck(rows)
	if err != nil {
		return ImportStats{}, err
	}
	i := 0
	return db.ClientImportStream(ctx, clubID, func() (ImportRow, error) {
		if i == len(rows) {
			return ImportRow{}, io.EOF
		}
		i++
		return ImportRow{Line: i - 1, Client: rows[i-1]}, nil
	})
}

// ClientImportStream stores a client list in one transaction, set-based,
// whatever its size, holding only the row at hand and a 64 KB COPY message
// in memory: next is called until it returns io.EOF and its rows are COPYed,
// as they come, into staging tables, then matched to existing clients by any
// of their phones; one UPDATE, one INSERT … SELECT (new clients with their
// phones) and one INSERT of the found clients' new phones apply them. A client already present
// by any phone is updated, never duplicated, so importing the same file
// twice changes nothing. Updated counts the clients found whose data or
// phones change; the others are Unchanged and not rewritten. On update an
// empty email, status or groups keeps the stored value, and phones are added
// to the client's (none is taken away): the stored ones keep their
// positions, so the primary phone stays primary, and the new ones follow in
// the file's order. Every client's phones are at distinct positions after
// an import; a found client left with two at one position by an earlier
// import is renumbered (importPhonesRenumber).
//
// These rows are skipped, and reported by their Line: a row one of whose
// phones is on a later row (the later one wins, as in a re-exported list; the
// earlier row's other phones are free again), a row whose phones belong to
// two different clients, and a row that matches the same client as a later
// row. A row that is not a valid client (see domain.CleanClient) refuses the
// whole import with ErrInvalid; any other error from next is returned as it
// is. Either way, and whenever the database fails or ctx ends, nothing is
// written.
//
// Imports of one club run one at a time, and a ClientCreate of the club
// waits for a running import (see clientPhonesLock), so a phone added while
// the file is being matched cannot fail the import. The lock is taken only
// once the rows are staged: reading a large file does not hold the bot up.
//
// Errors are not prefixed with the operation's name: the caller, the one
// command that imports, names it along with the file.
func (db *DB) ClientImportStream(ctx context.Context, clubID int64, next func() (ImportRow, error)) (ImportStats, error) {
	var st ImportStats
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		st, err = clientImportTx(ctx, tx, clubID, next, db.clock.Now())
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
			return nil, importRowInvalid(i, err)
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

func importRowInvalid(i int, err error) error {
	return domain.Invalid(domain.CodeImportRowInvalid, fmt.Sprintf("row %d: %v", i, err), map[string]any{"index": i})
}

// importSource feeds the rows of next to COPY one at a time, cleaned.
type importSource struct {
	next func() (ImportRow, error)
	n    int // rows read so far
	vals []any
	err  error // why the rows ended early: next's error, or a row that is not valid
}

func (s *importSource) Next() bool {
	row, err := s.next()
	if errors.Is(err, io.EOF) {
		return false
	}
	if err != nil {
		s.err = err
		return false
	}
	c, err := domain.CleanClient(row.Client)
	if err != nil {
		s.err = importRowInvalid(s.n, err)
		return false
	}
	s.vals = []any{s.n, row.Line, c.Name, c.Email, string(c.Status), c.Groups, c.Notes, c.Phones}
	s.n++
	return true
}

func (s *importSource) Values() ([]any, error) { return s.vals, nil }

// Err is nil even when the rows ended early: an error here would reach the
// caller only as COPY's, so clientImportTx returns s.err itself.
func (s *importSource) Err() error { return nil }

func clientImportTx(ctx context.Context, tx pgx.Tx, clubID int64, next func() (ImportRow, error), now time.Time) (ImportStats, error) {
	var st ImportStats
	for _, sql := range []string{
		`CREATE TEMP TABLE import_rows (
    ord       int PRIMARY KEY,       -- the row's position in the input
    line      int NOT NULL,          -- the caller's name for it
    name      text NOT NULL,
    email     text NOT NULL,
    status    text NOT NULL,
    groups    text[] NOT NULL,
    notes     text NOT NULL,
    phones    text[] NOT NULL,
    client_id bigint,                -- the existing client the phones point at
    matches   int NOT NULL DEFAULT 0, -- how many existing clients own the row's phones
    changed   boolean NOT NULL DEFAULT false -- the found client's data or phones change
) ON COMMIT DROP`,
		`CREATE TEMP TABLE import_phones (
    ord      int NOT NULL,
    phone    text NOT NULL,
    position smallint NOT NULL
) ON COMMIT DROP`,
		`CREATE TEMP TABLE import_skipped (
    ord       int PRIMARY KEY,
    line      int NOT NULL,
    reason    text NOT NULL,  -- phone_again, ambiguous, same_client
    phone     text,           -- phone_again: the phone on the later row
    by_line   int,            -- phone_again: the later row
    client_id bigint          -- same_client: the client
) ON COMMIT DROP`,
	} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return st, fmt.Errorf("staging: %w", mapErr(err))
		}
	}

	// One COPY streams every row: pgx encodes rows into 64 KB messages as
	// it reads them, so memory does not grow with the file.
	src := &importSource{next: next}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_rows"},
		[]string{"ord", "line", "name", "email", "status", "groups", "notes", "phones"}, src)
	if src.err != nil {
		return st, src.err
	}
	if err != nil {
		return st, fmt.Errorf("copy rows: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, `
INSERT INTO import_phones (ord, phone, position)
SELECT r.ord, p.phone, (p.n - 1)::smallint FROM import_rows r, unnest(r.phones) WITH ORDINALITY AS p(phone, n)`); err != nil {
		return st, fmt.Errorf("stage phones: %w", mapErr(err))
	}
	// Temporary tables are never auto-analyzed; without statistics the
	// planner guesses a handful of rows and picks nested loops.
	if _, err := tx.Exec(ctx, `ANALYZE import_rows, import_phones`); err != nil {
		return st, fmt.Errorf("analyze staging: %w", mapErr(err))
	}
	if err := importPhoneAgain(ctx, tx); err != nil {
		return st, err
	}

	var exists bool
	err = tx.QueryRow(ctx, `SELECT true FROM clubs WHERE id = $1 AND deleted_at IS NULL FOR SHARE`, clubID).Scan(&exists)
	if err != nil {
		return st, fmt.Errorf("club %d: %w", clubID, mapErr(err))
	}
	// Nobody else adds a phone to the club until this transaction ends: two
	// imports at once, or a client created in the bot mid-import, would
	// otherwise insert a phone this import has matched as new.
	if err := clientPhonesLock(ctx, tx, clubID, true); err != nil {
		return st, err
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
	// The statistics taken before matching know no client_id and no match:
	// planned on them, the statements below expect one found row and loop
	// over the staging tables for each (quadratic on a re-import).
	if _, err := tx.Exec(ctx, `ANALYZE import_rows (client_id, matches)`); err != nil {
		return st, fmt.Errorf("analyze matches: %w", mapErr(err))
	}
	if err := importSkip(ctx, tx); err != nil {
		return st, err
	}
	st.Skipped, st.SkippedCount, err = importSkipped(ctx, tx, clubID)
	if err != nil {
		return st, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_rows r USING import_skipped s WHERE r.ord = s.ord`); err != nil {
		return st, fmt.Errorf("drop skipped rows: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_phones p USING import_skipped s WHERE p.ord = s.ord`); err != nil {
		return st, fmt.Errorf("drop skipped phones: %w", mapErr(err))
	}

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
	if err := importPhonesRenumber(ctx, tx, clubID); err != nil {
		return st, err
	}
	// A found client's phones change when the row has one new to them (the
	// row's other phones are already theirs, or it would be ambiguous); the
	// file's order of phones is not compared, as it moves none.
	if _, err := tx.Exec(ctx, `
UPDATE import_rows r SET changed = true
WHERE r.matches = 1 AND NOT r.changed AND EXISTS (
    SELECT 1 FROM import_phones ip
    WHERE ip.ord = r.ord AND NOT EXISTS (
        SELECT 1 FROM client_phones cp WHERE cp.club_id = $1 AND cp.phone = ip.phone))`, clubID); err != nil {
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

	// Phones of found clients: their stored phones keep their positions (the
	// primary stays primary), and the row's phones new to them come after
	// them in the file's order, so no two share a position and importing
	// the file again moves nothing. Under the lock no phone appears
	// meanwhile, and a stored phone of the row is the client's own (another
	// client's would have made the row ambiguous), so a phone not stored in
	// the club is new to the client.
	if _, err := tx.Exec(ctx, `
WITH n AS MATERIALIZED ( -- first, so the clients' top positions are read only for these
    SELECT r.client_id, ip.phone, ip.position
    FROM import_phones ip JOIN import_rows r ON r.ord = ip.ord
    WHERE r.matches = 1 AND NOT EXISTS (
        SELECT 1 FROM client_phones cp WHERE cp.club_id = $1 AND cp.phone = ip.phone)
)
INSERT INTO client_phones (club_id, client_id, phone, position)
SELECT $1, n.client_id, n.phone, (top.position + row_number() OVER (PARTITION BY n.client_id ORDER BY n.position))::smallint
FROM n CROSS JOIN LATERAL (
    SELECT coalesce(max(cp.position), -1) AS position FROM client_phones cp
    WHERE cp.club_id = $1 AND cp.client_id = n.client_id) top`, clubID); err != nil {
		return st, fmt.Errorf("add phones: %w", mapErr(err))
	}
	return st, nil
}

// importPhonesRenumber repairs the found clients whose phones share a
// position (an import before the positions were kept left a stored phone
// at the file's position, beside the one already there): their phones are
// numbered 0..n-1 in the order they are shown (position, then phone), and
// the row counts as a change. Other clients' positions are left as they are.
func importPhonesRenumber(ctx context.Context, tx pgx.Tx, clubID int64) error {
	if _, err := tx.Exec(ctx, `
WITH shared AS (
    SELECT DISTINCT client_id FROM (
        SELECT cp.client_id
        FROM import_rows r JOIN client_phones cp ON cp.club_id = $1 AND cp.client_id = r.client_id
        WHERE r.matches = 1
        GROUP BY cp.client_id, cp.position
        HAVING count(*) > 1) d
), numbered AS (
    SELECT cp.phone, (row_number() OVER (PARTITION BY cp.client_id ORDER BY cp.position, cp.phone) - 1)::smallint AS position
    FROM shared s JOIN client_phones cp ON cp.club_id = $1 AND cp.client_id = s.client_id
), renumbered AS (
    UPDATE client_phones cp SET position = n.position
    FROM numbered n
    WHERE cp.club_id = $1 AND cp.phone = n.phone AND cp.position <> n.position
    RETURNING cp.client_id
)
UPDATE import_rows r SET changed = true
WHERE r.matches = 1 AND r.client_id IN (SELECT client_id FROM renumbered)`, clubID); err != nil {
		return fmt.Errorf("renumber phones: %w", mapErr(err))
	}
	return nil
}

// importPhoneAgain leaves out the rows one of whose phones is on a later row:
// the later row replaces the earlier one. A row is replaced by the first
// later row sharing a phone with it, which names the phone; the replaced
// row's other phones are then free, so the later rows sharing only those
// stand. Each phone's next row comes from one sort of the phones, however
// often a phone repeats.
func importPhoneAgain(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `
INSERT INTO import_skipped (ord, line, reason, phone, by_line)
SELECT DISTINCT ON (s.ord) s.ord, r.line, 'phone_again', s.phone, later.line
FROM (SELECT ord, phone, lead(ord) OVER w AS next_ord, lead(position) OVER w AS next_position
      FROM import_phones WINDOW w AS (PARTITION BY phone ORDER BY ord)) s
JOIN import_rows r ON r.ord = s.ord
JOIN import_rows later ON later.ord = s.next_ord
ORDER BY s.ord, s.next_ord, s.next_position`); err != nil {
		return fmt.Errorf("find repeated phones: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_rows r USING import_skipped s WHERE r.ord = s.ord`); err != nil {
		return fmt.Errorf("drop replaced rows: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_phones p USING import_skipped s WHERE p.ord = s.ord`); err != nil {
		return fmt.Errorf("drop replaced phones: %w", mapErr(err))
	}
	return nil
}

// importSkip marks the matched rows that cannot be applied: rows whose
// phones belong to several clients, and rows matching the same client as a
// later row (the later row wins).
func importSkip(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `
INSERT INTO import_skipped (ord, line, reason)
SELECT ord, line, 'ambiguous' FROM import_rows WHERE matches > 1`); err != nil {
		return fmt.Errorf("find ambiguous rows: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, `
INSERT INTO import_skipped (ord, line, reason, client_id)
SELECT ord, line, 'same_client', client_id
FROM (SELECT ord, line, client_id, row_number() OVER (PARTITION BY client_id ORDER BY ord DESC) AS n
      FROM import_rows WHERE matches = 1) ranked
WHERE n > 1`); err != nil {
		return fmt.Errorf("find repeated clients: %w", mapErr(err))
	}
	return nil
}

// importSkipped describes the first ImportSkipsKept skipped rows, in input
// order, and counts them all.
func importSkipped(ctx context.Context, tx pgx.Tx, clubID int64) ([]ImportSkip, int, error) {
	var count int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM import_skipped`).Scan(&count); err != nil {
		return nil, 0, fmt.Errorf("count skipped rows: %w", mapErr(err))
	}
	if count == 0 {
		return nil, 0, nil
	}
	rows, err := tx.Query(ctx, `
SELECT s.ord, s.line, s.reason, coalesce(s.phone, ''), coalesce(s.by_line, 0), coalesce(c.name, '')
FROM import_skipped s
LEFT JOIN clients c ON c.club_id = $1 AND c.id = s.client_id
ORDER BY s.ord
LIMIT $2`, clubID, ImportSkipsKept)
	if err != nil {
		return nil, 0, fmt.Errorf("read skipped rows: %w", mapErr(err))
	}
	var (
		skipped   []ImportSkip
		ambiguous []int32
	)
	for rows.Next() {
		var (
			s                   ImportSkip
			reason, phone, name string
			byLine              int
		)
		if err := rows.Scan(&s.Index, &s.Line, &reason, &phone, &byLine, &name); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("read skipped rows: %w", mapErr(err))
		}
		switch reason {
		case "phone_again":
			s.Message = fmt.Sprintf("phone %s appears again on line %d, which replaces this row", phone, byLine)
		case "same_client":
			s.Message = fmt.Sprintf("client %q is also on a later row (by another of their phones), which is imported instead", name)
		case "ambiguous":
			ambiguous = append(ambiguous, int32(s.Index))
		}
		skipped = append(skipped, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read skipped rows: %w", mapErr(err))
	}
	if len(ambiguous) == 0 {
		return skipped, count, nil
	}

	// Phones of several clients: name them all so the club can merge them.
	rows, err = tx.Query(ctx, `
SELECT ip.ord, ip.phone, c.name
FROM import_phones ip
JOIN client_phones cp ON cp.club_id = $1 AND cp.phone = ip.phone
JOIN clients c ON c.club_id = cp.club_id AND c.id = cp.client_id
WHERE ip.ord = ANY($2)
ORDER BY ip.ord, ip.position`, clubID, ambiguous)
	if err != nil {
		return nil, 0, fmt.Errorf("find ambiguous rows: %w", mapErr(err))
	}
	owners := map[int][]string{}
	for rows.Next() {
		var (
			ord         int
			phone, name string
		)
		if err := rows.Scan(&ord, &phone, &name); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("find ambiguous rows: %w", mapErr(err))
		}
		owners[ord] = append(owners[ord], fmt.Sprintf("%s is %q's", phone, name))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find ambiguous rows: %w", mapErr(err))
	}
	for i, s := range skipped {
		if o, ok := owners[s.Index]; ok {
			skipped[i].Message = "the phones belong to different clients (" + strings.Join(o, ", ") + "); merge them first"
		}
	}
	return skipped, count, nil
}
