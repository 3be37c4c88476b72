-- +goose Up
-- The triggers below lock their tables for a moment (SHARE ROW EXCLUSIVE);
-- behind a long transaction give up rather than queue every writer.
SET LOCAL lock_timeout = '5s';

-- Stored figures of whole past months, so a report over months or a year
-- reads a few hundred stored rows per month instead of every task, result
-- and call of the period (report_months.go, docs/reports.md).
--
-- A month is stored by the club's local calendar (period_start and
-- period_end are the local midnights, as instants) and is used only while it
-- is clean: built for the same time zone and funnel, and no change logged
-- in report_dirty between its bounds since it was built. Reports read every
-- other part of a period (the current month, partial months at the edges,
-- months not built or dirty) from the raw rows, so a report is exact
-- whatever the state of this cache.
CREATE TABLE report_periods (
    club_id     bigint NOT NULL REFERENCES clubs (id),
    period_start timestamptz NOT NULL,
    period_end   timestamptz NOT NULL CHECK (period_end > period_start),
    time_zone   text NOT NULL,
    -- the funnel's stage map the funnel summary was built with
    funnel_key  text NOT NULL,
    built_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (club_id, period_start)
);

-- Task figures by assignee (0: unassigned), template and type: each task
-- counted at its created, done, cancelled and due times (report.Counts).
CREATE TABLE report_period_tasks (
    club_id     bigint NOT NULL,
    period_start timestamptz NOT NULL,
    assignee_id bigint NOT NULL,
    template_id bigint NOT NULL,
    task_type   text NOT NULL,
    created     int NOT NULL,
    done        int NOT NULL,
    cancelled   int NOT NULL,
    overdue     int NOT NULL,
    PRIMARY KEY (club_id, period_start, assignee_id, template_id),
    FOREIGN KEY (club_id, period_start) REFERENCES report_periods (club_id, period_start) ON DELETE CASCADE
);

-- Results recorded, by who recorded them (0: nobody), their task's template
-- and type, and result.
CREATE TABLE report_period_results (
    club_id     bigint NOT NULL,
    period_start timestamptz NOT NULL,
    staff_id    bigint NOT NULL,
    template_id bigint NOT NULL,
    task_type   text NOT NULL,
    result_id   bigint NOT NULL,
    n           int NOT NULL,
    PRIMARY KEY (club_id, period_start, staff_id, template_id, result_id),
    FOREIGN KEY (club_id, period_start) REFERENCES report_periods (club_id, period_start) ON DELETE CASCADE
);

-- Dictionary answers of the results recorded: per field, value_id 0 counts
-- the results that answered it, any other value_id the results that chose
-- that value. Each result is in exactly one row's grain, so the counts add
-- up across rows and months.
CREATE TABLE report_period_fields (
    club_id     bigint NOT NULL,
    period_start timestamptz NOT NULL,
    staff_id    bigint NOT NULL,
    template_id bigint NOT NULL,
    task_type   text NOT NULL,
    field_id    bigint NOT NULL,
    value_id    bigint NOT NULL,
    n           int NOT NULL,
    PRIMARY KEY (club_id, period_start, staff_id, template_id, field_id, value_id),
    FOREIGN KEY (club_id, period_start) REFERENCES report_periods (club_id, period_start) ON DELETE CASCADE
);

-- Answered calls in and out, by who logged them (0: nobody) and their
-- task's template and type (0 and '': no task).
CREATE TABLE report_period_calls (
    club_id     bigint NOT NULL,
    period_start timestamptz NOT NULL,
    staff_id    bigint NOT NULL,
    template_id bigint NOT NULL,
    task_type   text NOT NULL,
    calls_in    int NOT NULL,
    calls_out   int NOT NULL,
    PRIMARY KEY (club_id, period_start, staff_id, template_id),
    FOREIGN KEY (club_id, period_start) REFERENCES report_periods (club_id, period_start) ON DELETE CASCADE
);

