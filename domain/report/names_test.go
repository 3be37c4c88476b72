package report_test

import (
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

func TestLocalizeNames(t *testing.T) {
	t.Parallel()
	uk := func(s string) domain.Names { return domain.Names{domain.LangUK: s} }
	n := report.Names{
		Templates:   map[int64]domain.Names{1: uk("Дзвінок")},
		Results:     map[int64]domain.Names{10: uk("Відмова")},
		Fields:      map[int64]domain.Names{20: uk("Причина")},
		Values:      map[int64]domain.Names{30: uk("Далеко")},
		Stages:      map[int64]domain.Names{40: uk("Контакт")},
		FieldResult: map[int64]int64{20: 10, 21: 11},
	}
	g := report.General{
		Filter:            report.Filter{TemplateID: 1},
		FilterNames:       report.FilterNames{Template: "Звонок"},
		ByTemplate:        []report.TemplateRow{{TemplateID: 1, Name: "Звонок"}, {TemplateID: 2, Name: "Проверка"}},
		ByResult:          []report.ResultRow{{ResultID: 10, Name: "Отказ"}, {ResultID: 11, Name: "Думает"}},
		ResultsByStaff:    []report.ResultCell{{ID: 1, Name: "Анна", ResultID: 10, Result: "Отказ"}},
		ResultsByTemplate: []report.ResultCell{{ID: 1, Name: "Звонок", ResultID: 10, Result: "Отказ"}},
		Fields: []report.FieldTally{{FieldID: 20, Name: "Причина отказа", ResultName: "Отказ",
			Values: []report.ValueTally{{ValueID: 30, Name: "Далеко"}, {ValueID: 31, Name: "Дорого"}}}},
	}
	en := g
	en.ByTemplate = append([]report.TemplateRow(nil), g.ByTemplate...)
	g.Localize(n, domain.LangUK)
	if g.FilterNames.Template != "Дзвінок" || g.ByTemplate[0].Name != "Дзвінок" || g.ByTemplate[1].Name != "Проверка" {
		t.Errorf("templates: %q %+v", g.FilterNames.Template, g.ByTemplate)
	}
	if g.ByResult[0].Name != "Відмова" || g.ByResult[1].Name != "Думает" {
		t.Errorf("results: %+v", g.ByResult)
	}
	if c := g.ResultsByStaff[0]; c.Name != "Анна" || c.Result != "Відмова" { // a staff member's name is theirs
		t.Errorf("by staff: %+v", c)
	}
	if c := g.ResultsByTemplate[0]; c.Name != "Дзвінок" || c.Result != "Відмова" {
		t.Errorf("by template: %+v", c)
	}
	if f := g.Fields[0]; f.Name != "Причина" || f.ResultName != "Відмова" || f.Values[0].Name != "Далеко" || f.Values[1].Name != "Дорого" {
		t.Errorf("fields: %+v", f)
	}
	en.Localize(n, domain.LangEN) // no English names: the club's stay
	if en.ByTemplate[0].Name != "Звонок" {
		t.Errorf("en falls back: %+v", en.ByTemplate)
	}

	f := report.Funnel{Stages: []report.Stage{{StageID: 40, Name: "Contact"}}, ByTemplate: []report.Split{{ID: 1, Name: "Звонок"}}}
	f.Localize(n, domain.LangUK)
	if f.Stages[0].Name != "Контакт" || f.ByTemplate[0].Name != "Дзвінок" {
		t.Errorf("funnel: %+v", f)
	}
	c := report.Cohort{Stages: []report.CohortStage{{StageID: 40, Name: "Contact", Reasons: []report.LossReason{{ValueID: 30, Name: "Far"}}}}}
	c.Localize(n, domain.LangUK)
	if c.Stages[0].Name != "Контакт" || c.Stages[0].Reasons[0].Name != "Далеко" {
		t.Errorf("cohort: %+v", c)
	}
}
