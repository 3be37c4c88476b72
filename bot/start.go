package bot

import (
	"github.com/clubcrm/clubcrm/domain"
)

// join redeems an invite: "/start <code>" from the deep link a manager got
// from `clubcrm staff invite` (or Viber's conversation context) links this
// account to a new staff record; an account already on another club's staff
// gets a second one, and works in the new club from now on (/club switches). Codes are single use and expire; a wrong, used or expired code
// gets the same answer, so codes cannot be probed.
func (b *Bot) join(r *request) error {
	if !domain.ValidInviteCodeSyntax(r.args) {
		_, err := r.reply(r.t("bot.join.invalid", nil), nil)
		return err
	}
	st, err := b.db.InviteRedeem(r.ctx, r.args, r.account(), r.from)
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
	welcome := r.t("bot.join.welcome", map[string]any{"Name": esc(st.Name), "Club": esc(club.Name)})
	if len(r.clubs) > 0 {
		// Staff of another club already: they have several now.
		welcome += "\n" + r.t("bot.club.joined_another", nil)
		r.clubs = append(r.clubs, domain.Membership{ClubID: club.ID, ClubName: club.Name, StaffID: st.ID, Role: st.Role})
	}
	_, err = r.reply(welcome+"\n\n"+r.helpText(), nil)
	return err
}

// startCommand is "/start" from someone already on the staff (opening the
// bot again, or an invite link tapped twice).
//
// With an invite of another club it joins that club too (a coach at two
// studios): the account gets a second staff record and works in the new
// club from now on. An invite of a club they are already on the staff of
// changes nothing.
func (b *Bot) startCommand(r *request) error {
	if r.args != "" && domain.ValidInviteCodeSyntax(r.args) {
		// A used or unknown code (their own link tapped again) is answered
		// as before: they are on the staff already.
		err := b.join(r)
		if !domainCode(err, domain.CodeAlreadyLinked, domain.CodeInviteInvalid) {
			return err
		}
	}
	r.setManagerMenu()
	text := r.helpText()
	if r.args != "" {
		text = r.t("bot.join.already", map[string]any{"Club": esc(r.club.Name)}) + "\n\n" + text
	}
	_, err := r.reply(text, nil)
	return err
}
