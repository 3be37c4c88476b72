package bot

import (
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// languageNames are shown on the /lang buttons in their own language, so a
// person who cannot read the current one still finds theirs.
var languageNames = map[domain.Language]string{domain.LangRU: "Русский", domain.LangUK: "Українська", domain.LangEN: "English"}

// langCommand offers the languages as buttons.
func (b *Bot) langCommand(r *request) error {
	var kb []chat.Button
	for _, l := range domain.Languages {
		label := languageNames[l]
		if l == r.lang {
			label = "✓ " + label
		}
		kb = append(kb, btn(label, callback.ActionLanguage, string(l)))
	}
	_, err := r.reply(r.t("bot.lang.choose", nil), [][]chat.Button{kb})
	return err
}

// langSet saves the chosen language on the staff member and redraws the
// message in it.
func (b *Bot) langSet(r *request) error {
	code, err := r.data.Str(0)
	if err != nil {
		return err
	}
	l, ok := domain.ParseLanguage(code)
	if !ok || string(l) != code {
		return errBadArg
	}
	if err := b.db.StaffSetLanguage(r.ctx, r.club.ID, r.staff.ID, l); err != nil {
		return err
	}
	r.staff.Language, r.lang = l, l
	r.setManagerMenu()
	r.answer(r.t("bot.lang.saved", nil))
	_, err = r.show(r.t("bot.lang.saved", nil), nil)
	return err
}
