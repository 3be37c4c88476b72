package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// ReportGeneral computes the general CRM report of a club for the range and
// filter: task counts in total and by staff member, template and type;
// calls in and out; results recorded; and the tallies of dictionary answers.
// The task figures are one aggregate statement, calls, results and answers
// one each, every one reading the period through the indexes on its time
// columns (see report.Counts for what every figure means); only aggregated
// rows come back to Go, which merely attaches names and zero rows. All
// statements read one snapshot. An unknown club, or a filter naming a staff member or
// template of another club, is ErrNotFound; a bad range or filter ErrInvalid.
func (db *DB) ReportGeneral(ctx context.Context, clubID int64, r report.Range, f report.Filter) (report.General, error) {
	g := report.General{Range: r, Filter: f}
	now := db.clock.Now()
	err := db.reportSnapshot(ctx, func(tx pgx.Tx) error {
		var err error
		if g.FilterNames, err = reportCheck(ctx, tx, clubID, r, f); err != nil {
			return err
		}
		tc, err := reportTaskCounts(ctx, tx, clubID, r, f, now)
		if err != nil {
			return err
		}
		calls, err := reportCallCounts(ctx, tx, clubID, r, f)
		if err != nil {
			return err
		}
		g.Totals = tc.total
		g.CallsIn, g.CallsOut = calls.total.in, calls.total.out
		if g.ByStaff, err = reportStaffRows(ctx, tx, clubID, f, tc.byStaff, calls.byStaff); err != nil {
			return err
		}
		var tmplType domain.TaskType
		if g.ByTemplate, tmplType, err = reportTemplateRows(ctx, tx, clubID, f, tc.byTemplate); err != nil {
			return err
		}
		g.ByType = reportTypeRows(f, tmplType, tc.byType)
		if g.ByResult, err = reportResultRows(ctx, tx, clubID, r, f); err != nil {
			return err
		}
		if g.ResultsByStaff, g.ResultsByTemplate, err = reportResultCells(ctx, tx, clubID, r, f); err != nil {
			return err
		}
		if g.Fields, err = reportFieldTallies(ctx, tx, clubID, r, f); err != nil {
			return err
		}
		if g.Missed, err = reportMissed(ctx, tx, clubID, r, f); err != nil { // report_missed.go
			return err
		}
		g.Leads, err = reportLeads(ctx, tx, clubID, r, f) // report_leads.go
		return err
	})
	if err != nil {
		return report.General{}, fmt.Errorf("report general: %w", err)
	}
	return g, nil
}

// reportTaskCountsSQL counts the four task figures in one pass over the
// tasks that touch the period by any of their four times. The OR of range
// conditions lets the planner combine the four indexes (created_at, done_at,
// cancelled_at, due_at; see 00001 and 00004) in a BitmapOr for a short
// period, or scan the club's tasks once for a long one; each task is read
// once and counted by FILTER into every figure it belongs to. GROUPING SETS
// then total them overall and by assignee, template and type at once.
// $7 is now: a deadline later today is not missed yet.
const reportTaskCountsSQL = `
WITH ev AS (
    SELECT t.assignee_id, t.template_id, t.task_type,
           t.created_at >= $2 AND t.created_at < $3 AS created,
           t.status = 'done' AND t.done_at >= $2 AND t.done_at < $3 AS done,
           t.status = 'cancelled' AND t.cancelled_at >= $2 AND t.cancelled_at < $3 AS cancelled,
           t.due_at >= $2 AND t.due_at < least($3, $7)
             AND NOT (t.status = 'done' AND t.done_at <= t.due_at)
             AND NOT (t.status = 'cancelled' AND t.cancelled_at <= t.due_at) AS overdue
    FROM tasks t
    WHERE t.club_id = $1 AND t.deleted_at IS NULL AND ` + taskFilterSQL + `
      AND ((t.created_at >= $2 AND t.created_at < $3)
        OR (t.done_at >= $2 AND t.done_at < $3)
        OR (t.cancelled_at >= $2 AND t.cancelled_at < $3)
        OR (t.due_at >= $2 AND t.due_at < least($3, $7)))
)
SELECT GROUPING(assignee_id, template_id, task_type),
       coalesce(assignee_id, 0), coalesce(template_id, 0), coalesce(task_type, ''),
       count(*) FILTER (WHERE created), count(*) FILTER (WHERE done),
       count(*) FILTER (WHERE overdue), count(*) FILTER (WHERE cancelled)
FROM ev
GROUP BY GROUPING SETS ((), (assignee_id), (template_id), (task_type))`

