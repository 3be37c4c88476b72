package postgres

import "github.com/clubcrm/clubcrm/domain"

// The names a task shows, in the reader's language (domain.Names). A task
// whose title is its template's name (a task created without a title of its
// own) shows that name in the reader's language too.

// TemplateNameIn is the task's template's name in lang.
func (v TaskView) TemplateNameIn(lang domain.Language) string {
	return v.TemplateNames.In(lang, v.TemplateName)
}

// ResultNameIn is the name of the result that closed the task, in lang; ""
// while it is open.
func (v TaskView) ResultNameIn(lang domain.Language) string {
	return v.ResultNames.In(lang, v.ResultName)
}

// TitleIn is the task's title as a person reading lang sees it.
func (v TaskView) TitleIn(lang domain.Language) string {
	return titleIn(v.Title, v.TemplateName, v.TemplateNames, lang)
}

// TemplateNameIn is the task's template's name in lang.
func (l TaskLine) TemplateNameIn(lang domain.Language) string {
	return l.TemplateNames.In(lang, l.TemplateName)
}

// TitleIn is the task's title as a person reading lang sees it.
func (l TaskLine) TitleIn(lang domain.Language) string {
	return titleIn(l.Title, l.TemplateName, l.TemplateNames, lang)
}

// TemplateNameIn is the template's name in lang.
func (it ClientResultItem) TemplateNameIn(lang domain.Language) string {
	return it.TemplateNames.In(lang, it.TemplateName)
}

// ResultNameIn is the result's name in lang.
func (it ClientResultItem) ResultNameIn(lang domain.Language) string {
	return it.ResultNames.In(lang, it.ResultName)
}

func titleIn(title, templateName string, names domain.Names, lang domain.Language) string {
	if title == templateName {
		return names.In(lang, title)
	}
	return title
}
