package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// TestCatalogReads checks the read API the bot and workers use, on a club
// set up from a plan.
func TestCatalogReads(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	club := planApply(t, db, planText(t, "cat",
		"{key: call, name: Call, type: personal_call,", "{key: call, name: Call, type: personal_call, due_offset: 1d2h, reminder_offset: -15m,",
		"results: [thinking, refusal]}\n  - {key: check", "results: [refusal, thinking]}\n  - {key: check",
		"due_offset: 1d}", "due_offset: 3d, working_days: true, assignee: {role: manager}}")).ClubID

	list, err := db.TemplateList(ctx, club)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tp := range list {
		keys = append(keys, tp.Key)
	}
	// The plan's templates first, in its order, then the defaults it does not list.
	if got := strings.Join(keys, " "); got != "call check personal_call bulk_call client_task internal" {
		t.Fatalf("templates in menu order: %v", got)
	}
	call, err := templateByKey(ctx, db, club, "call")
	if err != nil {
		t.Fatal(err)
	}
	if call.Type != domain.TypePersonalCall || call.DueOffset != 26*time.Hour || call.ReminderOffset == nil || *call.ReminderOffset != -15*time.Minute || call.IsDefault {
		t.Errorf("call template = %+v", call)
	}
	if _, err := db.TemplateGet(ctx, club, 987654); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("TemplateGet of a missing id: %v", err)
	}

	results, err := db.ResultsForTemplate(ctx, club, call.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].Key != "refusal" || results[1].Key != "thinking" {
		t.Fatalf("results in the template's order: %+v", results)
	}
	refusal := results[0]
	if len(refusal.Fields) != 2 || refusal.Fields[0].Key != "reason" || refusal.Fields[1].Key != "note" ||
		refusal.Fields[0].Type != domain.FieldChoice || !refusal.Fields[0].Required || refusal.Fields[0].DictionaryID == 0 ||
		refusal.Fields[1].Type != domain.FieldText || refusal.Fields[1].Required {
		t.Errorf("refusal fields: %+v", refusal.Fields)
	}
	if len(results[1].Fields) != 0 {
		t.Errorf("thinking has fields: %+v", results[1].Fields)
	}

	r, dicts, err := db.ResultGet(ctx, club, call.ID, refusal.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := dicts[refusal.Fields[0].DictionaryID]
	if r.Key != "refusal" || len(r.Fields) != 2 || !ok || len(d.Values) != 2 || d.Values[0].Key != "far" {
		t.Errorf("ResultGet = %+v, %+v", r, dicts)
	}
	check, _ := templateByKey(ctx, db, club, "check")
	if _, _, err := db.ResultGet(ctx, club, check.ID, refusal.ID); domain.ErrorCode(err) != domain.CodeResultNotAllowed {
		t.Errorf("ResultGet of a result the template does not list: %v", err)
	}

	dict, err := db.DictionaryGet(ctx, club, d.ID)
	if err != nil || dict.Key != "reasons" || len(dict.Values) != 2 {
		t.Fatalf("DictionaryGet = %+v, %v", dict, err)
	}
	if _, err := db.DictionaryGet(ctx, club, 987654); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("DictionaryGet of a missing id: %v", err)
	}

	w, err := db.WorkflowRuleFind(ctx, club, call.ID, results[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if w.NextTemplateID != check.ID || w.DueOffset != 72*time.Hour || !w.WorkingDays || w.Assignee != domain.AssignRole || w.AssigneeRole != domain.RoleManager || w.ClubID != club {
		t.Errorf("rule = %+v", w)
	}
	if _, err := db.WorkflowRuleFind(ctx, club, call.ID, refusal.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("no rule for refusal: %v", err)
	}

	stages, err := db.FunnelStageList(ctx, club)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 1 || stages[0].Key != "contact" || len(stages[0].ResultIDs) != 2 {
		t.Errorf("stages = %+v", stages)
	}

	// Archived values stay in DictionaryGet (old answers keep their names),
	// flagged; archived fields and results leave ResultsForTemplate.
	planApply(t, db, planText(t, "cat",
		"{key: call, name: Call, type: personal_call,", "{key: call, name: Call, type: personal_call, due_offset: 1d2h, reminder_offset: -15m,",
		"results: [thinking, refusal]}\n  - {key: check", "results: [thinking]}\n  - {key: check",
		"  - key: refusal\n    name: Refusal\n    fields:\n      - {key: reason, name: Reason, type: choice, dictionary: reasons, required: true}\n      - {key: note, name: Note, type: text}\n", "",
		"results: [thinking, refusal]}\n", "results: [thinking]}\n",
		"due_offset: 1d}", "due_offset: 3d, working_days: true, assignee: {role: manager}}",
		"      - {key: other, name: Other}\n", "")+"remove:\n  results: [refusal]\n  values: [reasons.other]\n")
	dict, err = db.DictionaryGet(ctx, club, d.ID)
	if err != nil || len(dict.Values) != 2 || dict.Values[1].ArchivedAt == nil || dict.Values[0].ArchivedAt != nil {
		t.Errorf("DictionaryGet after archiving a value: %+v %v", dict, err)
	}
	if results, _ := db.ResultsForTemplate(ctx, club, call.ID); len(results) != 1 || results[0].Key != "thinking" {
		t.Errorf("ResultsForTemplate after removing refusal: %+v", results)
	}
	if _, _, err := db.ResultGet(ctx, club, call.ID, refusal.ID); domain.ErrorCode(err) != domain.CodeResultNotAllowed {
		t.Errorf("ResultGet of an archived result: %v", err)
	}
}
