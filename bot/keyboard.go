package bot

import (
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// Keyboards are [][]chat.Button (rows of buttons), the same shape the
// notifier's messages use, so a card can be sent by a handler or by a job.

// btn is an inline button that sends callback data: the action and its
// arguments, encoded by callback.New (which panics over 64 bytes: keep
// arguments to ids and short words).
func btn(text, action string, args ...any) chat.Button {
	return chat.Button{Text: text, Data: callback.New(action, args...)}
}

// row is one row of buttons.
func row(bs ...chat.Button) []chat.Button { return bs }
