package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/plan"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/examples"
)

// planBase is a small complete plan; %s is the club slug.
const planBase = `club:
  slug: %s
  name: Club
  time_zone: Europe/Kyiv
dictionaries:
  - key: reasons
    name: Reasons
    values:
      - {key: far, name: Far}
      - {key: other, name: Other}
results:
  - key: thinking
    name: Thinking
  - key: refusal
    name: Refusal
    fields:
      - {key: reason, name: Reason, type: choice, dictionary: reasons, required: true}
      - {key: note, name: Note, type: text}
templates:
  - {key: call, name: Call, type: personal_call, results: [thinking, refusal]}
  - {key: check, name: Check, type: client_task, results: [thinking]}
workflows:
  - {template: call, result: thinking, next: check, due_offset: 1d}
funnel:
  - {key: contact, name: Contact, results: [thinking, refusal]}
`

// planText is planBase for a slug with some replacements applied, each of
// which must match exactly once.
func planText(t *testing.T, slug string, replace ...string) string {
	t.Helper()
	text := fmt.Sprintf(planBase, slug)
	for i := 0; i+1 < len(replace); i += 2 {
		if strings.Count(text, replace[i]) != 1 {
			t.Fatalf("planText: %q does not occur exactly once", replace[i])
		}
		text = strings.Replace(text, replace[i], replace[i+1], 1)
	}
	return text
}

func planParse(t *testing.T, text string) *plan.Plan {
	t.Helper()
	p, err := plan.Parse("p.yaml", []byte(text))
	if err != nil {
		t.Fatalf("parse:\n%v", err)
	}
	return p
}

func planApply(t *testing.T, db *postgres.DB, text string) postgres.PlanChanges {
	t.Helper()
	ch, err := db.PlanApply(context.Background(), planParse(t, text), postgres.PlanApplyOptions{})
	if err != nil {
		t.Fatalf("apply:\n%v", err)
	}
	return ch
}

// planTry parses and applies, the way `clubcrm club apply` does, returning
// the first error.
func planTry(db *postgres.DB, text string) (postgres.PlanChanges, error) {
	p, err := plan.Parse("p.yaml", []byte(text))
	if err != nil {
		return postgres.PlanChanges{}, err
	}
	return db.PlanApply(context.Background(), p, postgres.PlanApplyOptions{})
}

// planState fingerprints every table a plan writes, so a test can prove a
// refused apply changed nothing at all.
func planState(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var s string
	err := db.Pool().QueryRow(context.Background(), `SELECT concat_ws(' | ',
 (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM clubs x),
 (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM dictionaries x),
 (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM dictionary_values x),
 (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM results x),
 (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM result_fields x),
 (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM templates x),
 (SELECT string_agg(x::text, ',' ORDER BY x.template_id, x.result_id) FROM template_results x),
 (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM workflow_rules x),
 (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM funnel_stages x),
 (SELECT string_agg(x::text, ',' ORDER BY x.stage_id, x.result_id) FROM funnel_stage_results x))`).Scan(&s)
	if err != nil {
		t.Fatalf("plan state: %v", err)
	}
	return s
}

func planLineOf(t *testing.T, text, needle string) int {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("%q not in the plan", needle)
	}
	return strings.Count(text[:i], "\n") + 1
}

func hasLine(lines []string, want string) bool { return slices.Contains(lines, want) }

