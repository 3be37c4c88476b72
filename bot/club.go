package bot

import (
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// clubCommand is /club: a person on the staff of several clubs picks the one
// they work in (remembered for the account they write from); with one club
// it just names it.
func (b *Bot) clubCommand(r *request) error {
	if len(r.clubs) < 2 {
		_, err := r.reply(r.t("bot.club.only", map[string]any{"Club": esc(r.club.Name)}), nil)
		return err
	}
	kb := make([][]chat.Button, 0, len(r.clubs))
	for _, m := range r.clubs {
		label := m.ClubName
		if m.ClubID == r.club.ID {
			label = "✓ " + label
		}
		kb = append(kb, row(btn(label, callback.ActionClubWork, m.ClubID)))
	}
	_, err := r.reply(r.t("bot.club.choose", nil), kb)
	return err
}

// clubWork switches the account to the tapped club, if it is on that club's
// staff (checked by the store, never taken from the button).
func (b *Bot) clubWork(r *request) error {
	clubID, err := r.data.Int(0)
	if err != nil {
		return err
	}
	st, club, err := b.db.IdentitySwitch(r.ctx, r.account(), clubID)
	if err != nil {
		return err
	}
	r.workIn(st, club)
	r.setManagerMenu()
	r.answer("")
	_, err = r.show(r.t("bot.club.switched", map[string]any{"Club": esc(club.Name)})+"\n\n"+r.helpText(), nil)
	return err
}
