package plan

import (
	"strings"

	"github.com/clubcrm/clubcrm/domain"
)

// keyed is what every renameable, removable item has in common.
type keyed struct {
	key, from string
	pos       Pos
}

// keySet records which keys a section defines and which it removes, so
// references can say "unknown" or "removed by this plan" precisely.
type keySet struct {
	what    string
	defined map[string]Pos
	removed map[string]Pos
}

func (s keySet) has(k string) bool {
	_, ok := s.defined[k]
	return ok
}

func (s keySet) isRemoved(k string) bool {
	_, ok := s.removed[k]
	return ok
}

// check reports a reference to a key the set does not define.
func (s keySet) check(r *reader, at Pos, context, k string) bool {
	if s.has(k) {
		return true
	}
	if p, ok := s.removed[k]; ok {
		r.errorf(at, "%s names %s %q, which this plan removes (line %d)", context, s.what, k, p.Line)
		return false
	}
	r.errorf(at, "%s names unknown %s %q", context, s.what, k)
	return false
}

// uniqueKeys checks a section's keys and renames: no key twice, no rename
// from a key that is still listed or removed, no key both listed and removed.
func uniqueKeys(r *reader, what string, items []keyed, removed []Ref) keySet {
	s := keySet{what: what, defined: map[string]Pos{}, removed: map[string]Pos{}}
	for _, rm := range removed {
		if _, dup := s.removed[rm.Key]; !dup {
			s.removed[rm.Key] = rm.Pos
		}
	}
	froms := map[string]Pos{}
	for _, it := range items {
		if it.key == "" {
			continue // already reported
		}
		if p, dup := s.defined[it.key]; dup {
			r.errorf(it.pos, "%s key %q is repeated (first at line %d)", what, it.key, p.Line)
			continue
		}
		s.defined[it.key] = it.pos
		if p, ok := s.removed[it.key]; ok {
			r.errorf(p, "%s %q is removed here but still listed at line %d; drop one of the two", what, it.key, it.pos.Line)
		}
	}
	for _, it := range items {
		if it.from == "" || it.key == "" {
			continue
		}
		switch p, dup := froms[it.from]; {
		case it.from == it.key:
			r.errorf(it.pos, "%s %q: renamed_from names the item itself", what, it.key)
		case dup:
			r.errorf(it.pos, "%s %q: another item is already renamed from %q (line %d)", what, it.key, it.from, p.Line)
		case s.has(it.from):
			r.errorf(it.pos, "%s %q is renamed from %q, but %q is still listed at line %d", what, it.key, it.from, it.from, s.defined[it.from].Line)
		default:
			if rp, ok := s.removed[it.from]; ok {
				r.errorf(it.pos, "%s %q is renamed from %q, which is also removed at line %d", what, it.key, it.from, rp.Line)
			}
		}
		froms[it.from] = it.pos
	}
	return s
}

// validate checks the references between sections of a plan whose every
// item was read without error.
func validate(r *reader, p *Plan) {
	dicts := validateDictionaries(r, p)
	results := validateResults(r, p, dicts)
	templates, types := validateTemplates(r, p, results)
	validateWorkflows(r, p, results, templates, types)
	validateFunnel(r, p, results)
	validateLeads(r, p, templates, types)
	validatePhone(r, p, templates, types)
	validateTriggers(r, p, templates, types)
}

func validateDictionaries(r *reader, p *Plan) keySet {
	items := make([]keyed, len(p.Dictionaries))
	for i, d := range p.Dictionaries {
		items[i] = keyed{d.Key, d.RenamedFrom, d.Pos}
	}
	dicts := uniqueKeys(r, "dictionary", items, p.Remove.Dictionaries)
	for _, d := range p.Dictionaries {
		if len(d.Values) == 0 {
			r.errorf(d.Pos, "dictionary %q has no values", d.Key)
		}
		vals := make([]keyed, len(d.Values))
		for i, v := range d.Values {
			vals[i] = keyed{v.Key, v.RenamedFrom, v.Pos}
		}
		uniqueKeys(r, "value of dictionary "+d.Key+":", vals, childRefs(p.Remove.Values, d.Key))
	}
	for _, v := range p.Remove.Values {
		if !dicts.has(v.Parent) && !dicts.isRemoved(v.Parent) {
			r.errorf(v.Pos, "remove.values: dictionary %q is not in the plan", v.Parent)
		}
	}
	return dicts
}

