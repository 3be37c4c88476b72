package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
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
	ProgressChat      chat.Address
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
		if err := fanoutPlanning(ctx, tx); err != nil {
			return fmt.Errorf("fan out bulk call %d: %w", taskID, err)
		}
		var (
			fannedOut               *time.Time
			status, lang            string
			author, assignee, depth int64
			due                     *time.Time
			progressChat            *string
			progressMsg             *int64
		)
		err := tx.QueryRow(ctx, `
SELECT b.total, b.created, b.fanned_out_at, b.progress_chat, b.progress_message_id, b.progress_edited_at,
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
			to, err := chat.ParseAddress(*progressChat)
			if err != nil {
				return fmt.Errorf("fan out bulk call %d: progress chat: %w", taskID, err)
			}
			f.ProgressChat, f.ProgressMessageID = to, *progressMsg
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
		tag, err := tx.Exec(ctx, fanoutInsertSQL, clubID, taskID, templateID, f.Title, depth, author, assignee, due, now, chunk)
		if err != nil {
			return fmt.Errorf("fan out bulk call %d: %w", taskID, mapErr(err))
		}
		f.Inserted = int(tag.RowsAffected())
		f.Created += f.Inserted
		var more bool
		if err := tx.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM bulk_call_clients b WHERE b.club_id = $1 AND b.task_id = $2
               AND b.client_id > coalesce((SELECT max(s.client_id) FROM tasks s WHERE s.club_id = $1 AND s.parent_id = $2), 0))`,
			clubID, taskID).Scan(&more); err != nil {
			return fmt.Errorf("fan out bulk call %d: %w", taskID, mapErr(err))
		}
		if !more {
			return fanoutFinish(ctx, tx, &f, now)
		}
		if _, err := tx.Exec(ctx, `UPDATE bulk_calls SET created = $3, fanout_beat_at = $4 WHERE club_id = $1 AND task_id = $2`,
			clubID, taskID, f.Created, now); err != nil {
			return fmt.Errorf("fan out bulk call %d: %w", taskID, mapErr(err))
		}
		return nil
	})
	if err != nil {
		return Fanout{}, err
	}
	return f, nil
}

// fanoutInsertSQL creates the next chunk of subtasks: the clients after the
// highest one that already has a subtask, in client order. Parameters: club,
// bulk call, template, title, chain depth, author, assignee, due, now, chunk.
const fanoutInsertSQL = `
INSERT INTO tasks (club_id, task_type, template_id, title, client_id, parent_id, chain_depth,
                   author_id, assignee_id, status, due_at, created_at, updated_at)
SELECT $1, 'personal_call', $3, $4, b.client_id, $2, $5, nullif($6, 0), nullif($7, 0), 'new', $8, $9, $9
FROM bulk_call_clients b
WHERE b.club_id = $1 AND b.task_id = $2
  AND b.client_id > coalesce((SELECT max(s.client_id) FROM tasks s WHERE s.club_id = $1 AND s.parent_id = $2), 0)
ORDER BY b.client_id
LIMIT $10
ON CONFLICT (club_id, parent_id, client_id) WHERE parent_id IS NOT NULL DO NOTHING`

// fanoutPlanning makes the chunk query's plan independent of statistics.
// The right plan is a keyset walk: the primary key (club_id, task_id, client_id)
// read in order from the last client done, stopping after one chunk. A bulk
// call is fanned out a moment after it is created, before autovacuum has
// analysed its rows, and without statistics PostgreSQL may guess a handful
// of rows and pick a bitmap scan plus a sort of every remaining client on
// every chunk: 50x slower per chunk at 100,000 clients, and quadratic over
// the fan-out. Nothing in a fan-out transaction needs a sort, so sorting is
// switched off for the transaction (SET LOCAL), which leaves the ordered
// index scan as the only sensible plan whatever the statistics say.
func fanoutPlanning(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SET LOCAL enable_sort = off`); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	return nil
}

// fanoutFinish records the end of a fan-out.
func fanoutFinish(ctx context.Context, tx pgx.Tx, f *Fanout, now time.Time) error {
	if _, err := tx.Exec(ctx, `
UPDATE bulk_calls SET created = $3, fanned_out_at = $4, fanout_beat_at = $4 WHERE club_id = $1 AND task_id = $2`,
		f.ClubID, f.TaskID, f.Created, now); err != nil {
		return fmt.Errorf("fan out bulk call %d: %w", f.TaskID, mapErr(err))
	}
	f.Done = true
	return nil
}

// FanoutProgressMarkEdited records when the progress message was last
// edited, so edits stay at most one a second across chunks, jobs and
// processes.
func (db *DB) FanoutProgressMarkEdited(ctx context.Context, clubID, taskID int64, at time.Time) error {
	if _, err := db.pool.Exec(ctx, `
UPDATE bulk_calls SET progress_edited_at = $3 WHERE club_id = $1 AND task_id = $2`, clubID, taskID, at); err != nil {
		return fmt.Errorf("bulk call %d progress: %w", taskID, mapErr(err))
	}
	return nil
}

// StalledFanout is a bulk call whose fan-out started and stopped: its
// outbox row is handed over and not completed, no chunk has committed
// since BeatAt, and it is not finished.
type StalledFanout struct {
	Row     OutboxRow // the bulk call's bulk.created outbox row
	BeatAt  time.Time // when its last chunk committed
	Created int
	Total   int
}

// FanoutStalled lists up to limit fan-outs whose last chunk committed
// before stalledBefore. It reads the few pending outbox rows (their partial
// index) and their bulk calls.
func (db *DB) FanoutStalled(ctx context.Context, stalledBefore time.Time, limit int) ([]StalledFanout, error) {
	rows, err := db.pool.Query(ctx, `
SELECT `+outboxColumns+`, b.fanout_beat_at, b.created, b.total
FROM outbox o
JOIN bulk_calls b ON b.club_id = o.club_id AND b.task_id = (o.payload->>'task_id')::bigint
WHERE o.completed_at IS NULL AND o.kind = $1 AND o.handed_at IS NOT NULL
  AND b.fanned_out_at IS NULL AND b.fanout_beat_at < $2
ORDER BY b.fanout_beat_at
LIMIT $3`, domain.OutboxBulkCreated, stalledBefore, limit)
	if err != nil {
		return nil, fmt.Errorf("stalled fan-outs: %w", mapErr(err))
	}
	defer rows.Close()
	var out []StalledFanout
	for rows.Next() {
		var s StalledFanout
		var err error
		if s.Row, err = scanOutboxRow(rows, &s.BeatAt, &s.Created, &s.Total); err != nil {
			return nil, fmt.Errorf("stalled fan-outs: %w", mapErr(err))
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stalled fan-outs: %w", mapErr(err))
	}
	return out, nil
}
