package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// clientSelect reads a client with its phones, primary first.
const clientSelect = `
SELECT c.id, c.club_id, c.name, c.email, c.status, c.groups, c.notes, c.created_at, c.updated_at,
       coalesce((SELECT array_agg(p.phone ORDER BY p.position, p.phone) FROM client_phones p
                 WHERE p.club_id = c.club_id AND p.client_id = c.id), '{}')
FROM clients c`

func scanClient(row pgx.Row) (domain.Client, error) {
	var c domain.Client
	var status string
	err := row.Scan(&c.ID, &c.ClubID, &c.Name, &c.Email, &status, &c.Groups, &c.Notes, &c.CreatedAt, &c.UpdatedAt, &c.Phones)
	c.Status = domain.ClientStatus(status)
	return c, err
}

func scanClients(rows pgx.Rows) ([]domain.Client, error) {
	defer rows.Close()
	out := []domain.Client{}
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// clientPhonesLock takes the club's client-phones advisory lock for the rest
// of the transaction: shared for ClientCreate, exclusive for ClientImport.
// An import matches its file's phones against the club's once, then inserts
// the unmatched ones; a phone another transaction added in between would
// fail the whole import on the unique key. Holding the lock exclusively, an
// import makes a concurrent ClientCreate wait for it (and then see its
// phones: "phone_taken"); creations do not wait for each other, as the
// unique key already settles a race between two of them.
func clientPhonesLock(ctx context.Context, tx pgx.Tx, clubID int64, exclusive bool) error {
	sql := `SELECT pg_advisory_xact_lock_shared(hashtextextended('clubcrm.client_phones', $1))`
	if exclusive {
		sql = `SELECT pg_advisory_xact_lock(hashtextextended('clubcrm.client_phones', $1))`
	}
	if _, err := tx.Exec(ctx, sql, clubID); err != nil {
		return fmt.Errorf("lock client phones of club %d: %w", clubID, mapErr(err))
	}
	return nil
}

// ClientCreate stores a new client of c.ClubID with its phones (E.164, at
// least one; the first is the primary). An empty status means lead. When one
// of the phones already belongs to a client of the club the result is a
// *domain.Error of kind ErrConflict and code "phone_taken", with that
// client's name and id in Args ("client", "client_id", "phone"), so the bot
// can offer the existing card instead of a duplicate. It waits while a
// ClientImport of the club runs (see clientPhonesLock).
func (db *DB) ClientCreate(ctx context.Context, c domain.Client) (domain.Client, error) {
	c, err := domain.CleanClient(c)
	if err != nil {
		return domain.Client{}, err
	}
	if c.Status == "" {
		c.Status = domain.ClientLead
	}
	now := db.clock.Now()
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		if err := clientPhonesLock(ctx, tx, c.ClubID, false); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `
INSERT INTO clients (club_id, name, email, status, groups, notes, created_at, updated_at)
SELECT id, $2, $3, $4, $5, $6, $7, $7 FROM clubs WHERE id = $1 AND deleted_at IS NULL
RETURNING id, created_at, updated_at`,
			c.ClubID, c.Name, c.Email, string(c.Status), c.Groups, c.Notes, now).Scan(&c.ID, &c.CreatedAt, &c.UpdatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("club %d: %w", c.ClubID, domain.ErrNotFound)
		}
		if err != nil {
			return mapErr(err)
		}
		// DO NOTHING rather than failing on the unique key keeps the
		// transaction usable to look up who has the phone.
		tag, err := tx.Exec(ctx, `
INSERT INTO client_phones (club_id, client_id, phone, position)
SELECT $1, $2, p.phone, p.ord - 1 FROM unnest($3::text[]) WITH ORDINALITY AS p(phone, ord)
ON CONFLICT (club_id, phone) DO NOTHING`, c.ClubID, c.ID, c.Phones)
		if err != nil {
			return fmt.Errorf("phones: %w", mapErr(err))
		}
		if int(tag.RowsAffected()) < len(c.Phones) {
			return clientPhoneTaken(ctx, tx, c.ClubID, c.ID, c.Phones)
		}
		return nil
	})
	if err != nil {
		return domain.Client{}, fmt.Errorf("client create: %w", err)
	}
	return c, nil
}

