package plan_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/plan"
	"github.com/clubcrm/clubcrm/examples"
)

// club is the first lines of every test plan (lines 1-4).
const club = `club:
  slug: s
  name: S
  time_zone: Europe/Kyiv
`

// small is a valid plan on top of club (lines 5-).
const small = club + `dictionaries:
  - key: reasons
    name: Reasons
    values: [{key: far, name: Far}, {key: other, name: Other}]
results:
  - key: thinking
    name: Thinking
  - key: refusal
    name: Refusal
    fields:
      - {key: reason, name: Reason, type: choice, dictionary: reasons, required: true}
templates:
  - key: call
    name: Call
    type: personal_call
    results: [thinking, refusal]
  - key: check
    name: Check
    type: client_task
    results: [thinking]
workflows:
  - {template: call, result: thinking, next: check, due_offset: 1d}
funnel:
  - key: contact
    name: Contact
    results: [thinking, refusal]
`

// withWorkflow adds a workflow line to small's workflows (line 27).
func withWorkflow(line string) string {
	return strings.Replace(small, "funnel:\n", line+"funnel:\n", 1)
}

func TestParseExample(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse("club-plan.yaml", examples.ClubPlan)
	if err != nil {
		t.Fatalf("example plan: %v", err)
	}
	if p.Club.Slug != "demo" || p.Club.TimeZone != "Europe/Kyiv" || p.Club.Language != domain.LangRU || p.Club.PhoneCode != "380" {
		t.Errorf("club = %+v", p.Club)
	}
	if len(p.Templates) < 18 || len(p.Results) < 9 || len(p.Dictionaries) != 2 || len(p.Funnel) != 4 {
		t.Errorf("sizes: %d templates, %d results, %d dictionaries, %d stages", len(p.Templates), len(p.Results), len(p.Dictionaries), len(p.Funnel))
	}
	var chain bool
	for _, w := range p.Workflows {
		if w.Template == "personal_call" && w.Result == "going_to_buy" && w.Next == "check_purchase" {
			chain = true
		}
	}
	if !chain {
		t.Error("the manual's chain personal_call → going_to_buy → check_purchase is missing")
	}
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse("p.yaml", []byte(small+`  - key: bought
    name: Bought
    results: [refusal]
`))
	if err != nil {
		t.Fatal(err)
	}
	f := p.Results[1].Fields[0]
	if f.Type != domain.FieldChoice || !f.Required || f.Dictionary != "reasons" || f.Pos != (plan.Pos{Line: 15, Col: 9}) {
		t.Errorf("field = %+v", f)
	}
	w := p.Workflows[0]
	if w.DueOffset != 24*time.Hour || w.Assignee != domain.AssignSame || w.Pos.Line != 26 {
		t.Errorf("workflow = %+v", w)
	}
	if p.Club.Language != domain.LangRU || p.Club.DigestHour != 9 || p.Club.WorkingHours != domain.DefaultWorkingHours {
		t.Errorf("club defaults = %+v", p.Club)
	}
	p, err = plan.Parse("p.yaml", []byte(club+"  working_hours: 08:30-22:00\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.WorkingHours{Open: 510, Close: 1320}); p.Club.WorkingHours != want {
		t.Errorf("working hours = %v, want %v", p.Club.WorkingHours, want)
	}
	if p.Club.ViberFreeWindowOnly {
		t.Errorf("viber_free_window_only is on without being set")
	}
	for text, want := range map[string]bool{"true": true, "false": false, "True": true, "~": false} {
		p, err = plan.Parse("p.yaml", []byte(club+"  viber_free_window_only: "+text+"\n"))
		if err != nil {
			t.Fatalf("viber_free_window_only: %s: %v", text, err)
		}
		if p.Club.ViberFreeWindowOnly != want {
			t.Errorf("viber_free_window_only: %s reads as %v, want %v", text, p.Club.ViberFreeWindowOnly, want)
		}
	}

	p, err = plan.Parse("p.yaml", []byte(strings.Replace(small, "next: check, due_offset: 1d}",
		"next: check, due_offset: 1d2h30m, working_days: true, assignee: {role: manager}}", 1)+
		"remove:\n  fields: [refusal.comment]\n  values: [reasons.near]\n  workflows: [{template: call, result: refusal}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	w = p.Workflows[0]
	if w.DueOffset != 26*time.Hour+30*time.Minute || !w.WorkingDays || w.Assignee != domain.AssignRole || w.AssigneeRole != domain.RoleManager {
		t.Errorf("workflow = %+v", w)
	}
	if got := p.Remove.Fields[0]; got.Parent != "refusal" || got.Key != "comment" {
		t.Errorf("remove.fields = %+v", p.Remove.Fields)
	}
	if len(p.Remove.Values) != 1 || len(p.Remove.Workflows) != 1 {
		t.Errorf("removals = %+v", p.Remove)
	}
}

// TestParseErrors checks every kind of mistake: each case must produce an
// error at the given FILE:LINE:COL containing the given text.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want string // "LINE:COL: text"
	}{
		{"empty file", ``, "1:1: the plan is empty"},
		{"only a comment", "# nothing\n", "1:1: the plan is empty"},
		{"syntax error", club + "templates: [\n", "5:12: YAML syntax: this \"[\" is never closed"},
		// The mistake's own line and column, not the line before it.
		{"unclosed [ on line 3", "club:\n  slug: x\n  groups: [a, \"b]\", c\n  name: X\n", "3:11: YAML syntax: this \"[\" is never closed"},
		{"unclosed { in a list", club + "results:\n  - {key: r, name: \"R [x\"\n  - {key: s, name: S}\n", "6:5: YAML syntax: this \"{\" is never closed"},
		{"tab indentation", club + "results:\n\t- key: x\n", "6:1: YAML syntax: a tab in the indentation"},
		{"tab deeper", club + "results:\n  - key: x\n  \tname: y\n", "7:3: YAML syntax: a tab in the indentation"},
		{"two documents", small + "---\nclub: {}\n", "second \"---\""},
		{"alias", club + "dictionaries:\n  - &d {key: a, name: A, values: [{key: v, name: V}]}\n  - *d\n", "6:5: anchors and aliases"},
		{"not a mapping", "- a\n- b\n", "1:1: the plan must be a mapping, not a list"},
		{"no club", "results: []\n", "1:1: the plan has no club: section"},
		{"unknown top-level key", club + "templats: []\n", "5:1: the plan: unknown key \"templats\""},
		{"unknown key in template", club + "templates:\n  - {key: t, name: T, type: internal, colour: red}\n", "6:39: template: unknown key \"colour\""},
		{"repeated key", club + "templates:\n  - key: t\n    name: T\n    name: U\n    type: internal\n", "8:5: template: key \"name\" is repeated (first at line 7)"},
		{"repeated top-level key", club + "club: {}\n", "5:1: the plan: key \"club\" is repeated (first at line 1)"},
		{"slug", strings.Replace(club, "slug: s", "slug: Big Club", 1), "2:9: club slug \"Big Club\""},
		{"missing slug", strings.Replace(club, "  slug: s\n", "", 1), "1:1: club slug is required"},
		{"time zone", strings.Replace(club, "Europe/Kyiv", "Europe/Atlantis", 1), "4:14: club time_zone: unknown time zone \"Europe/Atlantis\""},
		{"language", club + "  language: de\n", "5:13: club language \"de\" is not one of ru, uk, en"},
		{"digest hour type", club + "  digest_hour: nine\n", "5:16: club digest_hour must be a whole number, not the text \"nine\""},
		{"digest hour range", club + "  digest_hour: 24\n", "5:16: club digest_hour 24 is outside 0..23"},
		{"phone code", club + "  phone_code: \"+380\"\n", "5:15: club phone_code \"+380\" must be 1-4 digits"},
		{"working hours reversed", club + "  working_hours: 21:00-09:00\n", "5:18: club working_hours \"21:00-09:00\" must be opening-closing as HH:MM-HH:MM"},
		{"working hours shape", club + "  working_hours: 9-21\n", "5:18: club working_hours \"9-21\" must be"},
		{"free window not a bool", club + "  viber_free_window_only: yes\n", "5:27: club viber_free_window_only must be true or false, not the text \"yes\""},
		{"free window a number", club + "  viber_free_window_only: 1\n", "5:27: club viber_free_window_only must be true or false, not a number"},
		{"free window a list", club + "  viber_free_window_only: [true]\n", "5:27: club viber_free_window_only must be true or false, not a list"},
		{"name is a list", club + "results:\n  - key: r\n    name: [a, b]\n", "7:11: result name must be text, not a list"},
		{"name is a bool", club + "results:\n  - key: r\n    name: true\n", "7:11: result name must be text, not true/false"},
		{"name missing", club + "results:\n  - key: r\n", "6:5: result name is required"},
		{"name too long", club + "results:\n  - key: r\n    name: " + strings.Repeat("я", 201) + "\n", "7:11: result name is 201 characters long; at most 200"},
		{"control character in a name", club + "results:\n  - key: r\n    name: \"a\\u0007b\"\n", "7:11: result name must be one line without control characters"},
		{"name on two lines", club + "results:\n  - key: r\n    name: |\n      a\n      b\n", "7:11: result name must be one line"},
		{"bad key", club + "results:\n  - key: two words\n    name: R\n", "6:10: result key \"two words\" may hold only letters"},
		{"key with a dot", club + "results:\n  - key: a.b\n    name: R\n", "6:10: result key \"a.b\" may hold only"},
		{"section not a list", club + "results: {key: r}\n", "5:10: results must be a list, not a mapping"},
		{"unknown field type", club + "results:\n  - key: r\n    name: R\n    fields:\n      - {key: f, name: F, type: colour}\n", "9:33: unknown field type \"colour\""},
		{"missing field type", club + "results:\n  - key: r\n    name: R\n    fields:\n      - {key: f, name: F}\n", "9:9: field type is required"},
		{"required not bool", club + "results:\n  - key: r\n    name: R\n    fields:\n      - {key: f, name: F, type: text, required: yes}\n", "9:49: field required must be true or false, not the text \"yes\""},
		{"max_length range", club + "results:\n  - key: r\n    name: R\n    fields:\n      - {key: f, name: F, type: text, max_length: 5000}\n", "9:51: field max_length 5000 is outside 1..4000"},
		{"max_length on a date", club + "results:\n  - key: r\n    name: R\n    fields:\n      - {key: f, name: F, type: date, max_length: 10}\n", "9:9: field r.f: max_length applies to text fields only"},
		{"choice without dictionary", club + "results:\n  - key: r\n    name: R\n    fields:\n      - {key: f, name: F, type: choice}\n", "9:9: field r.f is a choice field and needs a dictionary"},
		{"text with dictionary", strings.Replace(small, "templates:\n", "  - key: r2\n    name: R2\n    fields:\n      - {key: f, name: F, type: text, dictionary: reasons}\ntemplates:\n", 1), "19:51: field r2.f is a text field; only choice and multichoice"},
		{"unknown dictionary", strings.Replace(small, "dictionary: reasons", "dictionary: reason", 1), "15:63: field refusal.reason names unknown dictionary \"reason\""},
		{"dictionary without values", club + "dictionaries:\n  - {key: d, name: D}\n", "6:5: dictionary \"d\" has no values"},
		{"repeated value", club + "dictionaries:\n  - key: d\n    name: D\n    values: [{key: a, name: A}, {key: a, name: B}]\n", "8:33: value of dictionary d: key \"a\" is repeated (first at line 8)"},
		{"repeated result key", strings.Replace(small, "  - key: refusal\n", "  - key: thinking\n", 1), "12:5: result key \"thinking\" is repeated (first at line 10)"},
		{"unknown task type", club + "templates:\n  - {key: t, name: T, type: call}\n", "6:29: unknown task type \"call\""},
		{"missing task type", club + "templates:\n  - {key: t, name: T}\n", "6:5: template type is required"},
		{"template names unknown result", strings.Replace(small, "results: [thinking, refusal]\n  - key: check", "results: [thinking, refused]\n  - key: check", 1), "20:25: template call names unknown result \"refused\""},
		{"template lists a result twice", strings.Replace(small, "results: [thinking]\nworkflows", "results: [thinking, thinking]\nworkflows", 1), "24:25: template \"check\" lists result \"thinking\" twice"},
		{"client template without results", club + "templates:\n  - {key: t, name: T, type: client_task}\n", "6:5: template \"t\" is a client_task template and needs results"},
		{"default template of the wrong type", club + "templates:\n  - {key: internal, name: T, type: client_task, results: []}\n", "6:5: template \"internal\" is a default template of type internal"},
		{"bad due offset", club + "templates:\n  - {key: t, name: T, type: internal, due_offset: 1x}\n", "6:51: template due_offset: offset \"1x\": unknown unit"},
		{"negative due offset", club + "templates:\n  - {key: t, name: T, type: internal, due_offset: -1d}\n", "6:51: template due_offset: offset \"-1d\" cannot be negative"},
		{"offset in seconds", club + "templates:\n  - {key: t, name: T, type: internal, reminder_offset: 30s}\n", "unknown unit 's'"},
		{"offset too large", club + "templates:\n  - {key: t, name: T, type: internal, due_offset: 400d}\n", "too large"},
		{"workflow unknown template", strings.Replace(small, "{template: call,", "{template: calls,", 1), "26:16: workflow calls/thinking names unknown template \"calls\""},
		{"workflow unknown result", strings.Replace(small, "result: thinking, next", "result: thinkin, next", 1), "26:30: workflow call/thinkin names unknown result \"thinkin\""},
		{"workflow unknown next", strings.Replace(small, "next: check,", "next: chek,", 1), "26:46: workflow call/thinking next names unknown template \"chek\""},
		{"workflow missing next", strings.Replace(small, "next: check, ", "", 1), "26:5: workflow next is required"},
		{"workflow twice", withWorkflow("  - {template: call, result: thinking, next: check}\n"), "27:5: workflow call/thinking is defined twice (first at line 26)"},
		{"workflow result not allowed", withWorkflow("  - {template: check, result: refusal, next: internal}\n"), "27:31: workflow check/refusal: result \"refusal\" is not among the results of template \"check\""},
		{"workflow to a bulk call", strings.Replace(small, "next: check,", "next: bulk_call,", 1), "26:46: workflow call/thinking: next template \"bulk_call\" is a bulk call"},
		{"workflow from internal to a client task", withWorkflow("  - {template: internal, result: thinking, next: check}\n"), "27:50: workflow internal/thinking: next template \"check\" needs a client"},
		{"cycle", withWorkflow("  - {template: check, result: thinking, next: call}\n"), "26:5: workflows form a cycle: call → check → call"},
		{"self cycle", strings.Replace(small, "next: check,", "next: call,", 1), "workflows form a cycle: call → call"},
		{"staff id zero", strings.Replace(small, "due_offset: 1d}", "assignee: {staff: 0}}", 1), "26:71: workflow assignee staff must be a positive staff id, not 0"},
		{"staff by name", strings.Replace(small, "due_offset: 1d}", "assignee: {staff: olga}}", 1), "26:71: workflow assignee staff must be a staff id (a positive whole number), not the text \"olga\""},
		{"unknown role", strings.Replace(small, "due_offset: 1d}", "assignee: {role: boss}}", 1), "26:70: workflow assignee role \"boss\" is not one of owner, manager, staff"},
		{"unknown assignee", strings.Replace(small, "due_offset: 1d}", "assignee: anyone}", 1), "26:63: workflow assignee \"anyone\" is not known"},
		{"assignee staff and role", strings.Replace(small, "due_offset: 1d}", "assignee: {staff: 1, role: staff}}", 1), "26:63: workflow assignee names both staff and role"},
		{"funnel unknown result", strings.Replace(small, "results: [thinking, refusal]\n", "results: [thinking, refusal]\n", 1) + "  - {key: won, name: Won, results: [won]}\n", "31:37: funnel stage won names unknown result \"won\""},
		{"funnel stage without results", small + "  - {key: won, name: Won}\n", "31:5: funnel stage \"won\" lists no results"},
		{"remove a default template", small + "remove:\n  templates: [personal_call]\n", "32:15: template \"personal_call\" is one of the four default templates and cannot be removed"},
		{"listed and removed", small + "remove:\n  results: [thinking]\n", "32:13: result \"thinking\" is removed here but still listed at line 10"},
		{"reference to a removed result", strings.Replace(small, "  - key: thinking\n    name: Thinking\n", "", 1) + "remove:\n  results: [thinking]\n", "18:15: template call names result \"thinking\", which this plan removes (line 30)"},
		{"remove.fields without a result", small + "remove:\n  fields: [reason]\n", "32:12: remove.fields entry \"reason\" must be written result_key.key"},
		{"remove.fields of an unknown result", small + "remove:\n  fields: [nope.reason]\n", "32:12: remove.fields: result \"nope\" is not in the plan"},
		{"remove unknown section", small + "remove:\n  clubs: [s]\n", "32:3: remove: unknown key \"clubs\""},
		{"rename from a listed key", strings.Replace(small, "  - key: refusal\n", "  - key: refusal\n    renamed_from: thinking\n", 1), "12:5: result \"refusal\" is renamed from \"thinking\", but \"thinking\" is still listed at line 10"},
		{"rename from itself", strings.Replace(small, "  - key: refusal\n", "  - key: refusal\n    renamed_from: refusal\n", 1), "12:5: result \"refusal\": renamed_from names the item itself"},
		{"rename a default template", club + "templates:\n  - {key: t, name: T, type: internal, renamed_from: internal}\n", "6:5: template \"t\": \"internal\" is a default template and cannot be renamed"},
		{"too large", club + "# " + strings.Repeat("x", plan.MaxSize) + "\n", "1:1: the plan is"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := plan.Parse("p.yaml", []byte(tc.text))
			if err == nil {
				t.Fatalf("no error; plan = %+v", p)
			}
			if p != nil {
				t.Errorf("a failed Parse returned a plan")
			}
			if !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("error is not ErrInvalid: %v", err)
			}
			var es plan.Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error is not plan.Errors: %T %v", err, err)
			}
			for _, e := range es {
				if e.File != "p.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Errorf("error without a position: %q", e)
				}
			}
			want := tc.want
			if want != "" && want[0] >= '0' && want[0] <= '9' {
				want = "p.yaml:" + want // a position: check it exactly
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("want %s\ngot:\n%v", want, err)
			}
		})
	}
}

