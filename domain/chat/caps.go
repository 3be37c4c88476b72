package chat

// Caps is what a channel can render. A flow draws one Message; the channel
// fits it to its Caps (a channel that cannot edit sends the new screen as a
// new message, one without HTML drops the markup, one without uploads sends
// files as links), so flows do not branch on the channel.
type Caps struct {
	// Edit: a screen can replace the previous one in place (Telegram's
	// editMessageText). Without it every screen is a new message.
	Edit bool
	// InlineButtons: buttons sit under their own message, and an old
	// message's buttons still work (Telegram). Without it the keyboard is
	// the chat's, only the last one is visible, and every screen that
	// expects a choice must carry its own (Viber).
	InlineButtons bool
	// HTML: the markup subset (<b>, <i>, <u>, <s>, <code>, <pre>, <a href>)
	// is rendered. Without it the tags are dropped and entities unescaped.
	HTML bool
	// MaxText is the longest text of one message, in the channel's own
	// units (Telegram counts UTF-16 code units; Viber characters).
	MaxText int
	// MaxButtonData is the longest callback data of one button, in bytes.
	MaxButtonData int
	// FileUpload: charts and files are uploaded with the message. Without
	// it they go as links the service serves (Viber takes files by URL).
	FileUpload bool
	// ListItems is how many items a list screen shows at once on this
	// channel, so a page fits the channel's list form (a Viber carousel);
	// 0: the bot's own page size.
	ListItems int
}
