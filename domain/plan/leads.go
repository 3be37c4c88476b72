package plan

import (
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// Leads is the leads: section: how a lead arriving through the inbound API
// becomes work. Absent, a club uses the defaults (its personal-call
// template, role staff, 15 minutes, unknown phones create a client).
type Leads struct {
	Template      string        // a personal-call template's key
	Role          domain.Role   // the task goes to the active member of this role with the fewest open tasks
	Target        time.Duration // respond within this, or the managers are told
	UnknownClient string        // "create" (a lead client) or "refuse"
	Pos           Pos
	TemplatePos   Pos
}

// Lead defaults.
const (
	DefaultLeadTarget = 15 * time.Minute
	maxLeadTarget     = 7 * 24 * time.Hour
)

func (r *reader) leads(e entry) *Leads {
	if e.value == nil {
		return nil
	}
	l := &Leads{Pos: posOf(e.key), Role: domain.RoleStaff, Target: DefaultLeadTarget, UnknownClient: "create"}
	m, ok := r.mapping(e.value, "leads", "template", "assignee", "response_target", "unknown_client")
	if !ok {
		return l
	}
	l.Template, _ = r.key(m["template"], "leads template", l.Pos, true)
	l.TemplatePos = valuePos(m["template"], l.Pos)
	if a, ok := m["assignee"]; ok {
		am, ok := r.mapping(a.value, "leads assignee", "role")
		if ok {
			if s, ok := r.text(am["role"], "leads assignee role"); ok && s != "" {
				rl, err := domain.ParseRole(s)
				if err != nil {
					r.errorf(posOf(am["role"].value), "leads assignee role %q is not one of owner, manager, staff", s)
				} else {
					l.Role = rl
				}
			}
		}
	}
	if d, ok := r.offset(m["response_target"], "leads response_target", false); ok && d != nil {
		if *d <= 0 || *d > maxLeadTarget {
			r.errorf(posOf(m["response_target"].value), "leads response_target must be between 1m and 7d")
		} else {
			l.Target = *d
		}
	}
	if s, ok := r.text(m["unknown_client"], "leads unknown_client"); ok && s != "" {
		if s != "create" && s != "refuse" {
			r.errorf(posOf(m["unknown_client"].value), "leads unknown_client %q is not one of create, refuse", s)
		} else {
			l.UnknownClient = s
		}
	}
	return l
}

func validateLeads(r *reader, p *Plan, templates keySet, types map[string]domain.TaskType) {
	l := p.Leads
	if l == nil || l.Template == "" {
		return
	}
	if templates.check(r, l.TemplatePos, "leads", l.Template) && types[l.Template] != domain.TypePersonalCall {
		r.errorf(l.TemplatePos, "leads template %q is a %s template; a new lead is called, so it must be a personal call", l.Template, types[l.Template])
	}
}
