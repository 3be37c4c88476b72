package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// SyntheticInput sizes a synthetic dataset for benchmarks and demos.
type SyntheticInput struct {
	ClubID  int64
	Tasks   int
	Clients int
	Staff   int
	Years   int       // tasks are spread evenly over this many years up to Now
	Seed    int64     // the same seed gives the same data
	Now     time.Time // the end of the generated history
}

// Limits of SyntheticInput.
const (
	SyntheticMaxTasks   = 100_000_000
	SyntheticMaxClients = 9_999_999 // phones are +38050 and seven digits
	SyntheticMaxStaff   = 10_000
	SyntheticMaxYears   = 20
)

// Validate checks the sizes.
func (in SyntheticInput) Validate() error {
	bad := func(what string, v, lo, hi int) error {
		return domain.Invalid(domain.CodeSyntheticInvalid, fmt.Sprintf("%s must be %d..%d, not %d", what, lo, hi, v), nil)
	}
	switch {
	case in.Tasks < 1 || in.Tasks > SyntheticMaxTasks:
		return bad("tasks", in.Tasks, 1, SyntheticMaxTasks)
	case in.Clients < 1 || in.Clients > SyntheticMaxClients:
		return bad("clients", in.Clients, 1, SyntheticMaxClients)
	case in.Staff < 1 || in.Staff > SyntheticMaxStaff:
		return bad("staff", in.Staff, 1, SyntheticMaxStaff)
	case in.Years < 1 || in.Years > SyntheticMaxYears:
		return bad("years", in.Years, 1, SyntheticMaxYears)
	case in.Now.IsZero():
		return domain.Invalid(domain.CodeSyntheticInvalid, "now is required", nil)
	}
	return nil
}

// SyntheticResult counts what SyntheticFill inserted.
type SyntheticResult struct {
	Staff, Clients, Tasks, Results, FieldValues, Calls int64
}

// SyntheticFill fills an empty club with realistic synthetic data, for the
// report benchmarks and for trying the bot on a busy club: staff (an owner,
// two managers, the rest staff), clients with phones, a plan of its own
// (templates, results, two dictionaries with fields, four funnel stages,
// all keyed "gen_..."), tasks of every type and status spread over the
// years, a result history for closed client tasks (so the funnel has
// data), dictionary answers and calls.
//
// Everything is set-based (INSERT … SELECT over generate_series; a million
// tasks take a few minutes on two cores) and happens in one transaction:
// a failure leaves the club as it was. A club that already has clients or
// tasks, or a plan of its own, is refused with ErrConflict, so a run cannot
// mix its data or its plan with the club's.
func (db *DB) SyntheticFill(ctx context.Context, in SyntheticInput) (SyntheticResult, error) {
	if err := in.Validate(); err != nil {
		return SyntheticResult{}, err
	}
	var res SyntheticResult
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if err := syntheticCheck(ctx, tx, in.ClubID); err != nil {
			return err
		}
		// One seeded generator per transaction: random() is not parallel
		// safe, so every statement below runs serially and the data is
		// the same for the same seed.
		if _, err := tx.Exec(ctx, `SELECT setseed($1)`, float64(in.Seed%1000)/1000); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '256MB'`); err != nil {
			return fmt.Errorf("work_mem: %w", err)
		}
		if err := syntheticPlan(ctx, tx, in.ClubID); err != nil {
			return err
		}
		var err error
		if res.Staff, res.Clients, err = syntheticPeople(ctx, tx, in); err != nil {
			return err
		}
		if res.Tasks, err = syntheticTasks(ctx, tx, in); err != nil {
			return err
		}
		if res.Results, res.FieldValues, res.Calls, err = syntheticHistory(ctx, tx, in.ClubID); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return SyntheticResult{}, fmt.Errorf("synthetic fill: %w", err)
	}
	// Set the visibility map and hint bits now, as autovacuum eventually
	// would, so index-only scans and the first reports after a fill behave
	// as on a settled database. VACUUM cannot run inside the transaction.
	if _, err := db.pool.Exec(ctx, `VACUUM (ANALYZE) tasks, task_results, task_field_values, calls, clients, client_phones, staff, templates, results`); err != nil {
		return res, fmt.Errorf("synthetic fill: vacuum: %w", err)
	}
	return res, nil
}

func syntheticCheck(ctx context.Context, tx pgx.Tx, clubID int64) error {
	var exists, busy, planned bool
	// A plan of its own is anything but the default templates (and what an
	// earlier gen made, keyed gen_): generating next to it would add a
	// second set of results and funnel stages, after which the club's own
	// plan no longer describes it.
	err := tx.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM clubs WHERE id = $1 AND deleted_at IS NULL),
       EXISTS (SELECT 1 FROM tasks WHERE club_id = $1) OR EXISTS (SELECT 1 FROM clients WHERE club_id = $1),
       EXISTS (SELECT 1 FROM templates WHERE club_id = $1 AND NOT is_default AND key NOT LIKE 'gen\_%')
    OR EXISTS (SELECT 1 FROM results WHERE club_id = $1 AND key NOT LIKE 'gen\_%')
    OR EXISTS (SELECT 1 FROM dictionaries WHERE club_id = $1 AND key NOT LIKE 'gen\_%')
    OR EXISTS (SELECT 1 FROM funnel_stages WHERE club_id = $1 AND key NOT LIKE 'gen\_%')`,
		clubID).Scan(&exists, &busy, &planned)
	switch {
	case err != nil:
		return fmt.Errorf("check club: %w", mapErr(err))
	case !exists:
		return &domain.Error{Kind: domain.ErrNotFound, Code: domain.CodeClubNotFound, Msg: fmt.Sprintf("club %d not found", clubID)}
	case busy:
		return domain.Conflict(domain.CodeClubNotEmpty, fmt.Sprintf("club %d already has clients or tasks; synthetic data goes into an empty club", clubID), nil)
	case planned:
		return domain.Conflict(domain.CodeClubHasPlan, fmt.Sprintf("club %d has a plan of its own (templates, results, dictionaries or funnel stages); "+
			"synthetic data, which brings its own, goes into a club made from a plan with only a club section", clubID), nil)
	}
	return nil
}

