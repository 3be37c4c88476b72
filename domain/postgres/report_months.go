package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// Stored months (migration 00027, docs/reports.md). A report over a period
// reads each whole past local month from the figures stored for it when
// they are usable, and everything else from the rows themselves; the two
// add up to exactly what reading every row would give, because every
// stored figure is a count over the rows of one month that adds across
// months (the funnel stores each client's walk instead, see
// report.TallyFunnel).
//
// A month is usable while it is built for the club's current time zone
// (and, for the funnel, its current stages), has ended by the report's now,
// and no change touching it has been logged in report_dirty since. The
// triggers of 00027 log every change to a task, result, answer or call
// older than two days; ReportMonthsBuild only stores months that ended three
// days before the database's now, so a change it did not see is logged.

// reportOldestSQL is club c's oldest row a report counts: its first task,
// result or call (NULL for none); its month is the first one stored.
const reportOldestSQL = `least((SELECT min(created_at) FROM tasks WHERE club_id = c.id),
             (SELECT min(recorded_at) FROM task_results WHERE club_id = c.id),
             (SELECT min(called_at) FROM calls WHERE club_id = c.id))`

// reportMonthsGrace is how long after its end a month may be stored: a day
// more than the triggers' two-day horizon (report_dirty_horizon).
const reportMonthsGrace = 3 * 24 * time.Hour

// reportMonthsBuildMax bounds the months one ReportMonthsBuild call stores,
// so a sweep over many clubs stays short; the rest wait for the next call.
const reportMonthsBuildMax = 36

// errReportMonthBusy says another builder holds the club's months.
var errReportMonthBusy = errors.New("report months: another builder is at work")

// reportPlan says how a report reads its range: the stored periods (whole
// months, and whole days of a month still going) by start, and the
// stretches read raw.
type reportPlan struct {
	stored []time.Time
	raw    []report.Segment
}

// reportPlanFor cuts the range into whole months, asks which are stored
// and usable, cuts the rest (partial months at the edges, months not
// stored, the month still going) into whole days and asks the same of them.
// funnelKey, when not empty, also requires the funnel walks of that stage
// map. With stored months switched off (WithoutReportMonths) everything is
// raw.
func (db *DB) reportPlanFor(ctx context.Context, q querier, clubID int64, r report.Range, now time.Time, funnelKey string) (reportPlan, error) {
	loc := r.From.Location()
	months := report.Segments(r, loc)
	usable, err := db.storedPeriods(ctx, q, clubID, r, now, funnelKey, months)
	if err != nil {
		return reportPlan{}, err
	}
	var pieces []report.Segment
	for _, s := range months {
		if s.Month && usable[s.From.UnixMicro()] {
			pieces = append(pieces, s)
			continue
		}
		pieces = append(pieces, report.Days(report.Segment{From: s.From, To: s.To}, loc)...)
	}
	days, err := db.storedPeriods(ctx, q, clubID, r, now, funnelKey, pieces)
	if err != nil {
		return reportPlan{}, err
	}
	var p reportPlan
	p.stored, p.raw = report.SplitStored(pieces, func(start time.Time) bool {
		return usable[start.UnixMicro()] || days[start.UnixMicro()]
	})
	return p, nil
}

// storedPeriods says which of the whole months and days among segs are
// stored and usable, by start (Unix microseconds).
func (db *DB) storedPeriods(ctx context.Context, q querier, clubID int64, r report.Range, now time.Time, funnelKey string, segs []report.Segment) (map[int64]bool, error) {
	usable := map[int64]bool{}
	var starts, ends []time.Time
	for _, s := range segs {
		if (s.Month || s.Day) && !db.noReportMonths {
			starts, ends = append(starts, s.From), append(ends, s.To)
		}
	}
	if len(starts) == 0 {
		return usable, nil
	}
	rows, err := q.Query(ctx, `
SELECT m.period_start
FROM unnest($2::timestamptz[], $3::timestamptz[]) AS s(start_at, end_at)
JOIN report_periods m ON m.club_id = $1 AND m.period_start = s.start_at AND m.period_end = s.end_at
WHERE m.time_zone = $4 AND m.period_end <= $5 AND ($6::text = '' OR m.funnel_key = $6)
  AND NOT EXISTS (SELECT 1 FROM report_dirty d WHERE d.club_id = m.club_id AND d.at >= m.period_start AND d.at < m.period_end)`,
		clubID, starts, ends, zoneName(r), now, funnelKey)
	if err != nil {
		return nil, fmt.Errorf("stored periods: %w", mapErr(err))
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, fmt.Errorf("stored periods: %w", mapErr(err))
	}
	for _, t := range got {
		usable[t.UnixMicro()] = true
	}
	return usable, nil
}

