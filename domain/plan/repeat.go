package plan

import (
	"strconv"
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// repeat reads a template's repeat rule:
//
//	repeat: {every: 7d}                              # or 1w is written 7d
//	repeat: {weekdays: [mon, thu], until: 2026-12-31, times: 20}
//	repeat: {monthly: 15}                            # the 15th of every month
//	repeat: {monthly: 31}                            # the 31st, a 30-day month's 30th
//	repeat: {monthly: last}                          # the last day of every month
func (r *reader) repeat(e entry) *domain.Repeat {
	if e.value == nil || isNull(e.value) {
		return nil
	}
	m, ok := r.mapping(e.value, "template repeat", "every", "weekdays", "monthly", "until", "times")
	if !ok {
		return nil
	}
	at := posOf(e.value)
	rep := &domain.Repeat{}
	if d, ok := r.offset(m["every"], "template repeat every", false); ok && d != nil {
		if *d%(24*time.Hour) != 0 || *d == 0 {
			r.errorf(posOf(m["every"].value), "template repeat every must be whole days, e.g. 7d")
		} else {
			rep.EveryDays = int(*d / (24 * time.Hour))
		}
	}
	if s, ok := r.text(m["monthly"], "template repeat monthly"); ok && s != "" {
		if s == "last" {
			rep.MonthDay = domain.LastDayOfMonth
		} else if d, err := strconv.Atoi(s); err == nil && d >= 1 && d <= 31 {
			rep.MonthDay = d
		} else {
			r.errorf(posOf(m["monthly"].value), "template repeat monthly %q is not a day of the month (1..31) or last", s)
		}
	}
	days, _ := r.list(m["weekdays"].value, "template repeat weekdays")
	for _, n := range days {
		s, ok := r.text(entry{value: n}, "template repeat weekday")
		if !ok {
			continue
		}
		d, err := domain.ParseWeekday(s)
		if err != nil {
			r.errorf(posOf(n), "template repeat: %v", err)
			continue
		}
		if rep.Weekdays == nil {
			rep.Weekdays = map[time.Weekday]bool{}
		}
		rep.Weekdays[d] = true
	}
	until := m["until"]
	if until.value != nil && until.value.ShortTag() == "!!timestamp" {
		// An unquoted 2027-12-31 is a YAML timestamp; its text is the date.
		until.value.Tag = "!!str"
	}
	if s, ok := r.text(until, "template repeat until"); ok && s != "" {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			r.errorf(posOf(m["until"].value), "template repeat until %q is not a date (YYYY-MM-DD)", s)
		} else {
			rep.Until = &t
		}
	}
	if _, ok := m["times"]; ok {
		if n, ok := r.integer(m["times"], "template repeat times", 0); ok {
			if n < 1 || n > 10000 {
				r.errorf(posOf(m["times"].value), "template repeat times must be 1..10000")
			} else {
				rep.Times = int(n)
			}
		}
	}
	if err := rep.Validate(); err != nil {
		r.errorf(at, "template repeat: %v", err)
		return nil
	}
	return rep
}