func TestPlanApplyExampleTwice(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	p, err := plan.Parse("examples/club-plan.yaml", examples.ClubPlan)
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.PlanApply(ctx, p, postgres.PlanApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Empty() || first.Lines[0] != "club demo: created" || first.ClubID == 0 {
		t.Fatalf("first apply: %+v", first)
	}
	second, err := db.PlanApply(ctx, p, postgres.PlanApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !second.Empty() || second.ClubID != first.ClubID {
		t.Fatalf("second apply changed: %v", second.Lines)
	}
	club := first.ClubID

	// Every task category of the seed, with its type.
	for _, tc := range []struct{ name, typ string }{
		{"Личный звонок клиенту", "personal_call"},
		{"Звонок холодному клиенту", "personal_call"},
		{"Звонок потенциальному клиенту", "personal_call"},
		{"Звонок «отпавшему» клиенту", "personal_call"},
		{"Обзвон клиентов", "bulk_call"},
		{"Проверить покупку абонемента", "client_task"},
		{"Выслать пароль для входа в Личный кабинет", "client_task"},
		{"Отправить информацию на почту", "client_task"},
		{"Пригласить на мастер-класс по йоге", "client_task"},
		{"Узнать, почему посетитель не ходит", "client_task"},
		{"Заказать воду", "internal"},
		{"Купить канцелярию", "internal"},
		{"Купить материалы для мастер-классов", "internal"},
		{"Подготовиться к отчёту за месяц", "internal"},
	} {
		if n := pgtest.Count(t, db, `SELECT count(*) FROM templates WHERE club_id = $1 AND name = $2 AND task_type = $3 AND archived_at IS NULL`, club, tc.name, tc.typ); n != 1 {
			t.Errorf("template %q (%s): %d rows", tc.name, tc.typ, n)
		}
	}
	// Every result of the seed.
	for _, name := range []string{"Запись на пробное занятие", "Отправлена информация", "Думает", "Перезвонить",
		"Сейчас не актуально", "Собирается купить абонемент", "Купил абонемент", "Условный отказ", "Не купил абонемент"} {
		if n := pgtest.Count(t, db, `SELECT count(*) FROM results WHERE club_id = $1 AND name = $2`, club, name); n != 1 {
			t.Errorf("result %q: %d rows", name, n)
		}
	}
	// The trial lesson's fields, in order.
	var trial string
	if err := db.Pool().QueryRow(ctx, `
SELECT string_agg(f.name || ':' || f.field_type || ':' || f.required || ':' || coalesce(d.name, ''), '; ' ORDER BY f.position)
FROM result_fields f JOIN results r ON r.id = f.result_id LEFT JOIN dictionaries d ON d.id = f.dictionary_id
WHERE r.club_id = $1 AND r.name = 'Запись на пробное занятие'`, club).Scan(&trial); err != nil {
		t.Fatal(err)
	}
	if want := "Дата, когда удобно посетить:date:true:; Направления и группы:multichoice:false:Направления и группы; Дополнительная информация:text:false:"; trial != want {
		t.Errorf("trial fields:\n got %s\nwant %s", trial, want)
	}
	// The refusal reasons, as a required choice of "Условный отказ".
	var reasons string
	if err := db.Pool().QueryRow(ctx, `
SELECT string_agg(v.name, '; ' ORDER BY v.position)
FROM result_fields f JOIN results r ON r.id = f.result_id JOIN dictionary_values v ON v.dictionary_id = f.dictionary_id
WHERE r.club_id = $1 AND r.name = 'Условный отказ' AND f.field_type = 'choice' AND f.required`, club).Scan(&reasons); err != nil {
		t.Fatal(err)
	}
	if want := "Далеко добираться; Интересуют другие направления; Не подходит расписание; Другое"; reasons != want {
		t.Errorf("refusal reasons: %s", reasons)
	}
	// The manual's chain.
	if n := pgtest.Count(t, db, `
SELECT count(*) FROM workflow_rules w
JOIN templates a ON a.id = w.template_id JOIN results r ON r.id = w.result_id JOIN templates b ON b.id = w.next_template_id
WHERE w.club_id = $1 AND w.archived_at IS NULL AND a.name = 'Личный звонок клиенту'
  AND r.name = 'Собирается купить абонемент' AND b.name = 'Проверить покупку абонемента'`, club); n != 1 {
		t.Errorf("chain personal call → going to buy → check purchase: %d rules", n)
	}
	// The funnel, in order.
	stages, err := db.FunnelStageList(ctx, club)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range stages {
		names = append(names, s.Name)
		if len(s.ResultIDs) == 0 {
			t.Errorf("stage %q has no results", s.Name)
		}
	}
	if got := strings.Join(names, " → "); got != "Первый контакт → Записан на пробное занятие → Был на пробном занятии → Купил абонемент" {
		t.Errorf("funnel: %s", got)
	}
}

func TestPlanApplyDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	p := planParse(t, planText(t, "dry"))
	dry, err := db.PlanApply(ctx, p, postgres.PlanApplyOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Empty() || dry.ClubID != 0 {
		t.Fatalf("dry run: %+v", dry)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clubs`); n != 0 {
		t.Fatalf("dry run created %d clubs", n)
	}
	real, err := db.PlanApply(ctx, p, postgres.PlanApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dry.Lines, real.Lines) {
		t.Errorf("dry run and apply differ:\n%v\n%v", dry.Lines, real.Lines)
	}
}

func TestPlanApplyRenames(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	old := planText(t, "ren",
		"  - key: thinking\n    name: Thinking\n", "  - key: думает\n    name: Думает\n",
		"personal_call, results: [thinking, refusal]}", "personal_call, results: [думает, refusal]}",
		"results: [thinking]}", "results: [думает]}",
		"result: thinking,", "result: думает,",
		"Contact, results: [thinking, refusal]}", "Contact, results: [думает, refusal]}")
	ch := planApply(t, db, old)
	club := ch.ClubID
	idOf := func(table, key string) int64 {
		t.Helper()
		return int64(pgtest.Count(t, db, `SELECT id FROM `+table+` WHERE club_id = $1 AND key = $2`, club, key))
	}
	resultID, templateID, valueID, fieldID, stageID := idOf("results", "думает"), idOf("templates", "call"), idOf("dictionary_values", "far"), idOf("result_fields", "note"), idOf("funnel_stages", "contact")

	renamed := planText(t, "ren",
		"  - key: thinking\n", "  - key: thinking\n    renamed_from: думает\n",
		"{key: call, name: Call,", "{key: call_cold, renamed_from: call, name: Cold call,",
		"{template: call,", "{template: call_cold,",
		"{key: far, name: Far}", "{key: too_far, renamed_from: far, name: Too far}",
		"{key: note, name: Note,", "{key: comment, renamed_from: note, name: Comment,",
		"{key: contact, name: Contact,", "{key: first_contact, renamed_from: contact, name: First contact,")
	ch = planApply(t, db, renamed)
	for _, want := range []string{
		"result thinking: renamed from думает, name changed",
		"template call_cold: renamed from call, name changed",
		"value reasons.too_far: renamed from far, name changed",
		"field refusal.comment: renamed from note, name changed",
		"funnel stage first_contact: renamed from contact, name changed",
	} {
		if !hasLine(ch.Lines, want) {
			t.Errorf("missing change %q in %v", want, ch.Lines)
		}
	}
	for _, tc := range []struct {
		table, key string
		id         int64
	}{{"results", "thinking", resultID}, {"templates", "call_cold", templateID}, {"dictionary_values", "too_far", valueID},
		{"result_fields", "comment", fieldID}, {"funnel_stages", "first_contact", stageID}} {
		if got := idOf(tc.table, tc.key); got != tc.id {
			t.Errorf("%s %s: id %d, want the renamed row %d", tc.table, tc.key, got, tc.id)
		}
	}
	if ch := planApply(t, db, renamed); !ch.Empty() {
		t.Errorf("re-applying the renamed plan changed: %v", ch.Lines)
	}

	// The old plan now names a result that is gone and misses the new one:
	// refused, and nothing changes.
	before := planState(t, db)
	_, err := planTry(db, old)
	if err == nil || !strings.Contains(err.Error(), `result "thinking" exists in club "ren" but is not in the plan`) {
		t.Fatalf("old plan after rename: %v", err)
	}
	if planState(t, db) != before {
		t.Fatal("a refused plan changed the database")
	}
}

func TestPlanApplyRemovalArchivesAndKeepsOldTasks(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	base := planText(t, "rm")
	club := planApply(t, db, base).ClubID
	check, err := templateByKey(ctx, db, club, "check")
	if err != nil {
		t.Fatal(err)
	}
	var clientID int64
	if err := db.Pool().QueryRow(ctx, `INSERT INTO clients (club_id, name) VALUES ($1, 'Ivan') RETURNING id`, club).Scan(&clientID); err != nil {
		t.Fatal(err)
	}
	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: club, TemplateID: check.ID, ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}

	removed := planText(t, "rm",
		"  - {key: check, name: Check, type: client_task, results: [thinking]}\n", "",
		"workflows:\n  - {template: call, result: thinking, next: check, due_offset: 1d}\n", "",
		"      - {key: note, name: Note, type: text}\n", "",
		"      - {key: other, name: Other}\n", "") +
		"remove:\n  templates: [check]\n  fields: [refusal.note]\n  values: [reasons.other]\n"
	ch := planApply(t, db, removed)
	for _, want := range []string{
		"template check: archived",
		"workflow call/thinking: archived (template check is archived)",
		"field refusal.note: archived",
		"value reasons.other: archived",
	} {
		if !hasLine(ch.Lines, want) {
			t.Errorf("missing change %q in %v", want, ch.Lines)
		}
	}
	if ch := planApply(t, db, removed); !ch.Empty() {
		t.Errorf("re-applying the removals changed: %v", ch.Lines)
	}

	// The old task still reads, with its template's name; the template is
	// retired for new work.
	v, err := db.TaskGet(ctx, club, task.ID)
	if err != nil || v.TemplateName != "Check" {
		t.Fatalf("old task after removal: %+v %v", v, err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM templates WHERE id = $1`, check.ID); n != 1 {
		t.Fatal("the removed template was deleted")
	}
	got, err := db.TemplateGet(ctx, club, check.ID)
	if err != nil || got.ArchivedAt == nil {
		t.Fatalf("TemplateGet of a removed template: %+v %v", got, err)
	}
	list, err := db.TemplateList(ctx, club)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range list {
		if tp.ID == check.ID {
			t.Fatal("TemplateList offers a removed template")
		}
	}
	if _, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: club, TemplateID: check.ID, ClientID: clientID}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("task of a removed template: %v", err)
	}
	call, _ := templateByKey(ctx, db, club, "call")
	results, err := db.ResultsForTemplate(ctx, club, call.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Key == "refusal" && (len(r.Fields) != 1 || r.Fields[0].Key != "reason") {
			t.Errorf("refusal fields after removing note: %+v", r.Fields)
		}
	}
	if _, err := db.WorkflowRuleFind(ctx, club, call.ID, results[0].ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("archived rule still found: %v", err)
	}

	// Listing everything again restores the same rows.
	ch = planApply(t, db, base)
	for _, want := range []string{"template check: restored", "workflow call/thinking: restored", "field refusal.note: restored", "value reasons.other: restored"} {
		if !hasLine(ch.Lines, want) {
			t.Errorf("missing change %q in %v", want, ch.Lines)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM templates WHERE club_id = $1 AND key = 'check'`, club); n != 1 {
		t.Errorf("restoring created %d rows", n)
	}
	if _, err := db.WorkflowRuleFind(ctx, club, call.ID, results[0].ID); err != nil {
		t.Errorf("restored rule: %v", err)
	}
}

func templateByKey(ctx context.Context, db *postgres.DB, clubID int64, key string) (domain.Template, error) {
	var id int64
	if err := db.Pool().QueryRow(ctx, `SELECT id FROM templates WHERE club_id = $1 AND key = $2`, clubID, key).Scan(&id); err != nil {
		return domain.Template{}, err
	}
	return db.TemplateGet(ctx, clubID, id)
}

// TestPlanApplyRefusals: plans that are wrong — in the file or against the
// stored club — are refused with FILE:LINE:COL, and the database keeps
// exactly its state.
func TestPlanApplyRefusals(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	club := planApply(t, db, planText(t, "ref")).ClubID
	other := planApply(t, db, planText(t, "other")).ClubID

	var clientID, strangerID, leaverID, checkID, refusalID, noteID int64
	q := db.Pool()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(q.QueryRow(ctx, `INSERT INTO clients (club_id, name) VALUES ($1, 'Ivan') RETURNING id`, club).Scan(&clientID))
	must(q.QueryRow(ctx, `INSERT INTO staff (club_id, name, role) VALUES ($1, 'Stranger', 'staff') RETURNING id`, other).Scan(&strangerID))
	must(q.QueryRow(ctx, `INSERT INTO staff (club_id, name, role, active) VALUES ($1, 'Left', 'staff', false) RETURNING id`, club).Scan(&leaverID))
	must(q.QueryRow(ctx, `SELECT id FROM templates WHERE club_id = $1 AND key = 'check'`, club).Scan(&checkID))
	must(q.QueryRow(ctx, `SELECT id FROM results WHERE club_id = $1 AND key = 'refusal'`, club).Scan(&refusalID))
	must(q.QueryRow(ctx, `SELECT id FROM result_fields WHERE club_id = $1 AND key = 'note'`, club).Scan(&noteID))
	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: club, TemplateID: checkID, ClientID: clientID})
	must(err)
	var trID int64
	must(q.QueryRow(ctx, `INSERT INTO task_results (club_id, task_id, result_id, client_id) VALUES ($1, $2, $3, $4) RETURNING id`, club, task.ID, refusalID, clientID).Scan(&trID))
	pgtest.Exec(t, db, `INSERT INTO task_field_values (club_id, task_result_id, field_id, value_text) VALUES ($1, $2, $3, 'far away')`, club, trID, noteID)

	wf := "  - {template: call, result: thinking, next: check, due_offset: 1d}\n"
	wfLine := "  - {template: call,"
	tests := []struct {
		name string
		text string
		line string // the line the error must point at ("" = the error has no single line to check)
		col  int
		want string
	}{
		{"workflow to an unknown template", planText(t, "ref", "next: check,", "next: chek,"), wfLine, 46,
			`workflow call/thinking next names unknown template "chek"`},
		{"unknown field type", planText(t, "ref", "type: text}", "type: txt}"), "      - {key: note", 39,
			`unknown field type "txt"`},
		{"workflow cycle", planText(t, "ref", "funnel:\n", "  - {template: check, result: thinking, next: call}\nfunnel:\n"), wfLine, 5,
			"workflows form a cycle: call → check → call"},
		{"a live template left out", planText(t, "ref", "  - {key: check, name: Check, type: client_task, results: [thinking]}\n", "", "workflows:\n"+wf, ""), "templates:\n", 1,
			`template "check" exists in club "ref" but is not in the plan; list it, or name it under remove.templates`},
		{"a live value left out", planText(t, "ref", "      - {key: other, name: Other}\n", ""), "  - key: reasons\n", 5,
			`value of dictionary reasons: "other" exists in club "ref" but is not in the plan`},
		{"staff of another club", planText(t, "ref", "due_offset: 1d}", fmt.Sprintf("assignee: {staff: %d}}", strangerID)), wfLine, 71,
			fmt.Sprintf("workflow call/thinking: staff %d is not an active staff member of club \"ref\"", strangerID)},
		{"staff who left", planText(t, "ref", "due_offset: 1d}", fmt.Sprintf("assignee: {staff: %d}}", leaverID)), wfLine, 71,
			fmt.Sprintf("workflow call/thinking: staff %d is not an active staff member", leaverID)},
		{"type change of a used template", planText(t, "ref", "{key: check, name: Check, type: client_task, results: [thinking]}", "{key: check, name: Check, type: internal}", "workflows:\n"+wf, ""), "  - {key: check", 5,
			"template check has tasks of type client_task, so its type cannot become internal"},
		{"type change of an answered field", planText(t, "ref", "{key: note, name: Note, type: text}", "{key: note, name: Note, type: number}"), "      - {key: note", 9,
			"field refusal.note already has answers, so its type and dictionary cannot change"},
		{"rename onto an existing key", planText(t, "ref", "  - key: refusal\n", "  - key: refusal\n    renamed_from: thinking\n", "  - key: thinking\n    name: Thinking\n", "", "[thinking, refusal]}\n  - {key: check", "[refusal]}\n  - {key: check", "results: [thinking]}", "results: [refusal]}", "result: thinking,", "result: refusal,", "results: [thinking, refusal]}\n", "results: [refusal]}\n"), "  - key: refusal\n", 5,
			`result "refusal" is renamed from "thinking", but the club has both`},
		{"a default template closed by a result it does not list", planText(t, "ref", "funnel:\n", "  - {template: client_task, result: thinking, next: internal}\nfunnel:\n"), "  - {template: client_task", 37,
			`workflow client_task/thinking: result "thinking" does not close template "client_task"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := planState(t, db)
			ch, err := planTry(db, tc.text)
			if err == nil {
				t.Fatalf("accepted: %v", ch.Lines)
			}
			var es plan.Errors
			if !errors.As(err, &es) || !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error is not a plan error: %v", err)
			}
			want := fmt.Sprintf("p.yaml:%d:%d: %s", planLineOf(t, tc.text, tc.line), tc.col, tc.want)
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("want %s\ngot:\n%v", want, err)
			}
			if planState(t, db) != before {
				t.Fatal("a refused plan changed the database")
			}
		})
	}
	// A field without answers may change its type.
	ch := planApply(t, db, planText(t, "other", "{key: note, name: Note, type: text}", "{key: note, name: Note, type: number}"))
	if !hasLine(ch.Lines, "field refusal.note: type changed") {
		t.Errorf("unanswered field retype: %v", ch.Lines)
	}
}

