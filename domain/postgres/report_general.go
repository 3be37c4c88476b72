package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
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
		plan, err := db.reportPlanFor(ctx, tx, clubID, r, now, "")
		if err != nil {
			return err
		}
		tc, err := reportTaskCounts(ctx, tx, clubID, plan, f, now)
		if err != nil {
			return err
		}
		calls, err := reportCallCounts(ctx, tx, clubID, plan, f)
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
		rc, err := reportResultCounts(ctx, tx, clubID, plan, f)
		if err != nil {
			return err
		}
		if g.ByResult, err = reportResultRows(ctx, tx, clubID, rc); err != nil {
			return err
		}
		if g.ResultsByStaff, g.ResultsByTemplate, err = reportResultCells(ctx, tx, clubID, rc); err != nil {
			return err
		}
		if g.Fields, err = reportFieldTallies(ctx, tx, clubID, plan, f); err != nil {
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

// reportTaskGrainSQL counts the four task figures of [$2, $3) by assignee
// (0: unassigned), template and type, in one pass over the tasks that touch
// the stretch by any of their four times. The OR of range conditions lets
// the planner combine the four indexes (created_at, done_at, cancelled_at,
// due_at; see 00001 and 00004) in a BitmapOr for a short stretch, or scan
// the club's tasks once for a long one; each task is read once and counted
// by FILTER into every figure it belongs to. Each figure counts at one time
// of the task, so the counts of consecutive stretches add up to those of
// their union: the report adds raw stretches and stored months
// (report_period_tasks, which ReportMonthsBuild fills from this statement).
// $7 is now: a deadline later today is not missed yet.
const reportTaskGrainSQL = `
WITH ev AS (
    SELECT t.assignee_id, t.template_id, t.task_type,
           t.created_at >= $2 AND t.created_at < $3 AS created,
           t.status = 'done' AND t.done_at >= $2 AND t.done_at < $3 AS done,
           t.status = 'cancelled' AND t.cancelled_at >= $2 AND t.cancelled_at < $3 AS cancelled,
           t.due_at >= $2 AND t.due_at < least($3::timestamptz, $7::timestamptz)
             AND NOT (t.status = 'done' AND t.done_at <= t.due_at)
             AND NOT (t.status = 'cancelled' AND t.cancelled_at <= t.due_at) AS overdue
    FROM tasks t
    WHERE t.club_id = $1 AND t.deleted_at IS NULL AND ` + taskFilterSQL + `
      AND ((t.created_at >= $2 AND t.created_at < $3)
        OR (t.done_at >= $2 AND t.done_at < $3)
        OR (t.cancelled_at >= $2 AND t.cancelled_at < $3)
        OR (t.due_at >= $2 AND t.due_at < least($3::timestamptz, $7::timestamptz)))
)
SELECT coalesce(assignee_id, 0), template_id, task_type,
       count(*) FILTER (WHERE created), count(*) FILTER (WHERE done),
       count(*) FILTER (WHERE cancelled), count(*) FILTER (WHERE overdue)
FROM ev
GROUP BY 1, 2, 3
HAVING count(*) FILTER (WHERE created OR done OR cancelled OR overdue) > 0`

// reportTaskStoredSQL adds up the stored months' task figures ($2) by the
// same grain, under the filter ($3 staff, $4 template, $5 type).
const reportTaskStoredSQL = `
SELECT assignee_id, template_id, task_type, sum(created), sum(done), sum(cancelled), sum(overdue)
FROM report_period_tasks
WHERE club_id = $1 AND period_start = ANY($2)
  AND ($3::bigint = 0 OR assignee_id = $3) AND ($4::bigint = 0 OR template_id = $4) AND ($5::text = '' OR task_type = $5)
GROUP BY 1, 2, 3`

type taskCounts struct {
	total      report.Counts
	byStaff    map[int64]report.Counts // 0: unassigned
	byTemplate map[int64]report.Counts
	byType     map[domain.TaskType]report.Counts
}

func addCounts(a, b report.Counts) report.Counts {
	return report.Counts{Created: a.Created + b.Created, Done: a.Done + b.Done, Overdue: a.Overdue + b.Overdue, Cancelled: a.Cancelled + b.Cancelled}
}

func reportTaskCounts(ctx context.Context, q querier, clubID int64, p reportPlan, f report.Filter, now time.Time) (taskCounts, error) {
	out := taskCounts{byStaff: map[int64]report.Counts{}, byTemplate: map[int64]report.Counts{}, byType: map[domain.TaskType]report.Counts{}}
	add := func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var (
				assignee, template int64
				typ                string
				c                  report.Counts
			)
			if err := rows.Scan(&assignee, &template, &typ, &c.Created, &c.Done, &c.Cancelled, &c.Overdue); err != nil {
				return err
			}
			out.total = addCounts(out.total, c)
			out.byStaff[assignee] = addCounts(out.byStaff[assignee], c)
			out.byTemplate[template] = addCounts(out.byTemplate[template], c)
			out.byType[domain.TaskType(typ)] = addCounts(out.byType[domain.TaskType(typ)], c)
		}
		return rows.Err()
	}
	err := p.each(ctx, q, reportTaskGrainSQL, reportTaskStoredSQL, clubID, f, []any{now}, add)
	if err != nil {
		return out, fmt.Errorf("task counts: %w", err)
	}
	return out, nil
}