func validateResults(r *reader, p *Plan, dicts keySet) keySet {
	items := make([]keyed, len(p.Results))
	for i, res := range p.Results {
		items[i] = keyed{res.Key, res.RenamedFrom, res.Pos}
	}
	results := uniqueKeys(r, "result", items, p.Remove.Results)
	for _, res := range p.Results {
		fields := make([]keyed, len(res.Fields))
		for i, f := range res.Fields {
			fields[i] = keyed{f.Key, f.RenamedFrom, f.Pos}
		}
		uniqueKeys(r, "field of result "+res.Key+":", fields, childRefs(p.Remove.Fields, res.Key))
		for _, f := range res.Fields {
			ctx := "field " + res.Key + "." + f.Key
			switch {
			case f.Type == "":
				// unreadable type, already reported
			case f.Type.UsesDictionary() && f.Dictionary == "":
				r.errorf(f.Pos, "%s is a %s field and needs a dictionary", ctx, f.Type)
			case !f.Type.UsesDictionary() && f.Dictionary != "":
				r.errorf(f.DictPos, "%s is a %s field; only choice and multichoice fields take a dictionary", ctx, f.Type)
			case f.Dictionary != "":
				dicts.check(r, f.DictPos, ctx, f.Dictionary)
			}
			if f.MaxLength != 0 && f.Type != domain.FieldText {
				r.errorf(f.Pos, "%s: max_length applies to text fields only", ctx)
			}
		}
	}
	for _, f := range p.Remove.Fields {
		if !results.has(f.Parent) && !results.isRemoved(f.Parent) {
			r.errorf(f.Pos, "remove.fields: result %q is not in the plan", f.Parent)
		}
	}
	return results
}

func validateTemplates(r *reader, p *Plan, results keySet) (keySet, map[string]domain.TaskType) {
	defaults := DefaultTemplateKeys()
	items := make([]keyed, len(p.Templates))
	for i, t := range p.Templates {
		items[i] = keyed{t.Key, t.RenamedFrom, t.Pos}
	}
	templates := uniqueKeys(r, "template", items, p.Remove.Templates)
	types := map[string]domain.TaskType{}
	for k, t := range defaults {
		types[k] = t
		if !templates.has(k) {
			templates.defined[k] = Pos{} // exists in every club without being listed
		}
	}
	for _, rm := range p.Remove.Templates {
		if _, ok := defaults[rm.Key]; ok {
			r.errorf(rm.Pos, "template %q is one of the four default templates and cannot be removed", rm.Key)
		}
	}
	for _, t := range p.Templates {
		if dt, ok := defaults[t.Key]; ok {
			if t.Type != dt {
				r.errorf(t.Pos, "template %q is a default template of type %s; its type cannot be %s", t.Key, dt, t.Type)
			}
			if t.RenamedFrom != "" {
				r.errorf(t.Pos, "template %q is a default template and cannot be renamed", t.Key)
			}
		}
		if _, ok := defaults[t.RenamedFrom]; ok && t.RenamedFrom != "" {
			r.errorf(t.Pos, "template %q: %q is a default template and cannot be renamed", t.Key, t.RenamedFrom)
		}
		types[t.Key] = t.Type
		seen := map[string]int{}
		for i, rk := range t.Results {
			if prev, dup := seen[rk]; dup {
				r.errorf(t.ResultsPos[i], "template %q lists result %q twice (first at line %d)", t.Key, rk, t.ResultsPos[prev].Line)
				continue
			}
			seen[rk] = i
			results.check(r, t.ResultsPos[i], "template "+t.Key, rk)
		}
		if t.Type.NeedsResult() && len(t.Results) == 0 {
			r.errorf(t.Pos, "template %q is a %s template and needs results: its tasks can only be closed with one", t.Key, t.Type)
		}
	}
	return templates, types
}

