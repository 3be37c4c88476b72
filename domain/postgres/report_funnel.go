package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// ReportFunnel computes the sales funnel of a club for the range and filter:
// distinct clients per stage (cumulative, see report.Funnel), how many
// reached each stage directly, the median days to the next stage, and the
// splits by staff member and by the template of the client's first task.
// The counting is one statement; Go only divides the counts for the
// conversions and attaches names. Live (not archived) stages only, in plan
// order. A club without stages gets an empty funnel, not an error.
func (db *DB) ReportFunnel(ctx context.Context, clubID int64, r report.Range, f report.Filter) (report.Funnel, error) {
	fn := report.Funnel{Range: r, Filter: f}
	err := db.reportSnapshot(ctx, func(tx pgx.Tx) error {
		var (
			m   stageMap
			err error
		)
		if fn.FilterNames, err = reportCheck(ctx, tx, clubID, r, f); err != nil {
			return err
		}
		if fn.Stages, m, err = funnelStages(ctx, tx, clubID); err != nil {
			return err
		}
		if len(fn.Stages) == 0 {
			fn.ByStaff, fn.ByTemplate = []report.Split{}, []report.Split{}
			return nil
		}
		if f == (report.Filter{}) {
			// Stored months hold each client's walk over all the results,
			// so they serve the unfiltered funnel; a filtered one reads its
			// (fewer) results raw.
			plan, err := db.reportPlanFor(ctx, tx, clubID, r, db.clock.Now(), funnelKey(fn.Stages, m))
			if err != nil {
				return err
			}
			if len(plan.stored) > 0 {
				return funnelWalkCounts(ctx, tx, clubID, r, plan, m, &fn)
			}
		}
		return funnelCounts(ctx, tx, clubID, r, f, m, &fn)
	})
	if err != nil {
		return report.Funnel{}, fmt.Errorf("report funnel: %w", err)
	}
	return fn, nil
}

// MaxFunnelStages bounds the stages a funnel report handles: the stages a
// client hit are a bit set in a bigint. Real plans have four to six.
const MaxFunnelStages = 60

// stageMap says which results put a client at which stage: parallel
// slices of result ids and stage ordinals (1 = the first stage).
type stageMap struct {
	resultIDs []int64
	ords      []int32
}

