package bot

import (
	"github.com/clubcrm/clubcrm/bot/callback"
	"github.com/clubcrm/clubcrm/jobs"
)

// Keyboards are [][]jobs.Button (rows of buttons), the same shape the
// notifier's messages use, so a card can be sent by a handler or by a job.

// btn is an inline button that sends callback data: the action and its
// arguments, encoded by callback.New (which panics over 64 bytes: keep
// arguments to ids and short words).
func btn(text, action string, args ...any) jobs.Button {
	return jobs.Button{Text: text, Data: callback.New(action, args...)}
}

// row is one row of buttons.
func row(bs ...jobs.Button) []jobs.Button { return bs }
