package postgres

import (
	"context"
	"fmt"
)

// DeploymentID is this database's deployment id, made at random by the
// migration that created its table (00012_deployment.sql). The workers put
// it in every asynq TaskID, so the ids of two databases sharing one Redis
// (a database re-created while Redis kept its finished jobs, or two
// deployments) never collide.
func (db *DB) DeploymentID(ctx context.Context) (string, error) {
	var id string
	if err := db.pool.QueryRow(ctx, `SELECT id FROM deployment`).Scan(&id); err != nil {
		return "", fmt.Errorf("deployment id: %w", mapErr(err))
	}
	return id, nil
}