-- The period's funnel walk per client, from which any run of stored and
-- raw periods is walked again exactly (report.TallyFunnel): who recorded
-- each client's first hit of the period, the stages hit directly, the
-- template of their first task, and their advances within the period.
-- walk is report.FunnelStretch's binary encoding (fixed-width slices, read
-- back with one copy: as arrays, sending and decoding them element by
-- element was most of a year's funnel); clients is how many it holds.
CREATE TABLE report_period_funnel (
    club_id      bigint NOT NULL,
    period_start timestamptz NOT NULL,
    clients      int NOT NULL,
    walk         bytea NOT NULL,
    PRIMARY KEY (club_id, period_start),
    FOREIGN KEY (club_id, period_start) REFERENCES report_periods (club_id, period_start) ON DELETE CASCADE
);

-- Changes to rows older than two days, by the quarter hour they touch
-- (every zone's local midnight is on a quarter hour, so a bin never
-- straddles a month). Append-only: writers only insert, and the builder
-- deletes the entries of a month in the same transaction that rebuilds it,
-- so an entry committed after the builder's snapshot survives and the month
-- reads dirty again. Normal work (results recorded now, tasks closed now)
-- touches only recent times and writes nothing here.
CREATE TABLE report_dirty (
    club_id bigint NOT NULL,
    at      timestamptz NOT NULL
);
CREATE INDEX report_dirty_club_at_idx ON report_dirty (club_id, at);

-- +goose StatementBegin
CREATE FUNCTION report_dirty_bin(t timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_bin('15 minutes', t, timestamptz '2000-01-01 00:00+00')
$$;
-- +goose StatementEnd

-- The horizon: a change to a time later than this cannot be in a stored
-- month (the builder stores months that ended three days before its now).
-- +goose StatementBegin
CREATE FUNCTION report_dirty_horizon() RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT now() - interval '2 days'
$$;
-- +goose StatementEnd

-- Tasks inserted or deleted: their four times. A client task inserted with
-- an old time (imports, generated history) or whose client has no earlier
-- live task may change the client's first task, which the funnel splits
-- by, so that client's results are marked too.
-- +goose StatementBegin
CREATE FUNCTION report_dirty_tasks_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (club_id, at)
    SELECT DISTINCT x.club_id, report_dirty_bin(x.at)
    FROM (
        SELECT n.club_id, t.at
        FROM new_rows n
        CROSS JOIN LATERAL unnest(ARRAY[n.created_at, n.done_at, n.cancelled_at, n.due_at]) AS t(at)
        UNION ALL
        SELECT tr.club_id, tr.recorded_at
        FROM (SELECT n.club_id, n.client_id FROM new_rows n
              WHERE n.client_id IS NOT NULL
                AND (n.created_at < report_dirty_horizon() OR NOT EXISTS (
                      SELECT 1 FROM tasks e
                      WHERE e.club_id = n.club_id AND e.client_id = n.client_id AND e.deleted_at IS NULL
                        AND (e.created_at, e.id) < (n.created_at, n.id)))
              OFFSET 0) f -- the cheap test first, then the client's results
        JOIN task_results tr ON tr.club_id = f.club_id AND tr.client_id = f.client_id
    ) x
    WHERE x.at < report_dirty_horizon();
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_dirty_tasks_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_dirty (club_id, at)
    SELECT DISTINCT x.club_id, report_dirty_bin(x.at)
    FROM (
        SELECT o.club_id, t.at
        FROM old_rows o
        CROSS JOIN LATERAL unnest(ARRAY[o.created_at, o.done_at, o.cancelled_at, o.due_at]) AS t(at)
        UNION ALL
        SELECT tr.club_id, tr.recorded_at
        FROM old_rows o
        JOIN task_results tr ON tr.club_id = o.club_id AND tr.client_id = o.client_id
        WHERE o.client_id IS NOT NULL
    ) x
    WHERE x.at < report_dirty_horizon();
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- An updated task: only the times whose figure the change moved. The
-- trigger's WHEN already skips updates of other columns (reminders, titles)
-- and updates of recent tasks only, except deleting or restoring a client
-- task: a task created today may be the first live task of a client whose
-- results are in stored months (their older tasks deleted), and the funnel
-- counts those results under its template.
-- +goose StatementBegin
CREATE FUNCTION report_dirty_tasks_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    h timestamptz := report_dirty_horizon();
    who boolean := OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
                   OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL);
    old_overdue boolean := NOT (OLD.status = 'done' AND OLD.done_at <= OLD.due_at)
                           AND NOT (OLD.status = 'cancelled' AND OLD.cancelled_at <= OLD.due_at);
    new_overdue boolean := NOT (NEW.status = 'done' AND NEW.done_at <= NEW.due_at)
                           AND NOT (NEW.status = 'cancelled' AND NEW.cancelled_at <= NEW.due_at);
    ts timestamptz[] := '{}';
