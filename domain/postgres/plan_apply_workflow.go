package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/plan"
)

type ruleRow struct {
	id          int64
	templateID  int64
	resultID    int64
	nextID      int64
	dueMin      int
	workingDays bool
	assignee    string
	staffID     int64
	role        string
	archived    bool
	claimed     bool
}

// rulePair identifies a workflow rule: a template and a result.
type rulePair struct{ templateID, resultID int64 }

// workflows applies the workflow rules. A rule is identified by its template
// and result; at most one is live per pair (the schema's partial unique
// index), and an archived one is restored when the plan lists the pair again.
func (a *planApplier) workflows(ctx context.Context) error {
	rows, err := a.tx.Query(ctx, `
SELECT id, template_id, result_id, next_template_id, due_offset_min, working_days, assignee_rule,
       coalesce(assignee_staff_id, 0), coalesce(assignee_role, ''), archived_at IS NOT NULL
FROM workflow_rules WHERE club_id = $1 ORDER BY id`, a.clubID)
	if err != nil {
		return fmt.Errorf("load workflows: %w", mapErr(err))
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ruleRow, error) {
		r := &ruleRow{}
		return r, row.Scan(&r.id, &r.templateID, &r.resultID, &r.nextID, &r.dueMin, &r.workingDays, &r.assignee, &r.staffID, &r.role, &r.archived)
	})
	if err != nil {
		return fmt.Errorf("load workflows: %w", mapErr(err))
	}
	live, archived := map[rulePair]*ruleRow{}, map[rulePair]*ruleRow{}
	for _, r := range list {
		if r.archived {
			archived[rulePair{r.templateID, r.resultID}] = r // ordered by id: the latest wins
		} else {
			live[rulePair{r.templateID, r.resultID}] = r
		}
	}
	if err := a.archiveOrphanRules(ctx, list); err != nil {
		return err
	}
	strangers, err := a.checkNamedStaff(ctx)
	if err != nil {
		return err
	}
	for _, w := range a.p.Workflows {
		refused := w.Assignee == domain.AssignStaff && strangers[w.AssigneeStaff]
		if err := a.workflow(ctx, w, live, archived, refused); err != nil {
			return err
		}
	}
	for _, rm := range a.p.Remove.Workflows {
		t, rid := a.templates[rm.Template], a.resultID(rm.Result)
		if t == nil || rid == 0 {
			continue
		}
		r := live[rulePair{t.id, rid}]
		if r == nil || r.claimed || r.archived {
			continue
		}
		if err := a.archiveRule(ctx, r, nil); err != nil {
			return err
		}
	}
	for _, r := range list {
		if !r.archived && !r.claimed {
			a.errorf(a.section("workflows"), "%s exists in club %q but is not in the plan; list it, or name it under remove.workflows to archive it",
				a.ruleName(r), a.p.Club.Slug)
		}
	}
	return nil
}

// archiveOrphanRules archives live rules whose template, result or next
// template is archived: they could only fail. This is how removing a
// template or a result takes its rules with it.
func (a *planApplier) archiveOrphanRules(ctx context.Context, rules []*ruleRow) error {
	archivedTemplates := map[int64]string{}
	for k, t := range a.templates {
		if t.archived {
			archivedTemplates[t.id] = k
		}
	}
	for _, r := range rules {
		if r.archived {
			continue
		}
		var why []string
		if k, ok := archivedTemplates[r.templateID]; ok {
			why = append(why, "template "+k+" is archived")
		}
		if a.resultArchived[r.resultID] {
			why = append(why, "result "+a.resultKeys[r.resultID]+" is archived")
		}
		if k, ok := archivedTemplates[r.nextID]; ok && r.nextID != r.templateID {
			why = append(why, "template "+k+" is archived")
		}
		if len(why) == 0 {
			continue
		}
		if err := a.archiveRule(ctx, r, why); err != nil {
			return err
		}
	}
	return nil
}

func (a *planApplier) archiveRule(ctx context.Context, r *ruleRow, why []string) error {
	if _, err := a.tx.Exec(ctx, `UPDATE workflow_rules SET archived_at = $3 WHERE club_id = $1 AND id = $2`, a.clubID, r.id, a.now); err != nil {
		return fmt.Errorf("%s: archive: %w", a.ruleName(r), mapErr(err))
	}
	r.archived = true
	line := "archived"
	if len(why) > 0 {
		line += " (" + strings.Join(why, ", ") + ")"
	}
	a.change(a.ruleName(r), []string{line})
	return nil
}

