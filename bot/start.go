package bot

import (
	"strconv"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// join redeems an invite: "/start <code>" from the deep link a manager got
// from `clubcrm staff invite` links this Telegram account to a new staff
// record. Codes are single use and expire; a wrong, used or expired code
// gets the same answer, so codes cannot be probed.
func (b *Bot) join(r *request) error {
	if !domain.ValidInviteCodeSyntax(r.args) {
		_, err := r.reply(r.t("bot.join.invalid", nil), nil)
		return err
	}
	tgID, _ := strconv.ParseInt(r.from.ID, 10, 64)
	st, err := b.db.InviteRedeem(r.ctx, r.args, postgres.TelegramUser{
		ID: tgID, Username: r.from.Username, FirstName: r.from.FirstName,
		LastName: r.from.LastName, LanguageCode: r.from.Language,
	})
	if err != nil {
		return err // invite_invalid and already_linked have their own lines
	}
	club, err := b.db.ClubGet(r.ctx, st.ClubID)
	if err != nil {
		return err
	}
	r.staff, r.club = st, club
	r.lang = pickLanguage(st.Language, r.from.Language, club.Language)
	r.setManagerMenu()
	_, err = r.reply(r.t("bot.join.welcome", map[string]any{"Name": esc(st.Name), "Club": esc(club.Name)})+"\n\n"+r.helpText(), nil)
	return err
}

// startCommand is "/start" from someone already on the staff (opening the
// bot again, or an invite link tapped twice).
func (b *Bot) startCommand(r *request) error {
	r.setManagerMenu()
	text := r.helpText()
	if r.args != "" {
		text = r.t("bot.join.already", map[string]any{"Club": esc(r.club.Name)}) + "\n\n" + text
	}
	_, err := r.reply(text, nil)
	return err
}
