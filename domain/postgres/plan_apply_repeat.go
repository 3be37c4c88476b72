package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// repeats applies the templates' repeat rules to template_repeats: the
// stored rules become exactly those the plan's templates carry. Series
// already running follow the new rule from their next close on.
func (a *planApplier) repeats(ctx context.Context) error {
	type rule struct {
		every, days, month, times *int
		until                     *time.Time
	}
	cur := map[int64]rule{}
	rows, err := a.tx.Query(ctx, `SELECT template_id, every_days, weekdays, month_day, until_date, times FROM template_repeats WHERE club_id = $1`, a.clubID)
	if err != nil {
		return fmt.Errorf("template repeats: %w", mapErr(err))
	}
	for rows.Next() {
		var id int64
		var r rule
		if err := rows.Scan(&id, &r.every, &r.days, &r.month, &r.until, &r.times); err != nil {
			rows.Close()
			return fmt.Errorf("template repeats: %w", mapErr(err))
		}
		cur[id] = r
	}
	rows.Close()
	want := map[int64]bool{}
	for _, t := range a.p.Templates {
		tpl, ok := a.templates[t.Key]
		if !ok || t.Repeat == nil {
			continue
		}
		want[tpl.id] = true
		every, days, month, times, until := repeatColumns(*t.Repeat)
		old, found := cur[tpl.id]
		if found && eqInt(old.every, every) && eqInt(old.days, days) && eqInt(old.month, month) && eqInt(old.times, times) &&
			((old.until == nil) == (until == nil) && (until == nil || old.until.Format(time.DateOnly) == until.Format(time.DateOnly))) {
			continue
		}
		if _, err := a.tx.Exec(ctx, `
INSERT INTO template_repeats (template_id, club_id, every_days, weekdays, month_day, until_date, times) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (club_id, template_id) DO UPDATE SET every_days = $3, weekdays = $4, month_day = $5, until_date = $6, times = $7`,
			tpl.id, a.clubID, every, days, month, until, times); err != nil {
			return fmt.Errorf("template %s repeat: %w", t.Key, mapErr(err))
		}
		a.change("template "+t.Key, []string{"repeat set"})
	}
	for id := range cur {
		if !want[id] {
			if _, err := a.tx.Exec(ctx, `DELETE FROM template_repeats WHERE club_id = $1 AND template_id = $2`, a.clubID, id); err != nil {
				return fmt.Errorf("template repeat: %w", mapErr(err))
			}
			a.change("template "+a.templateKeys[id], []string{"repeat removed"})
		}
	}
	return nil
}

func repeatColumns(r domain.Repeat) (every, days, month, times *int, until *time.Time) {
	if r.EveryDays > 0 {
		every = &r.EveryDays
	}
	if r.MonthDay != 0 {
		month = &r.MonthDay
	}
	if len(r.Weekdays) > 0 {
		m := 0
		for d, on := range r.Weekdays {
			if on {
				m |= 1 << int(d)
			}
		}
		days = &m
	}
	if r.Times > 0 {
		times = &r.Times
	}
	return every, days, month, times, r.Until
}

func eqInt(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
