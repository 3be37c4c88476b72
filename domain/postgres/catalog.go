package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// The catalog is a club's configuration as the bot and the workers read it:
// templates, the results that close them, dictionaries, workflow rules and
// funnel stages. The club plan (PlanApply) writes it.

const templateSelect = `
SELECT id, club_id, key, name, names, task_type, default_title, due_offset_min, reminder_offset_min, is_default, position, archived_at
FROM templates`

func scanTemplate(row pgx.Row) (domain.Template, error) {
	var t domain.Template
	var typ string
	var dueMin int
	var reminderMin *int
	err := row.Scan(&t.ID, &t.ClubID, &t.Key, &t.Name, &t.Names, &typ, &t.DefaultTitle, &dueMin, &reminderMin, &t.IsDefault, &t.Position, &t.ArchivedAt)
	t.Type = domain.TaskType(typ)
	t.DueOffset = time.Duration(dueMin) * time.Minute
	if reminderMin != nil {
		r := time.Duration(*reminderMin) * time.Minute
		t.ReminderOffset = &r
	}
	return t, err
}

// resultColumns are the results r columns scanResult reads, in its order.
const resultColumns = `r.id, r.club_id, r.key, r.name, r.names, r.position`

func scanResult(row pgx.Row) (domain.Result, error) {
	var r domain.Result
	err := row.Scan(&r.ID, &r.ClubID, &r.Key, &r.Name, &r.Names, &r.Position)
	return r, err
}

// fieldColumns are the result_fields columns scanField reads, in its order.
const fieldColumns = `id, club_id, result_id, key, name, names, field_type, required, coalesce(dictionary_id, 0), coalesce(max_length, 0), position`

func scanField(row pgx.Row) (domain.Field, error) {
	var f domain.Field
	var ft string
	err := row.Scan(&f.ID, &f.ClubID, &f.ResultID, &f.Key, &f.Name, &f.Names, &ft, &f.Required, &f.DictionaryID, &f.MaxLength, &f.Position)
	f.Type = domain.FieldType(ft)
	return f, err
}

// TemplateList returns the club's live templates in menu order.
func (db *DB) TemplateList(ctx context.Context, clubID int64) ([]domain.Template, error) {
	rows, err := db.pool.Query(ctx, templateSelect+` WHERE club_id = $1 AND archived_at IS NULL ORDER BY position, id`, clubID)
	if err != nil {
		return nil, fmt.Errorf("template list: %w", mapErr(err))
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Template, error) { return scanTemplate(row) })
	if err != nil {
		return nil, fmt.Errorf("template list: %w", mapErr(err))
	}
	return list, nil
}

// TemplateGet returns one template of the club, archived ones included (an
// old task still shows its template); check ArchivedAt before offering it
// for new work. Another club's template is ErrNotFound.
func (db *DB) TemplateGet(ctx context.Context, clubID, id int64) (domain.Template, error) {
	t, err := scanTemplate(db.pool.QueryRow(ctx, templateSelect+` WHERE club_id = $1 AND id = $2`, clubID, id))
	if err != nil {
		return domain.Template{}, fmt.Errorf("template %d: %w", id, mapErr(err))
	}
	return t, nil
}

// ResultsForTemplate returns the live results that can close a template, in
// the template's order, each with its live fields in order. Two queries,
// whatever the number of results.
func (db *DB) ResultsForTemplate(ctx context.Context, clubID, templateID int64) ([]domain.Result, error) {
	rows, err := db.pool.Query(ctx, `
SELECT `+resultColumns+`
FROM template_results tr JOIN results r ON r.club_id = tr.club_id AND r.id = tr.result_id
WHERE tr.club_id = $1 AND tr.template_id = $2 AND r.archived_at IS NULL
ORDER BY tr.position, r.position, r.id`, clubID, templateID)
	if err != nil {
		return nil, fmt.Errorf("results for template %d: %w", templateID, mapErr(err))
	}
	results, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Result, error) { return scanResult(row) })
	if err != nil {
		return nil, fmt.Errorf("results for template %d: %w", templateID, mapErr(err))
	}
	if len(results) == 0 {
		return results, nil
	}
	ids := make([]int64, len(results))
	byID := make(map[int64]int, len(results))
	for i, r := range results {
		ids[i] = r.ID
		byID[r.ID] = i
	}
	frows, err := db.pool.Query(ctx, `
SELECT `+fieldColumns+`
FROM result_fields WHERE club_id = $1 AND result_id = ANY($2) AND archived_at IS NULL ORDER BY result_id, position, id`, clubID, ids)
	if err != nil {
		return nil, fmt.Errorf("results for template %d: fields: %w", templateID, mapErr(err))
	}
	fields, err := pgx.CollectRows(frows, func(row pgx.CollectableRow) (domain.Field, error) { return scanField(row) })
	if err != nil {
		return nil, fmt.Errorf("results for template %d: fields: %w", templateID, mapErr(err))
	}
	for _, f := range fields {
		i := byID[f.ResultID]
		results[i].Fields = append(results[i].Fields, f)
	}
	return results, nil
}

