package bot

// taskTake is "take into work" ("tk|<task>[|<origin>]"), from a card or a
// notification. The store's conditional update decides races: when two
// people tap at once, one gets the task and the other is told who did
// (code "task_taken"), and nothing changes for them.
func (b *Bot) taskTake(r *request) error {
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	if _, err := b.db.TaskTake(r.ctx, r.club.ID, id, r.staff); err != nil {
		return err
	}
	r.answer(r.t("bot.take.done", nil))
	return b.redrawCard(r, id, r.originArg(1))
}