BEGIN
    IF who OR OLD.created_at IS DISTINCT FROM NEW.created_at THEN
        ts := ts || OLD.created_at || NEW.created_at;
    END IF;
    IF who OR OLD.done_at IS DISTINCT FROM NEW.done_at OR (OLD.status = 'done') <> (NEW.status = 'done') THEN
        ts := ts || OLD.done_at || NEW.done_at;
    END IF;
    IF who OR OLD.cancelled_at IS DISTINCT FROM NEW.cancelled_at OR (OLD.status = 'cancelled') <> (NEW.status = 'cancelled') THEN
        ts := ts || OLD.cancelled_at || NEW.cancelled_at;
    END IF;
    IF who OR OLD.due_at IS DISTINCT FROM NEW.due_at OR old_overdue IS DISTINCT FROM new_overdue THEN
        ts := ts || OLD.due_at || NEW.due_at;
    END IF;
    INSERT INTO report_dirty (club_id, at)
    SELECT DISTINCT NEW.club_id, report_dirty_bin(t) FROM unnest(ts) AS t WHERE t < h;
    -- deleting, restoring, moving or backdating a client task may change
    -- the client's first task, which the funnel splits by
    IF (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) OR OLD.client_id IS DISTINCT FROM NEW.client_id
       OR OLD.created_at IS DISTINCT FROM NEW.created_at THEN
        INSERT INTO report_dirty (club_id, at)
        SELECT DISTINCT tr.club_id, report_dirty_bin(tr.recorded_at)
        FROM task_results tr
        WHERE tr.club_id = NEW.club_id AND tr.client_id IN (OLD.client_id, NEW.client_id) AND tr.recorded_at < h;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER tasks_report_dirty_ins AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_tasks_ins();
CREATE TRIGGER tasks_report_dirty_del AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_tasks_del();
CREATE TRIGGER tasks_report_dirty_upd AFTER UPDATE ON tasks FOR EACH ROW
    WHEN ((OLD.status, OLD.created_at, OLD.done_at, OLD.cancelled_at, OLD.due_at, OLD.deleted_at, OLD.assignee_id, OLD.client_id)
          IS DISTINCT FROM (NEW.status, NEW.created_at, NEW.done_at, NEW.cancelled_at, NEW.due_at, NEW.deleted_at, NEW.assignee_id, NEW.client_id)
      AND (least(OLD.created_at, OLD.done_at, OLD.cancelled_at, OLD.due_at,
                 NEW.created_at, NEW.done_at, NEW.cancelled_at, NEW.due_at) < now() - interval '2 days'
           OR (NEW.client_id IS NOT NULL AND (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))))
    EXECUTE FUNCTION report_dirty_tasks_upd();