// syntheticPlanSQL creates the generated plan and the weight tables the
// later statements draw from: gen_templates (how often each template is
// used: a uniform random number in [lo, hi) picks it) and gen_results (how
// often each result closes a client task).
var syntheticPlanSQL = []string{
	`INSERT INTO templates (club_id, key, name, task_type, default_title, due_offset_min, position)
SELECT $1, key, name, typ, name, due, 100 + pos FROM (VALUES
    ('gen_first_call', 'Первичный звонок', 'personal_call', 1440, 0),
    ('gen_after_trial', 'Звонок после пробного', 'personal_call', 1440, 1),
    ('gen_lapsed', 'Звонок ушедшим клиентам', 'personal_call', 2880, 2),
    ('gen_check_purchase', 'Проверить покупку абонемента', 'client_task', 1440, 3),
    ('gen_send_info', 'Отправить информацию', 'client_task', 720, 4),
    ('gen_bulk', 'Обзвон', 'bulk_call', 4320, 5),
    ('gen_internal', 'Внутренняя задача', 'internal', 2880, 6)
) v(key, name, typ, due, pos)
ON CONFLICT (club_id, key) DO NOTHING`,
	`CREATE TEMP TABLE gen_templates ON COMMIT DROP AS
SELECT t.id, t.task_type, t.name, w.lo, w.hi
FROM (VALUES ('gen_first_call', 0.00, 0.35), ('gen_after_trial', 0.35, 0.55), ('gen_lapsed', 0.55, 0.70),
             ('gen_check_purchase', 0.70, 0.85), ('gen_send_info', 0.85, 0.90), ('gen_bulk', 0.90, 0.91),
             ('gen_internal', 0.91, 1.00)) w(key, lo, hi)
JOIN templates t ON t.club_id = $1 AND t.key = w.key`,
	`INSERT INTO results (club_id, key, name, position)
SELECT $1, key, name, 100 + pos FROM (VALUES
    ('gen_thinking', 'Думает', 0), ('gen_callback', 'Перезвонить', 1), ('gen_info_sent', 'Информация отправлена', 2),
    ('gen_not_relevant', 'Неактуально', 3), ('gen_refusal', 'Условный отказ', 4), ('gen_trial_booked', 'Записался на пробное', 5),
    ('gen_trial_attended', 'Пришёл на пробное', 6), ('gen_going_to_buy', 'Собирается купить', 7),
    ('gen_did_not_buy', 'Не купил', 8), ('gen_bought', 'Купил абонемент', 9)
) v(key, name, pos)
ON CONFLICT (club_id, key) DO NOTHING`,
	`CREATE TEMP TABLE gen_results ON COMMIT DROP AS
SELECT r.id, w.lo, w.hi
FROM (VALUES ('gen_thinking', 0.00, 0.22), ('gen_callback', 0.22, 0.40), ('gen_info_sent', 0.40, 0.50),
             ('gen_not_relevant', 0.50, 0.57), ('gen_refusal', 0.57, 0.65), ('gen_trial_booked', 0.65, 0.79),
             ('gen_trial_attended', 0.79, 0.87), ('gen_going_to_buy', 0.87, 0.92), ('gen_did_not_buy', 0.92, 0.95),
             ('gen_bought', 0.95, 1.00)) w(key, lo, hi)
JOIN results r ON r.club_id = $1 AND r.key = w.key`,
	`INSERT INTO template_results (club_id, template_id, result_id, position)
SELECT $1, t.id, r.id, r.position FROM gen_templates t CROSS JOIN results r
WHERE t.task_type IN ('personal_call', 'client_task') AND r.club_id = $1 AND r.key LIKE 'gen\_%'
ON CONFLICT DO NOTHING`,
	`INSERT INTO dictionaries (club_id, key, name) VALUES
    ($1, 'gen_refusal_reasons', 'Причины отказа'), ($1, 'gen_directions', 'Направления')
ON CONFLICT (club_id, key) DO NOTHING`,
	`INSERT INTO dictionary_values (club_id, dictionary_id, key, name, position)
SELECT $1, d.id, v.key, v.name, v.pos
FROM (VALUES ('gen_refusal_reasons', 'far', 'Далеко ездить', 0), ('gen_refusal_reasons', 'other_directions', 'Интересны другие направления', 1),
             ('gen_refusal_reasons', 'schedule', 'Не подходит расписание', 2), ('gen_refusal_reasons', 'other', 'Другое', 3),
             ('gen_directions', 'yoga', 'Йога', 0), ('gen_directions', 'dance', 'Танцы', 1), ('gen_directions', 'kids', 'Детские группы', 2),
             ('gen_directions', 'fitness', 'Фитнес', 3), ('gen_directions', 'swim', 'Плавание', 4)) v(dict, key, name, pos)
JOIN dictionaries d ON d.club_id = $1 AND d.key = v.dict
ON CONFLICT (club_id, dictionary_id, key) DO NOTHING`,
	`INSERT INTO result_fields (club_id, result_id, key, name, field_type, required, dictionary_id)
SELECT $1, r.id, f.key, f.name, f.typ, f.req, d.id
FROM (VALUES ('gen_refusal', 'reason', 'Причина', 'choice', true, 'gen_refusal_reasons'),
             ('gen_trial_booked', 'directions', 'Направления', 'multichoice', false, 'gen_directions')) f(result, key, name, typ, req, dict)
JOIN results r ON r.club_id = $1 AND r.key = f.result
JOIN dictionaries d ON d.club_id = $1 AND d.key = f.dict
ON CONFLICT (club_id, result_id, key) DO NOTHING`,
	`INSERT INTO funnel_stages (club_id, key, name, position)
VALUES ($1, 'gen_contact', 'Первый контакт', 100), ($1, 'gen_booked', 'Записан на пробное', 101),
       ($1, 'gen_attended', 'Пришёл на пробное', 102), ($1, 'gen_bought', 'Купил абонемент', 103)
ON CONFLICT (club_id, key) DO NOTHING`,
	`INSERT INTO funnel_stage_results (club_id, stage_id, result_id)
SELECT $1, s.id, r.id
FROM (VALUES ('gen_contact', 'gen_thinking'), ('gen_contact', 'gen_callback'), ('gen_contact', 'gen_info_sent'),
             ('gen_contact', 'gen_not_relevant'), ('gen_contact', 'gen_refusal'), ('gen_booked', 'gen_trial_booked'),
             ('gen_attended', 'gen_trial_attended'), ('gen_attended', 'gen_going_to_buy'), ('gen_attended', 'gen_did_not_buy'),
             ('gen_bought', 'gen_bought')) m(stage, result)
JOIN funnel_stages s ON s.club_id = $1 AND s.key = m.stage
JOIN results r ON r.club_id = $1 AND r.key = m.result
ON CONFLICT DO NOTHING`,
}

