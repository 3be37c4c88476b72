package bot

import (
	"errors"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// currentCommand is "/current": the task or call the person is on now (the
// last one they took into work), as a card with its quick actions. A
// current task closed or deleted meanwhile is no longer anyone's current
// work: it is dropped.
func (b *Bot) currentCommand(r *request) error {
	if id := r.staff.CurrentTaskID; id != 0 {
		t, err := b.db.TaskGet(r.ctx, r.club.ID, id)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		if err == nil && t.Status.Open() {
			text, kb, err := b.taskCard(r, id, origin{})
			if err != nil {
				return err
			}
			_, err = r.reply("<b>"+r.t("bot.current.title", nil)+"</b>\n\n"+text, kb)
			return err
		}
		if err := b.db.StaffSetCurrentTask(r.ctx, r.club.ID, r.staff.ID, 0); err != nil {
			return err
		}
	}
	_, err := r.reply(r.t("bot.current.none", nil), [][]chat.Button{row(btn(r.t("bot.cmd.tasks", nil), callback.ActionTaskList, "a", 0))})
	return err
}
