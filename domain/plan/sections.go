package plan

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/clubcrm/clubcrm/domain"
)

// The readers of the list sections. Each reads what it can of every item and
// records an error for the rest; cross-references are checked in validate.go.

// identity reads the key, name and renamed_from that every listed item has;
// what names the item in errors: "dictionary" gives "dictionary key".
func (r *reader) identity(m map[string]entry, what string, at Pos) (key, name string, names domain.Names, renamedFrom string) {
	key, _ = r.key(m["key"], what+" key", at, true)
	name, names, _ = r.localName(m["name"], what+" name", at)
	renamedFrom, _ = r.key(m["renamed_from"], what+" renamed_from", at, false)
	return key, name, names, renamedFrom
}

func (r *reader) dictionaries(e entry) []Dictionary {
	items, _ := r.list(e.value, "dictionaries")
	var out []Dictionary
	for _, n := range items {
		d := Dictionary{Pos: posOf(n)}
		m, ok := r.mapping(n, "dictionary", "key", "name", "renamed_from", "values")
		if !ok {
			continue
		}
		d.Key, d.Name, d.Names, d.RenamedFrom = r.identity(m, "dictionary", d.Pos)
		values, _ := r.list(m["values"].value, "dictionary values")
		for _, vn := range values {
			v := Value{Pos: posOf(vn)}
			vm, ok := r.mapping(vn, "dictionary value", "key", "name", "renamed_from")
			if !ok {
				continue
			}
			v.Key, v.Name, v.Names, v.RenamedFrom = r.identity(vm, "value", v.Pos)
			d.Values = append(d.Values, v)
		}
		out = append(out, d)
	}
	return out
}

func (r *reader) results(e entry) []Result {
	items, _ := r.list(e.value, "results")
	var out []Result
	for _, n := range items {
		res := Result{Pos: posOf(n)}
		m, ok := r.mapping(n, "result", "key", "name", "renamed_from", "fields")
		if !ok {
			continue
		}
		res.Key, res.Name, res.Names, res.RenamedFrom = r.identity(m, "result", res.Pos)
		fields, _ := r.list(m["fields"].value, "result fields")
		for _, fn := range fields {
			if f, ok := r.field(fn); ok {
				res.Fields = append(res.Fields, f)
			}
		}
		out = append(out, res)
	}
	return out
}

func (r *reader) field(n *yaml.Node) (Field, bool) {
	f := Field{Pos: posOf(n)}
	m, ok := r.mapping(n, "field", "key", "name", "renamed_from", "type", "required", "dictionary", "max_length")
	if !ok {
		return f, false
	}
	f.Key, f.Name, f.Names, f.RenamedFrom = r.identity(m, "field", f.Pos)
	if t, ok := r.text(m["type"], "field type"); ok {
		if t == "" {
			r.errorf(f.Pos, "field type is required (text, number, date, datetime, bool, choice, multichoice)")
		} else if ft, err := domain.ParseFieldType(t); err != nil {
			r.errorf(posOf(m["type"].value), "unknown field type %q; use text, number, date, datetime, bool, choice or multichoice", t)
		} else {
			f.Type = ft
		}
	}
	f.Required, _ = r.boolean(m["required"], "field required")
	f.Dictionary, _ = r.key(m["dictionary"], "field dictionary", f.Pos, false)
	f.DictPos = valuePos(m["dictionary"], f.Pos)
	if ml, ok := r.integer(m["max_length"], "field max_length", 0); ok && m["max_length"].value != nil && !isNull(m["max_length"].value) {
		if ml < 1 || ml > 4000 {
			r.errorf(posOf(m["max_length"].value), "field max_length %d is outside 1..4000", ml)
		} else {
			f.MaxLength = int(ml)
		}
	}
	return f, true
}

