package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// Fanout is a bulk call's fan-out progress after a step.
type Fanout struct {
	ClubID   int64
	TaskID   int64 // the bulk call
	Title    string
	Total    int  // clients in the bulk call
	Created  int  // subtasks created so far
	Inserted int  // subtasks this step created
	Done     bool // every client has its subtask (or the bulk call was cancelled)
	// The creator's progress message, edited as chunks land.
	ProgressChatID    int64
	ProgressMessageID int64
	ProgressEditedAt  *time.Time
	Language          domain.Language // the creator's, else the club's
	TimeZone          string
}

// FanoutChunk creates the next chunk of a bulk call's personal-call
// subtasks in one transaction and returns the progress. Call it until Done.
//
// It is one set-based INSERT … SELECT over bulk_call_clients in client order,
// starting after the highest client that already has a subtask, so a fan-out
// killed at any point resumes where its last committed chunk ended, and a
// second worker fanning out the same bulk call waits on the bulk_calls row
// lock and then continues from there. ON CONFLICT DO NOTHING on
// tasks_club_parent_client_key keeps it exact whatever happens.
//
// Subtasks take the bulk call's title, assignee, author and due, and the
// club's personal-call template as personalCallTemplate chooses it (the
// default one, or another live one if it was retired): the schema has no
// finer notion of template family. They take no reminder: the bulk
// call's own reminder tells its assignee once, where a copy on every
// subtask would send N reminders to one chat at the same moment, at that
// chat's one message a second, each holding a worker while it waits, so
// every other club's reminders would queue behind them.
//
// A cancelled bulk call stops fanning out. A bulk call, club or template
// that does not exist is ErrNotFound.
func (db *DB) FanoutChunk(ctx context.Context, clubID, taskID int64, chunk int, now time.Time) (Fanout, error) {
	f := Fanout{ClubID: clubID, TaskID: taskID}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var (
			fannedOut                 *time.Time
			status, lang              string
			author, assignee, depth   int64
			due                       *time.Time
			progressChat, progressMsg *int64
		)
		err := tx.QueryRow(ctx, `
SELECT b.total, b.created, b.fanned_out_at, b.progress_chat_id, b.progress_message_id, b.progress_edited_at,
       p.title, p.status, coalesce(p.author_id, 0), coalesce(p.assignee_id, 0), p.chain_depth, p.due_at,
       coalesce(a.language, c.language), c.time_zone
FROM bulk_calls b
JOIN tasks p ON p.club_id = b.club_id AND p.id = b.task_id
JOIN clubs c ON c.id = b.club_id
LEFT JOIN staff a ON a.club_id = p.club_id AND a.id = p.author_id
WHERE b.club_id = $1 AND b.task_id = $2 AND p.deleted_at IS NULL AND c.deleted_at IS NULL
FOR UPDATE OF b`, clubID, taskID).Scan(&f.Total, &f.Created, &fannedOut, &progressChat, &progressMsg, &f.ProgressEditedAt,
			&f.Title, &status, &author, &assignee, &depth, &due, &lang, &f.TimeZone)
		if err != nil {
			return fmt.Errorf("fan out bulk call %d: %w", taskID, mapErr(err))
		}
		f.Language = domain.Language(lang)
		if progressChat != nil && progressMsg != nil {
			f.ProgressChatID, f.ProgressMessageID = *progressChat, *progressMsg
		}
		if fannedOut != nil {
			f.Done = true
			return nil
		}
		if domain.Status(status) == domain.StatusCancelled {
			return fanoutFinish(ctx, tx, &f, now)
		}
		tpl, err := personalCallTemplate(ctx, tx, clubID)
		if err != nil {
			return fmt.Errorf("fan out bulk call %d: %w", taskID, err)
		}
		templateID := tpl.ID
		tag, err := tx.Exec(ctx, `
INSERT INTO tasks (club_id, task_type, template_id, title, client_id, parent_id, chain_depth,
                   author_id, assignee_id, status, due_at, created_at, updated_at)
SELECT $1, 'personal_call', $3, $4, b.client_id, $2, $5, nullif($6, 0), nullif($7, 0), 'new', $8, $9, $9
FROM bulk_call_clients b
WHERE b.task_id = $2
  AND b.client_id > coalesce((SELECT max(s.client_id) FROM tasks s WHERE s.parent_id = $2), 0)
ORDER BY b.client_id
LIMIT $10
ON CONFLICT (club_id, parent_id, client_id) WHERE parent_id IS NOT NULL DO NOTHING`,
			clubID, taskID, templateID, f.Title, depth, author, assignee, due, now, chunk)
		if err != nil {
			return fmt.Errorf("fan out bulk call %d: %w", taskID, mapErr(err))
		}
		f.Inserted = int(tag.RowsAffected())
		f.Created += f.Inserted
		var more bool
		if err := tx.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM bulk_call_clients b WHERE b.task_id = $1
               AND b.client_id > coalesce((SELECT max(s.client_id) FROM tasks s WHERE s.parent_id = $1), 0))`,
			taskID).Scan(&more); err != nil {
			return fmt.Errorf("fan out bulk call %d: %w", taskID, mapErr(err))
		}
		if !more {
			return fanoutFinish(ctx, tx, &f, now)
		}
		if _, err := tx.Exec(ctx, `UPDATE bulk_calls SET created = $3 WHERE club_id = $1 AND task_id = $2`,
			clubID, taskID, f.Created); err != nil {
			return fmt.Errorf("fan out bulk call %d: %w", taskID, mapErr(err))
		}
		return nil
	})
	if err != nil {
		return Fanout{}, err
	}
	return f, nil
}

// fanoutFinish records the end of a fan-out.
func fanoutFinish(ctx context.Context, tx pgx.Tx, f *Fanout, now time.Time) error {
	if _, err := tx.Exec(ctx, `
UPDATE bulk_calls SET created = $3, fanned_out_at = $4 WHERE club_id = $1 AND task_id = $2`,
		f.ClubID, f.TaskID, f.Created, now); err != nil {
		return fmt.Errorf("fan out bulk call %d: %w", f.TaskID, mapErr(err))
	}
	f.Done = true
	return nil
}

// FanoutProgressEdited records when the progress message was last edited, so
// edits stay at most one a second across chunks, jobs and processes.
func (db *DB) FanoutProgressEdited(ctx context.Context, clubID, taskID int64, at time.Time) error {
	if _, err := db.pool.Exec(ctx, `
UPDATE bulk_calls SET progress_edited_at = $3 WHERE club_id = $1 AND task_id = $2`, clubID, taskID, at); err != nil {
		return fmt.Errorf("bulk call %d progress: %w", taskID, mapErr(err))
	}
	return nil
}
