package bot

import (
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// taskStatusMenu offers the status changes allowed now ("st|<task>|<origin>"),
// in the card's message. Closing a client task is not offered here: it takes
// a result (the card's "Enter result").
func (b *Bot) taskStatusMenu(r *request) error {
	t, err := b.tappedTaskFor(r, domain.ActionChangeStatus)
	if err != nil {
		return err
	}
	o := r.originArg(1)
	var kb [][]chat.Button
	for _, to := range domain.Statuses {
		tr := domain.Transition{From: t.Status, To: to, Type: t.Type, ByManager: r.staff.IsManager()}
		if domain.CheckTransition(tr) != nil {
			continue
		}
		label := r.t("bot.status.to."+string(to), nil)
		if !t.Status.Open() && to == domain.StatusInProgress {
			label = r.t("bot.status.reopen", nil)
		}
		kb = append(kb, row(btn(label, callback.ActionTaskStatusSet, t.ID, string(to), o)))
	}
	if len(kb) == 0 {
		r.answer(r.t("bot.status.none", nil))
		return nil
	}
	kb = append(kb, row(btn(r.t("common.back", nil), callback.ActionTaskCard, t.ID, o)))
	text := "<b>" + esc(t.TitleIn(r.lang)) + "</b>\n" + r.t("bot.status.choose", map[string]any{"Status": r.statusLabel(t.Status)})
	_, err = r.show(text, kb)
	return err
}

// taskStatusSet applies a status change ("ss|<task>|<status>|<origin>"). The
// store re-reads the task and re-checks rights and the transition, so a
// button drawn before someone else changed the task changes nothing.
func (b *Bot) taskStatusSet(r *request) error {
	id, s, err := r.taskAndWord()
	if err != nil {
		return err
	}
	to, err := domain.ParseStatus(s)
	if err != nil {
		return errBadArg
	}
	t, err := b.db.TaskStatusSet(r.ctx, r.club.ID, id, r.staff, to)
	if err != nil {
		return err
	}
	r.answer(r.t("bot.status.saved", map[string]any{"Status": r.statusLabel(t.Status)}))
	return b.redrawCard(r, id, r.originArg(2))
}

// taskDeleteAsk asks before deleting ("dl|<task>|<origin>").
func (b *Bot) taskDeleteAsk(r *request) error {
	t, err := b.tappedTaskFor(r, domain.ActionDelete)
	if err != nil {
		return err
	}
	o := r.originArg(1)
	kb := [][]chat.Button{
		row(btn("🗑 "+r.t("bot.delete.yes", nil), callback.ActionTaskDelete, t.ID, o), btn(r.t("bot.delete.no", nil), callback.ActionTaskCard, t.ID, o)),
	}
	_, err = r.show(r.t("bot.delete.ask", map[string]any{"Title": esc(t.TitleIn(r.lang))}), kb)
	return err
}

// taskDeleteConfirm deletes ("dy|<task>|<origin>") and goes back to the list
// the card came from, or leaves a line saying the task is deleted.
func (b *Bot) taskDeleteConfirm(r *request) error {
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	o := r.originArg(1)
	if err := b.db.TaskDelete(r.ctx, r.club.ID, id, r.staff); err != nil {
		return err
	}
	r.answer(r.t("bot.delete.done", nil))
	var kb [][]chat.Button
	if back, ok := r.backButton(o); ok {
		kb = append(kb, row(back))
	}
	_, err = r.show(r.t("bot.delete.done", nil), kb)
	return err
}
