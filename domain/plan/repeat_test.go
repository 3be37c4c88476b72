package plan_test

import (
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/plan"
	"github.com/clubcrm/clubcrm/examples"
)

// withRepeat gives small's check template a repeat rule.
func withRepeat(rule string) string {
	return strings.Replace(small, "    type: client_task\n", "    type: client_task\n    repeat: "+rule+"\n", 1)
}

// TestParseRepeatMonthly: monthly takes a day of the month or last; any
// other value, or monthly together with every or weekdays, is refused.
func TestParseRepeatMonthly(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rule string
		want int
	}{
		{"{monthly: 15}", 15},
		{"{monthly: 31, until: 2027-12-31}", 31},
		{"{monthly: 1, times: 12}", 1},
		{"{monthly: last}", domain.LastDayOfMonth},
	} {
		p, err := plan.Parse("p.yaml", []byte(withRepeat(c.rule)))
		if err != nil {
			t.Errorf("%s: %v", c.rule, err)
			continue
		}
		var got *domain.Repeat
		for _, tpl := range p.Templates {
			if tpl.Key == "check" {
				got = tpl.Repeat
			}
		}
		if got == nil || got.MonthDay != c.want || got.EveryDays != 0 || len(got.Weekdays) != 0 {
			t.Errorf("%s: %+v, want month day %d", c.rule, got, c.want)
		}
	}
	for _, c := range []struct{ rule, want string }{
		{"{monthly: 0}", `monthly "0" is not a day of the month`},
		{"{monthly: 32}", `monthly "32" is not a day of the month`},
		{"{monthly: first}", `monthly "first" is not a day of the month`},
		{"{monthly: 15, every: 30d}", "one of every, weekdays and monthly"},
		{"{monthly: last, weekdays: [mon]}", "one of every, weekdays and monthly"},
	} {
		if _, err := plan.Parse("p.yaml", []byte(withRepeat(c.rule))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.rule, err, c.want)
		}
	}
}

// TestExampleMonthlyReport: the demo plan's monthly report comes back on
// the last day of every month, not every 28 days.
func TestExampleMonthlyReport(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse("club-plan.yaml", examples.ClubPlan)
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range p.Templates {
		if tpl.Key == "prepare_monthly_report" {
			if tpl.Repeat == nil || tpl.Repeat.MonthDay != domain.LastDayOfMonth || tpl.Repeat.EveryDays != 0 {
				t.Errorf("prepare_monthly_report repeat: %+v", tpl.Repeat)
			}
			return
		}
	}
	t.Error("the demo plan has no prepare_monthly_report template")
}