-- Results, dictionary answers and calls: the time each row counts at, for
-- every row inserted, deleted or updated (the store only inserts them).
-- +goose StatementBegin
CREATE FUNCTION report_dirty_results() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_dirty (club_id, at)
        SELECT DISTINCT club_id, report_dirty_bin(recorded_at) FROM new_rows WHERE recorded_at < report_dirty_horizon();
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO report_dirty (club_id, at)
        SELECT DISTINCT club_id, report_dirty_bin(recorded_at) FROM old_rows WHERE recorded_at < report_dirty_horizon();
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_dirty_values() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_dirty (club_id, at)
        SELECT DISTINCT tr.club_id, report_dirty_bin(tr.recorded_at)
        FROM new_rows v JOIN task_results tr ON tr.club_id = v.club_id AND tr.id = v.task_result_id
        WHERE tr.recorded_at < report_dirty_horizon();
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO report_dirty (club_id, at)
        SELECT DISTINCT tr.club_id, report_dirty_bin(tr.recorded_at)
        FROM old_rows v JOIN task_results tr ON tr.club_id = v.club_id AND tr.id = v.task_result_id
        WHERE tr.recorded_at < report_dirty_horizon();
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_dirty_calls() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_dirty (club_id, at)
        SELECT DISTINCT club_id, report_dirty_bin(called_at) FROM new_rows WHERE called_at < report_dirty_horizon();
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO report_dirty (club_id, at)
        SELECT DISTINCT club_id, report_dirty_bin(called_at) FROM old_rows WHERE called_at < report_dirty_horizon();
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER task_results_report_dirty_ins AFTER INSERT ON task_results
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_results();
CREATE TRIGGER task_results_report_dirty_upd AFTER UPDATE ON task_results
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_results();
CREATE TRIGGER task_results_report_dirty_del AFTER DELETE ON task_results
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_results();
CREATE TRIGGER task_field_values_report_dirty_ins AFTER INSERT ON task_field_values
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_values();
CREATE TRIGGER task_field_values_report_dirty_upd AFTER UPDATE ON task_field_values
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_values();
CREATE TRIGGER task_field_values_report_dirty_del AFTER DELETE ON task_field_values
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_values();
CREATE TRIGGER calls_report_dirty_ins AFTER INSERT ON calls
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_calls();
CREATE TRIGGER calls_report_dirty_upd AFTER UPDATE ON calls
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_calls();
CREATE TRIGGER calls_report_dirty_del AFTER DELETE ON calls
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_calls();

-- +goose Down
DROP TRIGGER calls_report_dirty_del ON calls;
DROP TRIGGER calls_report_dirty_upd ON calls;
DROP TRIGGER calls_report_dirty_ins ON calls;
DROP TRIGGER task_field_values_report_dirty_del ON task_field_values;
DROP TRIGGER task_field_values_report_dirty_upd ON task_field_values;
DROP TRIGGER task_field_values_report_dirty_ins ON task_field_values;
DROP TRIGGER task_results_report_dirty_del ON task_results;
DROP TRIGGER task_results_report_dirty_upd ON task_results;
DROP TRIGGER task_results_report_dirty_ins ON task_results;
DROP TRIGGER tasks_report_dirty_upd ON tasks;
DROP TRIGGER tasks_report_dirty_del ON tasks;
DROP TRIGGER tasks_report_dirty_ins ON tasks;
DROP FUNCTION report_dirty_calls();
DROP FUNCTION report_dirty_values();
DROP FUNCTION report_dirty_results();
DROP FUNCTION report_dirty_tasks_upd();
DROP FUNCTION report_dirty_tasks_del();
DROP FUNCTION report_dirty_tasks_ins();
DROP FUNCTION report_dirty_horizon();
DROP FUNCTION report_dirty_bin(timestamptz);
DROP TABLE report_dirty;
DROP TABLE report_period_funnel;
DROP TABLE report_period_calls;
DROP TABLE report_period_fields;
DROP TABLE report_period_results;
DROP TABLE report_period_tasks;
DROP TABLE report_periods;
