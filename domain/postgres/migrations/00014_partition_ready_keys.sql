-- +goose NO TRANSACTION
-- +goose Up
-- Partition-ready keys (docs/scaling.md): every primary and unique key of a
-- tenant table includes club_id, so the schema can be partitioned by club or
-- distributed on club_id (Citus) without changing a query. Foreign keys
-- already reference (club_id, id); conversations' is the one that did not.
--
-- Safe on a live database: every new index is built CONCURRENTLY (no lock
-- on writers; this is why the migration runs outside a transaction), and a
-- key is then swapped in by one ALTER TABLE that only changes the catalog
-- (ACCESS EXCLUSIVE for milliseconds: the columns are NOT NULL already, so
-- nothing is scanned). Each swap gives up after lock_timeout instead of
-- queueing every query behind a long transaction; run `clubcrm migrate`
-- again then. Measured on 10^6 tasks: docs/scaling.md.
--
-- Left global on purpose (they are looked up before the club is known):
-- staff.tg_user_id (identity), staff_invites.code_hash (an invite code),
-- deliveries.key (club_id may be NULL there). docs/scaling.md says how they
-- move.
--
-- A retried migration must find its way: IF NOT EXISTS everywhere, and an
-- index left INVALID by an interrupted CONCURRENTLY build is dropped first.

-- conversations.staff_id referenced staff(id), the one foreign key on an
-- id-only key; it now references (club_id, id) like every other.
-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'conversations_club_id_staff_id_fkey') THEN
    ALTER TABLE conversations ADD CONSTRAINT conversations_club_id_staff_id_fkey
      FOREIGN KEY (club_id, staff_id) REFERENCES staff (club_id, id) ON DELETE CASCADE NOT VALID;
  END IF;
END $$;
-- +goose StatementEnd
ALTER TABLE conversations VALIDATE CONSTRAINT conversations_club_id_staff_id_fkey;
ALTER TABLE conversations DROP CONSTRAINT IF EXISTS conversations_staff_id_fkey;

