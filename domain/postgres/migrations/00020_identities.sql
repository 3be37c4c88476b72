-- +goose Up
-- Identities (domain/postgres/identity.go): a staff member is reached
-- through one or more accounts (channel, bot, external id), and one account
-- may be staff of several clubs, one staff row per club. What was
-- staff.tg_user_id (one Telegram account = one club's staff for ever),
-- tg_username and unreachable_at moves here: a 403 is a fact about one
-- account on one bot, not about the person.
--
-- bot_id is 0 for the deployment's default bot of the channel, else a
-- bots.id (migration 00018). No foreign key to bots: a removed bot keeps
-- its row there, and the identities it made stay as history.
CREATE TABLE staff_identities (
    club_id         bigint NOT NULL,
    staff_id        bigint NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('telegram', 'viber')),
    bot_id          bigint NOT NULL DEFAULT 0 CHECK (bot_id >= 0),
    -- Telegram's user ids are positive numbers; Viber's are opaque text.
    external_id     text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 128
                        AND (channel <> 'telegram' OR external_id ~ '^[1-9][0-9]{0,18}$')),
    username        text,
    last_inbound_at timestamptz,            -- the account last wrote to the bot
    unreachable_at  timestamptz,            -- the channel refused delivery (blocked); cleared when they write again
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (club_id, staff_id, channel, bot_id),
    -- One account is at most one staff row of a club.
    UNIQUE (club_id, channel, bot_id, external_id),
    FOREIGN KEY (club_id, staff_id) REFERENCES staff (club_id, id)
);
-- The bot's per-update lookup: an account's clubs are found from the
-- account, before any club is known, so this index is global on purpose
-- (allowed in TestHotQueriesUseClubIndexes; docs/scaling.md).
CREATE INDEX staff_identities_account_idx ON staff_identities (channel, bot_id, external_id);

-- The club an account is working in (/club switches it), remembered per
-- account. Keyed by the account, not by a club, for the same reason
-- (allowed in TestTenantKeysIncludeClub).
CREATE TABLE identity_current (
    channel     text NOT NULL CHECK (channel IN ('telegram', 'viber')),
    bot_id      bigint NOT NULL DEFAULT 0,
    external_id text NOT NULL,
    club_id     bigint NOT NULL REFERENCES clubs (id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, bot_id, external_id)
);

INSERT INTO staff_identities (club_id, staff_id, channel, bot_id, external_id, username, unreachable_at, created_at)
SELECT club_id, id, 'telegram', 0, tg_user_id::text, tg_username, unreachable_at, created_at
FROM staff WHERE tg_user_id IS NOT NULL;

INSERT INTO identity_current (channel, bot_id, external_id, club_id, updated_at)
SELECT 'telegram', 0, tg_user_id::text, club_id, now()
FROM staff WHERE tg_user_id IS NOT NULL AND active;

ALTER TABLE staff DROP COLUMN tg_user_id, DROP COLUMN tg_username, DROP COLUMN unreachable_at;

-- +goose Down
ALTER TABLE staff ADD COLUMN tg_user_id bigint, ADD COLUMN tg_username text, ADD COLUMN unreachable_at timestamptz;
-- An account that is staff of several clubs goes back to the club it works
-- in (else its most recent one); the others lose their link.
UPDATE staff s SET tg_user_id = i.external_id::bigint, tg_username = i.username, unreachable_at = i.unreachable_at
FROM (
    SELECT DISTINCT ON (i.external_id) i.club_id, i.staff_id, i.external_id, i.username, i.unreachable_at
    FROM staff_identities i
    LEFT JOIN identity_current c ON (c.channel, c.bot_id, c.external_id) = (i.channel, i.bot_id, i.external_id)
    WHERE i.channel = 'telegram' AND i.bot_id = 0
    ORDER BY i.external_id, (c.club_id = i.club_id) DESC NULLS LAST, i.created_at DESC
) i
WHERE s.club_id = i.club_id AND s.id = i.staff_id;
ALTER TABLE staff ADD CONSTRAINT staff_tg_user_id_key UNIQUE (tg_user_id);
DROP TABLE identity_current;
DROP TABLE staff_identities;
