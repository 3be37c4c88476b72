package bot

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// step is one stage of handling an update; middleware wraps the next stage.
// The chain (New) is logging → recovering → identify → route.
type step func(r *request)

// logging writes one structured line per update once it is handled.
func (b *Bot) logging(next step) step {
	return func(r *request) {
		defer r.done() // the outermost stage: the update is handled when it returns
		start := time.Now()
		next(r)
		b.log.Info("update",
			"update_id", r.update.ID,
			"chat", r.to.String(),
			"staff_id", r.staff.ID,
			"club_id", r.club.ID,
			"action", r.action,
			"duration", time.Since(start))
	}
}

// recovering turns a panic in any later stage into a logged error (with the
// stack) and a short apology, so one bad update never stops the bot:
// go-telegram/bot runs handlers without a recover of its own.
func (b *Bot) recovering(next step) step {
	return func(r *request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			b.log.Error("panic in handler",
				"panic", fmt.Sprint(v),
				"stack", string(debug.Stack()),
				"update_id", r.update.ID,
				"staff_id", r.staff.ID,
				"club_id", r.club.ID,
				"action", r.action)
			if r.staff.ID == 0 {
				return // a stranger gets nothing but the one polite line
			}
			apology := r.t("bot.err.internal", nil)
			if r.cb != nil && !r.answered {
				r.alert(apology)
				return
			}
			if _, err := r.reply(apology, nil); err != nil {
				b.log.Warn("send apology", "err", err)
			}
		}()
		next(r)
	}
}

// identify finds the staff member behind the Telegram account and fills in
// the request's staff, club, time zone and language. Updates from people who
// are not (or no longer) active staff go to stranger: one polite line, and
// the one command they may use, "/start <invite code>". Updates from group
// chats are ignored: the bot talks about clients only in private.
func (b *Bot) identify(next step) step {
	return func(r *request) {
		if r.from.ID == "" || r.from.IsBot {
			return
		}
		if !r.private() {
			r.action = "ignored:group"
			r.ensureAnswered()
			return
		}
		st, club, clubs, err := b.db.Identify(r.ctx, r.account())
		switch {
		case errors.Is(err, domain.ErrNotFound):
			b.stranger(r)
			return
		case err != nil:
			b.log.Error("identify staff", "err", err, "chat", r.to.String())
			apology := r.t("bot.err.internal", nil)
			if r.cb != nil {
				r.answer(apology)
			} else if _, err := r.reply(apology, nil); err != nil {
				b.log.Warn("send apology", "err", err)
			}
			return
		}
		// Identify also recorded that they wrote: an account that had
		// refused messages gets them again.
		r.clubs = clubs
		r.workIn(st, club)
		next(r)
	}
}

// pickLanguage: the language the person chose with /lang, else their
// messenger app's, else the club's.
func pickLanguage(chosen domain.Language, appCode string, club domain.Language) domain.Language {
	if chosen != "" {
		return chosen
	}
	if l, ok := domain.ParseLanguage(appCode); ok {
		return l
	}
	if club != "" {
		return club
	}
	return domain.LangEN
}

// stranger handles an update from someone who is not active staff: the
// invite deep link "/start <code>" joins them; anything else gets one polite
// line that says nothing about the club or its data.
func (b *Bot) stranger(r *request) {
	r.action = "stranger"
	if r.msg != nil {
		if name, args := parseCommand(r.text); len(r.text) > 0 && r.text[0] == '/' && name == "start" && args != "" {
			r.action = "cmd:start"
			r.args = args
			if err := b.join(r); err != nil {
				r.fail(err)
			}
			return
		}
	}
	line := r.t("bot.stranger", nil)
	if r.cb != nil {
		r.answer(line)
		return
	}
	if _, err := r.reply(line, nil); err != nil {
		b.log.Warn("reply to stranger", "err", err)
	}
}

// workIn makes the request act as staff member st of club.
func (r *request) workIn(st domain.Staff, club domain.Club) {
	r.staff, r.club = st, club
	r.lang = pickLanguage(st.Language, r.from.Language, club.Language)
	r.loc = time.UTC
	if loc, err := club.Location(); err == nil {
		r.loc = loc
	} else {
		r.b.log.Error("club time zone", "err", err, "club_id", club.ID)
	}
}
