-- +goose Up
-- A club's working hours, as local minutes since midnight: follow-ups planned
-- a day or more ahead land inside them (domain.WorkingHours). Constant
-- defaults make adding the columns a catalog change on a live database; the
-- check is added NOT VALID and validated separately, so it takes no long lock.
ALTER TABLE clubs
    ADD COLUMN work_open_min  int NOT NULL DEFAULT 540,
    ADD COLUMN work_close_min int NOT NULL DEFAULT 1260;
ALTER TABLE clubs ADD CONSTRAINT clubs_working_hours_check
    CHECK (work_open_min >= 0 AND work_open_min < work_close_min AND work_close_min <= 1440) NOT VALID;
ALTER TABLE clubs VALIDATE CONSTRAINT clubs_working_hours_check;

-- +goose Down
ALTER TABLE clubs DROP CONSTRAINT clubs_working_hours_check;
ALTER TABLE clubs DROP COLUMN work_close_min, DROP COLUMN work_open_min;
