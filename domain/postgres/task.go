package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// TaskView is a task with the names its card shows.
type TaskView struct {
	domain.Task
	TemplateName  string
	TemplateNames domain.Names // the template's name per language (TemplateNameIn)
	ClientName    string
	ClientPhone   string // primary phone, E.164; empty for tasks without a client
	AuthorName    string
	AssigneeName  string
	ResultName    string
	ResultNames   domain.Names // the result's name per language (ResultNameIn)
}

// taskColumns lists the tasks columns taskFields scans, in its order,
// qualified by table (say "t") when it is not empty: every query that reads
// a domain.Task reads it through them, so a new column is added in one
// place. The optional ids read as 0.
func taskColumns(table string) string {
	col := func(c string) string {
		if table == "" {
			return c
		}
		return table + "." + c
	}
	id := func(c string) string { return "coalesce(" + col(c) + ", 0)" }
	return strings.Join([]string{col("id"), col("club_id"), col("task_type"), col("template_id"), col("title"), col("description"),
		id("client_id"), id("parent_id"), id("author_id"), id("assignee_id"),
		col("status"), col("due_at"), col("remind_at"), id("result_id"), col("created_at"), col("updated_at"), col("done_at")}, ", ")
}

// taskFields are the scan targets of taskColumns; call finish after the
// scan (it sets the type and the status).
func taskFields(t *domain.Task) (fields []any, finish func()) {
	var typ, status string
	return []any{&t.ID, &t.ClubID, &typ, &t.TemplateID, &t.Title, &t.Description,
			&t.ClientID, &t.ParentID, &t.AuthorID, &t.AssigneeID,
			&status, &t.DueAt, &t.RemindAt, &t.ResultID, &t.CreatedAt, &t.UpdatedAt, &t.DoneAt},
		func() { t.Type, t.Status = domain.TaskType(typ), domain.Status(status) }
}

// scanTask reads a row of taskColumns, then more.
func scanTask(row pgx.Row, more ...any) (domain.Task, error) {
	var t domain.Task
	fields, finish := taskFields(&t)
	err := row.Scan(append(fields, more...)...)
	finish()
	return t, err
}

var taskViewSelect = `
SELECT ` + taskColumns("t") + `,
       tp.name, tp.names, coalesce(c.name, ''),
       coalesce((SELECT p.phone FROM client_phones p WHERE p.club_id = t.club_id AND p.client_id = t.client_id ORDER BY p.position, p.phone LIMIT 1), ''),
       coalesce(au.name, ''), coalesce(asg.name, ''), coalesce(r.name, ''), coalesce(r.names, '{}')
FROM tasks t
JOIN templates tp ON tp.club_id = t.club_id AND tp.id = t.template_id
LEFT JOIN clients c ON c.club_id = t.club_id AND c.id = t.client_id
LEFT JOIN staff au ON au.club_id = t.club_id AND au.id = t.author_id
LEFT JOIN staff asg ON asg.club_id = t.club_id AND asg.id = t.assignee_id
LEFT JOIN results r ON r.club_id = t.club_id AND r.id = t.result_id`

func scanTaskView(row pgx.Row) (TaskView, error) {
	var v TaskView
	var err error
	v.Task, err = scanTask(row, &v.TemplateName, &v.TemplateNames, &v.ClientName, &v.ClientPhone,
		&v.AuthorName, &v.AssigneeName, &v.ResultName, &v.ResultNames)
	return v, err
}

// TaskGet returns a task of the club with its names. A deleted task, or a
// task of another club, is ErrNotFound: the caller cannot tell them apart.
func (db *DB) TaskGet(ctx context.Context, clubID, taskID int64) (TaskView, error) {
	v, err := scanTaskView(db.pool.QueryRow(ctx, taskViewSelect+`
WHERE t.club_id = $1 AND t.id = $2 AND t.deleted_at IS NULL`, clubID, taskID))
	if err != nil {
		return TaskView{}, fmt.Errorf("task get %d: %w", taskID, mapErr(err))
	}
	return v, nil
}

