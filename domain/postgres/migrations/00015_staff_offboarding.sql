-- +goose Up
-- Offboarding (domain/postgres/staff_deactivate.go): when a staff member was
-- deactivated. Invites created before that moment can no longer bring their
-- Telegram account back; a new invite (a deliberate re-hire) still can.
-- NULL for everyone active, and for those deactivated before this migration.
ALTER TABLE staff ADD COLUMN deactivated_at timestamptz;

-- +goose Down
ALTER TABLE staff DROP COLUMN deactivated_at;
