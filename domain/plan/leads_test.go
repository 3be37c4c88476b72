package plan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/plan"
)

func TestParseLeads(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse("p.yaml", []byte(small+"leads:\n  template: call\n  assignee: {role: manager}\n  response_target: 30m\n  unknown_client: refuse\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l := p.Leads; l == nil || l.Template != "call" || l.Role != domain.RoleManager || l.Target != 30*time.Minute || l.UnknownClient != "refuse" {
		t.Fatalf("leads: %+v", p.Leads)
	}
	if p, err := plan.Parse("p.yaml", []byte(small)); err != nil || p.Leads != nil {
		t.Fatalf("no leads section: %+v %v", p, err)
	}
	for _, c := range []struct{ section, want string }{
		{"leads:\n  template: check\n", `leads template "check" is a client_task template`},
		{"leads:\n  template: nope\n", `"nope"`},
		{"leads:\n  template: call\n  assignee: {role: boss}\n", `leads assignee role "boss"`},
		{"leads:\n  template: call\n  response_target: 0\n", "between 1m and 7d"},
		{"leads:\n  template: call\n  unknown_client: ignore\n", `unknown_client "ignore"`},
		{"leads:\n  template: call\n  target: 5m\n", `unknown key "target"`},
	} {
		_, err := plan.Parse("p.yaml", []byte(small+c.section))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.section, err, c.want)
		}
	}
}
