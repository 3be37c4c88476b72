package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// leads applies the plan's leads: section to lead_settings. Without the
// section the club's row is deleted, and leads take the defaults (see
// leadSettingsGet): these are settings, not items with a history to keep.
func (a *planApplier) leads(ctx context.Context) error {
	var (
		cur    LeadSettings
		role   string
		target int
	)
	err := a.tx.QueryRow(ctx, `
SELECT template_id, assignee_role, response_target_min, unknown_phone FROM lead_settings WHERE club_id = $1`, a.clubID).Scan(
		&cur.TemplateID, &role, &target, &cur.UnknownPhone)
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("lead settings: %w", mapErr(err))
	}
	l := a.p.Leads
	if l == nil {
		if found {
			if _, err := a.tx.Exec(ctx, `DELETE FROM lead_settings WHERE club_id = $1`, a.clubID); err != nil {
				return fmt.Errorf("lead settings: %w", mapErr(err))
			}
			a.change("leads", []string{"back to the defaults"})
		}
		return nil
	}
	tpl, ok := a.templates[l.Template]
	if !ok || tpl.archived {
		a.errorf(l.TemplatePos, "leads template %q is not a live template of the club", l.Template)
		return nil
	}
	if tpl.taskType != "personal_call" {
		a.errorf(l.TemplatePos, "leads template %q is not a personal call", l.Template)
		return nil
	}
	mins := int(l.Target / time.Minute)
	var d diffs
	if found {
		d.add(cur.TemplateID != tpl.id, "template changed")
		d.add(role != string(l.Role), "assignee changed")
		d.add(target != mins, "response target changed")
		d.add(cur.UnknownPhone != l.UnknownClient, "unknown_client changed")
	} else {
		d.add(true, "set")
	}
	if len(d) == 0 {
		return nil
	}
	if _, err := a.tx.Exec(ctx, `
INSERT INTO lead_settings (club_id, template_id, assignee_role, response_target_min, unknown_phone)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (club_id) DO UPDATE SET template_id = $2, assignee_role = $3, response_target_min = $4, unknown_phone = $5`,
		a.clubID, tpl.id, string(l.Role), mins, l.UnknownClient); err != nil {
		return fmt.Errorf("lead settings: %w", mapErr(err))
	}
	a.change("leads", d)
	return nil
}
