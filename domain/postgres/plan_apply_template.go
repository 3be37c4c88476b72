package postgres

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/plan"
)

type templateRow struct {
	stored
	name         string
	taskType     string
	defaultTitle string
	dueMin       int
	reminderMin  *int
	isDefault    bool
	position     int
}

// templateStep applies the templates and the results that close them.
func (a *planApplier) templateStep(ctx context.Context) error {
	rows, err := collectKeyed(ctx, a.tx, `
SELECT id, key, archived_at IS NOT NULL, name, task_type, default_title, due_offset_min, reminder_offset_min, is_default, position
FROM templates WHERE club_id = $1`, a.clubID, func(row pgx.CollectableRow) (*templateRow, error) {
		t := &templateRow{}
		return t, row.Scan(&t.id, &t.key, &t.archived, &t.name, &t.taskType, &t.defaultTitle, &t.dueMin, &t.reminderMin, &t.isDefault, &t.position)
	})
	if err != nil {
		return fmt.Errorf("load templates: %w", err)
	}
	links, err := a.loadLinks(ctx)
	if err != nil {
		return err
	}
	defaults := plan.DefaultTemplateKeys()
	moved := false
	var created []*templateRow
	for i, t := range a.p.Templates {
		row, found, renamed, ok := match(a, rows, "template", t.Key, t.RenamedFrom, t.Pos)
		if !ok {
			continue
		}
		cur, moves, ds, err := a.template(ctx, i, t, row, found, renamed, defaults)
		if err != nil {
			return err
		}
		if cur == nil {
			continue // refused; the error is recorded
		}
		if !found {
			created = append(created, cur)
		}
		moved = moved || moves
		a.templateIDs[t.Key] = cur.id
		rds, err := a.templateResults(ctx, t, cur.id, links[cur.id])
		if err != nil {
			return err
		}
		if found {
			ds = append(ds, rds...)
		}
		a.change("template "+t.Key, ds)
	}
	// Default templates the plan does not list follow the plan's, in their
	// own order, so the menu is the plan's order and then the rest.
	var rest []*templateRow
	for _, r := range rows {
		if r.isDefault && !r.claimed && !r.archived {
			rest = append(rest, r)
		}
	}
	slices.SortFunc(rest, func(x, y *templateRow) int {
		return cmp.Or(cmp.Compare(x.position, y.position), cmp.Compare(x.id, y.id))
	})
	for k, r := range rest {
		pos := len(a.p.Templates) + k
		if r.position == pos {
			continue
		}
		if _, err := a.tx.Exec(ctx, `UPDATE templates SET position = $3 WHERE club_id = $1 AND id = $2`, a.clubID, r.id, pos); err != nil {
			return fmt.Errorf("template %s: move: %w", r.key, mapErr(err))
		}
		r.position, moved = pos, true
	}
	if moved {
		a.change("templates", []string{"reordered"})
	}
	for _, rm := range a.p.Remove.Templates {
		if err := archiveRow(ctx, a, rows, rm.Key, "template "+rm.Key, `UPDATE templates SET archived_at = $3 WHERE club_id = $1 AND id = $2`); err != nil {
			return err
		}
	}
	// The default templates exist in every club whether or not the plan lists them.
	unlisted(a, rows, "template", "templates", a.section("templates"), func(t *templateRow) bool { return t.isDefault })

	// Leave every template by its current key, and every template's allowed
	// results, for the workflow step.
	a.templates = map[string]*templateRow{}
	for _, r := range append(slices.Collect(maps.Values(rows)), created...) {
		a.templates[r.key] = r
		a.templateKeys[r.id] = r.key
	}
	for id, list := range links {
		if _, planned := a.links[id]; planned {
			continue
		}
		set := map[int64]bool{}
		for _, r := range list {
			set[r] = true
		}
		a.links[id] = set
	}
	return nil
}

