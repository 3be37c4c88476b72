package postgres

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// MaxCohortDays bounds the "within N days" of a cohort report.
const MaxCohortDays = 3660

// ReportCohort computes the cohort funnel of a club (report.Cohort): the
// clients first contacted in the range, how far each got by now and within
// withinDays days, and the reasons given by those who stopped. Same filter
// rules as ReportFunnel.
func (db *DB) ReportCohort(ctx context.Context, clubID int64, r report.Range, f report.Filter, withinDays int) (report.Cohort, error) {
	c := report.Cohort{Range: r, Filter: f, WithinDays: withinDays, Stages: []report.CohortStage{}}
	if withinDays < 1 || withinDays > MaxCohortDays {
		return c, domain.Invalid(domain.CodeCohortDaysInvalid, fmt.Sprintf("within days must be 1..%d, not %d", MaxCohortDays, withinDays), nil)
	}
	now := db.clock.Now()
	err := db.reportSnapshot(ctx, func(tx pgx.Tx) error {
		var err error
		if c.FilterNames, err = reportCheck(ctx, tx, clubID, r, f); err != nil {
			return err
		}
		stages, m, err := funnelStages(ctx, tx, clubID)
		if err != nil || len(stages) == 0 {
			return err
		}
		for _, s := range stages {
			c.Stages = append(c.Stages, report.CohortStage{StageID: s.StageID, Key: s.Key, Name: s.Name, Reasons: []report.LossReason{}})
		}
		return cohortCounts(ctx, tx, append(reportArgs(clubID, r, f), m.resultIDs, m.ords, withinDays, now, len(stages), zoneName(r)), &c)
	})
	if err != nil {
		return report.Cohort{}, fmt.Errorf("report cohort: %w", err)
	}
	return c, nil
}

// reportCohortSQL counts a cohort. Besides $1..$6 it takes the stage map
// ($7, $8), the days ($9), now ($10), the number of stages ($11) and the
// club's zone ($12: "within 3 days" is three local days, 23-hour ones too).
//
//   - hit: every funnel result that passes the filter, up to now (the
//     cohort's later progress counts whenever it happened).
//   - first: the clients whose earliest hit is in the period, and when.
//   - per, walk: as in reportFunnelSQL, each client's stages hit and the
//     moment each was reached (the earliest hit at it or above); top is the
//     furthest stage.
//   - reached: one row per client and stage reached.
//   - reasons: for clients who stopped before the last stage, the dictionary
//     values answered on their results of no stage since first contact.
//
// Rows: kind 'stage' (ord, clients, within, lost) and kind 'reason' (ord,
// value, its name, clients).
const reportCohortSQL = `
WITH hit AS MATERIALIZED (
    SELECT tr.client_id, tr.recorded_at, m.ord
    FROM task_results tr
    JOIN unnest($7::bigint[], $8::int[]) AS m(result_id, ord) ON m.result_id = tr.result_id
    WHERE tr.club_id = $1 AND tr.recorded_at <= $10 AND tr.client_id IS NOT NULL
      AND ($4::bigint = 0 OR tr.staff_id = $4) AND ` + resultTaskFilterSQL + `
),
first AS (
    SELECT client_id, min(recorded_at) AS first_at
    FROM hit GROUP BY client_id
    HAVING min(recorded_at) >= $2 AND min(recorded_at) < $3
),
per AS (
    SELECT h.client_id, h.ord, min(h.recorded_at) AS at
    FROM hit h JOIN first f ON f.client_id = h.client_id
    GROUP BY h.client_id, h.ord
),
walk AS (
    SELECT client_id, ord, min(at) OVER w AS at, lead(ord, 1, 0) OVER w AS lower, max(ord) OVER c AS top
    FROM per
    WINDOW c AS (PARTITION BY client_id), w AS (c ORDER BY ord DESC)
),
reached AS MATERIALIZED (
    SELECT w.client_id, k AS ord, w.top,
           w.at < ((f.first_at AT TIME ZONE $12) + make_interval(days => $9::int)) AT TIME ZONE $12 AS within
    FROM walk w
    JOIN first f ON f.client_id = w.client_id
    CROSS JOIN LATERAL generate_series(w.lower + 1, w.ord) AS k
),
lost AS (
    SELECT DISTINCT r.client_id, r.top, f.first_at
    FROM reached r JOIN first f ON f.client_id = r.client_id
    WHERE r.top < $11::int
),
reasons AS (
    SELECT l.top AS ord, fv.value_id, count(DISTINCT l.client_id) AS clients
    FROM lost l
    JOIN task_results tr ON tr.club_id = $1 AND tr.client_id = l.client_id
      AND tr.recorded_at >= l.first_at AND tr.recorded_at <= $10
      AND tr.result_id <> ALL ($7::bigint[])
    JOIN task_field_values fv ON fv.club_id = $1 AND fv.task_result_id = tr.id AND fv.value_id IS NOT NULL
    GROUP BY l.top, fv.value_id
)
SELECT 'stage', ord, count(*), count(*) FILTER (WHERE within), count(*) FILTER (WHERE top = ord), 0::bigint, ''
FROM reached GROUP BY ord
UNION ALL
SELECT 'reason', rs.ord, rs.clients, 0, 0, rs.value_id, dv.name
FROM reasons rs JOIN dictionary_values dv ON dv.club_id = $1 AND dv.id = rs.value_id`

func cohortCounts(ctx context.Context, q querier, args []any, c *report.Cohort) error {
	rows, err := q.Query(ctx, reportCohortSQL, args...)
	if err != nil {
		return fmt.Errorf("cohort counts: %w", mapErr(err))
	}
	defer rows.Close()
	n := len(c.Stages)
	for rows.Next() {
		var (
			kind, name                 string
			ord, clients, within, lost int
			valueID                    int64
		)
		if err := rows.Scan(&kind, &ord, &clients, &within, &lost, &valueID, &name); err != nil {
			return fmt.Errorf("cohort counts: %w", err)
		}
		if ord < 1 || ord > n {
			return fmt.Errorf("cohort counts: stage %d of %d", ord, n) // the snapshot makes this impossible
		}
		st := &c.Stages[ord-1]
		if kind == "stage" {
			st.Clients, st.Within, st.Lost = clients, within, lost
		} else {
			st.Reasons = append(st.Reasons, report.LossReason{ValueID: valueID, Name: name, Clients: clients})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cohort counts: %w", mapErr(err))
	}
	c.Clients = c.Stages[0].Clients
	for i := range c.Stages {
		if i+1 < n {
			c.Stages[i].ConversionNext = ratio(c.Stages[i+1].Clients, c.Stages[i].Clients)
		} else {
			c.Stages[i].Lost = 0 // reaching the last stage is no loss
		}
		sort.Slice(c.Stages[i].Reasons, func(a, b int) bool {
			ra, rb := c.Stages[i].Reasons[a], c.Stages[i].Reasons[b]
			if ra.Clients != rb.Clients {
				return ra.Clients > rb.Clients
			}
			return ra.ValueID < rb.ValueID
		})
	}
	return nil
}
