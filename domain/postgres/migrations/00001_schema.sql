-- +goose Up
-- The whole schema of clubcrm. Every tenant table carries club_id and a
-- UNIQUE (club_id, id) key, and references other tenant rows through
-- (club_id, other_id) composite foreign keys, so a row can never point at
-- another club's row even if application code got it wrong.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE clubs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    time_zone   text NOT NULL,
    language    text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'uk', 'en')),
    digest_hour smallint NOT NULL DEFAULT 9 CHECK (digest_hour BETWEEN 0 AND 23),
    phone_code  text NOT NULL DEFAULT '' CHECK (phone_code ~ '^[0-9]{0,4}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);

CREATE TABLE staff (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id        bigint NOT NULL REFERENCES clubs (id),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role           text NOT NULL CHECK (role IN ('owner', 'manager', 'staff')),
    tg_user_id     bigint UNIQUE,           -- one Telegram account belongs to one club's staff
    tg_username    text,
    language       text CHECK (language IN ('ru', 'uk', 'en')),
    active         boolean NOT NULL DEFAULT true,
    unreachable_at timestamptz,             -- Telegram answered 403; cleared when they write again
    current_task_id bigint,                 -- FK added below (tasks is created later)
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (club_id, id)
);
CREATE INDEX staff_club_role_idx ON staff (club_id, role) WHERE active;

CREATE TABLE staff_invites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id     bigint NOT NULL REFERENCES clubs (id),
    role        text NOT NULL CHECK (role IN ('owner', 'manager', 'staff')),
    name        text,
    code_hash   bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    used_by     bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (club_id, used_by) REFERENCES staff (club_id, id)
);

CREATE TABLE clients (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id     bigint NOT NULL REFERENCES clubs (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email       text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    status      text NOT NULL DEFAULT 'lead' CHECK (status IN ('lead', 'trial', 'active', 'lapsed')),
    groups      text[] NOT NULL DEFAULT '{}',
    notes       text NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (club_id, id)
);
CREATE INDEX clients_club_status_idx ON clients (club_id, status);
CREATE INDEX clients_groups_idx ON clients USING gin (groups);
CREATE INDEX clients_name_trgm_idx ON clients USING gin (lower(name) gin_trgm_ops);

-- A client may have several phones; a phone belongs to at most one client of
-- a club, which is what makes "update, never duplicate" on import possible.
CREATE TABLE client_phones (
    club_id    bigint NOT NULL,
    client_id  bigint NOT NULL,
    phone      text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    position   smallint NOT NULL DEFAULT 0,
    PRIMARY KEY (club_id, phone),
    FOREIGN KEY (club_id, client_id) REFERENCES clients (club_id, id) ON DELETE CASCADE
);
CREATE INDEX client_phones_client_idx ON client_phones (client_id);
CREATE INDEX client_phones_trgm_idx ON client_phones USING gin (phone gin_trgm_ops);

CREATE TABLE dictionaries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id     bigint NOT NULL REFERENCES clubs (id),
    key         text NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    archived_at timestamptz,
    UNIQUE (club_id, id),
    UNIQUE (club_id, key)
);

CREATE TABLE dictionary_values (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id       bigint NOT NULL,
    dictionary_id bigint NOT NULL,
    key           text NOT NULL,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    position      int NOT NULL DEFAULT 0,
    archived_at   timestamptz,
    UNIQUE (club_id, id),
    UNIQUE (dictionary_id, key),
    FOREIGN KEY (club_id, dictionary_id) REFERENCES dictionaries (club_id, id)
);

CREATE TABLE templates (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id            bigint NOT NULL REFERENCES clubs (id),
    key                text NOT NULL,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    task_type          text NOT NULL CHECK (task_type IN ('personal_call', 'bulk_call', 'client_task', 'internal')),
    default_title      text NOT NULL DEFAULT '',
    due_offset_min     int NOT NULL DEFAULT 0 CHECK (due_offset_min >= 0),
    reminder_offset_min int,               -- relative to due; negative = before
    is_default         boolean NOT NULL DEFAULT false,
    position           int NOT NULL DEFAULT 0,
    archived_at        timestamptz,
    UNIQUE (club_id, id),
    UNIQUE (club_id, key),
    -- a task's type must match its template's; (club_id, id, task_type) lets tasks enforce it
    UNIQUE (club_id, id, task_type)
);

CREATE TABLE results (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id     bigint NOT NULL REFERENCES clubs (id),
    key         text NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    position    int NOT NULL DEFAULT 0,
    archived_at timestamptz,
    UNIQUE (club_id, id),
    UNIQUE (club_id, key)
);

