package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// CallTemplate returns the template a call logged on the spot is filed
// under (see personalCallTemplate).
func (db *DB) CallTemplate(ctx context.Context, clubID int64) (domain.Template, error) {
	return personalCallTemplate(ctx, db.pool, clubID)
}

// personalCallTemplate is the one answer to "which personal-call template",
// for calls logged on the spot and for bulk-call subtasks alike: the club's
// default personal-call template (keyed "personal_call" first), or failing
// that its first live personal-call template. A club with none is
// ErrNotFound.
func personalCallTemplate(ctx context.Context, q querier, clubID int64) (domain.Template, error) {
	var t domain.Template
	var typ string
	err := q.QueryRow(ctx, `
SELECT id, club_id, key, name, names, task_type, default_title, is_default, position
FROM templates
WHERE club_id = $1 AND task_type = 'personal_call' AND archived_at IS NULL
ORDER BY is_default DESC, key = 'personal_call' DESC, position, id LIMIT 1`, clubID).Scan(
		&t.ID, &t.ClubID, &t.Key, &t.Name, &t.Names, &typ, &t.DefaultTitle, &t.IsDefault, &t.Position)
	if err != nil {
		return domain.Template{}, fmt.Errorf("call template of club %d: %w", clubID, mapErr(err))
	}
	t.Type = domain.TaskType(typ)
	return t, nil
}

// CallLogInput is a call logged on the spot (the bot's /call): who called
// whom, and what came of it.
type CallLogInput struct {
	ClubID     int64
	Actor      domain.Staff // who took or made the call; the task is theirs
	ClientID   int64
	Direction  domain.CallDirection
	TemplateID int64 // a personal-call template; 0: CallTemplate's choice
	ResultID   int64
	Values     []domain.FieldValue
}

// CallLogged is what CallLog stored.
type CallLogged struct {
	Task         domain.Task // the completed personal-call task
	TaskResultID int64
	CallID       int64
}

// CallLog stores a call that already happened as a completed personal-call
// task of the actor, with its result, field values, the call record and a
// "result.recorded" outbox row (so the workflow's next step follows), all in
// one transaction: either the whole call is logged or nothing is.
func (db *DB) CallLog(ctx context.Context, in CallLogInput) (CallLogged, error) {
	if _, err := domain.ParseCallDirection(string(in.Direction)); err != nil {
		return CallLogged{}, err
	}
	if !in.Actor.Active || in.Actor.ClubID != in.ClubID {
		return CallLogged{}, fmt.Errorf("call log: actor %d: %w", in.Actor.ID, domain.ErrNotFound)
	}
	now := db.clock.Now()
	var out CallLogged
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tplID := in.TemplateID
		if tplID == 0 {
			tpl, err := personalCallTemplate(ctx, tx, in.ClubID)
			if err != nil {
				return err
			}
			tplID = tpl.ID
		}
		t, err := taskCreateTx(ctx, tx, TaskCreateInput{
			ClubID: in.ClubID, TemplateID: tplID, ClientID: in.ClientID,
			AuthorID: in.Actor.ID, AssigneeID: in.Actor.ID, DueAt: &now,
		}, now)
		if err != nil {
			return fmt.Errorf("call log: %w", err)
		}
		if t.Type != domain.TypePersonalCall {
			return domain.Invalid(domain.CodeTemplateNotCall, fmt.Sprintf("template %d is not a personal call", tplID), nil)
		}
		dir := in.Direction
		trID, callID, err := resultWriteTx(ctx, tx, resultWrite{
			Task: t, ResultID: in.ResultID, ActorID: in.Actor.ID, Values: in.Values, Call: &dir,
		}, now)
		if err != nil {
			return fmt.Errorf("call log: %w", err)
		}
		t.Status, t.ResultID, t.DoneAt = domain.StatusDone, in.ResultID, &now
		out = CallLogged{Task: t, TaskResultID: trID, CallID: callID}
		return nil
	})
	if err != nil {
		return CallLogged{}, err
	}
	return out, nil
}
