package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain/plan"
)

// funnel applies the sales funnel's stages, in the plan's order, and the
// results that mark each.
func (a *planApplier) funnel(ctx context.Context) error {
	rows, err := collectKeyed(ctx, a.tx, `SELECT id, key, archived_at IS NOT NULL, name, position FROM funnel_stages WHERE club_id = $1`,
		a.clubID, func(row pgx.CollectableRow) (*namedRow, error) {
			s := &namedRow{}
			return s, row.Scan(&s.id, &s.key, &s.archived, &s.name, &s.position)
		})
	if err != nil {
		return fmt.Errorf("load funnel stages: %w", err)
	}
	links, err := a.loadStageResults(ctx)
	if err != nil {
		return err
	}
	moved := false
	for i, s := range a.p.Funnel {
		row, found, renamed, ok := match(a, rows, "funnel stage", s.Key, s.RenamedFrom, s.Pos)
		if !ok {
			continue
		}
		id, moves, err := putNamed(a, namedItem{what: "funnel stage " + s.Key, name: s.Name, position: i}, row, found, renamed,
			func() (int64, error) {
				var id int64
				err := a.tx.QueryRow(ctx, `INSERT INTO funnel_stages (club_id, key, name, position) VALUES ($1, $2, $3, $4) RETURNING id`,
					a.clubID, s.Key, s.Name, i).Scan(&id)
				return id, err
			},
			func(id int64) error {
				_, err := a.tx.Exec(ctx, `UPDATE funnel_stages SET key = $3, name = $4, position = $5, archived_at = NULL WHERE club_id = $1 AND id = $2`,
					a.clubID, id, s.Key, s.Name, i)
				return err
			})
		if err != nil {
			return err
		}
		moved = moved || moves
		if err := a.stageResults(ctx, s, id, links[id], !found); err != nil {
			return err
		}
	}
	if moved {
		a.change("funnel", []string{"reordered"})
	}
	for _, rm := range a.p.Remove.Funnel {
		if err := archiveRow(ctx, a, rows, rm.Key, "funnel stage "+rm.Key, `UPDATE funnel_stages SET archived_at = $3 WHERE club_id = $1 AND id = $2`); err != nil {
			return err
		}
	}
	unlisted(a, rows, "funnel stage", "funnel", a.section("funnel"), nil)
	return nil
}

func (a *planApplier) loadStageResults(ctx context.Context) (map[int64][]int64, error) {
	rows, err := a.tx.Query(ctx, `SELECT stage_id, result_id FROM funnel_stage_results WHERE club_id = $1 ORDER BY stage_id, result_id`, a.clubID)
	if err != nil {
		return nil, fmt.Errorf("load funnel stage results: %w", mapErr(err))
	}
	out := map[int64][]int64{}
	var sid, rid int64
	if _, err := pgx.ForEachRow(rows, []any{&sid, &rid}, func() error {
		out[sid] = append(out[sid], rid)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load funnel stage results: %w", mapErr(err))
	}
	return out, nil
}

// stageResults makes a stage's results exactly the plan's set; a new
// stage's results need no line of their own.
func (a *planApplier) stageResults(ctx context.Context, s plan.Stage, stageID int64, current []int64, created bool) error {
	want := make([]int64, 0, len(s.Results))
	for _, k := range s.Results {
		if id, ok := a.resultIDs[k]; ok {
			want = append(want, id)
		}
	}
	slices.Sort(want)
	if slices.Equal(want, current) {
		return nil
	}
	if _, err := a.tx.Exec(ctx, `DELETE FROM funnel_stage_results WHERE club_id = $1 AND stage_id = $2 AND NOT (result_id = ANY($3))`,
		a.clubID, stageID, want); err != nil {
		return fmt.Errorf("funnel stage %s: results: %w", s.Key, mapErr(err))
	}
	if _, err := a.tx.Exec(ctx, `
INSERT INTO funnel_stage_results (club_id, stage_id, result_id)
SELECT $1, $2, r FROM unnest($3::bigint[]) AS r
ON CONFLICT DO NOTHING`, a.clubID, stageID, want); err != nil {
		return fmt.Errorf("funnel stage %s: results: %w", s.Key, mapErr(err))
	}
	if !created {
		a.change("funnel stage "+s.Key, []string{"results changed"})
	}
	return nil
}
