package plan

import (
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/inbound"
)

// Trigger is one entry of the triggers: section: an event of the
// club-management system and the task it creates about the client.
type Trigger struct {
	Event         string
	Template      string // a personal-call or client-task template
	DueOffset     time.Duration
	Role          domain.Role
	UnknownClient string // "refuse" (default) or "create" (a lead)
	MinDays       *int   // not_visited: only from this many days on
	Pos           Pos
	TemplatePos   Pos
}

func (r *reader) triggers(e entry) []Trigger {
	items, _ := r.list(e.value, "triggers")
	var out []Trigger
	seen := map[string]Pos{}
	for _, n := range items {
		t := Trigger{Pos: posOf(n), Role: domain.RoleStaff, UnknownClient: "refuse"}
		m, ok := r.mapping(n, "trigger", "event", "template", "due_offset", "assignee", "unknown_client", "min_days")
		if !ok {
			continue
		}
		if s, ok := r.text(m["event"], "trigger event"); ok {
			switch {
			case !inbound.ValidEventType(s):
				r.errorf(valuePos(m["event"], t.Pos), "trigger event %q is not one of %s", s, strings.Join(inbound.EventTypes, ", "))
			default:
				if prev, dup := seen[s]; dup {
					r.errorf(t.Pos, "trigger event %q is listed twice (first at line %d)", s, prev.Line)
				}
				seen[s] = t.Pos
				t.Event = s
			}
		}
		t.Template, _ = r.key(m["template"], "trigger template", t.Pos, true)
		t.TemplatePos = valuePos(m["template"], t.Pos)
		if d, ok := r.offset(m["due_offset"], "trigger due_offset", false); ok && d != nil {
			t.DueOffset = *d
		}
		if a, ok := m["assignee"]; ok {
			if am, ok := r.mapping(a.value, "trigger assignee", "role"); ok {
				if s, ok := r.text(am["role"], "trigger assignee role"); ok && s != "" {
					if rl, err := domain.ParseRole(s); err != nil {
						r.errorf(posOf(am["role"].value), "trigger assignee role %q is not one of owner, manager, staff", s)
					} else {
						t.Role = rl
					}
				}
			}
		}
		if s, ok := r.text(m["unknown_client"], "trigger unknown_client"); ok && s != "" {
			if s != "create" && s != "refuse" {
				r.errorf(posOf(m["unknown_client"].value), "trigger unknown_client %q is not one of create, refuse", s)
			} else {
				t.UnknownClient = s
			}
		}
		if _, ok := m["min_days"]; ok {
			if d, ok := r.integer(m["min_days"], "trigger min_days", 0); ok {
				if d < 0 || d > 36500 {
					r.errorf(posOf(m["min_days"].value), "trigger min_days must be 0..36500")
				} else {
					v := int(d)
					t.MinDays = &v
				}
			}
		}
		out = append(out, t)
	}
	return out
}

func validateTriggers(r *reader, p *Plan, templates keySet, types map[string]domain.TaskType) {
	for _, t := range p.Triggers {
		if t.Template == "" {
			continue
		}
		if templates.check(r, t.TemplatePos, "trigger "+t.Event, t.Template) && !types[t.Template].HasClient() {
			r.errorf(t.TemplatePos, "trigger %s: template %q is a %s template; an event is about one client", t.Event, t.Template, types[t.Template])
		}
		if types[t.Template] == domain.TypeBulkCall {
			r.errorf(t.TemplatePos, "trigger %s: template %q is a bulk call; an event is about one client", t.Event, t.Template)
		}
	}
}