func syntheticPlan(ctx context.Context, tx pgx.Tx, clubID int64) error {
	for i, q := range syntheticPlanSQL {
		if _, err := tx.Exec(ctx, q, clubID); err != nil {
			return fmt.Errorf("plan step %d: %w", i+1, mapErr(err))
		}
	}
	return nil
}

// syntheticPeople inserts staff and clients with phones, and numbers them
// 1..n in temp tables so the task statement can pick one at random by a
// hash join instead of a lookup per row.
func syntheticPeople(ctx context.Context, tx pgx.Tx, in SyntheticInput) (staff, clients int64, err error) {
	tag, err := tx.Exec(ctx, `
INSERT INTO staff (club_id, name, role, created_at)
SELECT $1, 'Сотрудник ' || i,
       CASE WHEN i = 1 THEN 'owner' WHEN i <= 3 THEN 'manager' ELSE 'staff' END,
       $3::timestamptz - make_interval(years => $4)
FROM generate_series(1, $2) i`, in.ClubID, in.Staff, in.Now, in.Years)
	if err != nil {
		return 0, 0, fmt.Errorf("staff: %w", mapErr(err))
	}
	staff = tag.RowsAffected()
	tag, err = tx.Exec(ctx, `
INSERT INTO clients (club_id, name, status, created_at, updated_at)
SELECT $1, 'Клиент ' || i, (ARRAY['lead', 'trial', 'active', 'lapsed'])[1 + floor(random() * 4)::int], c, c
FROM (SELECT i, $3::timestamptz - random() * make_interval(years => $4) AS c FROM generate_series(1, $2) i) g`,
		in.ClubID, in.Clients, in.Now, in.Years)
	if err != nil {
		return 0, 0, fmt.Errorf("clients: %w", mapErr(err))
	}
	clients = tag.RowsAffected()
	for _, q := range []string{
		`CREATE TEMP TABLE gen_staff ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM staff WHERE club_id = $1`,
		`CREATE TEMP TABLE gen_clients ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM clients WHERE club_id = $1`,
		`INSERT INTO client_phones (club_id, client_id, phone)
SELECT $1, id, '+38050' || lpad(n::text, 7, '0') FROM gen_clients`,
	} {
		if _, err := tx.Exec(ctx, q, in.ClubID); err != nil {
			return 0, 0, fmt.Errorf("people: %w", mapErr(err))
		}
	}
	if _, err := tx.Exec(ctx, `ANALYZE gen_staff, gen_clients, gen_templates, gen_results`); err != nil {
		return 0, 0, fmt.Errorf("people: analyze: %w", err)
	}
	return staff, clients, nil
}

