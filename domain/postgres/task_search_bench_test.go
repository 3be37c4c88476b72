package postgres_test

import (
	"context"
	"testing"
)

// BenchmarkTaskSearch measures the bot's task search on the report
// benchmarks' synthetic club (see report_bench_test.go for the size and
// CLUBCRM_BENCH_TASKS), against the query it replaced, run in the same
// process as a baseline: one OR across tasks and clients, which PostgreSQL
// can only answer by reading every task of the club.
//
//	go test ./domain/postgres -run '^$' -bench TaskSearch -benchtime 20x
func BenchmarkTaskSearch(b *testing.B) {
	s := benchSetup(b)
	ctx := context.Background()
	b.Run("indexed", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.db.TaskSearch(ctx, s.club, "Клиент 1234", 10); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline_or", func(b *testing.B) {
		for b.Loop() {
			rows, err := s.db.Pool().Query(ctx, `
SELECT t.id, count(*) OVER () FROM tasks t
LEFT JOIN clients c ON c.club_id = t.club_id AND c.id = t.client_id
WHERE t.club_id = $1 AND t.deleted_at IS NULL
  AND (lower(t.title) LIKE '%' || lower($2) || '%'
       OR lower(c.name) LIKE '%' || lower($2) || '%'
       OR ($3 <> '' AND t.client_id IN (
            SELECT p.client_id FROM client_phones p WHERE p.club_id = $1 AND p.phone LIKE '%' || $3 || '%')))
ORDER BY t.status IN ('new', 'in_progress') DESC, t.due_at NULLS LAST, t.id DESC
LIMIT 10`, s.club, "Клиент 1234", "")
			if err != nil {
				b.Fatal(err)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
