package bot

import (
	"slices"
	"strconv"
	"strings"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
)

// The screens of the /new form (task_new.go).

// newTaskScreen draws the step's screen.
func (b *Bot) newTaskScreen(r *request, st newTaskForm, v newTaskView, data buttonData) (string, [][]chat.Button) {
	header := r.t("forms.new.title", nil)
	if v.template.ID != 0 && st.Step != newStepTemplate {
		header += " · " + esc(v.template.NameIn(r.lang))
	}
	nav := r.formNav(data)
	var kb [][]chat.Button
	var text string
	switch st.Step {
	case newStepTemplate:
		text = r.t("forms.new.template", nil)
		var typ domain.TaskType
		for _, t := range v.templates {
			if t.Type != typ {
				typ = t.Type
				kb = append(kb, row(dataBtn("— "+r.t("type."+string(typ), nil)+" —", data(opNop))))
			}
			kb = append(kb, row(dataBtn(t.NameIn(r.lang), data(opTemplate, t.ID))))
		}
		kb = append(kb, row(dataBtn(r.t("common.cancel", nil), data(opCancel))))
		return header + "\n\n" + text, kb
	case newStepClient:
		return b.clientView(r, header, st.Client, data)
	case newStepBulk:
		text = r.n("forms.new.bulk", v.count, nil)
		var statuses []chat.Button
		for _, s := range domain.ClientStatuses {
			statuses = append(statuses, dataBtn(tick(slices.Contains(st.Statuses, s))+r.t("forms.client_status."+string(s), nil), data(opStatus, s)))
		}
		kb = append(kb, statuses[:2], statuses[2:])
		kb = append(kb, bulkGroupButtons(st, data)...)
		kb = append(kb, row(dataBtn(r.t("common.done", nil), data(opDone))), nav)
		return header + "\n\n" + text, kb
	case newStepAssignee:
		text = r.t("forms.new.assignee", nil)
		kb = append(kb, row(dataBtn(r.t("forms.new.me", nil), data(opAssignee, r.staff.ID))))
		for _, s := range v.staff {
			if s.ID != r.staff.ID {
				kb = append(kb, row(dataBtn(s.Name, data(opAssignee, s.ID))))
			}
		}
		kb = append(kb, row(dataBtn(r.t("bot.assign.nobody", nil), data(opAssignee, 0))))
		return header + "\n\n" + text, append(kb, nav)
	case newStepDue:
		prompt, pick := st.Due.view(b.cat, r.formEnv(), true, data)
		kb = append(pick, row(dataBtn(r.t("forms.new.no_due", nil), data(opNoDue))), nav)
		return header + "\n\n" + r.t("forms.new.due", nil) + "\n" + prompt, kb
	case newStepDesc:
		kb = [][]chat.Button{row(dataBtn(r.t("forms.skip", nil), data(opSkip))), nav}
		return header + "\n\n" + r.t("forms.new.desc", map[string]any{"Limit": domain.MaxDescriptionLen}), kb
	}
	// newStepConfirm
	kb = [][]chat.Button{row(dataBtn(r.t("forms.new.create", nil), data(opOK))), nav}
	return header + "\n\n" + b.newTaskSummary(r, st, v) + "\n\n" + r.t("forms.new.confirm_q", nil), kb
}

// newTaskSummary lists what will be created, the reminder included.
func (b *Bot) newTaskSummary(r *request, st newTaskForm, v newTaskView) string {
	lines := []string{r.t("forms.new.sum_type", map[string]any{"Type": r.t("type."+string(v.template.Type), nil)})}
	switch {
	case st.ClientID != 0:
		lines = append(lines, r.t("forms.new.sum_client", map[string]any{"Client": esc(st.ClientName)}))
	case v.template.Type == domain.TypeBulkCall:
		lines = append(lines, r.n("forms.new.sum_clients", v.count, nil))
	}
	assignee := r.t("bot.card.unassigned", nil)
	if st.AssigneeID != 0 {
		assignee = esc(st.AssigneeName)
	}
	lines = append(lines, r.t("forms.new.sum_assignee", map[string]any{"Name": assignee}))
	due := r.t("forms.new.no_due", nil)
	if st.DueAt != nil {
		due = i18n.DateTime(r.lang, *st.DueAt, r.loc)
	}
	lines = append(lines, r.t("forms.new.sum_due", map[string]any{"Due": due}))
	// The template's reminder, as the store will set it (one already past
	// is dropped), so the person knows one is coming.
	if remind := domain.DefaultReminder(st.DueAt, v.template.ReminderOffset, r.b.clock.Now()); remind != nil {
		lines = append(lines, r.t("forms.new.sum_reminder", map[string]any{"At": i18n.DateTime(r.lang, *remind, r.loc)}))
	}
	if st.Description != "" {
		lines = append(lines, r.t("forms.new.sum_desc", map[string]any{"Text": esc(st.Description)}))
	}
	return strings.Join(lines, "\n")
}

// bulkGroupButtons are the group toggles of the page shown, and ‹ page ›
// when the groups take more than one page.
func bulkGroupButtons(st newTaskForm, data buttonData) [][]chat.Button {
	pages := st.groupPages()
	page := min(st.GroupPage, pages-1)
	var kb [][]chat.Button
	from := page * bulkGroupsPerPage
	for i := from; i < min(from+bulkGroupsPerPage, len(st.GroupList)); i++ {
		g := st.GroupList[i]
		kb = append(kb, row(dataBtn(tick(slices.Contains(st.Groups, g))+g, data(opGroup, i))))
	}
	if pages == 1 {
		return kb
	}
	prev, next := dataBtn(blankLabel, data(opNop)), dataBtn(blankLabel, data(opNop))
	if page > 0 {
		prev = dataBtn("‹", data(opGroupPg, page-1))
	}
	if page < pages-1 {
		next = dataBtn("›", data(opGroupPg, page+1))
	}
	return append(kb, row(prev, dataBtn(strconv.Itoa(page+1)+"/"+strconv.Itoa(pages), data(opNop)), next))
}

// tick marks a toggle button.
func tick(on bool) string {
	if on {
		return "✓ "
	}
	return "▫️ "
}
