package bot

import (
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
)

// Every error code the domain and the store can return has a message in
// every language, so the person is told what was wrong instead of the
// generic "can't be accepted" (and the bot does not log "rule without a
// message"). The codes are the constants of domain/codes.go, listed by
// domain.Codes, so a new code without a message fails here rather than in a
// chat. The not-found codes are not in the list: the bot answers every
// not-found with the same generic text on purpose (TestReportRefusals).
func TestEveryDomainErrorCodeHasAMessage(t *testing.T) {
	codes := domain.Codes()
	seen := map[domain.Code]bool{}
	for _, code := range codes {
		if code == "" || seen[code] {
			t.Errorf("domain.Codes lists %q twice or empty", code)
		}
		seen[code] = true
	}
	cat := i18n.MustNew()
	for _, l := range domain.Languages {
		have := map[string]bool{}
		for _, id := range cat.IDs(l) {
			have[id] = true
		}
		for _, code := range codes {
			if id := "bot.err." + string(code); !have[id] {
				t.Errorf("%s: no message %s", l, id)
			}
		}
	}
}
