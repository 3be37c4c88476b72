-- +goose Up
-- A repeat set on one task from the bot (issue 15: "a template or a task
-- may repeat"): the rule of the series that task heads, with the same rule
-- columns and checks as template_repeats. Setting it makes the task the
-- first occurrence of a series of its own (tasks.series_id NULL,
-- occurrence 1); closing an occurrence creates the next by this rule, which
-- wins over the template's (task_repeat.go). Stopping deletes the row.
CREATE TABLE task_repeats (
    club_id    bigint NOT NULL,
    series_id  bigint NOT NULL, -- the series' first task: coalesce(tasks.series_id, tasks.id)
    every_days int CHECK (every_days BETWEEN 1 AND 366),
    weekdays   smallint CHECK (weekdays BETWEEN 1 AND 127), -- bit d = time.Weekday d (Sunday = 0)
    month_day  smallint CHECK (month_day = -1 OR month_day BETWEEN 1 AND 31),
    until_date date,
    times      int CHECK (times >= 1),
    set_by     bigint,
    set_at     timestamptz NOT NULL,
    CONSTRAINT task_repeats_one_rule_check CHECK (num_nonnulls(every_days, weekdays, month_day) = 1),
    PRIMARY KEY (club_id, series_id),
    FOREIGN KEY (club_id, series_id) REFERENCES tasks (club_id, id),
    FOREIGN KEY (club_id, set_by) REFERENCES staff (club_id, id)
);

-- +goose Down
DROP TABLE task_repeats;