// TaskCreateInput is a new task. For a bulk call, ClientIDs lists its clients
// (two or more); for personal calls and client tasks ClientID is set.
type TaskCreateInput struct {
	ClubID      int64
	TemplateID  int64
	Title       string // empty: the template's default title, else its name
	Description string
	ClientID    int64
	ClientIDs   []int64 // bulk call only
	AuthorID    int64   // 0: the system
	AssigneeID  int64   // 0: unassigned
	DueAt       *time.Time
	RemindAt    *time.Time // nil: from the template's reminder offset, if any (domain.DefaultReminder)
	// ProgressChat, for a bulk call, is the creator's chat whose progress
	// message the fan-out edits; ProgressMessageID that message.
	ProgressChat      chat.Address
	ProgressMessageID int64

	// seriesID and occurrence place a recurring task in its series
	// (task_repeat.go); zero for a new task, which starts a series when its
	// template repeats.
	seriesID   int64
	occurrence int
}

// TaskCreate validates and stores a new task in one transaction, together
// with its outbox rows: "task.assigned" when it is assigned to someone other
// than its author, and for a bulk call its client list and "bulk.created".
//
// A form may be open for hours, so what it chose is checked again here: a
// retired template is refused (code "template_archived"), and so is an
// assignee who is not an active staff member of the club: one who left is
// ErrNotFound, as TaskReassign has it; an id that is not the club's staff
// (forged, another club's) is ErrInvalid. Both rows stay share-locked
// until the task is stored, so a template retired or a person let go at the
// same moment waits for the task, and whatever hands over the tasks of
// someone who leaves sees it.
func (db *DB) TaskCreate(ctx context.Context, in TaskCreateInput) (domain.Task, error) {
	var t domain.Task
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		t, err = taskCreateTx(ctx, tx, in, db.clock.Now())
		return err
	})
	return t, err
}