// each runs the raw statement over every raw stretch ($1 club, $2 and $3
// the stretch, $4..$6 the filter, then extra) and the stored one over the
// stored months ($1 club, $2 the months, $3..$5 the filter), handing each
// result to add.
func (p reportPlan) each(ctx context.Context, q querier, rawSQL, storedSQL string, clubID int64, f report.Filter, extra []any, add func(pgx.Rows) error) error {
	for _, s := range p.raw {
		args := append([]any{clubID, s.From, s.To, f.StaffID, f.TemplateID, string(f.Type)}, extra...)
		rows, err := q.Query(ctx, rawSQL, args...)
		if err != nil {
			return mapErr(err)
		}
		if err := add(rows); err != nil {
			return mapErr(err)
		}
	}
	if len(p.stored) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, storedSQL, clubID, p.stored, f.StaffID, f.TemplateID, string(f.Type))
	if err != nil {
		return mapErr(err)
	}
	if err := add(rows); err != nil {
		return mapErr(err)
	}
	return nil
}

type inOut struct{ in, out int }

type callCounts struct {
	total   inOut
	byStaff map[int64]inOut // 0: logged by nobody
}

// reportCallGrainSQL counts the answered calls of [$2, $3) by who logged
// them and their task's template and type (0 and ”: no task). A call logged
// without a task fails a template or type filter.
const reportCallGrainSQL = `
SELECT coalesce(cl.staff_id, 0), coalesce(t.template_id, 0), coalesce(t.task_type, ''),
       count(*) FILTER (WHERE cl.direction = 'in'), count(*) FILTER (WHERE cl.direction = 'out')
FROM calls cl
LEFT JOIN tasks t ON t.club_id = cl.club_id AND t.id = cl.task_id
WHERE cl.club_id = $1 AND cl.called_at >= $2 AND cl.called_at < $3 AND NOT cl.missed
  AND ($4::bigint = 0 OR cl.staff_id = $4) AND ($5::bigint = 0 OR t.template_id = $5) AND ($6::text = '' OR t.task_type = $6)
GROUP BY 1, 2, 3`

// reportCallRawSQL is reportCallGrainSQL for a report's raw stretches,
// which need the calls by staff member only: no task is read unless a
// template or type filter asks (callTaskFilterSQL), so the current month
// costs a range scan of its calls, not a look-up of every call's task.
const reportCallRawSQL = `
SELECT coalesce(cl.staff_id, 0), 0::bigint, ''::text,
       count(*) FILTER (WHERE cl.direction = 'in'), count(*) FILTER (WHERE cl.direction = 'out')
FROM calls cl
WHERE cl.club_id = $1 AND cl.called_at >= $2 AND cl.called_at < $3 AND NOT cl.missed
  AND ($4::bigint = 0 OR cl.staff_id = $4) AND ` + callTaskFilterSQL + `
GROUP BY 1`

const reportCallStoredSQL = `
SELECT staff_id, template_id, task_type, sum(calls_in), sum(calls_out)
FROM report_period_calls
WHERE club_id = $1 AND period_start = ANY($2)
  AND ($3::bigint = 0 OR staff_id = $3) AND ($4::bigint = 0 OR template_id = $4) AND ($5::text = '' OR task_type = $5)
GROUP BY 1, 2, 3`