// TestParseReportsEveryError checks that one run lists every problem, in
// file order, not just the first.
func TestParseReportsEveryError(t *testing.T) {
	t.Parallel()
	text := club + `results:
  - key: r
    name: R
    fields:
      - {key: f, name: F, type: colour}
templates:
  - {key: t, name: T, type: call, results: [r]}
  - {key: u, name: U, type: internal, extra: 1}
workflows:
  - {template: nope, result: r, next: u}
`
	_, err := plan.Parse("p.yaml", []byte(text))
	var es plan.Errors
	if !errors.As(err, &es) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"p.yaml:9:33: unknown field type",
		"p.yaml:11:29: unknown task type",
		"p.yaml:12:39: template: unknown key \"extra\"",
		"p.yaml:14:16: workflow nope/r names unknown template \"nope\"",
	}
	if len(es) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(es), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(es[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, es[i], w)
		}
	}
}

func TestParseOffset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		signed bool
		want   time.Duration
		ok     bool
	}{
		{"0", false, 0, true},
		{"30m", false, 30 * time.Minute, true},
		{"2h", false, 2 * time.Hour, true},
		{"1d", false, 24 * time.Hour, true},
		{"1d2h30m", false, 26*time.Hour + 30*time.Minute, true},
		{"-15m", true, -15 * time.Minute, true},
		{"+1h", true, time.Hour, true},
		{"366d", false, 366 * 24 * time.Hour, true},
		{"367d", false, 0, false},
		{"-15m", false, 0, false},
		{"", false, 0, false},
		{"-", true, 0, false},
		{"15", false, 0, false},
		{"m", false, 0, false},
		{"1h1d", false, 0, false},
		{"1h1h", false, 0, false},
		{"1.5h", false, 0, false},
		{"1w", false, 0, false},
		{"99999999m", false, 0, false},
		{"1 d", false, 0, false},
	}
	for _, tc := range tests {
		got, err := plan.ParseOffset(tc.in, tc.signed)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseOffset(%q, %v) = %v, %v; want %v, ok=%v", tc.in, tc.signed, got, err, tc.want, tc.ok)
		}
		if err == nil && plan.FormatOffset(got) != strings.TrimPrefix(tc.in, "+") {
			t.Errorf("FormatOffset(%v) = %q, want %q", got, plan.FormatOffset(got), tc.in)
		}
	}
}

// BenchmarkParseExample measures parsing and checking the example plan.
func BenchmarkParseExample(b *testing.B) {
	b.SetBytes(int64(len(examples.ClubPlan)))
	for b.Loop() {
		if _, err := plan.Parse("club-plan.yaml", examples.ClubPlan); err != nil {
			b.Fatal(err)
		}
	}
}
