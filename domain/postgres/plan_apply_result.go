package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain/plan"
)

type fieldRow struct {
	stored
	resultID  int64
	name      string
	fieldType string
	required  bool
	dictID    int64
	maxLength int
	position  int
}

// results applies the results and their additional fields.
func (a *planApplier) results(ctx context.Context) error {
	rows, err := collectKeyed(ctx, a.tx, `SELECT id, key, archived_at IS NOT NULL, name, position FROM results WHERE club_id = $1`,
		a.clubID, func(row pgx.CollectableRow) (*namedRow, error) {
			r := &namedRow{}
			return r, row.Scan(&r.id, &r.key, &r.archived, &r.name, &r.position)
		})
	if err != nil {
		return fmt.Errorf("load results: %w", err)
	}
	fields, err := a.loadFields(ctx)
	if err != nil {
		return err
	}
	moved := false
	for i, res := range a.p.Results {
		row, found, renamed, ok := match(a, rows, "result", res.Key, res.RenamedFrom, res.Pos)
		if !ok {
			continue
		}
		id, moves, err := putNamed(a, namedItem{what: "result " + res.Key, name: res.Name, position: i}, row, found, renamed,
			func() (int64, error) {
				var id int64
				err := a.tx.QueryRow(ctx, `INSERT INTO results (club_id, key, name, position) VALUES ($1, $2, $3, $4) RETURNING id`,
					a.clubID, res.Key, res.Name, i).Scan(&id)
				return id, err
			},
			func(id int64) error {
				_, err := a.tx.Exec(ctx, `UPDATE results SET key = $3, name = $4, position = $5, archived_at = NULL WHERE club_id = $1 AND id = $2`,
					a.clubID, id, res.Key, res.Name, i)
				return err
			})
		if err != nil {
			return err
		}
		moved = moved || moves
		a.resultIDs[res.Key] = id
		a.resultKeys[id] = res.Key
		if err := a.resultFields(ctx, res, id, fields[id]); err != nil {
			return err
		}
	}
	if moved {
		a.change("results", []string{"reordered"})
	}
	for _, rm := range a.p.Remove.Results {
		if err := archiveRow(ctx, a, rows, rm.Key, "result "+rm.Key, `UPDATE results SET archived_at = $3 WHERE club_id = $1 AND id = $2`); err != nil {
			return err
		}
	}
	for _, rm := range a.p.Remove.Fields {
		resultID, ok := parentID(a.resultIDs, rows, rm.Parent)
		if !ok {
			continue
		}
		if err := archiveRow(ctx, a, fields[resultID], rm.Key, "field "+rm.String(), `UPDATE result_fields SET archived_at = $3 WHERE club_id = $1 AND id = $2`); err != nil {
			return err
		}
	}
	for _, r := range rows {
		a.resultKeys[r.id] = r.key // archived and unlisted ones too, for change lines
		a.resultArchived[r.id] = r.archived && !r.claimed
	}
	for k, id := range a.resultIDs {
		a.resultKeys[id] = k
	}
	unlisted(a, rows, "result", "results", a.section("results"), nil)
	for _, res := range a.p.Results {
		unlisted(a, fields[a.resultIDs[res.Key]], "field of result "+res.Key+":", "fields", res.Pos, nil)
	}
	return nil
}

// loadFields reads every field of the club's results, by result id and key.
func (a *planApplier) loadFields(ctx context.Context) (map[int64]map[string]*fieldRow, error) {
	out, err := collectGrouped(ctx, a.tx, `
SELECT id, key, archived_at IS NOT NULL, result_id, name, field_type, required, coalesce(dictionary_id, 0), coalesce(max_length, 0), position
FROM result_fields WHERE club_id = $1`, a.clubID, func(row pgx.CollectableRow) (*fieldRow, error) {
		f := &fieldRow{}
		return f, row.Scan(&f.id, &f.key, &f.archived, &f.resultID, &f.name, &f.fieldType, &f.required, &f.dictID, &f.maxLength, &f.position)
	}, func(f *fieldRow) int64 { return f.resultID })
	if err != nil {
		return nil, fmt.Errorf("load fields: %w", err)
	}
	return out, nil
}

// resultFields applies one result's fields, in the plan's order. A field
// that already has answers keeps its type and dictionary: the stored answers
// would no longer mean what they meant.
func (a *planApplier) resultFields(ctx context.Context, res plan.Result, resultID int64, rows map[string]*fieldRow) error {
	moved := false
	for i, f := range res.Fields {
		row, found, renamed, ok := match(a, rows, "field of result "+res.Key+":", f.Key, f.RenamedFrom, f.Pos)
		if !ok {
			continue
		}
		what := "field " + res.Key + "." + f.Key
		dictID := a.dictIDs[f.Dictionary] // 0 for fields without one; Parse checked the key
		var maxLen *int
		if f.MaxLength > 0 {
			maxLen = &f.MaxLength
		}
		if !found {
			if _, err := a.tx.Exec(ctx, `
INSERT INTO result_fields (club_id, result_id, key, name, field_type, required, dictionary_id, max_length, position)
VALUES ($1, $2, $3, $4, $5, $6, nullif($7, 0), $8, $9)`,
				a.clubID, resultID, f.Key, f.Name, string(f.Type), f.Required, dictID, maxLen, i); err != nil {
				return fmt.Errorf("%s: create: %w", what, mapErr(err))
			}
			a.change(what, []string{"created"})
			continue
		}
		retyped := row.fieldType != string(f.Type) || row.dictID != dictID
		if retyped {
			var answered bool
			if err := a.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM task_field_values WHERE club_id = $1 AND field_id = $2)`,
				a.clubID, row.id).Scan(&answered); err != nil {
				return fmt.Errorf("%s: %w", what, mapErr(err))
			}
			if answered {
				a.errorf(f.Pos, "%s already has answers, so its type and dictionary cannot change; add a new field and remove this one", what)
				continue
			}
		}
		var ds diffs
		ds.add(renamed, "renamed from "+row.key)
		ds.add(row.name != f.Name, "name changed")
		ds.add(row.fieldType != string(f.Type), "type changed")
		ds.add(row.dictID != dictID && row.fieldType == string(f.Type), "dictionary changed")
		ds.add(row.required != f.Required, "required changed")
		ds.add(row.maxLength != f.MaxLength, "max_length changed")
		ds.add(row.archived, "restored")
		moved = moved || row.position != i
		if len(ds) == 0 && row.position == i {
			continue
		}
		if _, err := a.tx.Exec(ctx, `
UPDATE result_fields SET key = $3, name = $4, field_type = $5, required = $6, dictionary_id = nullif($7, 0),
       max_length = $8, position = $9, archived_at = NULL
WHERE club_id = $1 AND id = $2`,
			a.clubID, row.id, f.Key, f.Name, string(f.Type), f.Required, dictID, maxLen, i); err != nil {
			return fmt.Errorf("%s: update: %w", what, mapErr(err))
		}
		a.change(what, ds)
	}
	if moved {
		a.change("result "+res.Key, []string{"fields reordered"})
	}
	return nil
}