// template writes one template; it returns the template as it now is (nil
// when a refusal was recorded), whether its position changed and what changed.
func (a *planApplier) template(ctx context.Context, i int, t plan.Template, row *templateRow, found, renamed bool, defaults map[string]domain.TaskType) (*templateRow, bool, diffs, error) {
	what := "template " + t.Key
	var reminder *int
	if t.ReminderOffset != nil {
		m := minutes(*t.ReminderOffset)
		reminder = &m
	}
	if !found {
		_, isDefault := defaults[t.Key]
		var id int64
		if err := a.tx.QueryRow(ctx, `
INSERT INTO templates (club_id, key, name, task_type, default_title, due_offset_min, reminder_offset_min, is_default, position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			a.clubID, t.Key, t.Name, string(t.Type), t.DefaultTitle, minutes(t.DueOffset), reminder, isDefault, i).Scan(&id); err != nil {
			return nil, false, nil, fmt.Errorf("%s: create: %w", what, mapErr(err))
		}
		return &templateRow{stored: stored{id: id, key: t.Key, claimed: true}, taskType: string(t.Type), isDefault: isDefault, position: i}, false, diffs{"created"}, nil
	}
	if row.taskType != string(t.Type) {
		var used bool
		if err := a.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tasks WHERE club_id = $1 AND template_id = $2)`, a.clubID, row.id).Scan(&used); err != nil {
			return nil, false, nil, fmt.Errorf("%s: %w", what, mapErr(err))
		}
		if used {
			a.errorf(t.Pos, "%s has tasks of type %s, so its type cannot become %s; add a new template and remove this one", what, row.taskType, t.Type)
			return nil, false, nil, nil
		}
	}
	var ds diffs
	ds.add(renamed, "renamed from "+row.key)
	ds.add(row.name != t.Name, "name changed")
	ds.add(row.taskType != string(t.Type), "type changed")
	ds.add(row.defaultTitle != t.DefaultTitle, "default_title changed")
	ds.add(row.dueMin != minutes(t.DueOffset), "due_offset changed")
	ds.add(!equalIntPtr(row.reminderMin, reminder), "reminder_offset changed")
	ds.add(row.archived, "restored")
	moved := row.position != i
	if len(ds) == 0 && !moved {
		return row, false, nil, nil
	}
	if _, err := a.tx.Exec(ctx, `
UPDATE templates SET key = $3, name = $4, task_type = $5, default_title = $6, due_offset_min = $7,
       reminder_offset_min = $8, position = $9, archived_at = NULL
WHERE club_id = $1 AND id = $2`,
		a.clubID, row.id, t.Key, t.Name, string(t.Type), t.DefaultTitle, minutes(t.DueOffset), reminder, i); err != nil {
		return nil, false, nil, fmt.Errorf("%s: update: %w", what, mapErr(err))
	}
	row.key, row.taskType, row.archived, row.position = t.Key, string(t.Type), false, i
	return row, moved, ds, nil
}

func equalIntPtr(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// loadLinks reads which results close which templates, in menu order.
func (a *planApplier) loadLinks(ctx context.Context) (map[int64][]int64, error) {
	rows, err := a.tx.Query(ctx, `SELECT template_id, result_id FROM template_results WHERE club_id = $1 ORDER BY template_id, position, result_id`, a.clubID)
	if err != nil {
		return nil, fmt.Errorf("load template results: %w", mapErr(err))
	}
	out := map[int64][]int64{}
	var tid, rid int64
	_, err = pgx.ForEachRow(rows, []any{&tid, &rid}, func() error {
		out[tid] = append(out[tid], rid)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load template results: %w", mapErr(err))
	}
	return out, nil
}

// templateResults makes a template's results exactly the plan's list, in its
// order. Links are configuration, not history (a closed task keeps its own
// result_id), so a dropped link is deleted rather than archived. It
// returns what changed.
func (a *planApplier) templateResults(ctx context.Context, t plan.Template, templateID int64, current []int64) (diffs, error) {
	want := make([]int64, 0, len(t.Results))
	set := map[int64]bool{}
	for _, k := range t.Results {
		if id, ok := a.resultIDs[k]; ok {
			want = append(want, id)
			set[id] = true
		}
	}
	a.links[templateID] = set
	if slices.Equal(want, current) {
		return nil, nil
	}
	var added, dropped []string
	for _, id := range want {
		if !slices.Contains(current, id) {
			added = append(added, a.resultKeys[id])
		}
	}
	for _, id := range current {
		if !set[id] {
			dropped = append(dropped, a.resultKeys[id])
		}
	}
	if _, err := a.tx.Exec(ctx, `DELETE FROM template_results WHERE club_id = $1 AND template_id = $2 AND NOT (result_id = ANY($3))`,
		a.clubID, templateID, want); err != nil {
		return nil, fmt.Errorf("template %s: results: %w", t.Key, mapErr(err))
	}
	positions := make([]int32, len(want))
	for i := range want {
		positions[i] = int32(i)
	}
	if _, err := a.tx.Exec(ctx, `
INSERT INTO template_results (club_id, template_id, result_id, position)
SELECT $1, $2, l.r, l.p FROM unnest($3::bigint[], $4::int[]) AS l(r, p)
ON CONFLICT (club_id, template_id, result_id) DO UPDATE SET position = excluded.position`,
		a.clubID, templateID, want, positions); err != nil {
		return nil, fmt.Errorf("template %s: results: %w", t.Key, mapErr(err))
	}
	var ds diffs
	ds.add(len(added) > 0, "results added: "+strings.Join(added, ", "))
	ds.add(len(dropped) > 0, "results dropped: "+strings.Join(dropped, ", "))
	ds.add(len(added) == 0 && len(dropped) == 0, "results reordered")
	return ds, nil
}