// syntheticTasksSQL draws every task from uniform random numbers: its
// template (by gen_templates' weights), creation time (uniform over the
// years), client and staff (uniform; 5% of open and cancelled tasks
// unassigned, while a done task always has the assignee who closed it, as
// ResultRecord makes sure), status (older tasks are mostly
// closed: 85% done, 5% cancelled; the last week's 40% done, 3% cancelled),
// due date (80% due a day after creation), and for a closed client task its
// result (by gen_results' weights).
const syntheticTasksSQL = `
INSERT INTO tasks (club_id, task_type, template_id, title, client_id, author_id, assignee_id, status,
                   due_at, result_id, created_at, updated_at, taken_at, done_at, cancelled_at)
SELECT $1, task_type, template_id, name, client_id, author_id,
       CASE WHEN status = 'done' THEN coalesce(assignee_id, fallback_id) ELSE assignee_id END, status,
       due_at, CASE WHEN status = 'done' AND client_id IS NOT NULL THEN result_id END,
       created_at, CASE WHEN status IN ('done', 'cancelled') THEN closed_at ELSE created_at END,
       CASE WHEN status <> 'new' THEN created_at END,
       CASE WHEN status = 'done' THEN closed_at END, CASE WHEN status = 'cancelled' THEN closed_at END
FROM (
    SELECT t.task_type, t.id AS template_id, t.name, r.id AS result_id, g.created_at,
           CASE WHEN t.task_type IN ('personal_call', 'client_task') THEN c.id END AS client_id,
           CASE WHEN g.r_author < 0.7 THEN a.id END AS author_id,
           CASE WHEN g.r_assign < 0.95 THEN s.id END AS assignee_id, s.id AS fallback_id,
           CASE WHEN g.r_due < 0.8 THEN g.created_at + interval '1 day' END AS due_at,
           least(g.created_at + g.r_close * interval '3 days', $2::timestamptz) AS closed_at,
           CASE
               WHEN g.r_status < CASE WHEN g.created_at < $2::timestamptz - interval '7 days' THEN 0.85 ELSE 0.40 END THEN 'done'
               WHEN g.r_status < CASE WHEN g.created_at < $2::timestamptz - interval '7 days' THEN 0.90 ELSE 0.43 END THEN 'cancelled'
               WHEN g.r_status < 0.95 THEN 'new'
               ELSE 'in_progress'
           END AS status
    FROM (
        SELECT random() AS r_tmpl, random() AS r_result, random() AS r_status, random() AS r_close,
               random() AS r_due, random() AS r_assign, random() AS r_author,
               $2::timestamptz - random() * make_interval(years => $3) AS created_at,
               1 + floor(random() * $4)::bigint AS client_n,
               1 + floor(random() * $5)::bigint AS staff_n,
               1 + floor(random() * $5)::bigint AS author_n
        FROM generate_series(1, $6) i
    ) g
    JOIN gen_templates t ON g.r_tmpl >= t.lo AND g.r_tmpl < t.hi
    JOIN gen_results r ON g.r_result >= r.lo AND g.r_result < r.hi
    JOIN gen_clients c ON c.n = g.client_n
    JOIN gen_staff s ON s.n = g.staff_n
    JOIN gen_staff a ON a.n = g.author_n
) x`