// clientPhoneTaken builds the "phone_taken" conflict for the first of phones
// that belongs to a client other than exceptID.
func clientPhoneTaken(ctx context.Context, q querier, clubID, exceptID int64, phones []string) error {
	var (
		id          int64
		name, phone string
	)
	err := q.QueryRow(ctx, `
SELECT c.id, c.name, p.phone
FROM client_phones p JOIN clients c ON c.club_id = p.club_id AND c.id = p.client_id
WHERE p.club_id = $1 AND p.phone = ANY($2) AND p.client_id <> $3
ORDER BY array_position($2, p.phone) LIMIT 1`, clubID, phones, exceptID).Scan(&id, &name, &phone)
	if err != nil {
		return fmt.Errorf("phone owner: %w", mapErr(err))
	}
	return domain.Conflict(domain.CodePhoneTaken, fmt.Sprintf("phone %s already belongs to client %q", phone, name),
		map[string]any{"client": name, "client_id": id, "phone": phone})
}

// ClientGet returns a client of the club with its phones. A client of another
// club is ErrNotFound.
func (db *DB) ClientGet(ctx context.Context, clubID, id int64) (domain.Client, error) {
	c, err := scanClient(db.pool.QueryRow(ctx, clientSelect+` WHERE c.club_id = $1 AND c.id = $2`, clubID, id))
	if err != nil {
		return domain.Client{}, fmt.Errorf("client get %d: %w", id, mapErr(err))
	}
	return c, nil
}

// Search limits.
const (
	clientSearchDefaultLimit = 20
	clientSearchMaxLimit     = 100
	clientSearchMaxQuery     = 100 // characters
)

// ClientSearch finds clients of the club by what a staff member types: a
// query of digits (spaces, "+", "-", "()" allowed) matches phones containing
// those digits anywhere, also without a leading trunk 0 or 8, so "067 123"
// and "8916..." find "+38067123..." and "+7916..."; any other query matches
// names containing it, case-insensitively, names starting with it first.
// Both use the trigram indexes. limit ≤ 0 means 20; at most 100.
func (db *DB) ClientSearch(ctx context.Context, clubID int64, query string, limit int) ([]domain.Client, error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return nil, domain.Invalid(domain.CodeSearchQueryEmpty, "type part of a name or a phone number", nil)
	}
	if utf8.RuneCountInString(q) > clientSearchMaxQuery {
		return nil, domain.Invalid(domain.CodeTooLong, fmt.Sprintf("the search is longer than %d characters", clientSearchMaxQuery),
			map[string]any{"limit": clientSearchMaxQuery})
	}
	if limit <= 0 {
		limit = clientSearchDefaultLimit
	}
	limit = min(limit, clientSearchMaxLimit)

	var (
		rows pgx.Rows
		err  error
	)
	if digits, ok := phoneDigits(q); ok {
		alt := digits
		if len(digits) > 3 && (digits[0] == '0' || digits[0] == '8') {
			alt = digits[1:]
		}
		rows, err = db.pool.Query(ctx, clientSelect+`
WHERE c.club_id = $1 AND c.id IN (
    SELECT p.client_id FROM client_phones p
    WHERE p.club_id = $1 AND (p.phone LIKE '%' || $2 || '%' OR p.phone LIKE '%' || $3 || '%'))
ORDER BY c.name, c.id
LIMIT $4`, clubID, digits, alt, limit)
	} else {
		rows, err = db.pool.Query(ctx, clientSelect+`
WHERE c.club_id = $1 AND lower(c.name) LIKE '%' || lower($2) || '%'
ORDER BY lower(c.name) LIKE lower($2) || '%' DESC, c.name, c.id
LIMIT $3`, clubID, escapeLike(q), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("client search: %w", mapErr(err))
	}
	out, err := scanClients(rows)
	if err != nil {
		return nil, fmt.Errorf("client search: %w", mapErr(err))
	}
	return out, nil
}

