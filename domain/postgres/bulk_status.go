package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// BulkStatus is a bulk call's state as its subtasks make it.
type BulkStatus struct {
	ClubID            int64
	TaskID            int64
	Title             string
	Status            domain.Status
	Changed           bool // this call changed the status
	Total             int  // clients in the bulk call
	Open              int  // subtasks new or in progress
	Done              int
	Cancelled         int
	FannedOut         bool
	ByResult          []ResultCount // done subtasks by result, most frequent first
	AuthorID          int64
	ProgressChat      chat.Address
	ProgressMessageID int64
	ProgressEditedAt  *time.Time
	Language          domain.Language // the creator's, else the club's
}

// ResultCount is how many subtasks closed with a result.
type ResultCount struct {
	ResultID int64
	Name     string
	Names    domain.Names // the result's name per language
	Count    int
}

// BulkParentSync brings a bulk call's status in line with its subtasks,
// given one of them (taskID): in progress once any subtask is taken or
// closed, done when the fan-out has finished and every subtask is done or
// cancelled, and in progress again when a subtask of a done bulk call is
// reopened. A bulk call that was cancelled (before it was fanned out) is
// left as it is. ok is false when taskID is not a subtask. The parent row is locked,
// so subtasks closing at the same time are counted by whichever sync runs
// last.
func (db *DB) BulkParentSync(ctx context.Context, clubID, taskID int64, now time.Time) (s BulkStatus, ok bool, err error) {
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		var parentID int64
		err := tx.QueryRow(ctx, `SELECT coalesce(parent_id, 0) FROM tasks WHERE club_id = $1 AND id = $2`, clubID, taskID).Scan(&parentID)
		if err != nil {
			return fmt.Errorf("bulk status of task %d: %w", taskID, mapErr(err))
		}
		if parentID == 0 {
			return nil
		}
		ok = true
		s, err = bulkStatusTx(ctx, tx, clubID, parentID, now, true)
		return err
	})
	return s, ok, err
}

// BulkStatusGet returns a bulk call's subtask counts and counts by result,
// for its card. A task that is not a live bulk call of the club is
// ErrNotFound.
func (db *DB) BulkStatusGet(ctx context.Context, clubID, bulkID int64) (BulkStatus, error) {
	var s BulkStatus
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		s, err = bulkStatusTx(ctx, tx, clubID, bulkID, time.Time{}, false)
		return err
	})
	return s, err
}

func bulkStatusTx(ctx context.Context, tx pgx.Tx, clubID, bulkID int64, now time.Time, sync bool) (BulkStatus, error) {
	s := BulkStatus{ClubID: clubID, TaskID: bulkID}
	lock := ""
	if sync {
		lock = " FOR UPDATE OF p"
	}
	var (
		status, lang string
		fannedOut    *time.Time
		progressChat *string
		progressMsg  *int64
	)
	err := tx.QueryRow(ctx, `
SELECT p.title, p.status, coalesce(p.author_id, 0), b.total, b.fanned_out_at, b.progress_chat, b.progress_message_id,
       b.progress_edited_at, coalesce(a.language, c.language)
FROM tasks p
JOIN bulk_calls b ON b.club_id = p.club_id AND b.task_id = p.id
JOIN clubs c ON c.id = p.club_id
LEFT JOIN staff a ON a.club_id = p.club_id AND a.id = p.author_id
WHERE p.club_id = $1 AND p.id = $2 AND p.deleted_at IS NULL AND c.deleted_at IS NULL`+lock, clubID, bulkID).Scan(
		&s.Title, &status, &s.AuthorID, &s.Total, &fannedOut, &progressChat, &progressMsg, &s.ProgressEditedAt, &lang)
	if err != nil {
		return s, fmt.Errorf("bulk call %d: %w", bulkID, mapErr(err))
	}
	s.Status, s.FannedOut, s.Language = domain.Status(status), fannedOut != nil, domain.Language(lang)
	if progressChat != nil && progressMsg != nil {
		to, err := chat.ParseAddress(*progressChat)
		if err != nil {
			return s, fmt.Errorf("bulk call %d: progress chat: %w", bulkID, err)
		}
		s.ProgressChat, s.ProgressMessageID = to, *progressMsg
	}
	var inProgress int
	if err := tx.QueryRow(ctx, `
SELECT count(*) FILTER (WHERE status IN ('new', 'in_progress')),
       count(*) FILTER (WHERE status = 'in_progress'),
       count(*) FILTER (WHERE status = 'done'),
       count(*) FILTER (WHERE status = 'cancelled')
FROM tasks WHERE club_id = $1 AND parent_id = $2 AND deleted_at IS NULL`, clubID, bulkID).Scan(
		&s.Open, &inProgress, &s.Done, &s.Cancelled); err != nil {
		return s, fmt.Errorf("bulk call %d counts: %w", bulkID, mapErr(err))
	}
	rows, err := tx.Query(ctx, `
SELECT r.id, r.name, r.names, count(*) FROM tasks t JOIN results r ON r.club_id = t.club_id AND r.id = t.result_id
WHERE t.club_id = $1 AND t.parent_id = $2 AND t.status = 'done' AND t.deleted_at IS NULL
GROUP BY r.id, r.name, r.names ORDER BY count(*) DESC, r.name`, clubID, bulkID)
	if err != nil {
		return s, fmt.Errorf("bulk call %d results: %w", bulkID, mapErr(err))
	}
	s.ByResult, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (ResultCount, error) {
		var c ResultCount
		err := row.Scan(&c.ResultID, &c.Name, &c.Names, &c.Count)
		return c, err
	})
	if err != nil {
		return s, fmt.Errorf("bulk call %d results: %w", bulkID, mapErr(err))
	}
	if !sync || s.Status == domain.StatusCancelled {
		return s, nil
	}
	want := s.Status
	switch {
	case s.FannedOut && s.Open == 0:
		want = domain.StatusDone
	case inProgress+s.Done+s.Cancelled > 0 || s.Status == domain.StatusDone:
		want = domain.StatusInProgress
	}
	if want == s.Status {
		return s, nil
	}
	if err := domain.CheckTransition(domain.Transition{From: s.Status, To: want, Type: domain.TypeBulkCall, FollowsSubtasks: true}); err != nil {
		return s, fmt.Errorf("bulk call %d: %w", bulkID, err)
	}
	if _, err := tx.Exec(ctx, `
UPDATE tasks SET status = $3, updated_at = $4,
       taken_at = CASE WHEN $3 = 'in_progress' THEN coalesce(taken_at, $4) ELSE taken_at END,
       done_at = CASE WHEN $3 = 'done' THEN $4 END
WHERE club_id = $1 AND id = $2`, clubID, bulkID, string(want), now); err != nil {
		return s, fmt.Errorf("bulk call %d status: %w", bulkID, mapErr(err))
	}
	s.Status, s.Changed = want, true
	return s, nil
}