func TestPlanApplyNamedStaff(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	club := planApply(t, db, planText(t, "staffed")).ClubID
	var staffID int64
	if err := db.Pool().QueryRow(ctx, `INSERT INTO staff (club_id, name, role) VALUES ($1, 'Olga', 'manager') RETURNING id`, club).Scan(&staffID); err != nil {
		t.Fatal(err)
	}
	ch := planApply(t, db, planText(t, "staffed", "due_offset: 1d}", fmt.Sprintf("due_offset: 2d, working_days: true, assignee: {staff: %d}}", staffID)))
	if !hasLine(ch.Lines, "workflow call/thinking: due_offset changed, working_days changed, assignee changed") {
		t.Fatalf("changes: %v", ch.Lines)
	}
	call, _ := templateByKey(ctx, db, club, "call")
	var thinking int64
	if err := db.Pool().QueryRow(ctx, `SELECT id FROM results WHERE club_id = $1 AND key = 'thinking'`, club).Scan(&thinking); err != nil {
		t.Fatal(err)
	}
	w, err := db.WorkflowRuleFind(ctx, club, call.ID, thinking)
	if err != nil {
		t.Fatal(err)
	}
	if w.Assignee != domain.AssignStaff || w.AssigneeStaff != staffID || !w.WorkingDays || w.DueOffset.Hours() != 48 {
		t.Errorf("rule = %+v", w)
	}
}

