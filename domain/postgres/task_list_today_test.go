package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// "Today" is the club's local date, midnight to midnight, also on a date
// whose midnight does not exist: Chile moves its clocks from 00:00 to 01:00
// on 2026-09-06, Egypt on 2026-04-24. time.Date(…, 0, 0, …) answers 23:00
// of the day before for Santiago, and a window built on it loses the last
// hour of the day and gains the last hour of the day before.
func TestTodayIsTheClubsLocalDateAcrossAMidnightDSTJump(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	cases := []struct {
		zone      string
		now       string // local, on the jump's date
		yesterday string // local, the last hour of the day before
		lateToday string // local, the last hour of the jump's date
		tomorrow  string // local, the first hour of the next day
	}{
		{"America/Santiago", "2026-09-06 12:00", "2026-09-05 23:30", "2026-09-06 23:30", "2026-09-07 00:30"},
		{"Africa/Cairo", "2026-04-24 12:00", "2026-04-23 23:30", "2026-04-24 23:30", "2026-04-25 00:30"},
	}
	for _, c := range cases {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		at := func(s string) time.Time {
			v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		// A staff member of their own per zone, so the lists do not mix.
		var staffID int64
		if err := db.Pool().QueryRow(ctx, `INSERT INTO staff (club_id, name, role) VALUES ($1, $2, 'staff') RETURNING id`,
			f.Club.ID, "Staff "+c.zone).Scan(&staffID); err != nil {
			t.Fatal(err)
		}
		task := func(title, due string) int64 {
			d := at(due)
			tk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"],
				Title: title, AuthorID: staffID, AssigneeID: staffID, DueAt: &d})
			if err != nil {
				t.Fatal(err)
			}
			return tk.ID
		}
		yesterday, late, tomorrow := task("yesterday", c.yesterday), task("late today", c.lateToday), task("tomorrow", c.tomorrow)

		page, err := db.TaskListMine(ctx, postgres.TaskListQuery{ClubID: f.Club.ID, AssigneeID: staffID,
			Filter: postgres.TaskFilterToday, Now: at(c.now), Loc: loc})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, l := range page.Lines {
			got = append(got, l.ID)
		}
		if !slices.Equal(got, []int64{late}) {
			t.Errorf("%s: today lists %v, want only the late task %d (yesterday %d, tomorrow %d)", c.zone, got, late, yesterday, tomorrow)
		}

		// Task control counts what was done today by the same local date:
		// the late task alone, then still only it when the tasks of the
		// neighbouring days are done too.
		for _, done := range [][]int64{{late}, {yesterday, tomorrow}} {
			pgtest.Exec(t, db, `UPDATE tasks SET status = 'done', done_at = due_at WHERE id = ANY($1)`, done)
			sum, err := db.ControlSummaryGet(ctx, f.Club.ID, at(c.lateToday).Add(10*time.Minute), loc)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range sum.Staff {
				if l.StaffID == staffID && l.DoneToday != 1 {
					t.Errorf("%s: done today = %d after %v were done, want 1 (the late task only)", c.zone, l.DoneToday, done)
				}
			}
		}
	}
}