// ReportMonthsBuild stores the figures of the club's past months, and of
// the days of the month still going, that are missing, dirty, or were built
// for another time zone or funnel, oldest last (recent ones are read most),
// at most reportMonthsBuildMax of them per call. A month or day is stored
// once it ended three days before the database's now; storing a month
// replaces the days stored in it. Each is its own transaction on the
// primary; one another builder is storing at the same moment is left to
// it. It returns how many months and days it stored.
func (db *DB) ReportMonthsBuild(ctx context.Context, clubID int64) (int, error) {
	var (
		zone          string
		dbNow, oldest time.Time
		has           bool
	)
	err := db.pool.QueryRow(ctx, `
SELECT c.time_zone, now(), x.oldest IS NOT NULL, coalesce(x.oldest, now())
FROM clubs c,
LATERAL (SELECT `+reportOldestSQL+` AS oldest) x
WHERE c.id = $1`, clubID).Scan(&zone, &dbNow, &has, &oldest)
	if err != nil {
		return 0, fmt.Errorf("report months of club %d: %w", clubID, mapErr(err))
	}
	if !has {
		return 0, nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return 0, fmt.Errorf("report months of club %d: time zone %q: %w", clubID, zone, err)
	}
	// Months stored for a zone the club no longer has never match a
	// report's months.
	if _, err := db.pool.Exec(ctx, `DELETE FROM report_periods WHERE club_id = $1 AND time_zone <> $2`, clubID, zone); err != nil {
		return 0, fmt.Errorf("report months of club %d: %w", clubID, mapErr(err))
	}
	first := report.DateOf(oldest.In(loc))
	from := report.Date{Year: first.Year, Month: first.Month, Day: 1}.Start(loc)
	// Whole months, and the whole days of the month still going.
	all := report.StorableSegments(report.Range{From: from, To: dbNow.Add(-reportMonthsGrace)}, loc)
	var starts, ends []time.Time
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Month || all[i].Day {
			starts, ends = append(starts, all[i].From), append(ends, all[i].To)
		}
	}
	if len(starts) == 0 {
		return 0, nil
	}
	stages, m, err := funnelStagesToStore(ctx, db.pool, clubID)
	if err != nil {
		return 0, fmt.Errorf("report months of club %d: %w", clubID, err)
	}
	key := funnelKey(stages, m)
	rows, err := db.pool.Query(ctx, `
SELECT s.start, s.end_at FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS s(start, end_at, i)
LEFT JOIN report_periods m ON m.club_id = $1 AND m.period_start = s.start
WHERE m.club_id IS NULL OR m.time_zone <> $4 OR m.funnel_key <> $5 OR m.period_end <> s.end_at
   OR EXISTS (SELECT 1 FROM report_dirty d WHERE d.club_id = $1 AND d.at >= s.start AND d.at < s.end_at)
ORDER BY s.i
LIMIT $6`, clubID, starts, ends, zone, key, reportMonthsBuildMax)
	if err != nil {
		return 0, fmt.Errorf("report months of club %d: %w", clubID, mapErr(err))
	}
	todo, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (report.Segment, error) {
		var s report.Segment
		err := row.Scan(&s.From, &s.To)
		return s, err
	})
	if err != nil {
		return 0, fmt.Errorf("report months of club %d: %w", clubID, mapErr(err))
	}
	built := 0
	for _, s := range todo {
		err := db.reportMonthBuild(ctx, clubID, zone, s.From.In(loc), s.To.In(loc))
		if errors.Is(err, errReportMonthBusy) {
			return built, nil
		}
		if err != nil {
			return built, fmt.Errorf("report months of club %d: %w", clubID, err)
		}
		built++
	}
	return built, nil
}

// reportMonthBuild stores one month in one REPEATABLE READ transaction:
// the log entries it deletes and the figures it stores are of the same
// snapshot, so an entry logged by a change it did not see survives it.
// The snapshot is taken by the lock's own statement, so another builder
// may commit the same period between the two; the conflict that follows
// (a serialization failure, or the period's key taken) means that builder
// did the work, and is reported as errReportMonthBusy.
func (db *DB) reportMonthBuild(ctx context.Context, clubID int64, zone string, from, to time.Time) error {
	err := db.reportMonthBuildTx(ctx, clubID, zone, from, to)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "23505") {
		return errReportMonthBusy
	}
	return err
}

