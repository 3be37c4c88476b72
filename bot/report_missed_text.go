package bot

import (
	"math"
	"strconv"

	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report"
)

// missedText is the general report's one line on missed incoming calls
// (report.MissedCalls): how many, how many were called back, how many in
// the club's target, and the median minutes to call back; "" when none was
// missed in the period.
func (r *request) missedText(m report.MissedCalls) string {
	c := m.Totals
	if c.Missed == 0 {
		return ""
	}
	median := "" // nobody called back: the line leaves the median out
	if c.MedianMinutes != nil {
		median = i18n.Number(r.lang, math.Round(*c.MedianMinutes*10)/10)
	}
	return r.t("report.missed", map[string]any{
		"Missed": strconv.Itoa(c.Missed), "Back": strconv.Itoa(c.CalledBack), "InTarget": strconv.Itoa(c.InTarget), "Median": median,
	})
}