-- Which results may close which templates.
CREATE TABLE template_results (
    club_id     bigint NOT NULL,
    template_id bigint NOT NULL,
    result_id   bigint NOT NULL,
    position    int NOT NULL DEFAULT 0,
    PRIMARY KEY (template_id, result_id),
    FOREIGN KEY (club_id, template_id) REFERENCES templates (club_id, id),
    FOREIGN KEY (club_id, result_id) REFERENCES results (club_id, id)
);

CREATE TABLE result_fields (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id       bigint NOT NULL,
    result_id     bigint NOT NULL,
    key           text NOT NULL,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    field_type    text NOT NULL CHECK (field_type IN ('text', 'number', 'date', 'datetime', 'bool', 'choice', 'multichoice')),
    required      boolean NOT NULL DEFAULT false,
    dictionary_id bigint,
    max_length    int CHECK (max_length IS NULL OR max_length BETWEEN 1 AND 4000),
    position      int NOT NULL DEFAULT 0,
    archived_at   timestamptz,
    UNIQUE (club_id, id),
    UNIQUE (result_id, key),
    FOREIGN KEY (club_id, result_id) REFERENCES results (club_id, id),
    FOREIGN KEY (club_id, dictionary_id) REFERENCES dictionaries (club_id, id),
    CHECK ((field_type IN ('choice', 'multichoice')) = (dictionary_id IS NOT NULL))
);

CREATE TABLE workflow_rules (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id          bigint NOT NULL,
    template_id      bigint NOT NULL,
    result_id        bigint NOT NULL,
    next_template_id bigint NOT NULL,
    due_offset_min   int NOT NULL DEFAULT 0 CHECK (due_offset_min >= 0),
    working_days     boolean NOT NULL DEFAULT false,
    assignee_rule    text NOT NULL DEFAULT 'same' CHECK (assignee_rule IN ('same', 'author', 'staff', 'role')),
    assignee_staff_id bigint,
    assignee_role    text CHECK (assignee_role IN ('owner', 'manager', 'staff')),
    archived_at      timestamptz,
    UNIQUE (club_id, id),
    FOREIGN KEY (club_id, template_id) REFERENCES templates (club_id, id),
    FOREIGN KEY (club_id, result_id) REFERENCES results (club_id, id),
    FOREIGN KEY (club_id, next_template_id) REFERENCES templates (club_id, id),
    FOREIGN KEY (club_id, assignee_staff_id) REFERENCES staff (club_id, id),
    CHECK ((assignee_rule = 'staff') = (assignee_staff_id IS NOT NULL)),
    CHECK ((assignee_rule = 'role') = (assignee_role IS NOT NULL))
);
CREATE UNIQUE INDEX workflow_rules_live_key ON workflow_rules (club_id, template_id, result_id) WHERE archived_at IS NULL;

CREATE TABLE funnel_stages (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id     bigint NOT NULL REFERENCES clubs (id),
    key         text NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    position    int NOT NULL DEFAULT 0,
    archived_at timestamptz,
    UNIQUE (club_id, id),
    UNIQUE (club_id, key)
);

CREATE TABLE funnel_stage_results (
    club_id   bigint NOT NULL,
    stage_id  bigint NOT NULL,
    result_id bigint NOT NULL,
    PRIMARY KEY (stage_id, result_id),
    FOREIGN KEY (club_id, stage_id) REFERENCES funnel_stages (club_id, id),
    FOREIGN KEY (club_id, result_id) REFERENCES results (club_id, id)
);