func (r *reader) templates(e entry) []Template {
	items, _ := r.list(e.value, "templates")
	var out []Template
	for _, n := range items {
		t := Template{Pos: posOf(n)}
		m, ok := r.mapping(n, "template", "key", "name", "renamed_from", "type", "default_title", "due_offset", "reminder_offset", "results", "repeat")
		if !ok {
			continue
		}
		t.Key, t.Name, t.Names, t.RenamedFrom = r.identity(m, "template", t.Pos)
		if s, ok := r.text(m["type"], "template type"); ok {
			if s == "" {
				r.errorf(t.Pos, "template type is required (personal_call, bulk_call, client_task, internal)")
			} else if tt, err := domain.ParseTaskType(s); err != nil {
				r.errorf(posOf(m["type"].value), "unknown task type %q; use personal_call, bulk_call, client_task or internal", s)
			} else {
				t.Type = tt
			}
		}
		if s, ok := r.text(m["default_title"], "template default_title"); ok {
			if len([]rune(s)) > maxNameLen {
				r.errorf(posOf(m["default_title"].value), "template default_title is longer than %d characters", maxNameLen)
			} else {
				t.DefaultTitle = s
			}
		}
		if d, ok := r.offset(m["due_offset"], "template due_offset", false); ok && d != nil {
			t.DueOffset = *d
		}
		t.ReminderOffset, _ = r.offset(m["reminder_offset"], "template reminder_offset", true)
		t.Results, t.ResultsPos, _ = r.keyList(m["results"], "template results")
		t.Repeat = r.repeat(m["repeat"]) // repeat.go
		out = append(out, t)
	}
	return out
}

// offset reads an optional offset; nil means absent.
func (r *reader) offset(e entry, what string, signed bool) (*time.Duration, bool) {
	s, ok := r.text(e, what)
	if !ok || s == "" {
		return nil, ok
	}
	d, err := ParseOffset(s, signed)
	if err != nil {
		r.errorf(posOf(e.value), "%s: %v", what, err)
		return nil, false
	}
	return &d, true
}

func (r *reader) workflows(e entry) []Workflow {
	items, _ := r.list(e.value, "workflows")
	var out []Workflow
	for _, n := range items {
		w := Workflow{Pos: posOf(n), Assignee: domain.AssignSame}
		m, ok := r.mapping(n, "workflow", "template", "result", "next", "due_offset", "working_days", "assignee")
		if !ok {
			continue
		}
		w.Template, _ = r.key(m["template"], "workflow template", w.Pos, true)
		w.Result, _ = r.key(m["result"], "workflow result", w.Pos, true)
		w.Next, _ = r.key(m["next"], "workflow next", w.Pos, true)
		w.TemplatePos = valuePos(m["template"], w.Pos)
		w.ResultPos = valuePos(m["result"], w.Pos)
		w.NextPos = valuePos(m["next"], w.Pos)
		if d, ok := r.offset(m["due_offset"], "workflow due_offset", false); ok && d != nil {
			w.DueOffset = *d
		}
		w.WorkingDays, _ = r.boolean(m["working_days"], "workflow working_days")
		if a, ok := m["assignee"]; ok {
			w.AssigneePos = posOf(a.value)
			r.assignee(a.value, &w)
		}
		out = append(out, w)
	}
	return out
}

// assignee reads "same", "author", {staff: ID} or {role: manager}.
func (r *reader) assignee(n *yaml.Node, w *Workflow) {
	const help = "use same, author, {staff: ID} or {role: owner|manager|staff}"
	switch {
	case isNull(n):
		return
	case n.Kind == yaml.ScalarNode:
		switch s := strings.TrimSpace(n.Value); s {
		case "same":
			w.Assignee = domain.AssignSame
		case "author":
			w.Assignee = domain.AssignAuthor
		default:
			r.errorf(posOf(n), "workflow assignee %q is not known; %s", s, help)
		}
	case n.Kind == yaml.MappingNode:
		m, ok := r.mapping(n, "workflow assignee", "staff", "role")
		if !ok {
			return
		}
		staff, hasStaff := m["staff"]
		role, hasRole := m["role"]
		switch {
		case hasStaff && hasRole:
			r.errorf(posOf(n), "workflow assignee names both staff and role; %s", help)
		case hasStaff:
			if staff.value.Kind != yaml.ScalarNode || staff.value.ShortTag() != "!!int" {
				r.errorf(posOf(staff.value), "workflow assignee staff must be a staff id (a positive whole number), not %s", describe(staff.value))
				return
			}
			id, err := strconv.ParseInt(staff.value.Value, 0, 64)
			if err != nil || id <= 0 {
				r.errorf(posOf(staff.value), "workflow assignee staff must be a positive staff id, not %s", staff.value.Value)
				return
			}
			w.Assignee, w.AssigneeStaff, w.AssigneePos = domain.AssignStaff, id, posOf(staff.value)
		case hasRole:
			s, ok := r.text(role, "workflow assignee role")
			if !ok {
				return
			}
			rl, err := domain.ParseRole(s)
			if err != nil {
				r.errorf(posOf(role.value), "workflow assignee role %q is not one of owner, manager, staff", s)
				return
			}
			w.Assignee, w.AssigneeRole = domain.AssignRole, rl
		default:
			r.errorf(posOf(n), "workflow assignee is empty; %s", help)
		}
	default:
		r.errorf(posOf(n), "workflow assignee must be a word or a mapping, not %s; %s", describe(n), help)
	}
}

