package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain/plan"
)

type dictRow struct {
	stored
	name string
}

type valueRow struct {
	namedRow
	dictID int64
}

// dictionaries applies the dictionaries and their values.
func (a *planApplier) dictionaries(ctx context.Context) error {
	rows, err := collectKeyed(ctx, a.tx, `SELECT id, key, archived_at IS NOT NULL, name FROM dictionaries WHERE club_id = $1`,
		a.clubID, func(row pgx.CollectableRow) (*dictRow, error) {
			d := &dictRow{}
			return d, row.Scan(&d.id, &d.key, &d.archived, &d.name)
		})
	if err != nil {
		return fmt.Errorf("load dictionaries: %w", err)
	}
	values, err := a.loadValues(ctx)
	if err != nil {
		return err
	}
	for _, d := range a.p.Dictionaries {
		row, found, renamed, ok := match(a, rows, "dictionary", d.Key, d.RenamedFrom, d.Pos)
		if !ok {
			continue
		}
		what := "dictionary " + d.Key
		if !found {
			var id int64
			if err := a.tx.QueryRow(ctx, `INSERT INTO dictionaries (club_id, key, name) VALUES ($1, $2, $3) RETURNING id`,
				a.clubID, d.Key, d.Name).Scan(&id); err != nil {
				return fmt.Errorf("%s: create: %w", what, mapErr(err))
			}
			a.change(what, []string{"created"})
			a.dictIDs[d.Key] = id
		} else {
			var ds diffs
			ds.add(renamed, "renamed from "+row.key)
			ds.add(row.name != d.Name, "name changed")
			ds.add(row.archived, "restored")
			if len(ds) > 0 {
				if _, err := a.tx.Exec(ctx, `UPDATE dictionaries SET key = $3, name = $4, archived_at = NULL WHERE club_id = $1 AND id = $2`,
					a.clubID, row.id, d.Key, d.Name); err != nil {
					return fmt.Errorf("%s: update: %w", what, mapErr(err))
				}
				a.change(what, ds)
			}
			a.dictIDs[d.Key] = row.id
		}
		if err := a.dictValues(ctx, d, a.dictIDs[d.Key], values[a.dictIDs[d.Key]]); err != nil {
			return err
		}
	}
	for _, rm := range a.p.Remove.Dictionaries {
		if err := archiveRow(ctx, a, rows, rm.Key, "dictionary "+rm.Key, `UPDATE dictionaries SET archived_at = $3 WHERE club_id = $1 AND id = $2`); err != nil {
			return err
		}
	}
	for _, rm := range a.p.Remove.Values {
		dictID, ok := parentID(a.dictIDs, rows, rm.Parent)
		if !ok {
			continue
		}
		if err := archiveRow(ctx, a, values[dictID], rm.Key, "value "+rm.String(), `UPDATE dictionary_values SET archived_at = $3 WHERE club_id = $1 AND id = $2`); err != nil {
			return err
		}
	}
	unlisted(a, rows, "dictionary", "dictionaries", a.section("dictionaries"), nil)
	for _, d := range a.p.Dictionaries {
		unlisted(a, values[a.dictIDs[d.Key]], "value of dictionary "+d.Key+":", "values", d.Pos, nil)
	}
	return nil
}

// loadValues reads every value of the club's dictionaries, by dictionary id and key.
func (a *planApplier) loadValues(ctx context.Context) (map[int64]map[string]*valueRow, error) {
	out, err := collectGrouped(ctx, a.tx, `SELECT id, key, archived_at IS NOT NULL, dictionary_id, name, position FROM dictionary_values WHERE club_id = $1`,
		a.clubID, func(row pgx.CollectableRow) (*valueRow, error) {
			v := &valueRow{}
			return v, row.Scan(&v.id, &v.key, &v.archived, &v.dictID, &v.name, &v.position)
		}, func(v *valueRow) int64 { return v.dictID })
	if err != nil {
		return nil, fmt.Errorf("load dictionary values: %w", err)
	}
	return out, nil
}

// dictValues applies one dictionary's values; their order is the plan's.
func (a *planApplier) dictValues(ctx context.Context, d plan.Dictionary, dictID int64, rows map[string]*valueRow) error {
	moved := false
	for i, v := range d.Values {
		row, found, renamed, ok := match(a, rows, "value of dictionary "+d.Key+":", v.Key, v.RenamedFrom, v.Pos)
		if !ok {
			continue
		}
		_, moves, err := putNamed(a, namedItem{what: "value " + d.Key + "." + v.Key, name: v.Name, position: i}, row, found, renamed,
			func() (int64, error) {
				_, err := a.tx.Exec(ctx, `INSERT INTO dictionary_values (club_id, dictionary_id, key, name, position) VALUES ($1, $2, $3, $4, $5)`,
					a.clubID, dictID, v.Key, v.Name, i)
				return 0, err // nothing refers to a value's id here
			},
			func(id int64) error {
				_, err := a.tx.Exec(ctx, `UPDATE dictionary_values SET key = $3, name = $4, position = $5, archived_at = NULL WHERE club_id = $1 AND id = $2`,
					a.clubID, id, v.Key, v.Name, i)
				return err
			})
		if err != nil {
			return err
		}
		moved = moved || moves
	}
	if moved {
		a.change("dictionary "+d.Key, []string{"values reordered"})
	}
	return nil
}
