package postgres

import (
	"context"
	"fmt"
	"time"
)

// triggers applies the plan's triggers: section to trigger_rules: the
// stored rules become exactly the listed ones (an event type no rule names
// is refused when it arrives). Tasks already created keep their history.
func (a *planApplier) triggers(ctx context.Context) error {
	type rule struct {
		tpl     int64
		due     int
		role    string
		unknown string
		minDays *int
	}
	cur := map[string]rule{}
	rows, err := a.tx.Query(ctx, `
SELECT event_type, template_id, due_offset_min, assignee_role, unknown_client, min_days FROM trigger_rules WHERE club_id = $1`, a.clubID)
	if err != nil {
		return fmt.Errorf("trigger rules: %w", mapErr(err))
	}
	for rows.Next() {
		var ev string
		var r rule
		if err := rows.Scan(&ev, &r.tpl, &r.due, &r.role, &r.unknown, &r.minDays); err != nil {
			rows.Close()
			return fmt.Errorf("trigger rules: %w", mapErr(err))
		}
		cur[ev] = r
	}
	rows.Close()
	want := map[string]bool{}
	for _, t := range a.p.Triggers {
		tpl, ok := a.templates[t.Template]
		if !ok || tpl.archived {
			a.errorf(t.TemplatePos, "trigger %s: template %q is not a live template of the club", t.Event, t.Template)
			continue
		}
		want[t.Event] = true
		r := rule{tpl: tpl.id, due: int(t.DueOffset / time.Minute), role: string(t.Role), unknown: t.UnknownClient, minDays: t.MinDays}
		old, found := cur[t.Event]
		sameDays := (old.minDays == nil) == (r.minDays == nil) && (r.minDays == nil || *old.minDays == *r.minDays)
		if found && old.tpl == r.tpl && old.due == r.due && old.role == r.role && old.unknown == r.unknown && sameDays {
			continue
		}
		if _, err := a.tx.Exec(ctx, `
INSERT INTO trigger_rules (club_id, event_type, template_id, due_offset_min, assignee_role, unknown_client, min_days)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (club_id, event_type) DO UPDATE SET template_id = $3, due_offset_min = $4, assignee_role = $5, unknown_client = $6, min_days = $7`,
			a.clubID, t.Event, r.tpl, r.due, r.role, r.unknown, r.minDays); err != nil {
			return fmt.Errorf("trigger %s: %w", t.Event, mapErr(err))
		}
		what := "updated"
		if !found {
			what = "created"
		}
		a.change("trigger "+t.Event, []string{what})
	}
	for ev := range cur {
		if !want[ev] {
			if _, err := a.tx.Exec(ctx, `DELETE FROM trigger_rules WHERE club_id = $1 AND event_type = $2`, a.clubID, ev); err != nil {
				return fmt.Errorf("trigger %s: %w", ev, mapErr(err))
			}
			a.change("trigger "+ev, []string{"removed"})
		}
	}
	return nil
}
