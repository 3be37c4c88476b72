package i18n

import (
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// Every message exists in every language: a key added to one catalog and
// forgotten in another fails here, not in a user's chat.
func TestCatalogsComplete(t *testing.T) {
	c := MustNew()
	en := c.IDs(domain.LangEN)
	if len(en) == 0 {
		t.Fatal("no English messages")
	}
	for _, l := range domain.Languages {
		have := map[string]bool{}
		for _, id := range c.IDs(l) {
			have[id] = true
		}
		for _, id := range en {
			if !have[id] {
				t.Errorf("%s: missing %q", l, id)
			}
		}
		if len(have) != len(en) {
			t.Errorf("%s has %d messages, en has %d", l, len(have), len(en))
		}
	}
}

func TestRussianPlurals(t *testing.T) {
	c := MustNew()
	for n, want := range map[int]string{1: "1 задача", 2: "2 задачи", 5: "5 задач", 21: "21 задача", 11: "11 задач", 104: "104 задачи"} {
		if got := c.N(domain.LangRU, "tasks.count", n, nil); got != want {
			t.Errorf("N(ru, %d) = %q, want %q", n, got, want)
		}
	}
	if got := c.N(domain.LangEN, "tasks.count", 1, nil); got != "1 task" {
		t.Errorf("en one: %q", got)
	}
}

// The repeat picker's counts agree with their number in every language
// ("4 раза", not "4 раз"; the buttons offer 4, 8 and 12).
func TestRepeatCountsPlural(t *testing.T) {
	c := MustNew()
	for _, tc := range []struct {
		lang domain.Language
		id   string
		n    int
		want string
	}{
		{domain.LangRU, "bot.repeat.after", 4, "4 раза"},
		{domain.LangRU, "bot.repeat.after", 8, "8 раз"},
		{domain.LangUK, "bot.repeat.after", 4, "4 рази"},
		{domain.LangUK, "bot.repeat.after", 12, "12 разів"},
		{domain.LangEN, "bot.repeat.after", 4, "After 4 times"},
		{domain.LangRU, "bot.repeat.times", 2, ", всего 2 раза"},
		{domain.LangRU, "bot.repeat.every_weeks", 5, "каждые 5 недель"},
		{domain.LangUK, "bot.repeat.every_weeks", 3, "кожні 3 тижні"},
	} {
		if got := c.N(tc.lang, tc.id, tc.n, nil); got != tc.want {
			t.Errorf("N(%s, %s, %d) = %q, want %q", tc.lang, tc.id, tc.n, got, tc.want)
		}
	}
}

func TestMissingIDShowsItself(t *testing.T) {
	if got := MustNew().T(domain.LangUK, "no.such.key", nil); got != "no.such.key" {
		t.Fatalf("got %q", got)
	}
}

func TestDateTimeInZone(t *testing.T) {
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	at := time.Date(2026, 11, 26, 12, 30, 0, 0, time.UTC)
	if got := DateTime(domain.LangRU, at, kyiv); got != "26 ноя 2026, 14:30" {
		t.Errorf("ru: %q", got)
	}
	if got := DateTime(domain.LangEN, at, kyiv); got != "Nov 26, 2026, 2:30 PM" {
		t.Errorf("en: %q", got)
	}
	if got := Number(domain.LangUK, 2.5); got != "2,5" {
		t.Errorf("number: %q", got)
	}
}

// A missed-calls line with nobody called back has no median to give, and
// says nothing about one (not "median — min").
func TestMissedLineWithoutMedian(t *testing.T) {
	c := MustNew()
	for _, lang := range []domain.Language{domain.LangRU, domain.LangUK, domain.LangEN} {
		none := c.T(lang, "report.missed", map[string]any{"Missed": "3", "Back": "0", "InTarget": "0", "Median": ""})
		some := c.T(lang, "report.missed", map[string]any{"Missed": "3", "Back": "1", "InTarget": "1", "Median": "12"})
		if strings.Contains(none, "{{") || strings.Contains(none, "—") || len(none) >= len(some) || !strings.Contains(some, "12") {
			t.Errorf("%s: without a median %q, with one %q", lang, none, some)
		}
	}
}
