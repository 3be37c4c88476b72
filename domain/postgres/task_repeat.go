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
// club's zone and working hours (domain.Repeat.Next); a rule set on the
// task's series from the bot (task_repeats) wins over the template's. Nothing happens when the task is not recurring, the rule
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
	// The series' own rule (task_repeats, set from the bot) wins over the
	// template's (template_repeats).
	err := tx.QueryRow(ctx, `
SELECT coalesce(t.series_id, t.id), t.occurrence, t.template_id, coalesce(t.client_id, 0), coalesce(t.author_id, 0),
       coalesce(t.assignee_id, 0), t.due_at, t.title, t.description, c.time_zone,
       c.work_open_min, c.work_close_min,
       CASE WHEN tr.series_id IS NOT NULL THEN tr.every_days ELSE r.every_days END,
       CASE WHEN tr.series_id IS NOT NULL THEN tr.weekdays::int ELSE r.weekdays::int END,
       CASE WHEN tr.series_id IS NOT NULL THEN tr.month_day::int ELSE r.month_day::int END,
       CASE WHEN tr.series_id IS NOT NULL THEN tr.times ELSE r.times END,
       CASE WHEN tr.series_id IS NOT NULL THEN tr.until_date ELSE r.until_date END
FROM tasks t
JOIN clubs c ON c.id = t.club_id
LEFT JOIN task_repeats tr ON tr.club_id = t.club_id AND tr.series_id = coalesce(t.series_id, t.id)
LEFT JOIN template_repeats r ON r.club_id = t.club_id AND r.template_id = t.template_id
WHERE t.club_id = $1 AND t.id = $2 AND t.occurrence IS NOT NULL
  AND (tr.series_id IS NOT NULL OR r.template_id IS NOT NULL)`, clubID, taskID).Scan(
		&seriesID, &occurrence, &templateID, &clientID, &authorID, &assigneeID, &due, &title, &description, &zone,
		&hours.Open, &hours.Close, &every, &days, &month, &times, &until)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // not recurring
	}
	if err != nil {
		return fmt.Errorf("repeat task %d: %w", taskID, mapErr(err))
	}
	// Nothing to create while another occurrence is open, nor when the series
	// has already moved past this one (an old occurrence reopened and closed
	// again: its successor exists, whatever became of it).
	var skip bool
	if err := tx.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM tasks WHERE club_id = $1 AND coalesce(series_id, id) = $2 AND id <> $3
               AND ((status IN ('new', 'in_progress') AND deleted_at IS NULL) OR occurrence > $4))`,
		clubID, seriesID, taskID, *occurrence).Scan(&skip); err != nil {
		return fmt.Errorf("repeat task %d: %w", taskID, mapErr(err))
	}
	if skip {
		return nil
	}
	rule := repeatRule(every, days, month, times, until)
	loc, err := domain.LoadLocation(zone)
	if err != nil {
		return fmt.Errorf("repeat task %d: club zone: %w", taskID, err)
	}
	next, ok := rule.NextAfter(due, now, *occurrence, domain.Club{WorkingHours: hours}.Hours(), loc)
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
