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

func TestParsePhone(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse("p.yaml", []byte(small+"phone:\n  provider: binotel\n  allow_ips: [194.88.218.116, 194.88.219.0/24]\n  callback_template: call\n  callback_target: 30m\n  lines:\n    - {line: \"901\", staff: 2}\n    - {line: olena_sip, staff: 3}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if ph := p.Phone; ph == nil || ph.Provider != "binotel" || len(ph.AllowIPs) != 2 || ph.CallbackTarget != 30*time.Minute || len(ph.Lines) != 2 || ph.Lines[1].Line != "olena_sip" || ph.Lines[1].StaffID != 3 {
		t.Fatalf("phone: %+v", p.Phone)
	}
	for _, c := range []struct{ section, want string }{
		{"phone:\n  provider: skype\n", `phone provider "skype"`},
		{"phone:\n  callback_target: 5m\n", "phone needs a provider"},
		{"phone:\n  provider: zadarma\n  secret: s3cret-value\n", "phone secret does not go in the plan file: remove it and store it sealed with `clubcrm phone secret set --club ID --provider zadarma`"},
		{"phone:\n  provider: generic\n  allow_ips: [nope]\n", `allow_ips entry "nope"`},
		{"phone:\n  provider: generic\n  callback_template: check\n", "must be a personal call"},
		{"phone:\n  provider: generic\n  lines:\n    - {line: \"1\", staff: 2}\n    - {line: \"1\", staff: 3}\n", `phone line "1" is listed twice`},
		{"phone:\n  provider: generic\n  lines:\n    - {line: \"1\", staff: x}\n", "needs staff"},
	} {
		_, err := plan.Parse("p.yaml", []byte(small+c.section))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.section, err, c.want)
		}
	}
}

// TestParsePhoneSecretRefused: a plan that still holds a phone secret is
// refused with one line that points at the command and never repeats the
// secret; a Zadarma plan without one is valid (the secret is stored apart).
func TestParsePhoneSecretRefused(t *testing.T) {
	t.Parallel()
	_, err := plan.Parse("p.yaml", []byte(small+"phone:\n  provider: zadarma\n  secret: s3cret-value\n"))
	if err == nil {
		t.Fatal("a plan with a phone secret is accepted")
	}
	if msg := err.Error(); strings.Contains(msg, "s3cret-value") || strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "clubcrm phone secret set") {
		t.Errorf("refusal: %q", msg)
	}
	if _, err := plan.Parse("p.yaml", []byte(small+"phone:\n  provider: zadarma\n")); err != nil {
		t.Errorf("a zadarma plan without a secret: %v", err)
	}
}

func TestParseTriggers(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse("p.yaml", []byte(small+"triggers:\n  - {event: not_visited, template: check, due_offset: 1d, min_days: 14, unknown_client: create, assignee: {role: manager}}\n  - {event: trial_no_show, template: call}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tr := p.Triggers; len(tr) != 2 || tr[0].MinDays == nil || *tr[0].MinDays != 14 || tr[0].Role != domain.RoleManager || tr[0].UnknownClient != "create" ||
		tr[0].DueOffset != 24*time.Hour || tr[1].UnknownClient != "refuse" || tr[1].Role != domain.RoleStaff {
		t.Fatalf("triggers: %+v", p.Triggers)
	}
	for _, c := range []struct{ section, want string }{
		{"triggers:\n  - {event: lunch, template: call}\n", `trigger event "lunch"`},
		{"triggers:\n  - {event: birthday, template: call}\n  - {event: birthday, template: check}\n", "listed twice"},
		{"triggers:\n  - {event: birthday, template: internal}\n", "an event is about one client"},
		{"triggers:\n  - {event: birthday, template: call, unknown_client: maybe}\n", `unknown_client "maybe"`},
		{"triggers:\n  - {event: birthday, template: call, min_days: -1}\n", "min_days must be"},
	} {
		_, err := plan.Parse("p.yaml", []byte(small+c.section))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.section, err, c.want)
		}
	}
}
