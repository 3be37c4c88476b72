// Package i18n holds the bot's message catalogs (ru, uk, en) and the
// locale-aware formatting of dates and numbers. Catalogs are TOML files
// embedded from locales/, named <area>.<lang>.toml (bot.ru.toml,
// jobs.uk.toml, ...), so each part of the service keeps its own strings.
// Plurals follow CLDR rules through go-i18n (Russian and Ukrainian one / few /
// many / other).
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/clubcrm/clubcrm/domain"
)

//go:embed locales/*.toml
var localeFiles embed.FS

// Catalog translates message ids. It is safe for concurrent use.
type Catalog struct {
	localizers map[domain.Language]*goi18n.Localizer
	ids        map[domain.Language]map[string]bool
}

// New loads the embedded catalogs.
func New() (*Catalog, error) {
	bundle := goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalog{localizers: map[domain.Language]*goi18n.Localizer{}, ids: map[domain.Language]map[string]bool{}}
	entries, err := fs.ReadDir(localeFiles, "locales")
	if err != nil {
		return nil, fmt.Errorf("read catalogs: %w", err)
	}
	for _, e := range entries {
		name := path.Join("locales", e.Name())
		b, err := localeFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read catalog %s: %w", name, err)
		}
		mf, err := bundle.ParseMessageFileBytes(b, name)
		if err != nil {
			return nil, fmt.Errorf("parse catalog %s: %w", name, err)
		}
		lang, ok := domain.ParseLanguage(mf.Tag.String())
		if !ok {
			return nil, fmt.Errorf("catalog %s: unsupported language %s", name, mf.Tag)
		}
		if c.ids[lang] == nil {
			c.ids[lang] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			if c.ids[lang][m.ID] {
				return nil, fmt.Errorf("catalog %s: message %q defined twice", name, m.ID)
			}
			c.ids[lang][m.ID] = true
		}
	}
	for _, l := range domain.Languages {
		// Fall back to English for a message missing in the user's language.
		c.localizers[l] = goi18n.NewLocalizer(bundle, string(l), "en")
	}
	return c, nil
}

// MustNew is New for program start-up and tests, where a broken embedded
// catalog is a build defect.
func MustNew() *Catalog {
	c, err := New()
	if err != nil {
		panic(err)
	}
	return c
}

// T translates id with template data. A missing id returns the id itself, so
// a gap shows up in the chat and in tests instead of an empty message.
func (c *Catalog) T(lang domain.Language, id string, data map[string]any) string {
	return c.localize(lang, &goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
}

// N translates id choosing the plural form for count; data gets "Count" set.
func (c *Catalog) N(lang domain.Language, id string, count int, data map[string]any) string {
	d := map[string]any{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	return c.localize(lang, &goi18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: d})
}

func (c *Catalog) localize(lang domain.Language, cfg *goi18n.LocalizeConfig) string {
	l, ok := c.localizers[lang]
	if !ok {
		l = c.localizers[domain.LangEN]
	}
	s, err := l.Localize(cfg)
	if err != nil || s == "" {
		return cfg.MessageID
	}
	return s
}

// Number is the package's Number as a method, for code that takes the
// catalog as its translator (domain/report.Translator).
func (c *Catalog) Number(lang domain.Language, f float64) string { return Number(lang, f) }

// IDs returns the message ids defined for lang, sorted (for completeness tests).
func (c *Catalog) IDs(lang domain.Language) []string {
	out := make([]string, 0, len(c.ids[lang]))
	for id := range c.ids[lang] {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

var monthsShort = map[domain.Language][12]string{
	domain.LangRU: {"янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"},
	domain.LangUK: {"січ", "лют", "бер", "кві", "тра", "чер", "лип", "сер", "вер", "жов", "лис", "гру"},
	domain.LangEN: {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
}

var weekdaysShort = map[domain.Language][7]string{
	domain.LangRU: {"Вс", "Пн", "Вт", "Ср", "Чт", "Пт", "Сб"},
	domain.LangUK: {"Нд", "Пн", "Вт", "Ср", "Чт", "Пт", "Сб"},
	domain.LangEN: {"Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"},
}

// Weekday returns the short weekday name.
func Weekday(lang domain.Language, d time.Weekday) string {
	w, ok := weekdaysShort[lang]
	if !ok {
		w = weekdaysShort[domain.LangEN]
	}
	return w[d]
}

// Month returns the short month name.
func Month(lang domain.Language, m time.Month) string {
	ms, ok := monthsShort[lang]
	if !ok {
		ms = monthsShort[domain.LangEN]
	}
	return ms[m-1]
}

// Date formats a date in loc the way the language writes it: "26 ноя 2026",
// "Nov 26, 2026".
func Date(lang domain.Language, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if lang == domain.LangEN {
		return fmt.Sprintf("%s %d, %d", Month(lang, t.Month()), t.Day(), t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), Month(lang, t.Month()), t.Year())
}

// DateTime formats a moment in loc: "26 ноя 2026, 14:30", "Nov 26, 2026, 2:30 PM".
func DateTime(lang domain.Language, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if lang == domain.LangEN {
		return Date(lang, t, loc) + ", " + t.Format("3:04 PM")
	}
	return Date(lang, t, loc) + ", " + t.Format("15:04")
}

// Number formats a number with the language's decimal separator.
func Number(lang domain.Language, f float64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
	if lang != domain.LangEN {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
