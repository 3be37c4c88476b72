package scheduler

import (
	"log/slog"

	"github.com/robfig/cron/v3"
)

// cronLogger adapts slog to cron.Logger. cron reports every schedule and
// run at Info; those go to Debug, so a healthy scheduler is quiet. Errors
// (a recovered panic) stay errors.
type cronLogger struct{ log *slog.Logger }

var _ cron.Logger = cronLogger{}

func (l cronLogger) Info(msg string, keysAndValues ...any) {
	l.log.Debug("cron: "+msg, keysAndValues...)
}

func (l cronLogger) Error(err error, msg string, keysAndValues ...any) {
	l.log.Error("cron: "+msg, append(keysAndValues, slog.Any("err", err))...)
}