// TestPlanApplyClubsAreIsolated applies the same keys to two clubs: each
// gets its own rows, and one club's ids are unknown in the other.
func TestPlanApplyClubsAreIsolated(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	a := planApply(t, db, planText(t, "club-a")).ClubID
	b := planApply(t, db, planText(t, "club-b")).ClubID
	if a == b {
		t.Fatal("one club for two slugs")
	}
	callA, _ := templateByKey(ctx, db, a, "call")
	callB, _ := templateByKey(ctx, db, b, "call")
	resultsB, err := db.ResultsForTemplate(ctx, b, callB.ID)
	if err != nil || len(resultsB) != 2 {
		t.Fatalf("club b results: %v %v", resultsB, err)
	}
	if _, err := db.TemplateGet(ctx, a, callB.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("TemplateGet across clubs: %v", err)
	}
	if rs, err := db.ResultsForTemplate(ctx, a, callB.ID); err != nil || len(rs) != 0 {
		t.Errorf("ResultsForTemplate across clubs: %v %v", rs, err)
	}
	if _, _, err := db.ResultGet(ctx, a, callA.ID, resultsB[0].ID); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("ResultGet with another club's result: %v", err)
	}
	if _, err := db.WorkflowRuleFind(ctx, a, callB.ID, resultsB[0].ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("WorkflowRuleFind across clubs: %v", err)
	}
	if _, err := db.DictionaryGet(ctx, a, resultsB[1].Fields[0].DictionaryID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("DictionaryGet across clubs: %v", err)
	}

	// Removing in one club leaves the other alone.
	planApply(t, db, planText(t, "club-a", "  - {key: check, name: Check, type: client_task, results: [thinking]}\n", "",
		"workflows:\n  - {template: call, result: thinking, next: check, due_offset: 1d}\n", "")+"remove:\n  templates: [check]\n")
	checkB, _ := templateByKey(ctx, db, b, "check")
	if checkB.ArchivedAt != nil {
		t.Fatal("removing a template in club a archived club b's")
	}
	if ch := planApply(t, db, planText(t, "club-b")); !ch.Empty() {
		t.Errorf("club b changed after club a's removal: %v", ch.Lines)
	}
}

