package postgres

import (
	"context"
	"fmt"

	"github.com/clubcrm/clubcrm/domain/report"
)

// reportMissedSQL computes the missed-call figures (report.MissedCalls) in
// one statement: each missed call of the period (calls_club_called_idx)
// with the first result recorded on its call-back task at or after it (a
// LATERAL lookup through task_results_task_idx; the assignee, needed only
// while it is not called back, by the task's key, so the period's calls
// never make the planner read all the club's tasks), then the figures
// overall and by staff member at once with GROUPING SETS. $4 is the staff
// filter; $5 and $6, the template and type filters, select missed calls by
// their call-back task, as the calls figures do (callTaskFilterSQL).
const reportMissedSQL = `
WITH m AS (
    SELECT cl.called_at, cb.recorded_at AS back_at,
           extract(epoch FROM cb.recorded_at - cl.called_at) / 60 AS minutes,
           coalesce(cb.staff_id, (SELECT t.assignee_id FROM tasks t WHERE t.club_id = cl.club_id AND t.id = cl.task_id), 0) AS staff_id,
           cl.called_at + make_interval(mins => ps.callback_target_min) AS target_at
    FROM calls cl
    LEFT JOIN LATERAL (
        SELECT r.recorded_at, r.staff_id FROM task_results r
        WHERE r.club_id = cl.club_id AND r.task_id = cl.task_id AND r.recorded_at >= cl.called_at
        ORDER BY r.recorded_at, r.id LIMIT 1) cb ON true
    LEFT JOIN phone_settings ps ON ps.club_id = cl.club_id
    WHERE cl.club_id = $1 AND cl.called_at >= $2 AND cl.called_at < $3 AND cl.missed
      AND ` + callTaskFilterSQL + `
)
SELECT GROUPING(staff_id), coalesce(staff_id, 0),
       count(*), count(back_at), count(*) FILTER (WHERE back_at <= target_at),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes)
FROM m
WHERE $4::bigint = 0 OR staff_id = $4
GROUP BY GROUPING SETS ((), (staff_id))
ORDER BY 1 DESC, 2`

// reportMissed fills report.MissedCalls for the period; staff names come
// from one more query over the few staff members that have missed calls.
func reportMissed(ctx context.Context, q querier, clubID int64, r report.Range, f report.Filter) (report.MissedCalls, error) {
	rows, err := q.Query(ctx, reportMissedSQL, reportArgs(clubID, r, f)...)
	if err != nil {
		return report.MissedCalls{}, fmt.Errorf("missed calls: %w", mapErr(err))
	}
	var (
		out      report.MissedCalls
		staffIDs []int64
	)
	for rows.Next() {
		var (
			grouping int
			staffID  int64
			c        report.MissedCounts
		)
		if err := rows.Scan(&grouping, &staffID, &c.Missed, &c.CalledBack, &c.InTarget, &c.MedianMinutes); err != nil {
			rows.Close()
			return report.MissedCalls{}, fmt.Errorf("missed calls: %w", mapErr(err))
		}
		if grouping == 1 {
			out.Totals = c
			continue
		}
		out.ByStaff = append(out.ByStaff, report.MissedSplit{ID: staffID, Counts: c})
		if staffID != 0 {
			staffIDs = append(staffIDs, staffID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return report.MissedCalls{}, fmt.Errorf("missed calls: %w", mapErr(err))
	}
	names, err := reportStaffNames(ctx, q, clubID, staffIDs)
	if err != nil {
		return report.MissedCalls{}, fmt.Errorf("missed calls: %w", err)
	}
	for i := range out.ByStaff {
		out.ByStaff[i].Name = names[out.ByStaff[i].ID]
	}
	return out, nil
}
