-- +goose Up
-- Inbound: events from outside (site lead forms, phone systems, the club's
-- management system) come through the HTTP API with per-club keys. Each is
-- stored first (inbox) together with an outbox row in one transaction, so a
-- crash after the API answered 200 loses nothing; the workers process it.

-- API keys: only a SHA-256 of the key is stored; the key is shown once.
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    club_id      bigint NOT NULL REFERENCES clubs (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL,             -- the key's first characters, to tell keys apart in lists
    key_hash     bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    PRIMARY KEY (club_id, id)
);

-- Every accepted inbound event, once per (club, kind, idempotency key): a
-- retried delivery finds its row and changes nothing.
CREATE TABLE inbox (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    club_id      bigint NOT NULL REFERENCES clubs (id),
    api_key_id   bigint,
    kind         text NOT NULL CHECK (kind ~ '^[a-z_.]{1,32}$'),
    idem_key     text NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 200),
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL,
    processed_at timestamptz,
    outcome      text,                      -- what processing did, or why it refused
    client_id    bigint,
    task_id      bigint,
    PRIMARY KEY (club_id, id),
    UNIQUE (club_id, kind, idem_key),
    FOREIGN KEY (club_id, api_key_id) REFERENCES api_keys (club_id, id),
    FOREIGN KEY (club_id, client_id) REFERENCES clients (club_id, id),
    FOREIGN KEY (club_id, task_id) REFERENCES tasks (club_id, id)
);
CREATE INDEX inbox_club_received_idx ON inbox (club_id, received_at);

-- The club plan's leads: section: which template a new lead's call task
-- takes, who gets it, and how soon someone must respond.
CREATE TABLE lead_settings (
    club_id             bigint PRIMARY KEY REFERENCES clubs (id),
    template_id         bigint NOT NULL,
    assignee_role       text NOT NULL DEFAULT 'staff' CHECK (assignee_role IN ('owner', 'manager', 'staff')),
    response_target_min int NOT NULL CHECK (response_target_min BETWEEN 1 AND 10080),
    unknown_phone       text NOT NULL DEFAULT 'create' CHECK (unknown_phone IN ('create', 'refuse')),
    FOREIGN KEY (club_id, template_id) REFERENCES templates (club_id, id)
);

-- One row per lead that arrived: its call task, its source and its response
-- deadline. The first response is the first result recorded on the task.
CREATE TABLE leads (
    task_id      bigint NOT NULL,
    club_id      bigint NOT NULL,
    inbox_id     bigint NOT NULL,
    client_id    bigint NOT NULL,
    source       text NOT NULL DEFAULT '' CHECK (length(source) <= 100),
    utm          jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL,
    target_at    timestamptz NOT NULL,
    escalated_at timestamptz,
    PRIMARY KEY (club_id, task_id),
    UNIQUE (club_id, inbox_id),
    FOREIGN KEY (club_id, task_id) REFERENCES tasks (club_id, id),
    FOREIGN KEY (club_id, inbox_id) REFERENCES inbox (club_id, id),
    FOREIGN KEY (club_id, client_id) REFERENCES clients (club_id, id)
);
CREATE INDEX leads_club_created_idx ON leads (club_id, created_at);

-- The plan's phone: section: the club's phone system, how its webhooks are
-- verified (a shared secret for signatures, an IP allowlist), and who calls
-- back a missed call, how soon.
CREATE TABLE phone_settings (
    club_id              bigint PRIMARY KEY REFERENCES clubs (id),
    provider             text NOT NULL CHECK (provider IN ('generic', 'binotel', 'ringostat', 'zadarma')),
    secret               text NOT NULL DEFAULT '',
    allow_ips            text[] NOT NULL DEFAULT '{}',
    callback_template_id bigint NOT NULL,
    callback_role        text NOT NULL DEFAULT 'staff' CHECK (callback_role IN ('owner', 'manager', 'staff')),
    callback_target_min  int NOT NULL CHECK (callback_target_min BETWEEN 1 AND 10080),
    FOREIGN KEY (club_id, callback_template_id) REFERENCES templates (club_id, id)
);

