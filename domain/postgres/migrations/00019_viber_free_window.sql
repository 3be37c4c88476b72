-- +goose Up
-- A club's choice (its plan file, club.viber_free_window_only) to send the
-- morning list to a Viber person only inside the 24 hours after their own
-- last message, when Viber does not bill the bot for it; outside that
-- window the list is skipped. Off by default: every staff member gets their
-- list. A constant default makes adding the column a catalog change.
ALTER TABLE clubs ADD COLUMN viber_free_window_only boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE clubs DROP COLUMN viber_free_window_only;