// ResultGet returns a live result that can close the template, with its
// live fields and the dictionaries they use (by id). A result that does not
// close the template — archived, another template's, another club's — is
// ErrInvalid with code "result_not_allowed".
func (db *DB) ResultGet(ctx context.Context, clubID, templateID, resultID int64) (domain.Result, map[int64]domain.Dictionary, error) {
	return resultForTemplate(ctx, db.pool, clubID, templateID, resultID)
}

// DictionaryGet returns a dictionary of the club with all its values,
// archived ones included and flagged, so old answers still have names.
func (db *DB) DictionaryGet(ctx context.Context, clubID, id int64) (domain.Dictionary, error) {
	return dictionaryGet(ctx, db.pool, clubID, id)
}

// WorkflowRuleFind returns the live rule for a template and result, or
// ErrNotFound when closing that template with that result has no next step.
func (db *DB) WorkflowRuleFind(ctx context.Context, clubID, templateID, resultID int64) (domain.WorkflowRule, error) {
	var w domain.WorkflowRule
	var dueMin int
	var rule, role string
	err := db.pool.QueryRow(ctx, `
SELECT id, club_id, template_id, result_id, next_template_id, due_offset_min, working_days, assignee_rule,
       coalesce(assignee_staff_id, 0), coalesce(assignee_role, '')
FROM workflow_rules WHERE club_id = $1 AND template_id = $2 AND result_id = $3 AND archived_at IS NULL`,
		clubID, templateID, resultID).Scan(&w.ID, &w.ClubID, &w.TemplateID, &w.ResultID, &w.NextTemplateID, &dueMin, &w.WorkingDays,
		&rule, &w.AssigneeStaff, &role)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.WorkflowRule{}, fmt.Errorf("workflow rule for template %d and result %d: %w", templateID, resultID, domain.ErrNotFound)
	}
	if err != nil {
		return domain.WorkflowRule{}, fmt.Errorf("workflow rule for template %d and result %d: %w", templateID, resultID, mapErr(err))
	}
	w.DueOffset = time.Duration(dueMin) * time.Minute
	w.Assignee, w.AssigneeRole = domain.AssigneeRule(rule), domain.Role(role)
	return w, nil
}

// FunnelStageList returns the club's live funnel stages in order, each with
// the ids of the results that mark it (archived results included: a client
// who reached a stage last year still did).
func (db *DB) FunnelStageList(ctx context.Context, clubID int64) ([]domain.FunnelStage, error) {
	rows, err := db.pool.Query(ctx, `
SELECT s.id, s.club_id, s.key, s.name, s.names, s.position,
       coalesce(array_agg(sr.result_id ORDER BY sr.result_id) FILTER (WHERE sr.result_id IS NOT NULL), '{}')
FROM funnel_stages s LEFT JOIN funnel_stage_results sr ON sr.club_id = s.club_id AND sr.stage_id = s.id
WHERE s.club_id = $1 AND s.archived_at IS NULL
GROUP BY s.club_id, s.id ORDER BY s.position, s.id`, clubID)
	if err != nil {
		return nil, fmt.Errorf("funnel stage list: %w", mapErr(err))
	}
	stages, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.FunnelStage, error) {
		var s domain.FunnelStage
		err := row.Scan(&s.ID, &s.ClubID, &s.Key, &s.Name, &s.Names, &s.Position, &s.ResultIDs)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("funnel stage list: %w", mapErr(err))
	}
	return stages, nil
}
