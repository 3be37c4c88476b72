package bot

import (
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"

	"github.com/clubcrm/clubcrm/domain"
)

// Offboarding from /control (managers): a staff member's screen has
// "Deactivate"; the manager chooses who takes their open tasks (or leaves
// them unassigned), confirms, and the store does the rest in one
// transaction (postgres.StaffDeactivate). Nothing changes before the
// confirmation, and every step re-checks the rights, so a forged button
// does no more than the screen would.

// staffOffboardTarget reads the staff member a button names and checks the
// manager may offboard them. Someone already deactivated is
// "staff_inactive".
func (b *Bot) staffOffboardTarget(r *request) (domain.Staff, int, error) {
	if err := domain.CanManageClub(r.staff); err != nil {
		return domain.Staff{}, 0, err
	}
	id, err := r.data.Int(0)
	if err != nil {
		return domain.Staff{}, 0, err
	}
	roster, err := b.db.StaffRoster(r.ctx, r.club.ID)
	if err != nil {
		return domain.Staff{}, 0, err
	}
	for _, l := range roster {
		if l.ID != id {
			continue
		}
		if err := domain.CanDeactivateStaff(r.staff, l.Staff); err != nil {
			return domain.Staff{}, 0, err
		}
		if !l.Active {
			return domain.Staff{}, 0, domain.Conflict(domain.CodeStaffInactive, l.Name+" is already deactivated", map[string]any{"Name": l.Name})
		}
		return l.Staff, l.OpenTasks, nil
	}
	return domain.Staff{}, 0, domain.ErrNotFound
}

// staffOffboardAsk ("sd|<staff>") asks who takes the person's open tasks:
// each other active staff member, or nobody. With no open tasks it goes
// straight to the confirmation.
func (b *Bot) staffOffboardAsk(r *request) error {
	who, open, err := b.staffOffboardTarget(r)
	if err != nil {
		return err
	}
	if open == 0 {
		return b.staffOffboardConfirmScreen(r, who, open, domain.Staff{})
	}
	staff, err := b.db.StaffList(r.ctx, r.club.ID)
	if err != nil {
		return err
	}
	var kb [][]chat.Button
	for _, s := range staff {
		if s.ID != who.ID {
			kb = append(kb, row(btn("→ "+clip(s.Name, 40), callback.ActionStaffOffboardConfirm, who.ID, s.ID)))
		}
	}
	kb = append(kb, row(btn(r.t("bot.offboard.nobody", nil), callback.ActionStaffOffboardConfirm, who.ID, 0)))
	kb = append(kb, row(btn(r.t("common.back", nil), callback.ActionControlStaffList, who.ID, 0)))
	_, err = r.show(r.t("bot.offboard.choose", map[string]any{"Name": esc(who.Name), "Count": open}), kb)
	return err
}

// staffOffboardConfirm ("sc|<staff>|<to or 0>") shows what will happen and
// asks to confirm.
func (b *Bot) staffOffboardConfirm(r *request) error {
	who, open, err := b.staffOffboardTarget(r)
	if err != nil {
		return err
	}
	toID, err := r.data.Int(1)
	if err != nil {
		return err
	}
	var to domain.Staff
	if toID != 0 {
		if to, err = b.db.StaffGet(r.ctx, r.club.ID, toID); err != nil {
			return err
		}
		if !to.Active || to.ID == who.ID {
			return domain.ErrNotFound
		}
	}
	return b.staffOffboardConfirmScreen(r, who, open, to)
}

func (b *Bot) staffOffboardConfirmScreen(r *request, who domain.Staff, open int, to domain.Staff) error {
	text := r.t("bot.offboard.confirm", map[string]any{"Name": esc(who.Name)})
	switch {
	case open == 0:
		text += "\n" + r.t("bot.offboard.no_tasks", nil)
	case to.ID != 0:
		text += "\n" + r.t("bot.offboard.tasks_to", map[string]any{"Count": open, "To": esc(to.Name)})
	default:
		text += "\n" + r.t("bot.offboard.tasks_nobody", map[string]any{"Count": open})
	}
	kb := [][]chat.Button{
		row(btn("🚪 "+r.t("bot.offboard.yes", nil), callback.ActionStaffOffboard, who.ID, to.ID), btn(r.t("bot.offboard.cancel", nil), callback.ActionControlStaffList, who.ID, 0)),
	}
	_, err := r.show(text, kb)
	return err
}

// staffOffboard ("sy|<staff>|<to or 0>") deactivates, after the
// confirmation, and says what was done; Back returns to the summary.
func (b *Bot) staffOffboard(r *request) error {
	if err := domain.CanManageClub(r.staff); err != nil {
		return err
	}
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	to, err := r.data.Int(1)
	if err != nil {
		return err
	}
	res, err := b.db.StaffDeactivate(r.ctx, r.club.ID, id, to, r.staff)
	if err != nil {
		return err
	}
	r.answer(r.t("bot.offboard.done", map[string]any{"Name": res.Staff.Name}))
	text := r.t("bot.offboard.done", map[string]any{"Name": esc(res.Staff.Name)})
	if res.Tasks > 0 {
		text += "\n" + r.t("bot.offboard.moved", map[string]any{"Count": res.Tasks})
	}
	_, err = r.show(text, [][]chat.Button{row(btn(r.t("common.back", nil), callback.ActionControl))})
	return err
}