-- The club's phone lines (extensions, SIP logins) and who answers each.
CREATE TABLE phone_lines (
    club_id  bigint NOT NULL,
    line     text NOT NULL CHECK (length(line) BETWEEN 1 AND 100),
    staff_id bigint NOT NULL,
    PRIMARY KEY (club_id, line),
    FOREIGN KEY (club_id, staff_id) REFERENCES staff (club_id, id)
);

-- A call reported by the phone system carries its length, recording and the
-- provider's id: one provider call is one row, however often it is reported.
ALTER TABLE calls ADD COLUMN duration_sec int CHECK (duration_sec >= 0),
    ADD COLUMN recording_url text CHECK (length(recording_url) <= 1000),
    ADD COLUMN external_id text CHECK (length(external_id) <= 200);
CREATE UNIQUE INDEX calls_external_key ON calls (club_id, external_id) WHERE external_id IS NOT NULL;

-- The plan's triggers: section: an event type of the club-management system
-- (a trial no-show, a subscription ending, ...) and the task it makes.
CREATE TABLE trigger_rules (
    club_id        bigint NOT NULL REFERENCES clubs (id),
    event_type     text NOT NULL CHECK (event_type IN ('trial_no_show', 'not_visited', 'subscription_ending',
                                                       'subscription_expired', 'payment_overdue', 'birthday')),
    template_id    bigint NOT NULL,
    due_offset_min int NOT NULL DEFAULT 0 CHECK (due_offset_min >= 0),
    assignee_role  text NOT NULL DEFAULT 'staff' CHECK (assignee_role IN ('owner', 'manager', 'staff')),
    unknown_client text NOT NULL DEFAULT 'refuse' CHECK (unknown_client IN ('create', 'refuse')),
    min_days       int CHECK (min_days >= 0),
    PRIMARY KEY (club_id, event_type),
    FOREIGN KEY (club_id, template_id) REFERENCES templates (club_id, id)
);

-- Tasks an event created: one open task per client and event type.
CREATE TABLE event_tasks (
    task_id    bigint NOT NULL,
    club_id    bigint NOT NULL,
    client_id  bigint NOT NULL,
    event_type text NOT NULL,
    inbox_id   bigint NOT NULL,
    PRIMARY KEY (club_id, task_id),
    UNIQUE (club_id, inbox_id),
    FOREIGN KEY (club_id, task_id) REFERENCES tasks (club_id, id),
    FOREIGN KEY (club_id, client_id) REFERENCES clients (club_id, id),
    FOREIGN KEY (club_id, inbox_id) REFERENCES inbox (club_id, id)
);
CREATE INDEX event_tasks_client_idx ON event_tasks (club_id, client_id, event_type);

-- Recurring tasks: a template's repeat rule (the plan's templates[].repeat)
-- and, on each task of such a template, its series (the first occurrence's
-- id; NULL on the first itself) and occurrence number. The next occurrence is
-- created when one is closed; the unique key makes that happen once.
CREATE TABLE template_repeats (
    template_id bigint NOT NULL,
    club_id     bigint NOT NULL,
    every_days  int CHECK (every_days BETWEEN 1 AND 366),
    weekdays    smallint CHECK (weekdays BETWEEN 1 AND 127), -- bit d = time.Weekday d (Sunday = 0)
    until_date  date,
    times       int CHECK (times >= 1),
    CHECK ((every_days IS NULL) <> (weekdays IS NULL)),
    PRIMARY KEY (club_id, template_id),
    FOREIGN KEY (club_id, template_id) REFERENCES templates (club_id, id)
);
ALTER TABLE tasks ADD COLUMN series_id bigint, ADD COLUMN occurrence int CHECK (occurrence >= 1);
CREATE UNIQUE INDEX tasks_series_occurrence_key ON tasks (club_id, coalesce(series_id, id), occurrence) WHERE occurrence IS NOT NULL;

-- +goose Down
DROP INDEX tasks_series_occurrence_key;
ALTER TABLE tasks DROP COLUMN series_id, DROP COLUMN occurrence;
DROP TABLE template_repeats;
DROP INDEX calls_external_key;
ALTER TABLE calls DROP COLUMN duration_sec, DROP COLUMN recording_url, DROP COLUMN external_id;
DROP TABLE event_tasks, trigger_rules, phone_lines, phone_settings, leads, lead_settings, inbox, api_keys;
