package bot

import (
	"strconv"
	"strings"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// controlCommand is "/control" (owners and managers): everyone's open,
// overdue and done-today counts, staff who cannot be reached, and the
// unassigned tasks, with buttons into each list.
func (b *Bot) controlCommand(r *request) error {
	text, kb, err := b.controlScreen(r)
	if err != nil {
		return err
	}
	_, err = r.reply(text, kb)
	return err
}

// controlRefresh redraws the summary in place ("cs", also Back from a list).
func (b *Bot) controlRefresh(r *request) error {
	if err := domain.CanManageClub(r.staff); err != nil {
		return err
	}
	text, kb, err := b.controlScreen(r)
	if err != nil {
		return err
	}
	_, err = r.show(text, kb)
	return err
}

func (b *Bot) controlScreen(r *request) (string, [][]chat.Button, error) {
	sum, err := b.db.ControlSummaryGet(r.ctx, r.club.ID, b.clock.Now(), r.loc)
	if err != nil {
		return "", nil, err
	}
	var sb strings.Builder
	sb.WriteString("<b>" + r.t("bot.control.title", nil) + "</b>")
	var kb [][]chat.Button
	for _, s := range sum.Staff {
		line := "\n" + esc(s.Name) + " — " + r.t("bot.control.counts", map[string]any{"Open": s.Open, "Overdue": s.Overdue, "Done": s.DoneToday})
		if s.Unreachable {
			line += " · 🚫 " + r.t("bot.control.unreachable", nil)
		}
		sb.WriteString(line)
		// Everyone has a button, with open tasks or not: their screen is
		// also where a manager offboards them.
		kb = append(kb, row(btn(clip(s.Name, 30)+" ("+strconv.Itoa(s.Open)+")", callback.ActionControlStaffList, s.StaffID, 0)))
	}
	sb.WriteString("\n\n" + r.t("bot.control.unassigned", map[string]any{"Count": sum.Unassigned, "Overdue": sum.UnassignedOverdue}))
	kb = append(kb, row(
		btn(r.t("bot.control.list.u", nil)+" ("+strconv.Itoa(sum.Unassigned)+")", callback.ActionControlList, "u", 0),
		btn(r.t("bot.control.list.o", nil), callback.ActionControlList, "o", 0),
	))
	kb = append(kb, row(btn("🔄 "+r.t("bot.control.refresh", nil), callback.ActionControl)))
	return sb.String(), kb, nil
}

// controlListCodes maps the list codes of "cl" data to the store's lists.
var controlListCodes = map[string]postgres.ControlList{"u": postgres.ControlUnassigned, "o": postgres.ControlOverdue}

// controlList shows a page of unassigned or overdue tasks ("cl|<u|o>|<page>");
// each opens its card, from which a manager reassigns it.
func (b *Bot) controlList(r *request) error {
	if err := domain.CanManageClub(r.staff); err != nil {
		return err
	}
	code, err := r.data.Str(0)
	if err != nil {
		return err
	}
	list, ok := controlListCodes[code]
	if !ok {
		return errBadArg
	}
	page, err := r.pageArg(1)
	if err != nil {
		return err
	}
	res, shown, err := fetchPage(r.pageSize(), page, func(page int) (postgres.TaskPage, error) {
		return b.db.ControlListGet(r.ctx, r.club.ID, list, b.clock.Now(), page*r.pageSize(), r.pageSize())
	})
	if err != nil {
		return err
	}
	title := r.t("bot.control.list."+code, nil)
	text, kb, items := r.taskListScreen(title, res, shown, origin{list: "c" + code, page: shown}, callback.ActionControlList, []any{code})
	_, err = r.showList(text, kb, items)
	return err
}

// controlStaffList shows a page of one staff member's open tasks
// ("cm|<staff>|<page>"). A staff id of another club shows nothing: the
// list is scoped by this club.
func (b *Bot) controlStaffList(r *request) error {
	if err := domain.CanManageClub(r.staff); err != nil {
		return err
	}
	staffID, err := r.data.Int(0)
	if err != nil {
		return err
	}
	page, err := r.pageArg(1)
	if err != nil {
		return err
	}
	who, err := b.db.StaffGet(r.ctx, r.club.ID, staffID)
	if err != nil {
		return err
	}
	res, shown, err := fetchPage(r.pageSize(), page, func(page int) (postgres.TaskPage, error) {
		return b.db.TaskListMine(r.ctx, postgres.TaskListQuery{
			ClubID: r.club.ID, AssigneeID: who.ID, Filter: postgres.TaskFilterAll, WithBulk: true,
			Now: b.clock.Now(), Loc: r.loc, Offset: page * r.pageSize(), Limit: r.pageSize(),
		})
	})
	if err != nil {
		return err
	}
	text, kb, items := r.taskListScreen(esc(who.Name), res, shown, origin{list: listStaff, page: shown, staff: who.ID}, callback.ActionControlStaffList, []any{who.ID})
	if who.Active && domain.CanDeactivateStaff(r.staff, who) == nil {
		back := kb[len(kb)-1]
		kb = append(kb[:len(kb)-1], row(btn("🚪 "+r.t("bot.offboard.button", nil), callback.ActionStaffOffboardAsk, who.ID)), back)
	}
	_, err = r.showList(text, kb, items)
	return err
}

// taskListScreen draws a page of a task control list: a line and a button
// per task (the card opens in place, Back returns here), paging, and Back to
// the summary. items is how many tasks it lists: the last lines of the text
// and the first rows of the keyboard (see showList).
func (r *request) taskListScreen(title string, res postgres.TaskPage, page int, from origin, action string, args []any) (text string, kb [][]chat.Button, items int) {
	var sb strings.Builder
	sb.WriteString(r.listHeader("<b>"+title+"</b>", res.Total, page))
	if len(res.Lines) == 0 {
		sb.WriteString("\n\n" + r.t("bot.control.empty", nil))
	}
	for i, l := range res.Lines {
		n := page*r.pageSize() + i + 1
		line := r.taskLineText(n, l)
		if l.AssigneeName != "" {
			line += " · " + esc(l.AssigneeName)
		}
		sb.WriteString("\n" + line)
		kb = append(kb, row(btn(taskButtonText(r.lang, n, l), callback.ActionTaskCard, l.ID, from)))
	}
	kb = append(kb, pagingRow(r, action, args, page, res.Total))
	kb = append(kb, row(btn(r.t("common.back", nil), callback.ActionControl)))
	return sb.String(), kb, len(res.Lines)
}