// GROUPING(assignee_id, template_id, task_type) is a bit mask of the
// columns a row is NOT grouped by.
const (
	groupedByAssignee = 0b011
	groupedByTemplate = 0b101
	groupedByType     = 0b110
	groupedTotal      = 0b111
)

type taskCounts struct {
	total      report.Counts
	byStaff    map[int64]report.Counts // 0: unassigned
	byTemplate map[int64]report.Counts
	byType     map[domain.TaskType]report.Counts
}

func reportTaskCounts(ctx context.Context, q querier, clubID int64, r report.Range, f report.Filter, now time.Time) (taskCounts, error) {
	out := taskCounts{byStaff: map[int64]report.Counts{}, byTemplate: map[int64]report.Counts{}, byType: map[domain.TaskType]report.Counts{}}
	rows, err := q.Query(ctx, reportTaskCountsSQL, append(reportArgs(clubID, r, f), now)...)
	if err != nil {
		return out, fmt.Errorf("task counts: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			set                int
			assignee, template int64
			typ                string
			c                  report.Counts
		)
		if err := rows.Scan(&set, &assignee, &template, &typ, &c.Created, &c.Done, &c.Overdue, &c.Cancelled); err != nil {
			return out, fmt.Errorf("task counts: %w", err)
		}
		switch set {
		case groupedTotal:
			out.total = c
		case groupedByAssignee:
			out.byStaff[assignee] = c
		case groupedByTemplate:
			out.byTemplate[template] = c
		case groupedByType:
			out.byType[domain.TaskType(typ)] = c
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("task counts: %w", mapErr(err))
	}
	return out, nil
}

type inOut struct{ in, out int }

type callCounts struct {
	total   inOut
	byStaff map[int64]inOut // 0: logged by nobody
}

func reportCallCounts(ctx context.Context, q querier, clubID int64, r report.Range, f report.Filter) (callCounts, error) {
	out := callCounts{byStaff: map[int64]inOut{}}
	rows, err := q.Query(ctx, `
SELECT GROUPING(cl.staff_id), coalesce(cl.staff_id, 0),
       count(*) FILTER (WHERE cl.direction = 'in'), count(*) FILTER (WHERE cl.direction = 'out')
FROM calls cl
WHERE cl.club_id = $1 AND cl.called_at >= $2 AND cl.called_at < $3 AND NOT cl.missed
  AND ($4::bigint = 0 OR cl.staff_id = $4) AND `+callTaskFilterSQL+`
GROUP BY GROUPING SETS ((), (cl.staff_id))`, reportArgs(clubID, r, f)...)
	if err != nil {
		return out, fmt.Errorf("call counts: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			set     int
			staffID int64
			c       inOut
		)
		if err := rows.Scan(&set, &staffID, &c.in, &c.out); err != nil {
			return out, fmt.Errorf("call counts: %w", err)
		}
		if set == 1 {
			out.total = c
		} else {
			out.byStaff[staffID] = c
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("call counts: %w", mapErr(err))
	}
	return out, nil
}

// reportStaffRows lists the staff the filter allows: active ones always,
// inactive ones with figures, and the "nobody" row (id 0) when it has any.
func reportStaffRows(ctx context.Context, q querier, clubID int64, f report.Filter, tasks map[int64]report.Counts, calls map[int64]inOut) ([]report.StaffRow, error) {
	rows, err := q.Query(ctx, `
SELECT id, name, active FROM staff
WHERE club_id = $1 AND ($2::bigint = 0 OR id = $2)
ORDER BY name, id`, clubID, f.StaffID)
	if err != nil {
		return nil, fmt.Errorf("staff rows: %w", mapErr(err))
	}
	defer rows.Close()
	out := []report.StaffRow{}
	for rows.Next() {
		var (
			row    report.StaffRow
			active bool
		)
		if err := rows.Scan(&row.StaffID, &row.Name, &active); err != nil {
			return nil, fmt.Errorf("staff rows: %w", err)
		}
		row.Counts, row.CallsIn, row.CallsOut = tasks[row.StaffID], calls[row.StaffID].in, calls[row.StaffID].out
		if active || row.Counts != (report.Counts{}) || row.CallsIn+row.CallsOut > 0 {
			out = append(out, row)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("staff rows: %w", mapErr(err))
	}
	if f.StaffID == 0 {
		nobody := report.StaffRow{Counts: tasks[0], CallsIn: calls[0].in, CallsOut: calls[0].out}
		if nobody.Counts != (report.Counts{}) || nobody.CallsIn+nobody.CallsOut > 0 {
			out = append(out, nobody)
		}
	}
	return out, nil
}

// reportTemplateRows lists the templates the filter allows: live ones
// always, retired ones with figures. It also returns the type of the
// template the filter names, if any.
func reportTemplateRows(ctx context.Context, q querier, clubID int64, f report.Filter, counts map[int64]report.Counts) ([]report.TemplateRow, domain.TaskType, error) {
	rows, err := q.Query(ctx, `
SELECT id, name, task_type, archived_at IS NOT NULL FROM templates
WHERE club_id = $1 AND ($2::bigint = 0 OR id = $2) AND ($3::text = '' OR task_type = $3)
ORDER BY position, id`, clubID, f.TemplateID, string(f.Type))
	if err != nil {
		return nil, "", fmt.Errorf("template rows: %w", mapErr(err))
	}
	defer rows.Close()
	out := []report.TemplateRow{}
	var filterType domain.TaskType
	for rows.Next() {
		var (
			row report.TemplateRow
			typ string
		)
		if err := rows.Scan(&row.TemplateID, &row.Name, &typ, &row.Retired); err != nil {
			return nil, "", fmt.Errorf("template rows: %w", err)
		}
		row.Type, row.Counts = domain.TaskType(typ), counts[row.TemplateID]
		if row.TemplateID == f.TemplateID {
			filterType = row.Type
		}
		if !row.Retired || row.Counts != (report.Counts{}) {
			out = append(out, row)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("template rows: %w", mapErr(err))
	}
	return out, filterType, nil
}

// reportTypeRows lists the four types, or those the filter allows.
func reportTypeRows(f report.Filter, templateType domain.TaskType, counts map[domain.TaskType]report.Counts) []report.TypeRow {
	out := []report.TypeRow{}
	for _, t := range domain.TaskTypes {
		if (f.Type != "" && t != f.Type) || (f.TemplateID != 0 && t != templateType) {
			continue
		}
		out = append(out, report.TypeRow{Type: t, Counts: counts[t]})
	}
	return out
}

// reportResultRows counts the results recorded in the period, with each
// one's share of all of them.
func reportResultRows(ctx context.Context, q querier, clubID int64, r report.Range, f report.Filter) ([]report.ResultRow, error) {
	rows, err := q.Query(ctx, `
WITH n AS (
    SELECT tr.result_id, count(*) AS n
    FROM task_results tr
    WHERE tr.club_id = $1 AND tr.recorded_at >= $2 AND tr.recorded_at < $3
      AND ($4::bigint = 0 OR tr.staff_id = $4) AND `+resultTaskFilterSQL+`
    GROUP BY tr.result_id
)
SELECT n.result_id, r.name, n.n, n.n::float8 / sum(n.n) OVER ()
FROM n JOIN results r ON r.club_id = $1 AND r.id = n.result_id
ORDER BY r.position, r.id`, reportArgs(clubID, r, f)...)
	if err != nil {
		return nil, fmt.Errorf("result rows: %w", mapErr(err))
	}
	defer rows.Close()
	out := []report.ResultRow{}
	for rows.Next() {
		var row report.ResultRow
		if err := rows.Scan(&row.ResultID, &row.Name, &row.Count, &row.Share); err != nil {
			return nil, fmt.Errorf("result rows: %w", err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("result rows: %w", mapErr(err))
	}
	return out, nil
}

// reportFieldTallies counts, for every choice and multi-choice field
// answered in the period, how many recorded results chose each value of its
// dictionary. Live values nobody chose are listed with 0 so the tally shows
// the whole list; archived values only when chosen.
func reportFieldTallies(ctx context.Context, q querier, clubID int64, r report.Range, f report.Filter) ([]report.FieldTally, error) {
	rows, err := q.Query(ctx, `
WITH ans AS (
    SELECT v.field_id, v.value_id, v.task_result_id
    FROM task_results tr
    JOIN task_field_values v ON v.club_id = tr.club_id AND v.task_result_id = tr.id
    WHERE tr.club_id = $1 AND tr.recorded_at >= $2 AND tr.recorded_at < $3 AND v.value_id IS NOT NULL
      AND ($4::bigint = 0 OR tr.staff_id = $4) AND `+resultTaskFilterSQL+`
),
per_field AS (SELECT field_id, count(DISTINCT task_result_id) AS answers FROM ans GROUP BY field_id),
per_value AS (SELECT field_id, value_id, count(DISTINCT task_result_id) AS n FROM ans GROUP BY field_id, value_id)
SELECT fl.id, fl.name, rs.name, fl.field_type = 'multichoice', pf.answers,
       dv.id, dv.name, coalesce(pv.n, 0), coalesce(pv.n, 0)::float8 / pf.answers
FROM per_field pf
JOIN result_fields fl ON fl.club_id = $1 AND fl.id = pf.field_id
JOIN results rs ON rs.club_id = $1 AND rs.id = fl.result_id
JOIN dictionary_values dv ON dv.club_id = $1 AND dv.dictionary_id = fl.dictionary_id
LEFT JOIN per_value pv ON pv.field_id = fl.id AND pv.value_id = dv.id
WHERE dv.archived_at IS NULL OR pv.n > 0
ORDER BY rs.position, rs.id, fl.position, fl.id, dv.position, dv.id`, reportArgs(clubID, r, f)...)
	if err != nil {
		return nil, fmt.Errorf("field tallies: %w", mapErr(err))
	}
	defer rows.Close()
	out := []report.FieldTally{}
	for rows.Next() {
		var (
			ft report.FieldTally
			v  report.ValueTally
		)
		if err := rows.Scan(&ft.FieldID, &ft.Name, &ft.ResultName, &ft.Multi, &ft.Answers, &v.ValueID, &v.Name, &v.Count, &v.Share); err != nil {
			return nil, fmt.Errorf("field tallies: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].FieldID != ft.FieldID {
			out = append(out, ft)
		}
		last := &out[len(out)-1]
		last.Values = append(last.Values, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("field tallies: %w", mapErr(err))
	}
	return out, nil
}

// reportResultCells crosses the results recorded in the period with who
// recorded them and with their task's template, in one pass over the
// period's results (joined to their tasks for the template) grouped both
// ways at once.
func reportResultCells(ctx context.Context, q querier, clubID int64, r report.Range, f report.Filter) (byStaff, byTemplate []report.ResultCell, err error) {
	rows, err := q.Query(ctx, `
WITH n AS (
    SELECT GROUPING(tr.staff_id, t.template_id) AS set, tr.staff_id, t.template_id, tr.result_id, count(*) AS n
    FROM task_results tr
    JOIN tasks t ON t.club_id = tr.club_id AND t.id = tr.task_id
    WHERE tr.club_id = $1 AND tr.recorded_at >= $2 AND tr.recorded_at < $3
      AND ($4::bigint = 0 OR tr.staff_id = $4)
      AND ($5::bigint = 0 OR t.template_id = $5) AND ($6::text = '' OR t.task_type = $6)
    GROUP BY GROUPING SETS ((tr.staff_id, tr.result_id), (t.template_id, tr.result_id))
)
SELECT n.set, coalesce(n.staff_id, n.template_id, 0), coalesce(sf.name, tp.name, ''), n.result_id, rs.name, n.n
FROM n
JOIN results rs ON rs.club_id = $1 AND rs.id = n.result_id
LEFT JOIN staff sf ON n.set = 1 AND sf.club_id = $1 AND sf.id = n.staff_id
LEFT JOIN templates tp ON n.set = 2 AND tp.club_id = $1 AND tp.id = n.template_id
ORDER BY n.set, coalesce(sf.name, tp.name, ''), coalesce(n.staff_id, n.template_id, 0), rs.position, rs.id`, reportArgs(clubID, r, f)...)
	if err != nil {
		return nil, nil, fmt.Errorf("result cells: %w", mapErr(err))
	}
	defer rows.Close()
	byStaff, byTemplate = []report.ResultCell{}, []report.ResultCell{}
	for rows.Next() {
		var (
			set int
			c   report.ResultCell
		)
		if err := rows.Scan(&set, &c.ID, &c.Name, &c.ResultID, &c.Result, &c.Count); err != nil {
			return nil, nil, fmt.Errorf("result cells: %w", err)
		}
		if set == 1 { // grouped by staff (template_id not grouped)
			byStaff = append(byStaff, c)
		} else {
			byTemplate = append(byTemplate, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("result cells: %w", mapErr(err))
	}
	return byStaff, byTemplate, nil
}
