package plan

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/clubcrm/clubcrm/domain"
)

// Phone is the phone: section: the club's phone system, how its webhooks
// are verified, its lines and who calls back a missed call.
type Phone struct {
	Provider         string        // binotel, ringostat, zadarma or generic
	AllowIPs         []string      // addresses or prefixes the provider's requests may come from; empty: any
	CallbackTemplate string        // a personal-call template for "call back"; empty: the club's personal-call template
	CallbackRole     domain.Role   // who gets a missed call
	CallbackTarget   time.Duration // call back within this
	Lines            []PhoneLine
	Pos              Pos
	TemplatePos      Pos
}

// PhoneLine maps an extension or SIP login to a staff member.
type PhoneLine struct {
	Line    string
	StaffID int64
	Pos     Pos
}

var phoneProviders = []string{"generic", "binotel", "ringostat", "zadarma"}

func (r *reader) phone(e entry) *Phone {
	if e.value == nil {
		return nil
	}
	p := &Phone{Pos: posOf(e.key), CallbackRole: domain.RoleStaff, CallbackTarget: DefaultLeadTarget}
	m, ok := r.mapping(e.value, "phone", "provider", "secret", "allow_ips", "callback_template", "callback_assignee", "callback_target", "lines")
	if !ok {
		return p
	}
	if s, ok := r.text(m["provider"], "phone provider"); ok {
		if !contains(phoneProviders, s) {
			r.errorf(valuePos(m["provider"], p.Pos), "phone provider %q is not one of %s", s, strings.Join(phoneProviders, ", "))
		} else {
			p.Provider = s
		}
	}
	if sec, ok := m["secret"]; ok {
		// Refused, not warned: a secret in a plan file ends up in
		// repositories, backups and chat pastes. The line never repeats it.
		r.errorf(posOf(sec.key), "phone secret does not go in the plan file: remove it and store it sealed with `clubcrm phone secret set --club ID --provider %s` (it reads the secret from standard input)", providerOr(m))
	}
	ips, _ := r.list(m["allow_ips"].value, "phone allow_ips")
	for _, n := range ips {
		s, ok := r.text(entry{value: n}, "phone allow_ips entry")
		if !ok {
			continue
		}
		if _, err := netip.ParsePrefix(s); err != nil {
			if _, err := netip.ParseAddr(s); err != nil {
				r.errorf(posOf(n), "phone allow_ips entry %q is not an IP address or prefix", s)
				continue
			}
		}
		p.AllowIPs = append(p.AllowIPs, s)
	}
	p.CallbackTemplate, _ = r.key(m["callback_template"], "phone callback_template", p.Pos, false)
	p.TemplatePos = valuePos(m["callback_template"], p.Pos)
	if a, ok := m["callback_assignee"]; ok {
		if am, ok := r.mapping(a.value, "phone callback_assignee", "role"); ok {
			if s, ok := r.text(am["role"], "phone callback_assignee role"); ok && s != "" {
				if rl, err := domain.ParseRole(s); err != nil {
					r.errorf(posOf(am["role"].value), "phone callback_assignee role %q is not one of owner, manager, staff", s)
				} else {
					p.CallbackRole = rl
				}
			}
		}
	}
	if d, ok := r.offset(m["callback_target"], "phone callback_target", false); ok && d != nil {
		if *d <= 0 || *d > maxLeadTarget {
			r.errorf(posOf(m["callback_target"].value), "phone callback_target must be between 1m and 7d")
		} else {
			p.CallbackTarget = *d
		}
	}
	lines, _ := r.list(m["lines"].value, "phone lines")
	seen := map[string]Pos{}
	for _, n := range lines {
		l := PhoneLine{Pos: posOf(n)}
		lm, ok := r.mapping(n, "phone line", "line", "staff")
		if !ok {
			continue
		}
		l.Line, _ = r.text(lm["line"], "phone line")
		if l.Line == "" {
			r.errorf(l.Pos, "phone line needs a line: the extension or SIP login")
			continue
		}
		if prev, dup := seen[l.Line]; dup {
			r.errorf(l.Pos, "phone line %q is listed twice (first at line %d)", l.Line, prev.Line)
			continue
		}
		seen[l.Line] = l.Pos
		sv := lm["staff"].value
		if sv == nil || sv.Kind != yaml.ScalarNode || sv.ShortTag() != "!!int" {
			r.errorf(l.Pos, "phone line %q needs staff: a staff id (a positive whole number)", l.Line)
			continue
		}
		id, err := strconv.ParseInt(sv.Value, 0, 64)
		if err != nil || id <= 0 {
			r.errorf(posOf(sv), "phone line %q: staff must be a positive staff id", l.Line)
			continue
		}
		l.StaffID = id
		p.Lines = append(p.Lines, l)
	}
	return p
}

func validatePhone(r *reader, p *Plan, templates keySet, types map[string]domain.TaskType) {
	ph := p.Phone
	if ph == nil {
		return
	}
	if ph.Provider == "" {
		r.errorf(ph.Pos, "phone needs a provider: one of %s", strings.Join(phoneProviders, ", "))
	}
	if ph.CallbackTemplate != "" && templates.check(r, ph.TemplatePos, "phone", ph.CallbackTemplate) && types[ph.CallbackTemplate] != domain.TypePersonalCall {
		r.errorf(ph.TemplatePos, "phone callback_template %q is a %s template; it must be a personal call", ph.CallbackTemplate, types[ph.CallbackTemplate])
	}
}

// providerOr is the phone section's provider as written, or PROVIDER, for
// a message.
func providerOr(m map[string]entry) string {
	if p, ok := m["provider"]; ok && p.value != nil && p.value.Kind == yaml.ScalarNode && contains(phoneProviders, p.value.Value) {
		return p.value.Value
	}
	return "PROVIDER"
}