func (db *DB) reportMonthBuildTx(ctx context.Context, clubID int64, zone string, from, to time.Time) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var got bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('clubcrm.report_periods', $1))`, clubID).Scan(&got); err != nil {
			return fmt.Errorf("lock: %w", mapErr(err))
		}
		if !got {
			return errReportMonthBusy
		}
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
			return fmt.Errorf("work_mem: %w", err)
		}
		stages, m, err := funnelStagesToStore(ctx, tx, clubID)
		if err != nil {
			return err
		}
		month := fmt.Sprintf("month %s", from.Format("2006-01"))
		args := []any{clubID, from, to, int64(0), int64(0), "", to}
		for _, st := range []struct{ name, sql string }{
			{"dirty", `DELETE FROM report_dirty WHERE club_id = $1 AND at >= $2 AND at < $3`},
			// the month, and any stored for another zone starting inside it
			{"month", `DELETE FROM report_periods WHERE club_id = $1 AND period_start >= $2 AND period_start < $3`},
		} {
			if _, err := tx.Exec(ctx, st.sql, clubID, from, to); err != nil {
				return fmt.Errorf("%s: clear %s: %w", month, st.name, mapErr(err))
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO report_periods (club_id, period_start, period_end, time_zone, funnel_key) VALUES ($1, $2, $3, $4, $5)`,
			clubID, from, to, zone, funnelKey(stages, m)); err != nil {
			return fmt.Errorf("%s: %w", month, mapErr(err))
		}
		for _, st := range []struct {
			name, sql string
			args      []any
		}{
			{"tasks", `INSERT INTO report_period_tasks (club_id, period_start, assignee_id, template_id, task_type, created, done, cancelled, overdue)
SELECT $1, $2, g.* FROM (` + reportTaskGrainSQL + `) g`, args},
			{"results", `INSERT INTO report_period_results (club_id, period_start, staff_id, template_id, task_type, result_id, n)
SELECT $1, $2, g.* FROM (` + reportResultGrainSQL + `) g`, args[:6]},
			{"answers", `INSERT INTO report_period_fields (club_id, period_start, staff_id, template_id, task_type, field_id, value_id, n)
SELECT $1, $2, g.* FROM (` + reportFieldGrainSQL + `) g`, args[:6]},
			{"calls", `INSERT INTO report_period_calls (club_id, period_start, staff_id, template_id, task_type, calls_in, calls_out)
SELECT $1, $2, g.* FROM (` + reportCallGrainSQL + `) g`, args[:6]},
		} {
			if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
				return fmt.Errorf("%s: %s: %w", month, st.name, mapErr(err))
			}
		}
		if len(stages) == 0 {
			return nil
		}
		fs, err := funnelRawParts(ctx, tx, clubID, from, to, m)
		if err != nil {
			return fmt.Errorf("%s: %w", month, err)
		}
		walk, err := fs.MarshalBinary()
		if err != nil {
			return fmt.Errorf("%s: funnel: %w", month, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO report_period_funnel (club_id, period_start, clients, walk) VALUES ($1, $2, $3, $4)`,
			clubID, from, len(fs.Clients), walk); err != nil {
			return fmt.Errorf("%s: funnel: %w", month, mapErr(err))
		}
		return nil
	})
}

// funnelKeySQL is funnelKey of club c.id's live stages, in SQL, for the
// sweep to find months stored under other stages.
// Like funnelStagesToStore, a funnel over $2 (MaxFunnelStages) stages has
// the empty key.
const funnelKeySQL = `
SELECT CASE WHEN count(*) > $2 THEN '' ELSE coalesce(string_agg(k.key, ';' ORDER BY k.position, k.id), '') END
FROM (SELECT s.id, s.position,
             s.id::text || ':' || coalesce(string_agg(sr.result_id::text, ',' ORDER BY sr.result_id), '') AS key
      FROM funnel_stages s
      LEFT JOIN funnel_stage_results sr ON sr.club_id = s.club_id AND sr.stage_id = s.id
      WHERE s.club_id = c.id AND s.archived_at IS NULL
      GROUP BY s.id, s.position) k`

// funnelStagesToStore is funnelStages for the builder: a funnel with more
// stages than reports handle (MaxFunnelStages; its report is refused) is
// stored without walks and with an empty key, rather than keeping the
// club's other figures from being stored at all.
func funnelStagesToStore(ctx context.Context, q querier, clubID int64) ([]report.Stage, stageMap, error) {
	stages, m, err := funnelStages(ctx, q, clubID)
	if domain.ErrorCode(err) == domain.CodeFunnelTooLong {
		return nil, stageMap{}, nil
	}
	return stages, m, err
}

// funnelKey names a funnel's stage map: the stages in order, each with its
// results. A month's funnel summary is used only under the same map.
func funnelKey(stages []report.Stage, m stageMap) string {
	var b strings.Builder
	for i, s := range stages {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(strconv.FormatInt(s.StageID, 10))
		b.WriteByte(':')
		first := true
		for j, ord := range m.ords {
			if int(ord) == i+1 {
				if !first {
					b.WriteByte(',')
				}
				b.WriteString(strconv.FormatInt(m.resultIDs[j], 10))
				first = false
			}
		}
	}
	return b.String()
}

// funnelRawParts reads the funnel results of [from, to) on clients, folds
// them into one walk per client, and gives each client the template of
// their first task ever.
func funnelRawParts(ctx context.Context, q querier, clubID int64, from, to time.Time, m stageMap) (report.FunnelStretch, error) {
	rows, err := q.Query(ctx, `
SELECT tr.client_id, tr.recorded_at, m.ord, coalesce(tr.staff_id, 0)
FROM task_results tr
JOIN unnest($4::bigint[], $5::int[]) AS m(result_id, ord) ON m.result_id = tr.result_id
WHERE tr.club_id = $1 AND tr.recorded_at >= $2 AND tr.recorded_at < $3 AND tr.client_id IS NOT NULL
ORDER BY tr.client_id, tr.recorded_at, tr.id`, clubID, from, to, m.resultIDs, m.ords)
	if err != nil {
		return report.FunnelStretch{}, fmt.Errorf("funnel hits: %w", mapErr(err))
	}
	var (
		hits    []report.FunnelHit
		clients []int64
	)
	for rows.Next() {
		var h report.FunnelHit
		if err := rows.Scan(&h.Client, &h.At, &h.Ord, &h.Staff); err != nil {
			rows.Close()
			return report.FunnelStretch{}, fmt.Errorf("funnel hits: %w", err)
		}
		if n := len(hits); n == 0 || hits[n-1].Client != h.Client {
			clients = append(clients, h.Client)
		}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return report.FunnelStretch{}, fmt.Errorf("funnel hits: %w", mapErr(err))
	}
	templates := map[int64]int64{}
	if len(clients) > 0 {
		rows, err := q.Query(ctx, `
SELECT c.id, g.template_id
FROM unnest($2::bigint[]) AS c(id)
CROSS JOIN LATERAL (
    SELECT t.template_id FROM tasks t
    WHERE t.club_id = $1 AND t.client_id = c.id AND t.deleted_at IS NULL
    ORDER BY t.created_at, t.id LIMIT 1) g`, clubID, clients)
		if err != nil {
			return report.FunnelStretch{}, fmt.Errorf("first tasks: %w", mapErr(err))
		}
		for rows.Next() {
			var id, tmpl int64
			if err := rows.Scan(&id, &tmpl); err != nil {
				rows.Close()
				return report.FunnelStretch{}, fmt.Errorf("first tasks: %w", err)
			}
			templates[id] = tmpl
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return report.FunnelStretch{}, fmt.Errorf("first tasks: %w", mapErr(err))
		}
	}
	return report.FunnelParts(hits, templates), nil
}

// funnelStoredParts reads the stored walks of the months, one stretch per
// month in the order given.
func funnelStoredParts(ctx context.Context, q querier, clubID int64, months []time.Time) ([]report.FunnelStretch, error) {
	rows, err := q.Query(ctx, `SELECT f.period_start, f.walk FROM report_period_funnel f WHERE f.club_id = $1 AND f.period_start = ANY($2)`, clubID, months)
	if err != nil {
		return nil, fmt.Errorf("stored funnel: %w", mapErr(err))
	}
	defer rows.Close()
	byMonth := map[int64]report.FunnelStretch{}
	for rows.Next() {
		var (
			start time.Time
			fs    report.FunnelStretch
		)
		var walk []byte
		if rows.FieldDescriptions()[1].Format == pgx.BinaryFormatCode {
			// Decoded from the row's own bytes (valid until the next
			// row): a copy of a year's walks would double the memory.
			if err := rows.Scan(&start, nil); err != nil {
				return nil, fmt.Errorf("stored funnel: %w", err)
			}
			walk = rows.RawValues()[1]
		} else if err := rows.Scan(&start, &walk); err != nil { // text format (a simple-protocol DATABASE_URL)
			return nil, fmt.Errorf("stored funnel: %w", err)
		}
		if err := fs.UnmarshalBinary(walk); err != nil {
			return nil, fmt.Errorf("stored funnel of %s: %w", start.Format(time.RFC3339), err)
		}
		byMonth[start.UnixMicro()] = fs
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stored funnel: %w", mapErr(err))
	}
	out := make([]report.FunnelStretch, len(months))
	for i, m := range months {
		fs, ok := byMonth[m.UnixMicro()]
		if !ok {
			// A month is stored with its funnel in one transaction, and the
			// plan and this read share a snapshot.
			return nil, fmt.Errorf("stored funnel of %s is missing", m.Format(time.RFC3339))
		}
		out[i] = fs
	}
	return out, nil
}

// ReportMonthsPending lists, by id, the live clubs that have months for
// ReportMonthsBuild to store: a whole past month (one that ended three days
// before the database's now, by the club's calendar) since the club's first
// task, result or call that is not stored for the club's current time zone,
// or in which a change was logged since it was stored. Counting the stored
// months, not only looking for the last one, keeps a club listed until the
// builds (reportMonthsBuildMax months each) reach its oldest months, and
// after a move to another zone until every month is stored on the new
// calendar: months stored for the old zone start at other instants, are
// never overwritten, and do not count. A month start is matched within a
// day, so a local midnight the database and Go place an hour apart (a DST
// change at midnight) cannot keep a club listed for ever. Changes logged
// before the first month or after the last closed one are left out, as the
// builder never clears them. The scheduler's sweep enqueues one build per
// club listed (scheduler/report_months.go). A month stored under other
// funnel stages than the club's now (funnelKeySQL) is listed too: it serves
// every report but the funnel, which reads it raw, until stored again.
func (db *DB) ReportMonthsPending(ctx context.Context) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `
SELECT c.id
FROM clubs c
CROSS JOIN LATERAL (
    SELECT (`+reportOldestSQL+`) AT TIME ZONE c.time_zone AS first_at) f
CROSS JOIN LATERAL (
    SELECT date_trunc('month', f.first_at) AS first_local,
           date_trunc('month', (now() - $1::interval) AT TIME ZONE c.time_zone) AS end_local,
           greatest(date_trunc('day', f.first_at), date_trunc('month', (now() - $1::interval) AT TIME ZONE c.time_zone)) AS days_from_local,
           date_trunc('day', (now() - $1::interval) AT TIME ZONE c.time_zone) AS days_end_local) l
CROSS JOIN LATERAL (
    SELECT l.first_local AT TIME ZONE c.time_zone AS first_start,
           l.end_local AT TIME ZONE c.time_zone AS closed_end,
           l.days_end_local AT TIME ZONE c.time_zone AS days_end,
           ((extract(year FROM l.end_local) - extract(year FROM l.first_local)) * 12
            + extract(month FROM l.end_local) - extract(month FROM l.first_local))::int AS months,
           greatest(l.days_end_local::date - l.days_from_local::date, 0) AS days) b
WHERE c.deleted_at IS NULL AND f.first_at IS NOT NULL AND (b.months > 0 OR b.days > 0)
  AND (EXISTS (SELECT 1 FROM report_dirty d WHERE d.club_id = c.id AND d.at >= b.first_start AND d.at < b.days_end)
       OR EXISTS (SELECT 1 FROM report_periods m WHERE m.club_id = c.id AND m.time_zone = c.time_zone
                  AND m.funnel_key <> (`+funnelKeySQL+`))
       OR (SELECT count(*) FROM report_periods m
           WHERE m.club_id = c.id AND m.time_zone = c.time_zone
             AND m.period_start > b.first_start - interval '1 day' AND m.period_start < b.closed_end - interval '1 day') < b.months
       OR (SELECT count(*) FROM report_periods m
           WHERE m.club_id = c.id AND m.time_zone = c.time_zone
             AND m.period_start > b.closed_end - interval '1 hour' AND m.period_start < b.days_end - interval '1 hour') < b.days)
ORDER BY c.id`, reportMonthsGrace, MaxFunnelStages)
	if err != nil {
		return nil, fmt.Errorf("report months pending: %w", mapErr(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("report months pending: %w", mapErr(err))
	}
	return ids, nil
}