// phoneDigits reports whether q looks like (part of) a phone number and
// returns its digits.
func phoneDigits(q string) (string, bool) {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '+' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

// escapeLike makes s match itself literally inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ClientFilter selects clients for a bulk call. An empty list does not
// filter: the zero filter selects every client of the club. Groups match when
// a client is in any of them.
type ClientFilter struct {
	Statuses []domain.ClientStatus
	Groups   []string
}

func (f ClientFilter) args() ([]string, []string, error) {
	statuses := make([]string, 0, len(f.Statuses))
	for _, s := range f.Statuses {
		st, err := domain.ParseClientStatus(string(s))
		if err != nil || s == "" {
			return nil, nil, domain.Invalid(domain.CodeClientStatusInvalid, fmt.Sprintf("client status %q is not one of lead, trial, active, lapsed", s), nil)
		}
		statuses = append(statuses, string(st))
	}
	return statuses, domain.UniqueStrings(f.Groups), nil
}

const clientFilterWhere = `
WHERE c.club_id = $1
  AND (cardinality($2::text[]) = 0 OR c.status = ANY($2))
  AND (cardinality($3::text[]) = 0 OR c.groups && $3)`

// ClientFilterCount counts the clients a filter selects.
func (db *DB) ClientFilterCount(ctx context.Context, clubID int64, f ClientFilter) (int, error) {
	statuses, groups, err := f.args()
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM clients c`+clientFilterWhere, clubID, statuses, groups).Scan(&n); err != nil {
		return 0, fmt.Errorf("client filter count: %w", mapErr(err))
	}
	return n, nil
}

// ClientFilterIDs returns the ids of the clients a filter selects, ascending.
func (db *DB) ClientFilterIDs(ctx context.Context, clubID int64, f ClientFilter) ([]int64, error) {
	statuses, groups, err := f.args()
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT c.id FROM clients c`+clientFilterWhere+` ORDER BY c.id`, clubID, statuses, groups)
	if err != nil {
		return nil, fmt.Errorf("client filter ids: %w", mapErr(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("client filter ids: %w", mapErr(err))
	}
	if ids == nil {
		ids = []int64{}
	}
	return ids, nil
}

// ClientGroupList returns the distinct groups the club's clients are in,
// sorted.
func (db *DB) ClientGroupList(ctx context.Context, clubID int64) ([]string, error) {
	rows, err := db.pool.Query(ctx, `
SELECT DISTINCT g FROM clients c, unnest(c.groups) AS g WHERE c.club_id = $1 ORDER BY g`, clubID)
	if err != nil {
		return nil, fmt.Errorf("client group list: %w", mapErr(err))
	}
	groups, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("client group list: %w", mapErr(err))
	}
	if groups == nil {
		groups = []string{}
	}
	return groups, nil
}

// ClientResultItem is one result recorded on a task about a client: a line
// of the relationship history.
type ClientResultItem struct {
	At            time.Time
	TaskID        int64
	TemplateName  string
	TemplateNames domain.Names
	ResultName    string
	ResultNames   domain.Names
	StaffName     string // who recorded it; empty when the system did
}

// ClientResultHistory returns the results recorded on the client's tasks,
// newest first, leaving out deleted tasks. limit ≤ 0 means 20; at most 100.
func (db *DB) ClientResultHistory(ctx context.Context, clubID, clientID int64, limit int) ([]ClientResultItem, error) {
	if limit <= 0 {
		limit = clientSearchDefaultLimit
	}
	limit = min(limit, clientSearchMaxLimit)
	rows, err := db.pool.Query(ctx, `
SELECT tr.recorded_at, tr.task_id, tp.name, tp.names, r.name, r.names, coalesce(s.name, '')
FROM task_results tr
JOIN tasks t ON t.club_id = tr.club_id AND t.id = tr.task_id
JOIN templates tp ON tp.club_id = t.club_id AND tp.id = t.template_id
JOIN results r ON r.club_id = tr.club_id AND r.id = tr.result_id
LEFT JOIN staff s ON s.club_id = tr.club_id AND s.id = tr.staff_id
WHERE tr.club_id = $1 AND tr.client_id = $2 AND t.deleted_at IS NULL
ORDER BY tr.recorded_at DESC, tr.id DESC
LIMIT $3`, clubID, clientID, limit)
	if err != nil {
		return nil, fmt.Errorf("client result history: %w", mapErr(err))
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ClientResultItem, error) {
		var it ClientResultItem
		err := row.Scan(&it.At, &it.TaskID, &it.TemplateName, &it.TemplateNames, &it.ResultName, &it.ResultNames, &it.StaffName)
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("client result history: %w", mapErr(err))
	}
	if items == nil {
		items = []ClientResultItem{}
	}
	return items, nil
}
