package bot

import (
	"strings"

	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// pageSize is how many tasks a list shows at once (on a channel without a
// list size of its own, see request.pageSize): enough to scan, few
// enough that the buttons fit a phone screen.
const pageSize = 10

// maxPage bounds page numbers from callback data.
const maxPage = 10000

// filterCodes maps the one-letter filter codes of callback data to filters.
var filterCodes = map[string]postgres.TaskFilter{
	"a": postgres.TaskFilterAll,
	"t": postgres.TaskFilterToday,
	"o": postgres.TaskFilterOverdue,
}

// filterOrder is the order of the filter buttons.
var filterOrder = []string{"t", "o", "a"}

// tasksCommand is "/tasks": the person's open tasks, overdue first.
func (b *Bot) tasksCommand(r *request) error {
	text, kb, items, err := b.tasksScreen(r, "a", 0)
	if err != nil {
		return err
	}
	_, err = r.replyList(text, kb, items)
	return err
}

// tasksList is a tap on a filter or page button ("tl|<filter>|<page>"): it
// redraws the same message.
func (b *Bot) tasksList(r *request) error {
	code, err := r.data.Str(0)
	if err != nil {
		return err
	}
	if _, ok := filterCodes[code]; !ok {
		return errBadArg
	}
	page, err := r.pageArg(1)
	if err != nil {
		return err
	}
	text, kb, items, err := b.tasksScreen(r, code, page)
	if err != nil {
		return err
	}
	_, err = r.showList(text, kb, items)
	return err
}

// tasksScreen draws a page of "My tasks": a numbered line per task, a
// button per task opening its card, the filters and paging. items is how
// many tasks the page lists: the last lines of the text and the first rows
// of the keyboard, a list a channel may draw as one (see replyList).
func (b *Bot) tasksScreen(r *request, code string, page int) (text string, kb [][]chat.Button, items int, err error) {
	res, page, err := fetchPage(r.pageSize(), page, func(page int) (postgres.TaskPage, error) {
		return b.db.TaskListMine(r.ctx, postgres.TaskListQuery{
			ClubID: r.club.ID, AssigneeID: r.staff.ID, Filter: filterCodes[code],
			Now: b.clock.Now(), Loc: r.loc, Offset: page * r.pageSize(), Limit: r.pageSize(),
		})
	})
	if err != nil {
		return "", nil, 0, err
	}
	var sb strings.Builder
	sb.WriteString(r.listHeader("<b>"+r.t("bot.tasks.title", nil)+"</b> · "+r.t("bot.tasks.filter."+code, nil), res.Total, page))
	if len(res.Lines) == 0 {
		sb.WriteString("\n\n" + r.t("bot.tasks.empty."+code, nil))
	}
	from := origin{list: listMine + code, page: page}
	for i, l := range res.Lines {
		n := page*r.pageSize() + i + 1
		sb.WriteString("\n" + r.taskLineText(n, l))
		kb = append(kb, row(btn(taskButtonText(r.lang, n, l), callback.ActionTaskCard, l.ID, from)))
	}
	kb = append(kb, pagingRow(r, callback.ActionTaskList, []any{code}, page, res.Total))
	var filters []chat.Button
	for _, c := range filterOrder {
		label := r.t("bot.tasks.filter."+c, nil)
		if c == code {
			label = "• " + label + " •"
		}
		filters = append(filters, btn(label, callback.ActionTaskList, c, 0))
	}
	kb = append(kb, filters)
	return sb.String(), kb, len(res.Lines), nil
}

// pageArg reads argument i of the callback data as a page of a list.
func (r *request) pageArg(i int) (int, error) {
	page, err := r.data.Int(i)
	if err != nil {
		return 0, err
	}
	if page > maxPage {
		return 0, errBadArg
	}
	return int(page), nil
}

// listHeader is a list's first line: the title (HTML), the count of tasks
// and, when there is more than one, the page shown.
func (r *request) listHeader(title string, total, page int) string {
	s := title + " · " + r.n("tasks.count", total, nil)
	if pages := (total + r.pageSize() - 1) / r.pageSize(); pages > 1 {
		s += " · " + r.t("bot.list.page", map[string]any{"Page": page + 1, "Pages": pages})
	}
	return s
}

// fetchPage loads a page of a list. A page past the end (the list shrank
// since its buttons were drawn) shows the last page there is instead, and
// page is the page shown.
func fetchPage(size, page int, fetch func(page int) (postgres.TaskPage, error)) (postgres.TaskPage, int, error) {
	res, err := fetch(page)
	if err != nil || page == 0 || len(res.Lines) > 0 {
		return res, page, err
	}
	// Past the end: an empty page carries no total, so ask for the first.
	if res, err = fetch(0); err != nil || res.Total <= size {
		return res, 0, err
	}
	last := (res.Total - 1) / size
	res, err = fetch(last)
	return res, last, err
}

// pagingRow is the « / » row of a paged list: action with args, then the
// page. Empty when everything fits one page.
func pagingRow(r *request, action string, args []any, page, total int) []chat.Button {
	var out []chat.Button
	if page > 0 {
		out = append(out, btn("« "+r.t("bot.list.prev", nil), action, append(args, page-1)...))
	}
	if (page+1)*r.pageSize() < total {
		out = append(out, btn(r.t("bot.list.next", nil)+" »", action, append(args, page+1)...))
	}
	return out
}

// pageSize is how many items a list page shows on the person's channel.
func (r *request) pageSize() int {
	if n := r.caps.ListItems; n > 0 && n < pageSize {
		return n
	}
	return pageSize
}
