package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/clubcrm/clubcrm/domain/plan"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/examples"
)

// ensureDemoClub creates the demo club from the embedded example plan when
// the database has no club at all, so a fresh `clubcrm serve` has something
// to show. Several processes starting together are safe: PlanApply locks the
// slug, and the second apply finds nothing to change.
func ensureDemoClub(ctx context.Context, db *postgres.DB, log *slog.Logger) error {
	n, err := db.ClubCount(ctx)
	if err != nil {
		return fmt.Errorf("demo club: %w", err)
	}
	if n > 0 {
		return nil
	}
	p, err := plan.Parse("examples/club-plan.yaml", examples.ClubPlan)
	if err != nil {
		return fmt.Errorf("demo club: embedded plan: %w", err)
	}
	changes, err := db.PlanApply(ctx, p, postgres.PlanApplyOptions{})
	if err != nil {
		return fmt.Errorf("demo club: %w", err)
	}
	log.Info("demo club created from the embedded plan", slog.Int64("club_id", changes.ClubID),
		slog.String("slug", p.Club.Slug), slog.Int("changes", len(changes.Lines)))
	return nil
}