// TestPlanApplyConcurrent: two applies of a new club at once create it once;
// the advisory lock makes the second see the first's work.
func TestPlanApplyConcurrent(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	p := planParse(t, planText(t, "race"))
	var wg sync.WaitGroup
	results := make([]postgres.PlanChanges, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			results[i], errs[i] = db.PlanApply(context.Background(), p, postgres.PlanApplyOptions{})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if results[0].Empty() == results[1].Empty() {
		t.Fatalf("want exactly one apply to change something: %v / %v", results[0].Lines, results[1].Lines)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM templates`); n != 6 {
		t.Fatalf("%d templates, want 4 defaults + 2", n)
	}
}

func TestPlanApplyNilPlan(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	if _, err := db.PlanApply(context.Background(), nil, postgres.PlanApplyOptions{}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("nil plan: %v", err)
	}
}

// BenchmarkPlanApplyNoChange measures re-applying the example plan to a club
// that already matches it: the cost of `clubcrm club apply` saying "no changes".
func BenchmarkPlanApplyNoChange(b *testing.B) {
	db := pgtest.New(b)
	ctx := context.Background()
	p, err := plan.Parse("club-plan.yaml", examples.ClubPlan)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.PlanApply(ctx, p, postgres.PlanApplyOptions{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ch, err := db.PlanApply(ctx, p, postgres.PlanApplyOptions{})
		if err != nil || !ch.Empty() {
			b.Fatalf("%v %v", err, ch.Lines)
		}
	}
}

// BenchmarkPlanApplyNewClub measures creating a club from the example plan
// (rolled back each time with a dry run, so every iteration creates).
func BenchmarkPlanApplyNewClub(b *testing.B) {
	db := pgtest.New(b)
	ctx := context.Background()
	p, err := plan.Parse("club-plan.yaml", examples.ClubPlan)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := db.PlanApply(ctx, p, postgres.PlanApplyOptions{DryRun: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPlanApplyRenameAndRemoveChild renames a parent and removes one of its
// children by the parent's new key, in the same apply.
func TestPlanApplyRenameAndRemoveChild(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	planApply(t, db, planText(t, "rc"))
	ch := planApply(t, db, planText(t, "rc",
		"  - key: reasons\n", "  - key: refusal_reasons\n    renamed_from: reasons\n",
		"      - {key: other, name: Other}\n", "",
		"dictionary: reasons,", "dictionary: refusal_reasons,",
		"  - key: refusal\n", "  - key: rejection\n    renamed_from: refusal\n",
		"      - {key: note, name: Note, type: text}\n", "",
		"personal_call, results: [thinking, refusal]}", "personal_call, results: [thinking, rejection]}",
		"Contact, results: [thinking, refusal]}", "Contact, results: [thinking, rejection]}")+
		"remove:\n  values: [refusal_reasons.other]\n  fields: [rejection.note]\n")
	for _, want := range []string{
		"dictionary refusal_reasons: renamed from reasons",
		"value refusal_reasons.other: archived",
		"result rejection: renamed from refusal",
		"field rejection.note: archived",
	} {
		if !hasLine(ch.Lines, want) {
			t.Errorf("missing change %q in %v", want, ch.Lines)
		}
	}
}

// The club's working hours come from the plan (09:00-21:00 when it names
// none), are stored on the club, and a change is reported once.
func TestPlanApplyWorkingHours(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	first := planApply(t, db, planText(t, "wh"))
	c, err := db.ClubGet(ctx, first.ClubID)
	if err != nil {
		t.Fatal(err)
	}
	if c.WorkingHours != domain.DefaultWorkingHours {
		t.Fatalf("default working hours %v, want %v", c.WorkingHours, domain.DefaultWorkingHours)
	}
	text := planText(t, "wh", "  time_zone: Europe/Kyiv\n", "  time_zone: Europe/Kyiv\n  working_hours: \"10:00-19:30\"\n")
	changed := planApply(t, db, text)
	if !hasLine(changed.Lines, "club wh: working_hours changed") {
		t.Fatalf("apply with new hours: %v", changed.Lines)
	}
	if c, err = db.ClubGet(ctx, first.ClubID); err != nil || c.WorkingHours != (domain.WorkingHours{Open: 600, Close: 1170}) {
		t.Fatalf("stored working hours %v, %v; want 10:00-19:30", c.WorkingHours, err)
	}
	if again := planApply(t, db, text); !again.Empty() {
		t.Fatalf("second apply changed: %v", again.Lines)
	}
}

// viber_free_window_only is stored, changed, reported, and re-applying an
// unchanged plan changes nothing; leaving the key out turns it off.
func TestPlanApplyViberFreeWindowOnly(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	stored := func() bool {
		t.Helper()
		c, err := db.ClubBySlug(ctx, "fw")
		if err != nil {
			t.Fatal(err)
		}
		return c.ViberFreeWindowOnly
	}
	planApply(t, db, planText(t, "fw"))
	if stored() {
		t.Fatal("a plan without the key turned viber_free_window_only on")
	}
	on := planText(t, "fw", "  time_zone: Europe/Kyiv\n", "  time_zone: Europe/Kyiv\n  viber_free_window_only: true\n")
	if changed := planApply(t, db, on); !hasLine(changed.Lines, "club fw: viber_free_window_only changed") {
		t.Fatalf("turning it on: %v", changed.Lines)
	}
	if !stored() {
		t.Fatal("viber_free_window_only: true was not stored")
	}
	if again := planApply(t, db, on); !again.Empty() {
		t.Fatalf("second apply changed: %v", again.Lines)
	}
	if changed := planApply(t, db, planText(t, "fw")); !hasLine(changed.Lines, "club fw: viber_free_window_only changed") || stored() {
		t.Fatalf("leaving the key out: %v, stored %v", changed.Lines, stored())
	}
	// A value that is not true/false is refused with its position, and
	// nothing changes.
	before := planState(t, db)
	bad := planText(t, "fw", "  time_zone: Europe/Kyiv\n", "  time_zone: Europe/Kyiv\n  viber_free_window_only: sometimes\n")
	_, err := planTry(db, bad)
	if want := `p.yaml:5:27: club viber_free_window_only must be true or false, not the text "sometimes"`; err == nil || err.Error() != want {
		t.Fatalf("bad value: %v\nwant %s", err, want)
	}
	if planState(t, db) != before {
		t.Fatal("a refused plan changed the database")
	}
}