// funnelStages loads the club's live stages in plan order and the results
// of each. The plan is a handful of rows; passing the mapping to the
// counting statement as arrays (rather than joining the stage tables there)
// gives the planner exact sizes, where tiny never-analysed tables made it
// guess one row and pick quadratic nested loops.
func funnelStages(ctx context.Context, q querier, clubID int64) ([]report.Stage, stageMap, error) {
	var m stageMap
	rows, err := q.Query(ctx, `
SELECT s.id, s.key, s.name, coalesce(array_agg(sr.result_id ORDER BY sr.result_id) FILTER (WHERE sr.result_id IS NOT NULL), '{}')
FROM funnel_stages s
LEFT JOIN funnel_stage_results sr ON sr.club_id = s.club_id AND sr.stage_id = s.id
WHERE s.club_id = $1 AND s.archived_at IS NULL
GROUP BY s.club_id, s.id
ORDER BY s.position, s.id`, clubID)
	if err != nil {
		return nil, m, fmt.Errorf("funnel stages: %w", mapErr(err))
	}
	defer rows.Close()
	out := []report.Stage{}
	for rows.Next() {
		var (
			s       report.Stage
			results []int64
		)
		if err := rows.Scan(&s.StageID, &s.Key, &s.Name, &results); err != nil {
			return nil, m, fmt.Errorf("funnel stages: %w", err)
		}
		out = append(out, s)
		for _, id := range results {
			m.resultIDs = append(m.resultIDs, id)
			m.ords = append(m.ords, int32(len(out)))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, m, fmt.Errorf("funnel stages: %w", mapErr(err))
	}
	if len(out) > MaxFunnelStages {
		return nil, m, domain.Invalid(domain.CodeFunnelTooLong, fmt.Sprintf("the funnel has %d stages; reports handle at most %d", len(out), MaxFunnelStages), map[string]any{"limit": MaxFunnelStages})
	}
	return out, m, nil
}

// reportFunnelSQL counts the funnel. Besides the shared $1..$6 it takes the
// stage map ($7 result ids, $8 their stage ordinals, from 1) and the club's
// time zone ($9, for the local days of the medians). It walks each
// client's funnel results once, in time order, so a year of a big club is
// one sort of its funnel results, not a join per stage:
//
//   - hit: the funnel results recorded on clients in the period that pass
//     the filter (task_results_club_recorded_idx), with their stage.
//   - walk: each client's hits in time order with the furthest stage
//     reached so far (running max: by the cumulative rule, stage k is
//     reached by the first hit of k or of any later stage), who recorded the
//     client's first hit (the owner) and the set of stages hit directly
//     (a bit mask).
//   - advance: the hits that take a client further, from the stage after
//     the previous furthest (from_k) to the new one (to_k), and when the
//     client next moved on.
//   - reached: one row per client and stage reached (generate_series over
//     just the stages an advance covers, not a join against all stages that
//     discards most rows), with the template of the client's first task
//     ever: one index-only probe of tasks_client_first_idx (00004) per
//     advance, so a month reads its own clients' first tasks, not every
//     client's.
//   - med: the medians. A stage passed over on the way to a later one is
//     reached at the same moment as the next, so only the furthest stage of
//     an advance can take a step to the next stage, at the client's next
//     advance; the steps that took the client to another local day are the
//     ones counted. The median sorts just those, not every stage reached.
//
// The totals per stage and the splits by owner and by template are then one
// hashed GROUPING SETS aggregate over reached.
const reportFunnelSQL = `
WITH hit AS (
    SELECT tr.id, tr.client_id, tr.staff_id, tr.recorded_at, m.ord
    FROM task_results tr
    JOIN unnest($7::bigint[], $8::int[]) AS m(result_id, ord) ON m.result_id = tr.result_id
    WHERE tr.club_id = $1 AND tr.recorded_at >= $2 AND tr.recorded_at < $3 AND tr.client_id IS NOT NULL
      AND ($4::bigint = 0 OR tr.staff_id = $4) AND ` + resultTaskFilterSQL + `
),
walk AS (
    SELECT client_id, id, recorded_at AS at,
           max(ord) OVER w AS top,
           first_value(staff_id) OVER w AS owner,
           bit_or(1::bigint << ord) OVER (PARTITION BY client_id) AS direct
    FROM hit
    WINDOW w AS (PARTITION BY client_id ORDER BY recorded_at, id ROWS UNBOUNDED PRECEDING)
),
moves AS (
    SELECT client_id, id, at, top, owner, direct,
           lag(top, 1, 0) OVER (PARTITION BY client_id ORDER BY at, id) AS prev_top
    FROM walk
),
advance AS MATERIALIZED (
    SELECT client_id, at, prev_top + 1 AS from_k, top AS to_k, owner, direct,
           lead(at) OVER (PARTITION BY client_id ORDER BY at, id) AS next_at
    FROM moves
    WHERE top > prev_top
),
reached AS (
    SELECT k AS ord, (a.direct >> k) & 1 = 1 AS direct, a.owner, g.template_id
    FROM advance a
    LEFT JOIN LATERAL (
        SELECT t.template_id FROM tasks t
        WHERE t.club_id = $1 AND t.client_id = a.client_id AND t.deleted_at IS NULL
        ORDER BY t.created_at, t.id LIMIT 1) g ON true
    CROSS JOIN LATERAL generate_series(a.from_k, a.to_k) AS k
),
agg AS (
    SELECT GROUPING(owner, template_id) AS set, owner AS staff_id, template_id, ord,
           count(*) AS clients, count(*) FILTER (WHERE direct) AS direct
    FROM reached
    GROUP BY GROUPING SETS ((ord), (owner, ord), (template_id, ord))
),
med AS (
    SELECT to_k AS ord, count(*) AS clients,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM next_at - at)::float8 / 86400) AS days
    FROM advance
    WHERE (next_at AT TIME ZONE $9)::date <> (at AT TIME ZONE $9)::date
    GROUP BY to_k
)
SELECT a.set, coalesce(a.staff_id, 0), coalesce(a.template_id, 0), a.ord, a.clients, a.direct, m.days, coalesce(m.clients, 0),
       coalesce(sf.name, ''), coalesce(tp.name, '')
FROM agg a
LEFT JOIN med m ON a.set = 3 AND m.ord = a.ord
LEFT JOIN staff sf ON sf.club_id = $1 AND sf.id = a.staff_id
LEFT JOIN templates tp ON tp.club_id = $1 AND tp.id = a.template_id`

// GROUPING(owner, template_id) of reportFunnelSQL's rows.
const (
	funnelTotal      = 0b11
	funnelByStaff    = 0b01
	funnelByTemplate = 0b10
)

func funnelCounts(ctx context.Context, q querier, clubID int64, r report.Range, f report.Filter, m stageMap, fn *report.Funnel) error {
	rows, err := q.Query(ctx, reportFunnelSQL, funnelArgs(clubID, r, f, m)...)
	if err != nil {
		return fmt.Errorf("funnel counts: %w", mapErr(err))
	}
	defer rows.Close()
	n := len(fn.Stages)
	staff, templates := map[int64]*report.Split{}, map[int64]*report.Split{}
	split := func(m map[int64]*report.Split, id int64, name string) *report.Split {
		s, ok := m[id]
		if !ok {
			s = &report.Split{ID: id, Name: name, Clients: make([]int, n)}
			m[id] = s
		}
		return s
	}
	for rows.Next() {
		var (
			set, ord, clients, direct int
			medianClients             int
			staffID, templateID       int64
			median                    *float64
			staffName, templateName   string
		)
		if err := rows.Scan(&set, &staffID, &templateID, &ord, &clients, &direct, &median, &medianClients, &staffName, &templateName); err != nil {
			return fmt.Errorf("funnel counts: %w", err)
		}
		if ord < 1 || ord > n {
			return fmt.Errorf("funnel counts: stage %d of %d", ord, n) // the snapshot makes this impossible
		}
		switch set {
		case funnelTotal:
			st := &fn.Stages[ord-1]
			st.Clients, st.Direct, st.MedianDaysNext, st.MedianClients = clients, direct, median, medianClients
		case funnelByStaff:
			split(staff, staffID, staffName).Clients[ord-1] = clients
		case funnelByTemplate:
			split(templates, templateID, templateName).Clients[ord-1] = clients
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("funnel counts: %w", mapErr(err))
	}
	funnelFinish(fn, staff, templates)
	return nil
}

// funnelWalkCounts counts the funnel of a period with stored months: the
// stored walks of those months and the walks of the raw stretches, in time
// order, walked again by report.TallyFunnel.
func funnelWalkCounts(ctx context.Context, q querier, clubID int64, r report.Range, p reportPlan, m stageMap, fn *report.Funnel) error {
	stored, err := funnelStoredParts(ctx, q, clubID, p.stored)
	if err != nil {
		return fmt.Errorf("funnel counts: %w", err)
	}
	type stretch struct {
		from  time.Time
		parts report.FunnelStretch
	}
	all := make([]stretch, 0, len(p.stored)+len(p.raw))
	for i, month := range p.stored {
		all = append(all, stretch{month, stored[i]})
	}
	for _, s := range p.raw {
		parts, err := funnelRawParts(ctx, q, clubID, s.From, s.To, m)
		if err != nil {
			return fmt.Errorf("funnel counts: %w", err)
		}
		all = append(all, stretch{s.From, parts})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].from.Before(all[j].from) })
	stretches := make([]report.FunnelStretch, len(all))
	for i, s := range all {
		stretches[i] = s.parts
	}
	n := len(fn.Stages)
	t := report.TallyFunnel(n, r.From.Location(), stretches...)
	for k := range fn.Stages {
		st := &fn.Stages[k]
		st.Clients, st.Direct = t.Clients[k], t.Direct[k]
		st.MedianClients = len(t.DaysNext[k])
		st.MedianDaysNext = report.Median(t.DaysNext[k])
	}
	staffNames, err := reportStaffNames(ctx, q, clubID, slices.Collect(maps.Keys(t.ByOwner)))
	if err != nil {
		return fmt.Errorf("funnel counts: %w", err)
	}
	templateNames, err := reportTemplateNames(ctx, q, clubID, slices.Collect(maps.Keys(t.ByTemplate)))
	if err != nil {
		return fmt.Errorf("funnel counts: %w", err)
	}
	staff, templates := map[int64]*report.Split{}, map[int64]*report.Split{}
	for id, c := range t.ByOwner {
		staff[id] = &report.Split{ID: id, Name: staffNames[id], Clients: c}
	}
	for id, c := range t.ByTemplate {
		templates[id] = &report.Split{ID: id, Name: templateNames[id], Clients: c}
	}
	funnelFinish(fn, staff, templates)
	return nil
}

