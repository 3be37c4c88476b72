-- +goose Up
-- A phone system's signing secret (Zadarma's API secret) leaves the plan
-- file and phone_settings: `clubcrm phone secret set` stores it sealed with
-- SECRETS_KEY (domain/secret), bound to the club and the provider
-- (RowAAD("phone_secrets", club_id, "secret_enc:<provider>")), never in
-- plain text. A secret set for one provider is not used for another.
CREATE TABLE phone_secrets (
    club_id    bigint PRIMARY KEY REFERENCES clubs (id),
    provider   text NOT NULL CHECK (provider IN ('generic', 'binotel', 'ringostat', 'zadarma')),
    secret_enc bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- The plain-text column goes: SQL cannot seal, so a club whose plan held a
-- secret sets it again with the command (README, "Phone systems"); until
-- then its signed notifications are refused with phone_secret_missing and
-- the provider retries them.
ALTER TABLE phone_settings DROP COLUMN secret;

-- A calendar-month repeat rule (domain.Repeat.MonthDay): on this day of
-- every month, 1..31 (a month without it: its last day), or -1 for the
-- last day. A rule is exactly one of every_days, weekdays and month_day.
ALTER TABLE template_repeats
    ADD COLUMN month_day smallint CHECK (month_day = -1 OR month_day BETWEEN 1 AND 31),
    DROP CONSTRAINT template_repeats_check,
    ADD CONSTRAINT template_repeats_one_rule_check CHECK (num_nonnulls(every_days, weekdays, month_day) = 1);

-- +goose Down
DELETE FROM template_repeats WHERE month_day IS NOT NULL;
ALTER TABLE template_repeats
    DROP CONSTRAINT template_repeats_one_rule_check,
    DROP COLUMN month_day,
    ADD CONSTRAINT template_repeats_check CHECK ((every_days IS NULL) <> (weekdays IS NULL));
ALTER TABLE phone_settings ADD COLUMN secret text NOT NULL DEFAULT '';
DROP TABLE phone_secrets;
