package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// The report queries share their parameters:
//
//	$1 club id, $2 range start, $3 range end (exclusive),
//	$4 staff filter (0 = all), $5 template filter (0 = all), $6 type filter ('' = all).
//
// A zero filter value switches its condition off inside the SQL
// ("$4 = 0 OR ..."), so every report is one fixed statement whatever the
// filter, and the planner sees the range predicates the indexes serve.

// reportArgs returns the shared parameters $1..$6.
func reportArgs(clubID int64, r report.Range, f report.Filter) []any {
	return []any{clubID, r.From, r.To, f.StaffID, f.TemplateID, string(f.Type)}
}

// taskFilterSQL is the filter condition for a tasks row aliased t.
const taskFilterSQL = `($4::bigint = 0 OR t.assignee_id = $4)
  AND ($5::bigint = 0 OR t.template_id = $5)
  AND ($6::text = '' OR t.task_type = $6)`

// resultTaskFilterSQL filters task_results rows (alias tr) by their task's
// template and type, which every result carries (00026); callTaskFilterSQL
// filters calls rows (alias cl) by their task's. Without those filters the
// first operand is true and the EXISTS never runs (OR evaluates left to
// right), so an unfiltered report pays no task lookup per call. A call
// logged without a task fails a template or type filter.
const (
	resultTaskFilterSQL = `(($5::bigint = 0 OR tr.template_id = $5) AND ($6::text = '' OR tr.task_type = $6))`
	callTaskFilterSQL   = `(($5::bigint = 0 AND $6::text = '') OR EXISTS (
    SELECT 1 FROM tasks t WHERE t.club_id = cl.club_id AND t.id = cl.task_id
      AND ($5::bigint = 0 OR t.template_id = $5) AND ($6::text = '' OR t.task_type = $6)))`
)

// reportSnapshot runs fn in a read-only REPEATABLE READ transaction, so all
// the statements of one report see the same snapshot and their figures agree
// with each other even while staff keep working.
func (db *DB) reportSnapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.reads().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a read-only transaction; rollback after commit is a no-op
	// The aggregates sort and hash a year of a club's rows; the default
	// 4MB would spill them to disk. JIT compilation, which the planner's
	// cost estimates for these statements switch on, costs more (over a
	// second, measured) than it saves on queries bound by sorting. Both only
	// for this transaction.
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return fmt.Errorf("work_mem: %w", err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("jit: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// reportCheck validates the range and filter and that the club, and the
// staff member and template the filter names, exist in this club: a forged
// or foreign id is ErrNotFound rather than an empty report. It returns their
// names, which every rendering of the report shows.
func reportCheck(ctx context.Context, q querier, clubID int64, r report.Range, f report.Filter) (report.FilterNames, error) {
	var names report.FilterNames
	if err := r.Validate(); err != nil {
		return names, err
	}
	if err := f.Validate(); err != nil {
		return names, err
	}
	var club bool
	var staff, tmpl *string
	err := q.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM clubs WHERE id = $1 AND deleted_at IS NULL),
       CASE WHEN $2::bigint = 0 THEN '' ELSE (SELECT name FROM staff WHERE club_id = $1 AND id = $2) END,
       CASE WHEN $3::bigint = 0 THEN '' ELSE (SELECT name FROM templates WHERE club_id = $1 AND id = $3) END`,
		clubID, f.StaffID, f.TemplateID).Scan(&club, &staff, &tmpl)
	if err != nil {
		return names, fmt.Errorf("check report filter: %w", mapErr(err))
	}
	switch {
	case !club:
		return names, &domain.Error{Kind: domain.ErrNotFound, Code: domain.CodeClubNotFound, Msg: fmt.Sprintf("club %d not found", clubID)}
	case staff == nil:
		return names, &domain.Error{Kind: domain.ErrNotFound, Code: domain.CodeStaffNotFound, Msg: fmt.Sprintf("staff member %d not found in club %d", f.StaffID, clubID)}
	case tmpl == nil:
		return names, &domain.Error{Kind: domain.ErrNotFound, Code: domain.CodeTemplateNotFound, Msg: fmt.Sprintf("template %d not found in club %d", f.TemplateID, clubID)}
	}
	names.Staff, names.Template = *staff, *tmpl
	return names, nil
}

// reportStaffNames reads the names of the given staff members of a club, for
// the splits by staff member that come back from a statement by id.
func reportStaffNames(ctx context.Context, q querier, clubID int64, ids []int64) (map[int64]string, error) {
	return reportNames(ctx, q, "staff", `SELECT id, name FROM staff WHERE club_id = $1 AND id = ANY($2)`, clubID, ids)
}

// reportTemplateNames reads the names of the given templates of a club.
func reportTemplateNames(ctx context.Context, q querier, clubID int64, ids []int64) (map[int64]string, error) {
	return reportNames(ctx, q, "template", `SELECT id, name FROM templates WHERE club_id = $1 AND id = ANY($2)`, clubID, ids)
}

// reportNames runs one of the name look-ups above: sql takes the club and
// the ids and returns (id, name) rows.
func reportNames(ctx context.Context, q querier, what, sql string, clubID int64, ids []int64) (map[int64]string, error) {
	names := map[int64]string{}
	if len(ids) == 0 {
		return names, nil
	}
	rows, err := q.Query(ctx, sql, clubID, ids)
	if err != nil {
		return nil, fmt.Errorf("%s names: %w", what, mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("%s names: %w", what, mapErr(err))
		}
		names[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s names: %w", what, mapErr(err))
	}
	return names, nil
}
