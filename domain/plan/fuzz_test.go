package plan_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/plan"
)

// FuzzParse feeds arbitrary bytes to Parse. The seed corpus is in
// testdata/fuzz/FuzzParse (the example plan and broken variants of it); run
// `go test -fuzz=FuzzParse ./domain/plan` to explore further.
//
// Properties: Parse never panics; it returns a plan or an error, never both
// or neither; every error carries the file name and a position; the same
// input gives the same answer; an accepted plan keeps the promises the store
// relies on (references resolve, no workflow cycle, names fit the schema).
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := plan.Parse("f.yaml", data)
		_, err2 := plan.Parse("f.yaml", data)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("Parse is not deterministic:\n%v\n---\n%v", err, err2)
		}
		if err != nil {
			if p != nil {
				t.Fatal("Parse returned a plan and an error")
			}
			var es plan.Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error is not plan.Errors: %T %v", err, err)
			}
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error is not ErrInvalid: %v", err)
			}
			for _, e := range es {
				if e.File != "f.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 || e.Msg == "" {
					t.Fatalf("error without file, position or message: %#v", e)
				}
			}
			return
		}
		if p == nil {
			t.Fatal("Parse returned neither a plan nor an error")
		}
		checkAccepted(t, p)
	})
}

// checkAccepted re-checks an accepted plan independently of the parser.
func checkAccepted(t *testing.T, p *plan.Plan) {
	t.Helper()
	okName := func(what, s string) {
		if s == "" || utf8.RuneCountInString(s) > 200 || !utf8.ValidString(s) {
			t.Fatalf("accepted %s name %q", what, s)
		}
	}
	if p.Club.Slug == "" || p.Club.TimeZone == "" {
		t.Fatalf("accepted club %+v", p.Club)
	}
	okName("club", p.Club.Name)
	results := map[string]bool{}
	for _, r := range p.Results {
		if results[r.Key] || r.Key == "" {
			t.Fatalf("accepted result key %q twice or empty", r.Key)
		}
		results[r.Key] = true
		okName("result", r.Name)
		for _, f := range r.Fields {
			if f.Type.UsesDictionary() != (f.Dictionary != "") {
				t.Fatalf("accepted field %+v", f)
			}
		}
	}
	templates := plan.DefaultTemplateKeys()
	for _, tp := range p.Templates {
		okName("template", tp.Name)
		templates[tp.Key] = tp.Type
		for _, rk := range tp.Results {
			if !results[rk] {
				t.Fatalf("accepted template %q with unknown result %q", tp.Key, rk)
			}
		}
		if tp.DueOffset < 0 {
			t.Fatalf("accepted negative due offset %v", tp.DueOffset)
		}
	}
	var edges []domain.WorkflowEdge
	for _, w := range p.Workflows {
		if _, ok := templates[w.Template]; !ok {
			t.Fatalf("accepted workflow from unknown template %q", w.Template)
		}
		if _, ok := templates[w.Next]; !ok {
			t.Fatalf("accepted workflow to unknown template %q", w.Next)
		}
		if !results[w.Result] {
			t.Fatalf("accepted workflow with unknown result %q", w.Result)
		}
		if w.Assignee == domain.AssignStaff && w.AssigneeStaff <= 0 {
			t.Fatalf("accepted staff id %d", w.AssigneeStaff)
		}
		edges = append(edges, domain.WorkflowEdge{From: w.Template, To: w.Next, Result: w.Result})
	}
	if c := domain.FindWorkflowCycle(edges); c != nil {
		t.Fatalf("accepted a workflow cycle %v", c)
	}
	for _, s := range p.Funnel {
		okName("funnel stage", s.Name)
		for _, rk := range s.Results {
			if !results[rk] {
				t.Fatalf("accepted funnel stage %q with unknown result %q", s.Key, rk)
			}
		}
	}
}
