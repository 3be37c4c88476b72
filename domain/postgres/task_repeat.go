package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// repeatNextTx creates the next occurrence of a recurring task that was
// just done, in the transaction that closes it (so a close without its
// next occurrence never commits): same template, title, description,
// client, author and assignee, due by the template's repeat rule in the
// club's zone and working hours (domain.Repeat.Next). Nothing happens when the task is not recurring, the rule
// has ended (until, times) or was removed, or another occurrence of the
// series is open (never more than one). A cancelled task does not come
// back: cancelling is how a person stops a series early.
func repeatNextTx(ctx context.Context, tx pgx.Tx, clubID, taskID int64, now time.Time) error {
	var (
		seriesID, templateID, clientID, authorID, assigneeID int64
		occurrence                                           *int
		due                                                  *time.Time
		title, description, zone                             string
		every, days, month, times                            *int
		until                                                *time.Time
		hours                                                domain.WorkingHours
	)
	err := tx.QueryRow(ctx, `
SELECT coalesce(t.series_id, t.id), t.occurrence, t.template_id, coalesce(t.client_id, 0), coalesce(t.author_id, 0),
       coalesce(t.assignee_id, 0), t.due_at, t.title, t.description, c.time_zone,
       c.work_open_min, c.work_close_min, r.every_days, r.weekdays, r.month_day, r.times, r.until_date
FROM tasks t
JOIN clubs c ON c.id = t.club_id
JOIN template_repeats r ON r.club_id = t.club_id AND r.template_id = t.template_id
WHERE t.club_id = $1 AND t.id = $2 AND t.occurrence IS NOT NULL`, clubID, taskID).Scan(
		&seriesID, &occurrence, &templateID, &clientID, &authorID, &assigneeID, &due, &title, &description, &zone,
		&hours.Open, &hours.Close, &every, &days, &month, &times, &until)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // not recurring
	}
	if err != nil {
		return fmt.Errorf("repeat task %d: %w", taskID, mapErr(err))
	}
	var open bool
	if err := tx.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM tasks WHERE club_id = $1 AND coalesce(series_id, id) = $2 AND id <> $3
               AND status IN ('new', 'in_progress') AND deleted_at IS NULL)`, clubID, seriesID, taskID).Scan(&open); err != nil {
		return fmt.Errorf("repeat task %d: %w", taskID, mapErr(err))
	}
	if open {
		return nil
	}
	rule := domain.Repeat{Until: until}
	if every != nil {
		rule.EveryDays = *every
	}
	if days != nil {
		rule.Weekdays = map[time.Weekday]bool{}
		for d := time.Sunday; d <= time.Saturday; d++ {
			if *days&(1<<int(d)) != 0 {
				rule.Weekdays[d] = true
			}
		}
	}
	if month != nil {
		rule.MonthDay = *month
	}
	if times != nil {
		rule.Times = *times
	}
	loc, err := domain.LoadLocation(zone)
	if err != nil {
		return fmt.Errorf("repeat task %d: club zone: %w", taskID, err)
	}
	base := now
	if due != nil {
		base = *due
	}
	next, ok := rule.Next(base, now, *occurrence, domain.Club{WorkingHours: hours}.Hours(), loc)
	if !ok {
		return nil
	}
	// The assignee may have left: the next occurrence is then unassigned.
	var active bool
	if assigneeID != 0 {
		if err := tx.QueryRow(ctx, `SELECT active FROM staff WHERE club_id = $1 AND id = $2`, clubID, assigneeID).Scan(&active); err != nil {
			return fmt.Errorf("repeat task %d: %w", taskID, mapErr(err))
		}
		if !active {
			assigneeID = 0
		}
	}
	if _, err := taskCreateTx(ctx, tx, TaskCreateInput{
		ClubID: clubID, TemplateID: templateID, Title: title, Description: description, ClientID: clientID,
		AuthorID: authorID, AssigneeID: assigneeID, DueAt: &next, seriesID: seriesID, occurrence: *occurrence + 1,
	}, now); err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.CodeTemplateArchived {
			return nil // a retired template ends its series
		}
		return fmt.Errorf("repeat task %d: %w", taskID, err)
	}
	return nil
}
