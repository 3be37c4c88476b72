package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// phone applies the plan's phone: section to phone_settings and
// phone_lines. Without the section both are cleared: the club has no phone
// system, and its webhooks are refused.
func (a *planApplier) phone(ctx context.Context) error {
	ph := a.p.Phone
	var (
		provider, role string
		ips            []string
		tplID          int64
		target         int
	)
	err := a.tx.QueryRow(ctx, `
SELECT provider, allow_ips, callback_template_id, callback_role, callback_target_min FROM phone_settings WHERE club_id = $1`,
		a.clubID).Scan(&provider, &ips, &tplID, &role, &target)
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("phone settings: %w", mapErr(err))
	}
	curLines := map[string]int64{}
	rows, err := a.tx.Query(ctx, `SELECT line, staff_id FROM phone_lines WHERE club_id = $1`, a.clubID)
	if err != nil {
		return fmt.Errorf("phone lines: %w", mapErr(err))
	}
	for rows.Next() {
		var l string
		var id int64
		if err := rows.Scan(&l, &id); err != nil {
			rows.Close()
			return fmt.Errorf("phone lines: %w", mapErr(err))
		}
		curLines[l] = id
	}
	rows.Close()
	if ph == nil {
		if found || len(curLines) > 0 {
			if _, err := a.tx.Exec(ctx, `DELETE FROM phone_lines WHERE club_id = $1`, a.clubID); err != nil {
				return fmt.Errorf("phone lines: %w", mapErr(err))
			}
			if _, err := a.tx.Exec(ctx, `DELETE FROM phone_settings WHERE club_id = $1`, a.clubID); err != nil {
				return fmt.Errorf("phone settings: %w", mapErr(err))
			}
			a.change("phone", []string{"removed"})
		}
		return nil
	}
	wantTpl := int64(0)
	if ph.CallbackTemplate != "" {
		t, ok := a.templates[ph.CallbackTemplate]
		if !ok || t.archived || t.taskType != "personal_call" {
			a.errorf(ph.TemplatePos, "phone callback_template %q is not a live personal-call template of the club", ph.CallbackTemplate)
			return nil
		}
		wantTpl = t.id
	} else {
		t, err := personalCallTemplate(ctx, a.tx, a.clubID)
		if err != nil {
			return fmt.Errorf("phone: %w", err)
		}
		wantTpl = t.ID
	}
	// Every line names an active staff member of this club.
	var ids []int64
	for _, l := range ph.Lines {
		ids = append(ids, l.StaffID)
	}
	srows, err := a.tx.Query(ctx, `SELECT id FROM staff WHERE club_id = $1 AND id = ANY($2) AND active`, a.clubID, ids)
	if err != nil {
		return fmt.Errorf("phone lines: %w", mapErr(err))
	}
	active, err := pgx.CollectRows(srows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("phone lines: %w", mapErr(err))
	}
	for _, l := range ph.Lines {
		if !slices.Contains(active, l.StaffID) {
			a.errorf(l.Pos, "phone line %q: staff %d is not an active staff member of club %q", l.Line, l.StaffID, a.p.Club.Slug)
		}
	}
	if len(a.errs) > 0 {
		return nil
	}
	allow := ph.AllowIPs
	if allow == nil {
		allow = []string{}
	}
	mins := int(ph.CallbackTarget / time.Minute)
	var d diffs
	if found {
		d.add(provider != ph.Provider, "provider changed")
		d.add(!slices.Equal(ips, allow), "allow_ips changed")
		d.add(tplID != wantTpl, "callback template changed")
		d.add(role != string(ph.CallbackRole), "callback assignee changed")
		d.add(target != mins, "callback target changed")
	} else {
		d.add(true, "set")
	}
	if len(d) > 0 {
		if _, err := a.tx.Exec(ctx, `
INSERT INTO phone_settings (club_id, provider, allow_ips, callback_template_id, callback_role, callback_target_min)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (club_id) DO UPDATE SET provider = $2, allow_ips = $3, callback_template_id = $4, callback_role = $5, callback_target_min = $6`,
			a.clubID, ph.Provider, allow, wantTpl, string(ph.CallbackRole), mins); err != nil {
			return fmt.Errorf("phone settings: %w", mapErr(err))
		}
		a.change("phone", d)
	}
	want := map[string]int64{}
	for _, l := range ph.Lines {
		want[l.Line] = l.StaffID
		if cur, ok := curLines[l.Line]; ok && cur == l.StaffID {
			continue
		}
		if _, err := a.tx.Exec(ctx, `
INSERT INTO phone_lines (club_id, line, staff_id) VALUES ($1, $2, $3)
ON CONFLICT (club_id, line) DO UPDATE SET staff_id = $3`, a.clubID, l.Line, l.StaffID); err != nil {
			return fmt.Errorf("phone line %q: %w", l.Line, mapErr(err))
		}
		a.change("phone line "+l.Line, []string{fmt.Sprintf("staff %d", l.StaffID)})
	}
	for l := range curLines {
		if _, ok := want[l]; !ok {
			if _, err := a.tx.Exec(ctx, `DELETE FROM phone_lines WHERE club_id = $1 AND line = $2`, a.clubID, l); err != nil {
				return fmt.Errorf("phone line %q: %w", l, mapErr(err))
			}
			a.change("phone line "+l, []string{"removed"})
		}
	}
	return nil
}
