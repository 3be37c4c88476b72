package postgres

import (
	"context"
	"fmt"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// CatalogNames returns the club's names per language (domain.Names) of its
// templates, results, fields, dictionary values and funnel stages, archived
// ones included (old reports name them), for report.General.Localize and
// its kin. Only items the plan names per language are read; one query.
func (db *DB) CatalogNames(ctx context.Context, clubID int64) (report.Names, error) {
	n := report.Names{
		Templates: map[int64]domain.Names{}, Results: map[int64]domain.Names{}, Fields: map[int64]domain.Names{},
		Values: map[int64]domain.Names{}, Stages: map[int64]domain.Names{}, FieldResult: map[int64]int64{},
	}
	rows, err := db.pool.Query(ctx, `
SELECT 't', id, names, 0::bigint FROM templates WHERE club_id = $1 AND names <> '{}'
UNION ALL SELECT 'r', id, names, 0 FROM results WHERE club_id = $1 AND names <> '{}'
UNION ALL SELECT 'f', id, names, result_id FROM result_fields WHERE club_id = $1
UNION ALL SELECT 'v', id, names, 0 FROM dictionary_values WHERE club_id = $1 AND names <> '{}'
UNION ALL SELECT 's', id, names, 0 FROM funnel_stages WHERE club_id = $1 AND names <> '{}'`, clubID)
	if err != nil {
		return n, fmt.Errorf("catalog names: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var id, resultID int64
		var names domain.Names
		if err := rows.Scan(&kind, &id, &names, &resultID); err != nil {
			return n, fmt.Errorf("catalog names: %w", mapErr(err))
		}
		switch kind {
		case "t":
			n.Templates[id] = names
		case "r":
			n.Results[id] = names
		case "f":
			// Every field, for the result its tally names; translated or not.
			n.FieldResult[id] = resultID
			if len(names) > 0 {
				n.Fields[id] = names
			}
		case "v":
			n.Values[id] = names
		case "s":
			n.Stages[id] = names
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("catalog names: %w", mapErr(err))
	}
	return n, nil
}
