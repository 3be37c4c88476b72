package plan_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/plan"
)

// TestParseNamesPerLanguage: a name may be a text for everyone or a text
// per language; the item's Name is the club's language, else the first of
// ru, uk, en given.
func TestParseNamesPerLanguage(t *testing.T) {
	t.Parallel()
	src := strings.Replace(small, "    name: Call\n", "    name: {ru: Звонок, uk: Дзвінок, en: Call}\n", 1)
	src = strings.Replace(src, "    name: Thinking\n", "    name: {en: Thinking, uk: Думає}\n", 1)
	src = strings.Replace(src, "{key: far, name: Far}", "{key: far, name: {en: Far, uk: Далеко}}", 1)
	src = strings.Replace(src, "{key: reason, name: Reason,", "{key: reason, name: {uk: Причина},", 1)
	src = strings.Replace(src, "    name: Contact\n", "    name: {en: Contact, ru: Контакт}\n", 1)
	p, err := plan.Parse("p.yaml", []byte(src)) // the club's language is ru by default
	if err != nil {
		t.Fatal(err)
	}
	call := p.Templates[0]
	if call.Name != "Звонок" || call.Names[domain.LangUK] != "Дзвінок" || call.Names[domain.LangEN] != "Call" || len(call.Names) != 3 {
		t.Errorf("template = %q %v", call.Name, call.Names)
	}
	if th := p.Results[0]; th.Name != "Думає" || len(th.Names) != 2 { // no ru: uk comes before en
		t.Errorf("result = %q %v", th.Name, th.Names)
	}
	if f := p.Results[1].Fields[0]; f.Name != "Причина" || f.Names[domain.LangUK] != "Причина" {
		t.Errorf("field = %q %v", f.Name, f.Names)
	}
	if v := p.Dictionaries[0].Values[0]; v.Name != "Далеко" || v.Names[domain.LangEN] != "Far" {
		t.Errorf("value = %q %v", v.Name, v.Names)
	}
	if s := p.Funnel[0]; s.Name != "Контакт" || s.Names[domain.LangEN] != "Contact" {
		t.Errorf("stage = %q %v", s.Name, s.Names)
	}
	if r := p.Results[1]; r.Name != "Refusal" || r.Names != nil {
		t.Errorf("a plain name = %q %v; want it for every language, no Names", r.Name, r.Names)
	}

	// An English club takes its name from en.
	p, err = plan.Parse("p.yaml", []byte(strings.Replace(src, "  time_zone: Europe/Kyiv\n", "  time_zone: Europe/Kyiv\n  language: en\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Templates[0].Name != "Call" || p.Results[0].Name != "Thinking" {
		t.Errorf("English club: %q, %q", p.Templates[0].Name, p.Results[0].Name)
	}
}

// TestParseNamesRefused: an unknown language, an empty or too long name in
// one language, an empty mapping: one line each, at the mistake.
func TestParseNamesRefused(t *testing.T) {
	t.Parallel()
	at := func(line string) string { // the line of small's template name, replaced
		return strings.Replace(small, "    name: Call\n", line, 1)
	}
	long := strings.Repeat("я", 201)
	for _, tc := range []struct{ name, src, want string }{
		{"unknown language", at("    name: {ru: Звонок, de: Anruf}\n"), `p.yaml:18:24: template name: unknown language "de"; use ru, uk, en`},
		{"empty", at("    name: {ru: Звонок, uk: \"\"}\n"), `p.yaml:18:24: template name uk is required`},
		{"blank", at("    name: {ru: Звонок, en: \"  \"}\n"), `p.yaml:18:24: template name en is required`},
		{"too long", at("    name: {ru: Звонок, uk: " + long + "}\n"), `p.yaml:18:28: template name uk is 201 characters long; at most 200`},
		{"empty mapping", at("    name: {}\n"), `p.yaml:18:11: template name is required: give a text, or a text per language (ru, uk, en)`},
		{"repeated", at("    name: {ru: A, ru: B}\n"), `p.yaml:18:19: template name: language "ru" is repeated`},
		{"list", at("    name: {ru: [A]}\n"), `p.yaml:18:16: template name ru must be text, not a list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := plan.Parse("p.yaml", []byte(tc.src))
			if err == nil {
				t.Fatal("accepted")
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tc.want)
			}
			if !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("%v is not ErrInvalid", err)
			}
		})
	}
}