func syntheticTasks(ctx context.Context, tx pgx.Tx, in SyntheticInput) (int64, error) {
	tag, err := tx.Exec(ctx, syntheticTasksSQL, in.ClubID, in.Now, in.Years, in.Clients, in.Staff, in.Tasks)
	if err != nil {
		return 0, fmt.Errorf("tasks: %w", mapErr(err))
	}
	return tag.RowsAffected(), nil
}

// syntheticHistory writes what closing the tasks would have written: a
// task_results row per closed client task, answers to the two dictionary
// fields, and a call per result on a personal call (a fifth of them incoming), as
// closing them would have written.
func syntheticHistory(ctx context.Context, tx pgx.Tx, clubID int64) (results, values, calls int64, err error) {
	tag, err := tx.Exec(ctx, `
INSERT INTO task_results (club_id, task_id, result_id, client_id, staff_id, recorded_at)
SELECT club_id, id, result_id, client_id, assignee_id, done_at
FROM tasks WHERE club_id = $1 AND status = 'done' AND result_id IS NOT NULL`, clubID)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("results: %w", mapErr(err))
	}
	results = tag.RowsAffected()
	// One reason per refusal; one to three directions per trial booking
	// (the first always, each further with its own chance).
	tag, err = tx.Exec(ctx, `
WITH f AS (
    SELECT fl.id AS field_id, fl.result_id, fl.field_type, array_agg(dv.id ORDER BY dv.position) AS vals
    FROM result_fields fl
    JOIN dictionary_values dv ON dv.club_id = fl.club_id AND dv.dictionary_id = fl.dictionary_id
    WHERE fl.club_id = $1 AND fl.key IN ('reason', 'directions')
      AND fl.result_id IN (SELECT id FROM results WHERE club_id = $1 AND key IN ('gen_refusal', 'gen_trial_booked'))
    GROUP BY fl.id, fl.result_id, fl.field_type
)
INSERT INTO task_field_values (club_id, task_result_id, field_id, value_id)
SELECT DISTINCT tr.club_id, tr.id, f.field_id,
       f.vals[1 + floor(random() * cardinality(f.vals))::int]
FROM task_results tr
JOIN f ON f.result_id = tr.result_id
CROSS JOIN generate_series(1, 3) k
WHERE tr.club_id = $1 AND (k = 1 OR (f.field_type = 'multichoice' AND random() < 0.3))`, clubID)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("field values: %w", mapErr(err))
	}
	values = tag.RowsAffected()
	// The calls join the results to their tasks: without statistics on the
	// rows just written the planner picks a nested loop over them (minutes
	// at 10^5 tasks instead of a second's hash join).
	if _, err := tx.Exec(ctx, `ANALYZE tasks, task_results`); err != nil {
		return 0, 0, 0, fmt.Errorf("analyze: %w", mapErr(err))
	}
	tag, err = tx.Exec(ctx, `
INSERT INTO calls (club_id, direction, client_id, staff_id, task_id, task_result_id, called_at)
SELECT tr.club_id, CASE WHEN random() < 0.2 THEN 'in' ELSE 'out' END, tr.client_id, tr.staff_id, tr.task_id, tr.id, tr.recorded_at
FROM task_results tr JOIN tasks t ON t.club_id = tr.club_id AND t.id = tr.task_id
WHERE tr.club_id = $1 AND t.task_type = 'personal_call' AND tr.client_id IS NOT NULL`, clubID)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("calls: %w", mapErr(err))
	}
	return results, values, tag.RowsAffected(), nil
}