func reportCallCounts(ctx context.Context, q querier, clubID int64, p reportPlan, f report.Filter) (callCounts, error) {
	out := callCounts{byStaff: map[int64]inOut{}}
	err := p.each(ctx, q, reportCallRawSQL, reportCallStoredSQL, clubID, f, nil, func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var (
				staffID, template int64
				typ               string
				c                 inOut
			)
			if err := rows.Scan(&staffID, &template, &typ, &c.in, &c.out); err != nil {
				return err
			}
			out.total = inOut{out.total.in + c.in, out.total.out + c.out}
			s := out.byStaff[staffID]
			out.byStaff[staffID] = inOut{s.in + c.in, s.out + c.out}
		}
		return rows.Err()
	})
	if err != nil {
		return out, fmt.Errorf("call counts: %w", err)
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

// reportResultGrainSQL counts the results recorded in [$2, $3) by who
// recorded them (0: nobody), their task's template and type, and result.
const reportResultGrainSQL = `
SELECT coalesce(tr.staff_id, 0), tr.template_id, tr.task_type, tr.result_id, count(*)
FROM task_results tr
WHERE tr.club_id = $1 AND tr.recorded_at >= $2 AND tr.recorded_at < $3
  AND ($4::bigint = 0 OR tr.staff_id = $4) AND ` + resultTaskFilterSQL + `
GROUP BY 1, 2, 3, 4`

const reportResultStoredSQL = `
SELECT staff_id, template_id, task_type, result_id, sum(n)
FROM report_period_results
WHERE club_id = $1 AND period_start = ANY($2)
  AND ($3::bigint = 0 OR staff_id = $3) AND ($4::bigint = 0 OR template_id = $4) AND ($5::text = '' OR task_type = $5)
GROUP BY 1, 2, 3, 4`

// reportFieldGrainSQL counts the dictionary answers of the results recorded
// in [$2, $3), by who recorded them, their task's template and type, field
// and value: value 0 is the number of results that answered the field, any
// other the results that chose that value. Each result falls in one grain,
// so the counts of distinct results add up across grains and stretches.
const reportFieldGrainSQL = `
WITH ans AS (
    SELECT tr.id, coalesce(tr.staff_id, 0) AS staff_id, tr.template_id, tr.task_type, v.field_id, v.value_id
    FROM task_results tr
    JOIN task_field_values v ON v.club_id = tr.club_id AND v.task_result_id = tr.id
    WHERE tr.club_id = $1 AND tr.recorded_at >= $2 AND tr.recorded_at < $3 AND v.value_id IS NOT NULL
      AND ($4::bigint = 0 OR tr.staff_id = $4) AND ` + resultTaskFilterSQL + `
)
SELECT staff_id, template_id, task_type, field_id, coalesce(value_id, 0), count(DISTINCT id)
FROM ans
GROUP BY GROUPING SETS ((staff_id, template_id, task_type, field_id, value_id), (staff_id, template_id, task_type, field_id))`

const reportFieldStoredSQL = `
SELECT staff_id, template_id, task_type, field_id, value_id, sum(n)
FROM report_period_fields
WHERE club_id = $1 AND period_start = ANY($2)
  AND ($3::bigint = 0 OR staff_id = $3) AND ($4::bigint = 0 OR template_id = $4) AND ($5::text = '' OR task_type = $5)
GROUP BY 1, 2, 3, 4, 5`

// resultCounts is the period's results: per result, and crossed with who
// recorded them and with their task's template.
type resultCounts struct {
	byResult   map[int64]int
	byStaff    map[[2]int64]int // staff, result
	byTemplate map[[2]int64]int // template, result
	total      int
}

func reportResultCounts(ctx context.Context, q querier, clubID int64, p reportPlan, f report.Filter) (resultCounts, error) {
	out := resultCounts{byResult: map[int64]int{}, byStaff: map[[2]int64]int{}, byTemplate: map[[2]int64]int{}}
	err := p.each(ctx, q, reportResultGrainSQL, reportResultStoredSQL, clubID, f, nil, func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var (
				staffID, template, result int64
				typ                       string
				n                         int
			)
			if err := rows.Scan(&staffID, &template, &typ, &result, &n); err != nil {
				return err
			}
			out.byResult[result] += n
			out.byStaff[[2]int64{staffID, result}] += n
			out.byTemplate[[2]int64{template, result}] += n
			out.total += n
		}
		return rows.Err()
	})
	if err != nil {
		return out, fmt.Errorf("result counts: %w", err)
	}
	return out, nil
}

