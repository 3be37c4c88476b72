package postgres

import (
	"context"
	"fmt"

	"github.com/clubcrm/clubcrm/domain/report"
)

// reportLeadsSQL computes the lead figures (report.Leads) in one statement:
// each lead of the period with its first result (a LATERAL lookup through
// task_results_task_idx), then the figures overall, by source and by staff
// member at once with GROUPING SETS. $4 is the staff filter.
const reportLeadsSQL = `
WITH l AS (
    SELECT ld.source, ld.target_at, ld.escalated_at IS NOT NULL AS escalated,
           fr.recorded_at AS first_at,
           extract(epoch FROM fr.recorded_at - ld.created_at) / 60 AS minutes,
           coalesce(fr.staff_id, t.assignee_id, 0) AS staff_id
    FROM leads ld
    JOIN tasks t ON t.club_id = ld.club_id AND t.id = ld.task_id
    LEFT JOIN LATERAL (
        SELECT r.recorded_at, r.staff_id FROM task_results r
        WHERE r.club_id = ld.club_id AND r.task_id = ld.task_id
        ORDER BY r.recorded_at, r.id LIMIT 1) fr ON true
    WHERE ld.club_id = $1 AND ld.created_at >= $2 AND ld.created_at < $3
)
SELECT GROUPING(source, staff_id), coalesce(source, ''), coalesce(staff_id, 0),
       count(*), count(first_at), count(*) FILTER (WHERE first_at <= target_at),
       count(*) FILTER (WHERE escalated),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes), avg(minutes)
FROM l
WHERE $4::bigint = 0 OR staff_id = $4
GROUP BY GROUPING SETS ((), (source), (staff_id))
ORDER BY 1 DESC, 2, 3`

// reportLeads fills report.Leads for the period; staff names come from one
// more query over the few staff members that have leads.
func reportLeads(ctx context.Context, q querier, clubID int64, r report.Range, f report.Filter) (report.Leads, error) {
	rows, err := q.Query(ctx, reportLeadsSQL, clubID, r.From, r.To, f.StaffID)
	if err != nil {
		return report.Leads{}, fmt.Errorf("leads: %w", mapErr(err))
	}
	var out report.Leads
	var staffIDs []int64
	for rows.Next() {
		var (
			grouping int
			source   string
			staffID  int64
			c        report.LeadCounts
		)
		if err := rows.Scan(&grouping, &source, &staffID, &c.Leads, &c.Answered, &c.InTarget, &c.Escalated,
			&c.MedianMinutes, &c.AvgMinutes); err != nil {
			rows.Close()
			return report.Leads{}, fmt.Errorf("leads: %w", mapErr(err))
		}
		switch grouping {
		case 0b11:
			out.Totals = c
		case 0b01: // grouped by source
			out.BySource = append(out.BySource, report.LeadSplit{Key: source, Counts: c})
		case 0b10: // grouped by staff
			out.ByStaff = append(out.ByStaff, report.LeadSplit{ID: staffID, Counts: c})
			staffIDs = append(staffIDs, staffID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return report.Leads{}, fmt.Errorf("leads: %w", mapErr(err))
	}
	names, err := reportStaffNames(ctx, q, clubID, staffIDs)
	if err != nil {
		return report.Leads{}, fmt.Errorf("leads: %w", err)
	}
	for i := range out.ByStaff {
		out.ByStaff[i].Name = names[out.ByStaff[i].ID]
	}
	return out, nil
}
