package bot

import (
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// localized is a report with the catalog's names in the reader's language
// (report.Names); reports compute names in the club's language.
type localized interface {
	Localize(report.Names, domain.Language)
}

// localizeReports puts the names of every report given in r's language.
func (b *Bot) localizeReports(r *request, reports ...localized) error {
	n, err := b.db.CatalogNames(r.ctx, r.club.ID)
	if err != nil {
		return err
	}
	for _, rep := range reports {
		rep.Localize(n, r.lang)
	}
	return nil
}
