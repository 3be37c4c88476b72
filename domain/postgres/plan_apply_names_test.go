package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// planNamed gives planBase's items names per language; the club's language
// is ru (the default), so the ru text is the stored name.
func planNamed(t *testing.T, slug string, extra ...string) string {
	return planText(t, slug, append([]string{
		"{key: call, name: Call,", "{key: call, name: {ru: Звонок, uk: Дзвінок, en: Call},",
		"  - key: thinking\n    name: Thinking\n", "  - key: thinking\n    name: {ru: Думает, uk: Думає, en: Thinking}\n",
		"{key: reason, name: Reason,", "{key: reason, name: {ru: Причина, uk: Причина відмови},",
		"{key: far, name: Far}", "{key: far, name: {ru: Далеко, en: Far away}}",
		"{key: contact, name: Contact,", "{key: contact, name: {uk: Контакт, en: Contact},",
	}, extra...)...)
}

func TestPlanApplyNamesPerLanguage(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()

	// A plan without translations: nothing about names, then "no changes".
	first := planApply(t, db, planText(t, "n"))
	if first.Empty() {
		t.Fatal("first apply changed nothing")
	}
	if again := planApply(t, db, planText(t, "n")); !again.Empty() {
		t.Fatalf("re-apply of a plan without translations: %v", again.Lines)
	}

	// Translations added: one line per item; the ru name replaces the old one.
	ch := planApply(t, db, planNamed(t, "n"))
	wantLines := []string{
		"value reasons.far: name changed, names changed",
		"result thinking: name changed, names changed",
		"field refusal.reason: name changed, names changed",
		"template call: name changed, names changed",
		"funnel stage contact: name changed, names changed",
	}
	for _, w := range wantLines {
		if !hasLine(ch.Lines, w) {
			t.Errorf("apply with names: missing %q in %q", w, ch.Lines)
		}
	}
	if again := planApply(t, db, planNamed(t, "n")); !again.Empty() {
		t.Fatalf("re-apply with names: %v", again.Lines)
	}

	// What the bot reads.
	clubID := ch.ClubID
	templates, err := db.TemplateList(ctx, clubID)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(templates, func(t domain.Template) bool { return t.Key == "call" })
	call := templates[i]
	if call.Name != "Звонок" || call.NameIn(domain.LangUK) != "Дзвінок" || call.NameIn(domain.LangEN) != "Call" || call.NameIn(domain.LangRU) != "Звонок" {
		t.Errorf("template call: %q %v", call.Name, call.Names)
	}
	results, err := db.ResultsForTemplate(ctx, clubID, call.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := results[0].NameIn(domain.LangUK); got != "Думає" {
		t.Errorf("result in uk = %q", got)
	}
	refusal := results[1]
	if f := refusal.Fields[0]; f.NameIn(domain.LangUK) != "Причина відмови" || f.NameIn(domain.LangEN) != "Причина" {
		t.Errorf("field: en falls back to the club's language; got uk %q en %q", f.NameIn(domain.LangUK), f.NameIn(domain.LangEN))
	}
	res, dicts, err := db.ResultGet(ctx, clubID, call.ID, refusal.ID)
	if err != nil {
		t.Fatal(err)
	}
	far := dicts[res.Fields[0].DictionaryID].Values[0]
	if far.NameIn(domain.LangEN) != "Far away" || far.NameIn(domain.LangUK) != "Далеко" {
		t.Errorf("value: en %q, uk (falls back to ru) %q", far.NameIn(domain.LangEN), far.NameIn(domain.LangUK))
	}
	stages, err := db.FunnelStageList(ctx, clubID)
	if err != nil {
		t.Fatal(err)
	}
	if s := stages[0]; s.Name != "Контакт" || s.NameIn(domain.LangRU) != "Контакт" || s.NameIn(domain.LangEN) != "Contact" {
		t.Errorf("stage without ru: name %q (want the first given, uk), en %q", s.Name, s.NameIn(domain.LangEN))
	}

	// What reports read to show names in the reader's language.
	cn, err := db.CatalogNames(ctx, clubID)
	if err != nil {
		t.Fatal(err)
	}
	if cn.Templates[call.ID][domain.LangUK] != "Дзвінок" || cn.Results[results[0].ID][domain.LangEN] != "Thinking" ||
		cn.Fields[refusal.Fields[0].ID][domain.LangUK] != "Причина відмови" || cn.FieldResult[refusal.Fields[0].ID] != refusal.ID ||
		cn.Values[far.ID][domain.LangEN] != "Far away" || cn.Stages[stages[0].ID][domain.LangEN] != "Contact" {
		t.Errorf("catalog names: %+v", cn)
	}
	if _, ok := cn.Results[refusal.ID]; ok {
		t.Errorf("a result named once for all languages has names: %v", cn.Results[refusal.ID])
	}

	// Back to plain names: translations are dropped, names return.
	back := planApply(t, db, planText(t, "n"))
	if !hasLine(back.Lines, "template call: name changed, names changed") {
		t.Errorf("back to plain names: %q", back.Lines)
	}
	templates, err = db.TemplateList(ctx, clubID)
	if err != nil {
		t.Fatal(err)
	}
	if call := templates[i]; call.NameIn(domain.LangUK) != "Call" || len(call.Names) != 0 {
		t.Errorf("after plain names: %q %v", call.NameIn(domain.LangUK), call.Names)
	}
}

// TestPlanApplyNamesRenamedItem: a renamed item keeps getting its names.
func TestPlanApplyNamesRenamedItem(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	planApply(t, db, planText(t, "r"))
	ch := planApply(t, db, planNamed(t, "r",
		"  - key: thinking\n    name: {ru: Думает, uk: Думає, en: Thinking}\n", "  - key: pondering\n    renamed_from: thinking\n    name: {ru: Думает, uk: Думає, en: Thinking}\n",
		"type: personal_call, results: [thinking, refusal]}", "type: personal_call, results: [pondering, refusal]}",
		"results: [thinking]}", "results: [pondering]}",
		"result: thinking,", "result: pondering,",
		"Contact}, results: [thinking, refusal]}", "Contact}, results: [pondering, refusal]}"))
	if !hasLine(ch.Lines, "result pondering: renamed from thinking, name changed, names changed") {
		t.Errorf("lines: %q", ch.Lines)
	}
}