// funnelFinish works out the conversions from the counts and orders the
// splits.
func funnelFinish(fn *report.Funnel, staff, templates map[int64]*report.Split) {
	n := len(fn.Stages)
	for i := range fn.Stages {
		if i+1 < n {
			fn.Stages[i].ConversionNext = ratio(fn.Stages[i+1].Clients, fn.Stages[i].Clients)
		} else {
			fn.Stages[i].MedianDaysNext, fn.Stages[i].MedianClients = nil, 0 // there is no next stage
		}
	}
	fn.Conversion = ratio(fn.Stages[n-1].Clients, fn.Stages[0].Clients)
	fn.ByStaff, fn.ByTemplate = sortedSplits(staff), sortedSplits(templates)
}

// sortedSplits orders slices by first-stage clients, most first, then name.
func sortedSplits(m map[int64]*report.Split) []report.Split {
	out := make([]report.Split, 0, len(m))
	for _, s := range m {
		s.Conversion = ratio(s.Clients[len(s.Clients)-1], s.Clients[0])
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Clients[0] != out[j].Clients[0] {
			return out[i].Clients[0] > out[j].Clients[0]
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func ratio(num, den int) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// funnelArgs are reportFunnelSQL's parameters.
func funnelArgs(clubID int64, r report.Range, f report.Filter, m stageMap) []any {
	return append(reportArgs(clubID, r, f), m.resultIDs, m.ords, zoneName(r))
}

// zoneName is the IANA name of the zone a range was built in, for SQL that
// needs local dates; UTC for a range built in UTC or the process's zone.
func zoneName(r report.Range) string {
	if name := r.From.Location().String(); name != "Local" {
		return name
	}
	return "UTC"
}