// reportResultRows lists the results recorded in the period in the plan's
// order, with each one's share of all of them.
func reportResultRows(ctx context.Context, q querier, clubID int64, c resultCounts) ([]report.ResultRow, error) {
	out := []report.ResultRow{}
	if len(c.byResult) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT id, name FROM results WHERE club_id = $1 AND id = ANY($2) ORDER BY position, id`, clubID, slices.Collect(maps.Keys(c.byResult)))
	if err != nil {
		return nil, fmt.Errorf("result rows: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var row report.ResultRow
		if err := rows.Scan(&row.ResultID, &row.Name); err != nil {
			return nil, fmt.Errorf("result rows: %w", err)
		}
		row.Count = c.byResult[row.ResultID]
		row.Share = float64(row.Count) / float64(c.total)
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("result rows: %w", mapErr(err))
	}
	return out, nil
}

// reportResultCells crosses the results recorded in the period with who
// recorded them and with their task's template: rows by staff name (the
// nobody row, id 0 and no name, first), then template name, then the
// results in the plan's order. The database orders the names, so the order
// follows its collation as every other list does.
func reportResultCells(ctx context.Context, q querier, clubID int64, c resultCounts) (byStaff, byTemplate []report.ResultCell, err error) {
	byStaff, byTemplate = []report.ResultCell{}, []report.ResultCell{}
	if c.total == 0 {
		return byStaff, byTemplate, nil
	}
	var staffIDs, templateIDs []int64
	seenS, seenT := map[int64]bool{}, map[int64]bool{}
	for k := range c.byStaff {
		if !seenS[k[0]] {
			seenS[k[0]] = true
			staffIDs = append(staffIDs, k[0])
		}
	}
	for k := range c.byTemplate {
		if !seenT[k[0]] {
			seenT[k[0]] = true
			templateIDs = append(templateIDs, k[0])
		}
	}
	rows, err := q.Query(ctx, `
WITH rs AS (SELECT id, name, row_number() OVER (ORDER BY position, id) AS pos FROM results WHERE club_id = $1 AND id = ANY($2)),
who AS (
    SELECT 1 AS set, x.id, coalesce(sf.name, '') AS name FROM unnest($3::bigint[]) x(id) LEFT JOIN staff sf ON sf.club_id = $1 AND sf.id = x.id
    UNION ALL
    SELECT 2, x.id, coalesce(tp.name, '') FROM unnest($4::bigint[]) x(id) LEFT JOIN templates tp ON tp.club_id = $1 AND tp.id = x.id
)
SELECT who.set, who.id, who.name, rs.id, rs.name FROM who CROSS JOIN rs
ORDER BY who.set, who.name, who.id, rs.pos`, clubID, slices.Collect(maps.Keys(c.byResult)), staffIDs, templateIDs)
	if err != nil {
		return nil, nil, fmt.Errorf("result cells: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			set  int
			cell report.ResultCell
		)
		if err := rows.Scan(&set, &cell.ID, &cell.Name, &cell.ResultID, &cell.Result); err != nil {
			return nil, nil, fmt.Errorf("result cells: %w", err)
		}
		key := [2]int64{cell.ID, cell.ResultID}
		if set == 1 {
			if cell.Count = c.byStaff[key]; cell.Count > 0 {
				byStaff = append(byStaff, cell)
			}
		} else if cell.Count = c.byTemplate[key]; cell.Count > 0 {
			byTemplate = append(byTemplate, cell)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("result cells: %w", mapErr(err))
	}
	return byStaff, byTemplate, nil
}

// reportFieldTallies counts, for every choice and multi-choice field
// answered in the period, how many recorded results chose each value of its
// dictionary. Live values nobody chose are listed with 0 so the tally shows
// the whole list; archived values only when chosen.
func reportFieldTallies(ctx context.Context, q querier, clubID int64, p reportPlan, f report.Filter) ([]report.FieldTally, error) {
	counts := map[[2]int64]int{} // field, value (0: answers)
	err := p.each(ctx, q, reportFieldGrainSQL, reportFieldStoredSQL, clubID, f, nil, func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var (
				staffID, template, field, value int64
				typ                             string
				n                               int
			)
			if err := rows.Scan(&staffID, &template, &typ, &field, &value, &n); err != nil {
				return err
			}
			counts[[2]int64{field, value}] += n
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("field tallies: %w", err)
	}
	out := []report.FieldTally{}
	var fields []int64
	for k, n := range counts {
		if k[1] == 0 && n > 0 {
			fields = append(fields, k[0])
		}
	}
	if len(fields) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `
SELECT fl.id, fl.name, rs.name, fl.field_type = 'multichoice', dv.id, dv.name, dv.archived_at IS NOT NULL
FROM result_fields fl
JOIN results rs ON rs.club_id = fl.club_id AND rs.id = fl.result_id
JOIN dictionary_values dv ON dv.club_id = fl.club_id AND dv.dictionary_id = fl.dictionary_id
WHERE fl.club_id = $1 AND fl.id = ANY($2)
ORDER BY rs.position, rs.id, fl.position, fl.id, dv.position, dv.id`, clubID, fields)
	if err != nil {
		return nil, fmt.Errorf("field tallies: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			ft       report.FieldTally
			v        report.ValueTally
			archived bool
		)
		if err := rows.Scan(&ft.FieldID, &ft.Name, &ft.ResultName, &ft.Multi, &v.ValueID, &v.Name, &archived); err != nil {
			return nil, fmt.Errorf("field tallies: %w", err)
		}
		v.Count = counts[[2]int64{ft.FieldID, v.ValueID}]
		if archived && v.Count == 0 {
			continue
		}
		ft.Answers = counts[[2]int64{ft.FieldID, 0}]
		v.Share = float64(v.Count) / float64(ft.Answers)
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