func validateWorkflows(r *reader, p *Plan, results, templates keySet, types map[string]domain.TaskType) {
	allowed := map[string]map[string]bool{}
	for _, t := range p.Templates {
		allowed[t.Key] = map[string]bool{}
		for _, rk := range t.Results {
			allowed[t.Key][rk] = true
		}
	}
	removedRules := map[[2]string]Pos{}
	for _, w := range p.Remove.Workflows {
		removedRules[[2]string{w.Template, w.Result}] = w.Pos
	}
	pairs := map[[2]string]Pos{}
	var edges []domain.WorkflowEdge
	for _, w := range p.Workflows {
		if w.Template == "" || w.Result == "" || w.Next == "" {
			continue
		}
		ctx := "workflow " + w.Template + "/" + w.Result
		okT := templates.check(r, w.TemplatePos, ctx, w.Template)
		okR := results.check(r, w.ResultPos, ctx, w.Result)
		okN := templates.check(r, w.NextPos, ctx+" next", w.Next)
		pair := [2]string{w.Template, w.Result}
		if prev, dup := pairs[pair]; dup {
			r.errorf(w.Pos, "%s is defined twice (first at line %d); a template and result lead to one next step", ctx, prev.Line)
			continue
		}
		pairs[pair] = w.Pos
		if rp, ok := removedRules[pair]; ok {
			r.errorf(rp, "%s is removed here but still listed at line %d; drop one of the two", ctx, w.Pos.Line)
		}
		if okT && okR && allowed[w.Template] != nil && !allowed[w.Template][w.Result] {
			r.errorf(w.ResultPos, "%s: result %q is not among the results of template %q", ctx, w.Result, w.Template)
		}
		if okN && types[w.Next] == domain.TypeBulkCall {
			r.errorf(w.NextPos, "%s: next template %q is a bulk call; a follow-up is about one client or none", ctx, w.Next)
		}
		if okT && okN && types[w.Next].HasClient() && !types[w.Template].HasClient() {
			r.errorf(w.NextPos, "%s: next template %q needs a client, but a %s task has none to pass on", ctx, w.Next, types[w.Template])
		}
		if okT && okN {
			edges = append(edges, domain.WorkflowEdge{From: w.Template, To: w.Next, Result: w.Result})
		}
	}
	if cycle := domain.FindWorkflowCycle(edges); cycle != nil {
		at := p.Sections["workflows"]
		for _, w := range p.Workflows {
			if len(cycle) > 1 && w.Template == cycle[0] && w.Next == cycle[1] {
				at = w.Pos
				break
			}
		}
		r.errorf(at, "workflows form a cycle: %s; every chain must end, so one of these rules has to go", strings.Join(cycle, " → "))
	}
}

func validateFunnel(r *reader, p *Plan, results keySet) {
	items := make([]keyed, len(p.Funnel))
	for i, s := range p.Funnel {
		items[i] = keyed{s.Key, s.RenamedFrom, s.Pos}
	}
	uniqueKeys(r, "funnel stage", items, p.Remove.Funnel)
	for _, s := range p.Funnel {
		if len(s.Results) == 0 {
			r.errorf(s.Pos, "funnel stage %q lists no results; a client reaches a stage through one of its results", s.Key)
		}
		seen := map[string]bool{}
		for i, rk := range s.Results {
			if seen[rk] {
				r.errorf(s.ResultsPos[i], "funnel stage %q lists result %q twice", s.Key, rk)
				continue
			}
			seen[rk] = true
			results.check(r, s.ResultsPos[i], "funnel stage "+s.Key, rk)
		}
	}
}

// childRefs picks the removals of one parent's children.
func childRefs(refs []Ref, parent string) []Ref {
	var out []Ref
	for _, r := range refs {
		if r.Parent == parent {
			out = append(out, r)
		}
	}
	return out
}
