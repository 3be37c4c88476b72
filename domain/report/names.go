package report

import "github.com/clubcrm/clubcrm/domain"

// Names are a club's catalog names per language by id (domain.Names; read
// by postgres.DB.CatalogNames), so a report computed once shows each person
// the names in their language. Items the plan names once for everyone are
// absent and keep the name the report carries (the club's).
type Names struct {
	Templates map[int64]domain.Names
	Results   map[int64]domain.Names
	Fields    map[int64]domain.Names
	Values    map[int64]domain.Names
	Stages    map[int64]domain.Names
	// FieldResult is each translated field's result, for FieldTally.ResultName.
	FieldResult map[int64]int64
}

// Localize puts the names of g's templates, results, fields and values in lang.
func (g *General) Localize(n Names, lang domain.Language) {
	if g.Filter.TemplateID != 0 {
		g.FilterNames.Template = n.Templates[g.Filter.TemplateID].In(lang, g.FilterNames.Template)
	}
	for i := range g.ByTemplate {
		r := &g.ByTemplate[i]
		r.Name = n.Templates[r.TemplateID].In(lang, r.Name)
	}
	for i := range g.ByResult {
		r := &g.ByResult[i]
		r.Name = n.Results[r.ResultID].In(lang, r.Name)
	}
	for i := range g.ResultsByStaff {
		c := &g.ResultsByStaff[i]
		c.Result = n.Results[c.ResultID].In(lang, c.Result)
	}
	for i := range g.ResultsByTemplate {
		c := &g.ResultsByTemplate[i]
		c.Name = n.Templates[c.ID].In(lang, c.Name)
		c.Result = n.Results[c.ResultID].In(lang, c.Result)
	}
	for i := range g.Fields {
		f := &g.Fields[i]
		f.Name = n.Fields[f.FieldID].In(lang, f.Name)
		if rid, ok := n.FieldResult[f.FieldID]; ok {
			f.ResultName = n.Results[rid].In(lang, f.ResultName)
		}
		for j := range f.Values {
			v := &f.Values[j]
			v.Name = n.Values[v.ValueID].In(lang, v.Name)
		}
	}
}

// Localize puts the names of f's stages and templates in lang.
func (f *Funnel) Localize(n Names, lang domain.Language) {
	if f.Filter.TemplateID != 0 {
		f.FilterNames.Template = n.Templates[f.Filter.TemplateID].In(lang, f.FilterNames.Template)
	}
	for i := range f.Stages {
		s := &f.Stages[i]
		s.Name = n.Stages[s.StageID].In(lang, s.Name)
	}
	for i := range f.ByTemplate {
		s := &f.ByTemplate[i]
		s.Name = n.Templates[s.ID].In(lang, s.Name)
	}
}

// Localize puts the names of c's stages and loss reasons in lang.
func (c *Cohort) Localize(n Names, lang domain.Language) {
	if c.Filter.TemplateID != 0 {
		c.FilterNames.Template = n.Templates[c.Filter.TemplateID].In(lang, c.FilterNames.Template)
	}
	for i := range c.Stages {
		s := &c.Stages[i]
		s.Name = n.Stages[s.StageID].In(lang, s.Name)
		for j := range s.Reasons {
			r := &s.Reasons[j]
			r.Name = n.Values[r.ValueID].In(lang, r.Name)
		}
	}
}
