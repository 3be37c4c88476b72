package bot

import "github.com/clubcrm/clubcrm/domain"

// taskSnooze moves a reminder on ("sz|<task>|<15|60|tm>", the buttons of a
// reminder the workers send): 15 minutes, an hour, or tomorrow morning in
// the club's zone. The store re-checks rights and that the task is open.
func (b *Bot) taskSnooze(r *request) error {
	id, kind, err := r.taskAndWord()
	if err != nil {
		return err
	}
	until, err := domain.SnoozeUntil(kind, b.clock.Now(), r.loc)
	if err != nil {
		return errBadArg
	}
	if err := b.db.TaskSnooze(r.ctx, r.club.ID, id, r.staff, until); err != nil {
		return err
	}
	r.answer(r.t("bot.snooze.done", map[string]any{"At": r.when(until)}))
	return nil
}