CREATE TABLE tasks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id         bigint NOT NULL REFERENCES clubs (id),
    task_type       text NOT NULL CHECK (task_type IN ('personal_call', 'bulk_call', 'client_task', 'internal')),
    template_id     bigint NOT NULL,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    client_id       bigint,
    parent_id       bigint,                 -- the bulk call this call was fanned out of
    source_result_id bigint,                -- the task_results row whose workflow created this task
    chain_depth     int NOT NULL DEFAULT 0 CHECK (chain_depth >= 0),
    author_id       bigint,                 -- NULL: created by the system
    assignee_id     bigint,                 -- NULL: unassigned
    status          text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'done', 'cancelled')),
    due_at          timestamptz,
    remind_at       timestamptz,
    reminded_at     timestamptz,            -- the reminder for the current remind_at was enqueued
    overdue_notified_at timestamptz,        -- the assignee was told it is overdue
    result_id       bigint,                 -- the result it is closed with
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    taken_at        timestamptz,
    done_at         timestamptz,
    cancelled_at    timestamptz,
    deleted_at      timestamptz,
    UNIQUE (club_id, id),
    FOREIGN KEY (club_id, template_id, task_type) REFERENCES templates (club_id, id, task_type),
    FOREIGN KEY (club_id, client_id) REFERENCES clients (club_id, id),
    FOREIGN KEY (club_id, parent_id) REFERENCES tasks (club_id, id),
    FOREIGN KEY (club_id, author_id) REFERENCES staff (club_id, id),
    FOREIGN KEY (club_id, assignee_id) REFERENCES staff (club_id, id),
    FOREIGN KEY (club_id, result_id) REFERENCES results (club_id, id),
    -- the four types' client rules (bulk calls keep their clients in bulk_call_clients)
    CHECK ((task_type IN ('personal_call', 'client_task')) = (client_id IS NOT NULL)),
    CHECK (parent_id IS NULL OR task_type = 'personal_call'),
    -- a client task is closed only with a result
    CHECK (status <> 'done' OR task_type NOT IN ('personal_call', 'client_task') OR result_id IS NOT NULL),
    CHECK ((status = 'done') = (done_at IS NOT NULL))
);
-- one subtask per bulk call and client: makes fan-out idempotent
CREATE UNIQUE INDEX tasks_parent_client_key ON tasks (parent_id, client_id) WHERE parent_id IS NOT NULL;
-- one follow-up per recorded result: makes workflow jobs idempotent
CREATE UNIQUE INDEX tasks_source_result_key ON tasks (source_result_id) WHERE source_result_id IS NOT NULL;
-- my open tasks by due
CREATE INDEX tasks_open_assignee_due_idx ON tasks (club_id, assignee_id, due_at)
    WHERE status IN ('new', 'in_progress') AND deleted_at IS NULL;
-- unassigned / all open tasks of a club by due (task control, overdue lists)
CREATE INDEX tasks_open_club_due_idx ON tasks (club_id, due_at)
    WHERE status IN ('new', 'in_progress') AND deleted_at IS NULL;
-- due reminders: the sweep reads the few rows whose reminder is pending
CREATE INDEX tasks_reminder_due_idx ON tasks (remind_at)
    WHERE reminded_at IS NULL AND remind_at IS NOT NULL AND status IN ('new', 'in_progress') AND deleted_at IS NULL;
-- overdue tasks whose assignee has not been told yet
CREATE INDEX tasks_overdue_pending_idx ON tasks (due_at)
    WHERE overdue_notified_at IS NULL AND due_at IS NOT NULL AND status IN ('new', 'in_progress') AND deleted_at IS NULL;