// checkNamedStaff makes sure every staff member a rule names is active in
// this club: a follow-up must never go to a stranger or to someone who left.
// It returns the ids that are not.
func (a *planApplier) checkNamedStaff(ctx context.Context) (map[int64]bool, error) {
	var ids []int64
	for _, w := range a.p.Workflows {
		if w.Assignee == domain.AssignStaff {
			ids = append(ids, w.AssigneeStaff)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := a.tx.Query(ctx, `SELECT id FROM staff WHERE club_id = $1 AND id = ANY($2) AND active`, a.clubID, ids)
	if err != nil {
		return nil, fmt.Errorf("check staff: %w", mapErr(err))
	}
	active, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("check staff: %w", mapErr(err))
	}
	strangers := map[int64]bool{}
	for _, w := range a.p.Workflows {
		if w.Assignee == domain.AssignStaff && !slices.Contains(active, w.AssigneeStaff) {
			strangers[w.AssigneeStaff] = true
			a.errorf(w.AssigneePos, "workflow %s/%s: staff %d is not an active staff member of club %q", w.Template, w.Result, w.AssigneeStaff, a.p.Club.Slug)
		}
	}
	return strangers, nil
}

// workflow writes one rule of the plan; refused says an error about it is
// already recorded, so it is only matched, not written.
func (a *planApplier) workflow(ctx context.Context, w plan.Workflow, live, archived map[rulePair]*ruleRow, refused bool) error {
	name := "workflow " + w.Template + "/" + w.Result
	t, next, rid := a.templates[w.Template], a.templates[w.Next], a.resultIDs[w.Result]
	switch {
	case t == nil || t.archived:
		a.errorf(w.TemplatePos, "%s: the club has no live template %q", name, w.Template)
		return nil
	case next == nil || next.archived:
		a.errorf(w.NextPos, "%s: the club has no live template %q", name, w.Next)
		return nil
	case rid == 0:
		a.errorf(w.ResultPos, "%s: the club has no live result %q", name, w.Result)
		return nil
	}
	pair := rulePair{t.id, rid}
	if r := live[pair]; r != nil {
		r.claimed = true // the plan lists it, even if this apply refuses the new version
	}
	if !a.links[t.id][rid] {
		a.errorf(w.ResultPos, "%s: result %q does not close template %q; add it to the template's results", name, w.Result, w.Template)
		return nil
	}
	if refused {
		return nil
	}
	want := ruleRow{
		templateID: t.id, resultID: rid, nextID: next.id, dueMin: minutes(w.DueOffset), workingDays: w.WorkingDays,
		assignee: string(w.Assignee), staffID: w.AssigneeStaff, role: string(w.AssigneeRole),
	}
	row := live[pair]
	if row == nil {
		row = archived[pair]
	}
	if row == nil {
		if _, err := a.tx.Exec(ctx, `
INSERT INTO workflow_rules (club_id, template_id, result_id, next_template_id, due_offset_min, working_days,
                            assignee_rule, assignee_staff_id, assignee_role)
VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, 0), nullif($9, ''))`,
			a.clubID, want.templateID, want.resultID, want.nextID, want.dueMin, want.workingDays, want.assignee, want.staffID, want.role); err != nil {
			return fmt.Errorf("%s: create: %w", name, mapErr(err))
		}
		a.change(name, []string{"created (next " + w.Next + ")"})
		return nil
	}
	row.claimed = true
	restored := row.archived
	var ds diffs
	ds.add(row.nextID != want.nextID, "next changed to "+w.Next)
	ds.add(row.dueMin != want.dueMin, "due_offset changed")
	ds.add(row.workingDays != want.workingDays, "working_days changed")
	ds.add(row.assignee != want.assignee || row.staffID != want.staffID || row.role != want.role, "assignee changed")
	ds.add(restored, "restored")
	if len(ds) == 0 {
		return nil
	}
	if _, err := a.tx.Exec(ctx, `
UPDATE workflow_rules SET next_template_id = $3, due_offset_min = $4, working_days = $5, assignee_rule = $6,
       assignee_staff_id = nullif($7, 0), assignee_role = nullif($8, ''), archived_at = NULL
WHERE club_id = $1 AND id = $2`,
		a.clubID, row.id, want.nextID, want.dueMin, want.workingDays, want.assignee, want.staffID, want.role); err != nil {
		return fmt.Errorf("%s: update: %w", name, mapErr(err))
	}
	row.archived = false
	a.change(name, ds)
	return nil
}

// resultID finds a result by its current key, live or archived.
func (a *planApplier) resultID(key string) int64 {
	for id, k := range a.resultKeys {
		if k == key {
			return id
		}
	}
	return 0
}

// ruleName names a stored rule by its keys: "workflow call_cold/thinking".
func (a *planApplier) ruleName(r *ruleRow) string {
	return "workflow " + a.templateKeys[r.templateID] + "/" + a.resultKeys[r.resultID]
}
