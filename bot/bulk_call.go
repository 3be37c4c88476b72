package bot

import (
	"strings"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// A bulk call's status follows its calls (DOMAIN.md): its card shows their
// progress and offers the list of them and cancelling the ones still open,
// never "Done" or a result by hand (domain.TaskButtonsFor; the store
// refuses a manual status change too).

// bulkProgressText is the bulk call card's progress line: closed of total,
// done and cancelled, open; while it is being fanned out, how many calls
// exist so far.
func (r *request) bulkProgressText(s postgres.BulkStatus) string {
	if !s.FannedOut {
		return r.t("bot.card.bulk_creating", map[string]any{"Created": s.Open + s.Done + s.Cancelled, "Total": s.Total})
	}
	return r.t("bot.card.bulk_progress", map[string]any{"Closed": s.Done + s.Cancelled, "Total": s.Open + s.Done + s.Cancelled,
		"Done": s.Done, "Cancelled": s.Cancelled, "Open": s.Open})
}

// bulkCalls shows a page of a bulk call's calls ("bc|<bulk>|<page>"), open
// ones first; each opens its card in place, with Back to this page.
func (b *Bot) bulkCalls(r *request) error {
	bulk, err := b.tappedTaskFor(r, domain.ActionView)
	if err != nil {
		return err
	}
	page, err := r.pageArg(1)
	if err != nil {
		return err
	}
	res, page, err := fetchPage(r.pageSize(), page, func(page int) (postgres.TaskPage, error) {
		return b.db.BulkCallsList(r.ctx, r.club.ID, bulk.ID, page*r.pageSize(), r.pageSize())
	})
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString(r.listHeader("<b>"+r.t("bot.bulk.calls_title", map[string]any{"Title": esc(bulk.Title)})+"</b>", res.Total, page))
	if len(res.Lines) == 0 {
		sb.WriteString("\n\n" + r.t("bot.bulk.calls_empty", nil))
	}
	var kb [][]chat.Button
	from := origin{list: listBulk, page: page, bulk: bulk.ID}
	for i, l := range res.Lines {
		n := page*r.pageSize() + i + 1
		line := r.taskLineText(n, l) + " · " + r.statusLabel(l.Status)
		sb.WriteString("\n" + line)
		kb = append(kb, row(btn(taskButtonText(r.lang, n, l), callback.ActionTaskCard, l.ID, from)))
	}
	kb = append(kb, pagingRow(r, callback.ActionBulkCalls, []any{bulk.ID}, page, res.Total))
	// Back to the card is named after the bulk call: the paging row has a
	// "Back" of its own.
	kb = append(kb, row(btn("« "+clip(bulk.Title, 40), callback.ActionTaskCard, bulk.ID, origin{})))
	_, err = r.show(sb.String(), kb)
	return err
}

// bulkCancelAsk asks before cancelling a bulk call's open calls
// ("bx|<bulk>|<origin>"), saying how many there are.
func (b *Bot) bulkCancelAsk(r *request) error {
	bulk, err := b.tappedTaskFor(r, domain.ActionChangeStatus)
	if err != nil {
		return err
	}
	if bulk.Type != domain.TypeBulkCall {
		return domain.ErrNotFound
	}
	s, err := b.db.BulkStatusGet(r.ctx, r.club.ID, bulk.ID)
	if err != nil {
		return err
	}
	o := r.originArg(1)
	kb := [][]chat.Button{row(
		btn("✖️ "+r.t("bot.bulk.cancel_yes", nil), callback.ActionBulkCancel, bulk.ID, o),
		btn(r.t("bot.bulk.cancel_no", nil), callback.ActionTaskCard, bulk.ID, o),
	)}
	_, err = r.show(r.t("bot.bulk.cancel_ask", map[string]any{"Title": esc(bulk.Title), "Open": s.Open}), kb)
	return err
}

// bulkCancel cancels a bulk call's open calls ("by|<bulk>|<origin>") in one
// statement; the bulk call then follows its calls and is done. The store
// re-checks rights and that the bulk call is still open, so a confirmation
// tapped twice, or after the calls were all closed, changes nothing more.
func (b *Bot) bulkCancel(r *request) error {
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	_, n, err := b.db.BulkCancelOpen(r.ctx, r.club.ID, id, r.staff)
	if err != nil {
		return err
	}
	r.answer(r.t("bot.bulk.cancel_done", map[string]any{"Count": n}))
	return b.redrawCard(r, id, r.originArg(1))
}
