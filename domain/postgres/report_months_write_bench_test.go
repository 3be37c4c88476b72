package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// BenchmarkReportMonthsWritePath measures what the stored months' change
// log (the report_dirty triggers of 00026) costs the everyday write path:
// a call created, taken and closed with a refusal and its reason, which
// writes a task, its result, an answer, a call and the follow-up rows. The
// same work runs on one database with the triggers and with them disabled,
// in the same run, and at the real time (the triggers log nothing) and a
// month back (every write touches an old time: the worst case, an import).
//
//	go test ./domain/postgres -run '^$' -bench ReportMonthsWritePath -benchtime 300x -count 3
func BenchmarkReportMonthsWritePath(b *testing.B) {
	for _, c := range []struct {
		name     string
		back     time.Duration
		triggers bool
	}{
		{"now/triggers", 0, true},
		{"now/no-triggers", 0, false},
		{"month-back/triggers", 30 * 24 * time.Hour, true},
		{"month-back/no-triggers", 30 * 24 * time.Hour, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			db := pgtest.New(b, postgres.WithClock(clocktest.New(time.Now().Add(-c.back))))
			f := pgtest.NewClub(b, db, "alpha")
			if !c.triggers {
				for _, tr := range []string{"tasks_report_dirty_ins", "tasks_report_dirty_upd", "tasks_report_dirty_del"} {
					pgtest.Exec(b, db, `ALTER TABLE tasks DISABLE TRIGGER `+tr)
				}
				for _, table := range []string{"task_results", "task_field_values", "calls"} {
					for _, op := range []string{"ins", "upd", "del"} {
						pgtest.Exec(b, db, `ALTER TABLE `+table+` DISABLE TRIGGER `+table+`_report_dirty_`+op)
					}
				}
			}
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["call"],
					Title: "Call", ClientID: f.Clients[i%2], AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.TaskTake(ctx, f.Club.ID, task.ID, f.Staff); err != nil {
					b.Fatal(err)
				}
				if _, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: task.ID, ResultID: f.Results["refusal"],
					Actor: f.Staff, Values: []domain.FieldValue{{FieldID: f.ReasonField, ValueIDs: []int64{f.Reasons["far"]}}}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