-- staff: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('staff_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX staff_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS staff_pkey_club ON staff (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('staff_pkey_club') IS NOT NULL THEN
    ALTER TABLE staff DROP CONSTRAINT staff_pkey, ADD CONSTRAINT staff_pkey PRIMARY KEY USING INDEX staff_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- staff_invites: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('staff_invites_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX staff_invites_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS staff_invites_pkey_club ON staff_invites (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('staff_invites_pkey_club') IS NOT NULL THEN
    ALTER TABLE staff_invites DROP CONSTRAINT staff_invites_pkey, ADD CONSTRAINT staff_invites_pkey PRIMARY KEY USING INDEX staff_invites_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- clients: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('clients_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX clients_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS clients_pkey_club ON clients (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('clients_pkey_club') IS NOT NULL THEN
    ALTER TABLE clients DROP CONSTRAINT clients_pkey, ADD CONSTRAINT clients_pkey PRIMARY KEY USING INDEX clients_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- dictionaries: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('dictionaries_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX dictionaries_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS dictionaries_pkey_club ON dictionaries (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('dictionaries_pkey_club') IS NOT NULL THEN
    ALTER TABLE dictionaries DROP CONSTRAINT dictionaries_pkey, ADD CONSTRAINT dictionaries_pkey PRIMARY KEY USING INDEX dictionaries_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- dictionary_values: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('dictionary_values_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX dictionary_values_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS dictionary_values_pkey_club ON dictionary_values (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('dictionary_values_pkey_club') IS NOT NULL THEN
    ALTER TABLE dictionary_values DROP CONSTRAINT dictionary_values_pkey, ADD CONSTRAINT dictionary_values_pkey PRIMARY KEY USING INDEX dictionary_values_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- templates: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('templates_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX templates_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS templates_pkey_club ON templates (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('templates_pkey_club') IS NOT NULL THEN
    ALTER TABLE templates DROP CONSTRAINT templates_pkey, ADD CONSTRAINT templates_pkey PRIMARY KEY USING INDEX templates_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- results: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('results_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX results_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS results_pkey_club ON results (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('results_pkey_club') IS NOT NULL THEN
    ALTER TABLE results DROP CONSTRAINT results_pkey, ADD CONSTRAINT results_pkey PRIMARY KEY USING INDEX results_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- result_fields: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('result_fields_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX result_fields_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS result_fields_pkey_club ON result_fields (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('result_fields_pkey_club') IS NOT NULL THEN
    ALTER TABLE result_fields DROP CONSTRAINT result_fields_pkey, ADD CONSTRAINT result_fields_pkey PRIMARY KEY USING INDEX result_fields_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- workflow_rules: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('workflow_rules_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX workflow_rules_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS workflow_rules_pkey_club ON workflow_rules (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('workflow_rules_pkey_club') IS NOT NULL THEN
    ALTER TABLE workflow_rules DROP CONSTRAINT workflow_rules_pkey, ADD CONSTRAINT workflow_rules_pkey PRIMARY KEY USING INDEX workflow_rules_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- funnel_stages: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('funnel_stages_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX funnel_stages_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS funnel_stages_pkey_club ON funnel_stages (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('funnel_stages_pkey_club') IS NOT NULL THEN
    ALTER TABLE funnel_stages DROP CONSTRAINT funnel_stages_pkey, ADD CONSTRAINT funnel_stages_pkey PRIMARY KEY USING INDEX funnel_stages_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- tasks: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('tasks_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX tasks_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS tasks_pkey_club ON tasks (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('tasks_pkey_club') IS NOT NULL THEN
    ALTER TABLE tasks DROP CONSTRAINT tasks_pkey, ADD CONSTRAINT tasks_pkey PRIMARY KEY USING INDEX tasks_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- task_results: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('task_results_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX task_results_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS task_results_pkey_club ON task_results (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('task_results_pkey_club') IS NOT NULL THEN
    ALTER TABLE task_results DROP CONSTRAINT task_results_pkey, ADD CONSTRAINT task_results_pkey PRIMARY KEY USING INDEX task_results_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- calls: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('calls_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX calls_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS calls_pkey_club ON calls (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('calls_pkey_club') IS NOT NULL THEN
    ALTER TABLE calls DROP CONSTRAINT calls_pkey, ADD CONSTRAINT calls_pkey PRIMARY KEY USING INDEX calls_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- outbox: PRIMARY KEY (id) -> (club_id, id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('outbox_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX outbox_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS outbox_pkey_club ON outbox (club_id, id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('outbox_pkey_club') IS NOT NULL THEN
    ALTER TABLE outbox DROP CONSTRAINT outbox_pkey, ADD CONSTRAINT outbox_pkey PRIMARY KEY USING INDEX outbox_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- template_results: PRIMARY KEY (template_id, result_id) -> (club_id, template_id, result_id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('template_results_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX template_results_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS template_results_pkey_club ON template_results (club_id, template_id, result_id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('template_results_pkey_club') IS NOT NULL THEN
    ALTER TABLE template_results DROP CONSTRAINT template_results_pkey, ADD CONSTRAINT template_results_pkey PRIMARY KEY USING INDEX template_results_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- funnel_stage_results: PRIMARY KEY (stage_id, result_id) -> (club_id, stage_id, result_id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('funnel_stage_results_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX funnel_stage_results_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS funnel_stage_results_pkey_club ON funnel_stage_results (club_id, stage_id, result_id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('funnel_stage_results_pkey_club') IS NOT NULL THEN
    ALTER TABLE funnel_stage_results DROP CONSTRAINT funnel_stage_results_pkey, ADD CONSTRAINT funnel_stage_results_pkey PRIMARY KEY USING INDEX funnel_stage_results_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- bulk_call_clients: PRIMARY KEY (task_id, client_id) -> (club_id, task_id, client_id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('bulk_call_clients_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX bulk_call_clients_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS bulk_call_clients_pkey_club ON bulk_call_clients (club_id, task_id, client_id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('bulk_call_clients_pkey_club') IS NOT NULL THEN
    ALTER TABLE bulk_call_clients DROP CONSTRAINT bulk_call_clients_pkey, ADD CONSTRAINT bulk_call_clients_pkey PRIMARY KEY USING INDEX bulk_call_clients_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- bulk_calls: PRIMARY KEY (task_id) -> (club_id, task_id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('bulk_calls_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX bulk_calls_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS bulk_calls_pkey_club ON bulk_calls (club_id, task_id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('bulk_calls_pkey_club') IS NOT NULL THEN
    ALTER TABLE bulk_calls DROP CONSTRAINT bulk_calls_pkey, ADD CONSTRAINT bulk_calls_pkey PRIMARY KEY USING INDEX bulk_calls_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- conversations: PRIMARY KEY (staff_id) -> (club_id, staff_id)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('conversations_pkey_club') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX conversations_pkey_club';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS conversations_pkey_club ON conversations (club_id, staff_id);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF to_regclass('conversations_pkey_club') IS NOT NULL THEN
    ALTER TABLE conversations DROP CONSTRAINT conversations_pkey, ADD CONSTRAINT conversations_pkey PRIMARY KEY USING INDEX conversations_pkey_club;
  END IF;
END $$;
-- +goose StatementEnd

-- dictionary_values: UNIQUE (dictionary_id, key) -> (club_id, dictionary_id, key)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('dictionary_values_club_dictionary_key_key') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX dictionary_values_club_dictionary_key_key';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS dictionary_values_club_dictionary_key_key ON dictionary_values (club_id, dictionary_id, key);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  ALTER TABLE dictionary_values DROP CONSTRAINT IF EXISTS dictionary_values_dictionary_id_key_key;
END $$;
-- +goose StatementEnd

-- result_fields: UNIQUE (result_id, key) -> (club_id, result_id, key)

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('result_fields_club_result_key_key') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX result_fields_club_result_key_key';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS result_fields_club_result_key_key ON result_fields (club_id, result_id, key);

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  ALTER TABLE result_fields DROP CONSTRAINT IF EXISTS result_fields_result_id_key_key;
END $$;
-- +goose StatementEnd

-- tasks: tasks_source_result_key (source_result_id) -> tasks_club_source_result_key (club_id, source_result_id); the store's ON CONFLICT names the new columns

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('tasks_club_source_result_key') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX tasks_club_source_result_key';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS tasks_club_source_result_key ON tasks (club_id, source_result_id) WHERE source_result_id IS NOT NULL;

DROP INDEX CONCURRENTLY IF EXISTS tasks_source_result_key;

-- tasks: tasks_parent_client_key (parent_id, client_id) -> tasks_club_parent_client_key (club_id, parent_id, client_id); the store's ON CONFLICT names the new columns

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('tasks_club_parent_client_key') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX tasks_club_parent_client_key';
  END IF;
END $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS tasks_club_parent_client_key ON tasks (club_id, parent_id, client_id) WHERE parent_id IS NOT NULL;

DROP INDEX CONCURRENTLY IF EXISTS tasks_parent_client_key;

-- Indexes that served per-club queries without leading with club_id. The
-- GIN trigram indexes (client and task search) cannot lead with it without
-- btree_gin; the search queries filter by club_id too, and a partition or
-- shard holds one club's (or a few clubs') rows anyway. The outbox, overdue
-- and delivery indexes serve cross-club sweeps by design (docs/scaling.md).
-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('client_phones_club_client_idx') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX client_phones_club_client_idx';
  END IF;
END $$;
-- +goose StatementEnd
CREATE INDEX CONCURRENTLY IF NOT EXISTS client_phones_club_client_idx ON client_phones (club_id, client_id);
DROP INDEX CONCURRENTLY IF EXISTS client_phones_client_idx;

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('task_results_club_task_idx') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX task_results_club_task_idx';
  END IF;
END $$;
-- +goose StatementEnd
CREATE INDEX CONCURRENTLY IF NOT EXISTS task_results_club_task_idx ON task_results (club_id, task_id);
DROP INDEX CONCURRENTLY IF EXISTS task_results_task_idx;

-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('task_field_values_club_result_idx') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX task_field_values_club_result_idx';
  END IF;
END $$;
-- +goose StatementEnd
CREATE INDEX CONCURRENTLY IF NOT EXISTS task_field_values_club_result_idx ON task_field_values (club_id, task_result_id);
DROP INDEX CONCURRENTLY IF EXISTS task_field_values_result_idx;

-- tasks_parent_idx (parent_id) is covered by tasks_club_parent_client_key.
DROP INDEX CONCURRENTLY IF EXISTS tasks_parent_idx;

-- +goose Down
CREATE INDEX client_phones_client_idx ON client_phones (client_id);
DROP INDEX client_phones_club_client_idx;
CREATE INDEX task_results_task_idx ON task_results (task_id);
DROP INDEX task_results_club_task_idx;
CREATE INDEX task_field_values_result_idx ON task_field_values (task_result_id);
DROP INDEX task_field_values_club_result_idx;
CREATE INDEX tasks_parent_idx ON tasks (parent_id) WHERE parent_id IS NOT NULL;
CREATE UNIQUE INDEX tasks_parent_client_key ON tasks (parent_id, client_id) WHERE parent_id IS NOT NULL;
DROP INDEX tasks_club_parent_client_key;
CREATE UNIQUE INDEX tasks_source_result_key ON tasks (source_result_id) WHERE source_result_id IS NOT NULL;
DROP INDEX tasks_club_source_result_key;
DROP INDEX result_fields_club_result_key_key;
ALTER TABLE result_fields ADD CONSTRAINT result_fields_result_id_key_key UNIQUE (result_id, key);
DROP INDEX dictionary_values_club_dictionary_key_key;
ALTER TABLE dictionary_values ADD CONSTRAINT dictionary_values_dictionary_id_key_key UNIQUE (dictionary_id, key);
ALTER TABLE conversations DROP CONSTRAINT conversations_pkey, ADD PRIMARY KEY (staff_id);
ALTER TABLE bulk_calls DROP CONSTRAINT bulk_calls_pkey, ADD PRIMARY KEY (task_id);
ALTER TABLE bulk_call_clients DROP CONSTRAINT bulk_call_clients_pkey, ADD PRIMARY KEY (task_id, client_id);
ALTER TABLE funnel_stage_results DROP CONSTRAINT funnel_stage_results_pkey, ADD PRIMARY KEY (stage_id, result_id);
ALTER TABLE template_results DROP CONSTRAINT template_results_pkey, ADD PRIMARY KEY (template_id, result_id);
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey, ADD PRIMARY KEY (id);
ALTER TABLE calls DROP CONSTRAINT calls_pkey, ADD PRIMARY KEY (id);
ALTER TABLE task_results DROP CONSTRAINT task_results_pkey, ADD PRIMARY KEY (id);
ALTER TABLE tasks DROP CONSTRAINT tasks_pkey, ADD PRIMARY KEY (id);
ALTER TABLE funnel_stages DROP CONSTRAINT funnel_stages_pkey, ADD PRIMARY KEY (id);
ALTER TABLE workflow_rules DROP CONSTRAINT workflow_rules_pkey, ADD PRIMARY KEY (id);
ALTER TABLE result_fields DROP CONSTRAINT result_fields_pkey, ADD PRIMARY KEY (id);
ALTER TABLE results DROP CONSTRAINT results_pkey, ADD PRIMARY KEY (id);
ALTER TABLE templates DROP CONSTRAINT templates_pkey, ADD PRIMARY KEY (id);
ALTER TABLE dictionary_values DROP CONSTRAINT dictionary_values_pkey, ADD PRIMARY KEY (id);
ALTER TABLE dictionaries DROP CONSTRAINT dictionaries_pkey, ADD PRIMARY KEY (id);
ALTER TABLE clients DROP CONSTRAINT clients_pkey, ADD PRIMARY KEY (id);
ALTER TABLE staff_invites DROP CONSTRAINT staff_invites_pkey, ADD PRIMARY KEY (id);
ALTER TABLE staff DROP CONSTRAINT staff_pkey, ADD PRIMARY KEY (id);
ALTER TABLE conversations ADD CONSTRAINT conversations_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff (id) ON DELETE CASCADE;
ALTER TABLE conversations DROP CONSTRAINT conversations_club_id_staff_id_fkey;