func taskCreateTx(ctx context.Context, tx pgx.Tx, in TaskCreateInput, now time.Time) (domain.Task, error) {
	var (
		typ, name, defTitle string
		reminderMin         *int
		archived            *time.Time
		repeats             bool
	)
	err := tx.QueryRow(ctx, `SELECT task_type, name, default_title, reminder_offset_min, archived_at,
       EXISTS (SELECT 1 FROM template_repeats r WHERE r.club_id = templates.club_id AND r.template_id = templates.id)
FROM templates WHERE club_id = $1 AND id = $2 FOR SHARE`, in.ClubID, in.TemplateID).Scan(&typ, &name, &defTitle, &reminderMin, &archived, &repeats)
	if err != nil {
		return domain.Task{}, fmt.Errorf("task create: template %d: %w", in.TemplateID, mapErr(err))
	}
	if archived != nil {
		return domain.Task{}, domain.Invalid(domain.CodeTemplateArchived, fmt.Sprintf("template %q is retired", name), map[string]any{"template": name})
	}
	if in.AssigneeID != 0 {
		var active bool
		err := tx.QueryRow(ctx, `SELECT active FROM staff WHERE club_id = $1 AND id = $2 FOR SHARE`, in.ClubID, in.AssigneeID).Scan(&active)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Task{}, fmt.Errorf("task create: assignee %d is not staff of club %d: %w", in.AssigneeID, in.ClubID, domain.ErrInvalid)
		}
		if err != nil {
			return domain.Task{}, fmt.Errorf("task create: assignee %d: %w", in.AssigneeID, mapErr(err))
		}
		if !active {
			return domain.Task{}, fmt.Errorf("task create: assignee %d left: %w", in.AssigneeID, domain.ErrNotFound)
		}
	}
	t := domain.Task{
		ClubID: in.ClubID, Type: domain.TaskType(typ), TemplateID: in.TemplateID,
		Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description),
		ClientID: in.ClientID, AuthorID: in.AuthorID, AssigneeID: in.AssigneeID,
		Status: domain.StatusNew, DueAt: in.DueAt, RemindAt: in.RemindAt,
	}
	if t.Title == "" {
		t.Title = defTitle
	}
	if t.Title == "" {
		t.Title = name
	}
	if err := t.ValidateText(); err != nil {
		return domain.Task{}, err
	}
	n := 0
	switch {
	case t.Type == domain.TypeBulkCall:
		n = len(uniqueIDs(in.ClientIDs))
		if in.ClientID != 0 {
			return domain.Task{}, domain.Invalid(domain.CodeClientCountInvalid, "a bulk call lists its clients in ClientIDs", nil)
		}
	case in.ClientID != 0:
		n = 1
	}
	if err := t.Type.ValidateClients(n); err != nil {
		return domain.Task{}, err
	}
	if t.RemindAt == nil && reminderMin != nil {
		offset := time.Duration(*reminderMin) * time.Minute
		t.RemindAt = domain.DefaultReminder(t.DueAt, &offset, now)
	}
	if repeats && in.occurrence == 0 {
		in.occurrence = 1 // the first of a series (task_repeat.go)
	}
	err = tx.QueryRow(ctx, `
INSERT INTO tasks (club_id, task_type, template_id, title, description, client_id, author_id, assignee_id,
                   status, due_at, remind_at, created_at, updated_at, series_id, occurrence)
VALUES ($1, $2, $3, $4, $5, nullif($6, 0), nullif($7, 0), nullif($8, 0), 'new', $9, $10, $11, $11, nullif($12, 0), nullif($13, 0))
RETURNING id, created_at, updated_at`,
		t.ClubID, string(t.Type), t.TemplateID, t.Title, t.Description, t.ClientID, t.AuthorID, t.AssigneeID,
		t.DueAt, t.RemindAt, now, in.seriesID, in.occurrence).Scan(&t.ID, &t.CreatedAt, &t.UpdatedAt)
	if err != nil {
		return domain.Task{}, fmt.Errorf("task create: %w", mapErr(err))
	}
	if t.Type == domain.TypeBulkCall {
		ids := uniqueIDs(in.ClientIDs)
		tag, err := tx.Exec(ctx, `
INSERT INTO bulk_call_clients (club_id, task_id, client_id)
SELECT $1, $2, c.id FROM clients c WHERE c.club_id = $1 AND c.id = ANY($3)`, t.ClubID, t.ID, ids)
		if err != nil {
			return domain.Task{}, fmt.Errorf("task create: bulk clients: %w", mapErr(err))
		}
		if int(tag.RowsAffected()) != len(ids) {
			return domain.Task{}, fmt.Errorf("task create: %w: %d of %d clients are not in this club", domain.ErrNotFound, len(ids)-int(tag.RowsAffected()), len(ids))
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO bulk_calls (task_id, club_id, total, progress_chat, progress_message_id)
VALUES ($1, $2, $3, nullif($4, ''), nullif($5::bigint, 0))`, t.ID, t.ClubID, len(ids), progressChat(in.ProgressChat), in.ProgressMessageID); err != nil {
			return domain.Task{}, fmt.Errorf("task create: bulk call: %w", mapErr(err))
		}
		if _, err := outboxAdd(ctx, tx, t.ClubID, domain.OutboxBulkCreated, domain.OutboxPayload{TaskID: t.ID}, now); err != nil {
			return domain.Task{}, err
		}
	}
	if t.AssigneeID != 0 && t.AssigneeID != t.AuthorID {
		if _, err := outboxAdd(ctx, tx, t.ClubID, domain.OutboxTaskAssigned,
			domain.OutboxPayload{TaskID: t.ID, StaffID: t.AssigneeID, ActorID: t.AuthorID}, now); err != nil {
			return domain.Task{}, err
		}
	}
	return t, nil
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// progressChat is a bulk call's progress chat as stored: empty for none.
func progressChat(to chat.Address) string {
	if to.IsZero() {
		return ""
	}
	return to.String()
}
