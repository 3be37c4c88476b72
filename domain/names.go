package domain

// Names are an item's names per language: a club plan may give a template,
// result, field, dictionary value or funnel stage a name in each language its
// staff read (name: {ru: …, uk: …, en: …}). The item's Name stays the name
// in the club's language (or the only one written); Names holds every
// language the plan wrote, and is empty for a plain one-language name.
type Names map[Language]string

// In is the name a person reading lang sees: the plan's name in lang, else
// name (the club's language, then whichever the plan wrote).
func (n Names) In(lang Language, name string) string {
	if s := n[lang]; s != "" {
		return s
	}
	return name
}

// NameIn is the template's name in lang (see Names.In).
func (t Template) NameIn(lang Language) string { return t.Names.In(lang, t.Name) }

// NameIn is the result's name in lang (see Names.In).
func (r Result) NameIn(lang Language) string { return r.Names.In(lang, r.Name) }

// NameIn is the field's name in lang (see Names.In).
func (f Field) NameIn(lang Language) string { return f.Names.In(lang, f.Name) }

// NameIn is the dictionary value's name in lang (see Names.In).
func (v DictValue) NameIn(lang Language) string { return v.Names.In(lang, v.Name) }

// NameIn is the funnel stage's name in lang (see Names.In).
func (s FunnelStage) NameIn(lang Language) string { return s.Names.In(lang, s.Name) }