-- report aggregation by club and period
CREATE INDEX tasks_club_created_idx ON tasks (club_id, created_at);
CREATE INDEX tasks_club_done_idx ON tasks (club_id, done_at) WHERE done_at IS NOT NULL;
CREATE INDEX tasks_club_client_idx ON tasks (club_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX tasks_parent_idx ON tasks (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX tasks_title_trgm_idx ON tasks USING gin (lower(title) gin_trgm_ops);

ALTER TABLE staff ADD FOREIGN KEY (club_id, current_task_id) REFERENCES tasks (club_id, id);

-- The clients of a bulk call, stored with it; the workers fan them out.
CREATE TABLE bulk_call_clients (
    club_id   bigint NOT NULL,
    task_id   bigint NOT NULL,
    client_id bigint NOT NULL,
    PRIMARY KEY (task_id, client_id),
    FOREIGN KEY (club_id, task_id) REFERENCES tasks (club_id, id),
    FOREIGN KEY (club_id, client_id) REFERENCES clients (club_id, id)
);

-- Fan-out progress of a bulk call and the creator's progress message.
CREATE TABLE bulk_calls (
    task_id             bigint PRIMARY KEY,
    club_id             bigint NOT NULL,
    total               int NOT NULL CHECK (total >= 2),
    created             int NOT NULL DEFAULT 0,
    progress_chat_id    bigint,
    progress_message_id bigint,
    progress_edited_at  timestamptz,
    fanned_out_at       timestamptz,
    FOREIGN KEY (club_id, task_id) REFERENCES tasks (club_id, id)
);

-- Every result recorded on a task, in order: the relationship history. The
-- task row holds the latest; a reopened and closed-again task has two rows.
CREATE TABLE task_results (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id     bigint NOT NULL,
    task_id     bigint NOT NULL,
    result_id   bigint NOT NULL,
    client_id   bigint,
    staff_id    bigint,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (club_id, id),
    FOREIGN KEY (club_id, task_id) REFERENCES tasks (club_id, id),
    FOREIGN KEY (club_id, result_id) REFERENCES results (club_id, id),
    FOREIGN KEY (club_id, client_id) REFERENCES clients (club_id, id),
    FOREIGN KEY (club_id, staff_id) REFERENCES staff (club_id, id)
);
CREATE INDEX task_results_club_recorded_idx ON task_results (club_id, recorded_at);
CREATE INDEX task_results_client_idx ON task_results (club_id, client_id, recorded_at) WHERE client_id IS NOT NULL;
CREATE INDEX task_results_task_idx ON task_results (task_id);

ALTER TABLE tasks ADD FOREIGN KEY (club_id, source_result_id) REFERENCES task_results (club_id, id);

-- Answers to a result's additional fields; one row per value (a multi-choice
-- answer has one row per chosen value), typed columns so reports aggregate in SQL.
CREATE TABLE task_field_values (
    club_id        bigint NOT NULL,
    task_result_id bigint NOT NULL,
    field_id       bigint NOT NULL,
    value_text     text CHECK (length(value_text) <= 4000),
    value_number   numeric,
    value_date     date,
    value_time     timestamptz,
    value_bool     boolean,
    value_id       bigint,
    FOREIGN KEY (club_id, task_result_id) REFERENCES task_results (club_id, id) ON DELETE CASCADE,
    FOREIGN KEY (club_id, field_id) REFERENCES result_fields (club_id, id),
    FOREIGN KEY (club_id, value_id) REFERENCES dictionary_values (club_id, id),
    CHECK (num_nonnulls(value_text, value_number, value_date, value_time, value_bool, value_id) = 1)
);
CREATE INDEX task_field_values_result_idx ON task_field_values (task_result_id);
CREATE INDEX task_field_values_value_idx ON task_field_values (club_id, field_id, value_id) WHERE value_id IS NOT NULL;

CREATE TABLE calls (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id    bigint NOT NULL,
    direction  text NOT NULL CHECK (direction IN ('in', 'out')),
    client_id  bigint NOT NULL,
    staff_id   bigint,
    task_id    bigint,
    called_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (club_id, id),
    FOREIGN KEY (club_id, client_id) REFERENCES clients (club_id, id),
    FOREIGN KEY (club_id, staff_id) REFERENCES staff (club_id, id),
    FOREIGN KEY (club_id, task_id) REFERENCES tasks (club_id, id)
);
CREATE INDEX calls_club_called_idx ON calls (club_id, called_at);

-- Transactional outbox (DESIGN.md invariant 1): a state change and the
-- effect it asks for commit together; the relay hands rows to asynq with
-- TaskID = "outbox:<id>" and re-hands rows whose job did not complete.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    club_id      bigint NOT NULL REFERENCES clubs (id),
    kind         text NOT NULL CHECK (kind ~ '^[a-z_:.]{1,64}$'),
    payload      jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    available_at timestamptz NOT NULL DEFAULT now(),
    handed_at    timestamptz,
    attempts     int NOT NULL DEFAULT 0,
    completed_at timestamptz,
    last_error   text
);
CREATE INDEX outbox_pending_idx ON outbox (available_at, id) WHERE completed_at IS NULL;

-- Bot conversation state: which form, which step, values so far. Kept here so
-- a restart or another replica continues the same dialogue.
CREATE TABLE conversations (
    staff_id   bigint PRIMARY KEY REFERENCES staff (id) ON DELETE CASCADE,
    club_id    bigint NOT NULL REFERENCES clubs (id),
    flow       text NOT NULL,
    step       text NOT NULL,
    data       jsonb NOT NULL DEFAULT '{}',
    message_id bigint,
    version    int NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

-- Digests enqueued, one per club and local date: the scheduler's idempotency key.
CREATE TABLE digest_runs (
    club_id     bigint NOT NULL REFERENCES clubs (id),
    local_date  date NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    PRIMARY KEY (club_id, local_date)
);

-- Messages the notifier has delivered, by idempotency key, so a retried job
-- does not send the same message twice.
CREATE TABLE deliveries (
    key        text PRIMARY KEY,
    club_id    bigint,
    chat_id    bigint NOT NULL,
    message_id bigint,
    sent_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_sent_idx ON deliveries (sent_at);

-- +goose Down
DROP TABLE deliveries, digest_runs, conversations, outbox, calls, task_field_values,
    task_results, bulk_calls, bulk_call_clients, tasks, funnel_stage_results, funnel_stages,
    workflow_rules, result_fields, template_results, results, templates, dictionary_values,
    dictionaries, client_phones, clients, staff_invites, staff, clubs CASCADE;