func (r *reader) funnel(e entry) []Stage {
	items, _ := r.list(e.value, "funnel")
	var out []Stage
	for _, n := range items {
		s := Stage{Pos: posOf(n)}
		m, ok := r.mapping(n, "funnel stage", "key", "name", "renamed_from", "results")
		if !ok {
			continue
		}
		s.Key, s.Name, s.Names, s.RenamedFrom = r.identity(m, "funnel stage", s.Pos)
		s.Results, s.ResultsPos, _ = r.keyList(m["results"], "funnel stage results")
		out = append(out, s)
	}
	return out
}

func (r *reader) removals(e entry) Removals {
	var rm Removals
	m, ok := r.mapping(e.value, "remove", "templates", "results", "fields", "dictionaries", "values", "workflows", "funnel")
	if !ok {
		return rm
	}
	rm.Templates = r.refs(m["templates"], "remove.templates", "")
	rm.Results = r.refs(m["results"], "remove.results", "")
	rm.Fields = r.refs(m["fields"], "remove.fields", "result")
	rm.Dictionaries = r.refs(m["dictionaries"], "remove.dictionaries", "")
	rm.Values = r.refs(m["values"], "remove.values", "dictionary")
	rm.Funnel = r.refs(m["funnel"], "remove.funnel", "")
	items, _ := r.list(m["workflows"].value, "remove.workflows")
	for _, n := range items {
		wm, ok := r.mapping(n, "remove.workflows entry", "template", "result")
		if !ok {
			continue
		}
		w := WorkflowRef{Pos: posOf(n)}
		var ok1, ok2 bool
		w.Template, ok1 = r.key(wm["template"], "remove.workflows template", w.Pos, true)
		w.Result, ok2 = r.key(wm["result"], "remove.workflows result", w.Pos, true)
		if ok1 && ok2 {
			rm.Workflows = append(rm.Workflows, w)
		}
	}
	return rm
}

// refs reads a list of keys to remove; with parent set ("result"), each is
// written "parent.key".
func (r *reader) refs(e entry, what, parent string) []Ref {
	items, _ := r.list(e.value, what)
	var out []Ref
	for _, n := range items {
		s, ok := r.text(entry{value: n}, what+" entry")
		if !ok {
			continue
		}
		ref := Ref{Key: s, Pos: posOf(n)}
		if parent != "" {
			p, k, found := strings.Cut(s, ".")
			if !found {
				r.errorf(ref.Pos, "%s entry %q must be written %s_key.key", what, s, parent)
				continue
			}
			ref.Parent, ref.Key = p, k
			if !keyPattern.MatchString(p) || !keyPattern.MatchString(k) {
				r.errorf(ref.Pos, "%s entry %q: both parts must be keys (letters, digits, \"_\", \"-\")", what, s)
				continue
			}
		} else if !keyPattern.MatchString(s) {
			r.errorf(ref.Pos, "%s entry %q is not a key (letters, digits, \"_\", \"-\")", what, s)
			continue
		}
		out = append(out, ref)
	}
	return out
}

// valuePos is where an entry's value is written, or def when it is absent.
func valuePos(e entry, def Pos) Pos {
	if e.value == nil {
		return def
	}
	return posOf(e.value)
}

// String makes a Pos print as LINE:COL.
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }
