package postgres

import "context"

// TakeConditionHolds evaluates takeCondition over a tasks row of the given
// type, status and assignee (0 for none), for TestTakeConditionMatchesMayTake.
func (db *DB) TakeConditionHolds(ctx context.Context, taskType, status string, assignee, actor int64, manager bool) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM (VALUES ($1::text, $2::text, nullif($3::bigint, 0))) AS tasks(task_type, status, assignee_id)
WHERE `+takeCondition("$4::bigint", "$5::boolean")+`)`, taskType, status, assignee, actor, manager).Scan(&ok)
	return ok, err
}
