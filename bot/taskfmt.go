package bot

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Shared pieces of task screens: how a type, a status, a due time and a list
// line read in the person's language and the club's time zone.

// typeLabel is the task type's name ("Personal call").
func (r *request) typeLabel(t domain.TaskType) string { return r.t("type."+string(t), nil) }

// statusLabel is the status's name ("In progress").
func (r *request) statusLabel(s domain.Status) string { return r.t("status."+string(s), nil) }

// when formats a moment in the club's zone and the person's language.
func (r *request) when(t time.Time) string { return i18n.DateTime(r.lang, t, r.loc) }

// dueText is a due time as a line shows it, marked when overdue; "no due
// date" when there is none.
func (r *request) dueText(due *time.Time, open bool) string {
	if due == nil {
		return r.t("bot.task.no_due", nil)
	}
	s := r.when(*due)
	if open && due.Before(r.b.clock.Now()) {
		return "⚠️ " + s
	}
	return s
}

// taskLineText is one task in a list: "3. Personal call · Trial lesson ·
// Anna K. — 26 Nov 2026, 14:30" (HTML-escaped).
func (r *request) taskLineText(n int, l postgres.TaskLine) string {
	parts := []string{r.typeLabel(l.Type), esc(l.TemplateNameIn(r.lang))}
	if l.ClientName != "" {
		parts = append(parts, esc(l.ClientName))
	} else if l.Title != l.TemplateName {
		parts = append(parts, esc(l.TitleIn(r.lang)))
	}
	return strconv.Itoa(n) + ". " + strings.Join(parts, " · ") + " — " + r.dueText(l.DueAt, l.Status.Open())
}

// taskButtonText is a task's button in a list: its number and who or what
// it is about, short enough for a phone screen.
func taskButtonText(lang domain.Language, n int, l postgres.TaskLine) string {
	label := l.TitleIn(lang)
	if l.ClientName != "" {
		label = l.ClientName
	}
	return strconv.Itoa(n) + ". " + clip(label, 40)
}

// historyText is a client's latest results under a heading, one line each
// with who recorded it; empty when there are none.
func (r *request) historyText(history []postgres.ClientResultItem) string {
	if len(history) == 0 {
		return ""
	}
	var sb strings.Builder
	sb.WriteString("\n\n<b>" + r.t("bot.card.history", nil) + "</b>")
	for _, h := range history {
		sb.WriteString("\n• " + r.when(h.At) + " — " + esc(h.TemplateNameIn(r.lang)) + ": " + esc(h.ResultNameIn(r.lang)))
		if h.StaffName != "" {
			sb.WriteString(" (" + esc(h.StaffName) + ")")
		}
	}
	return sb.String()
}

// clip shortens s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
