package bot

// cancelCommand abandons the form the person is filling in, if any, and
// takes the buttons off its screen.
func (b *Bot) cancelCommand(r *request) error {
	c, ok, err := r.conversation()
	if err != nil {
		return err
	}
	if !ok {
		_, err := r.reply(r.t("bot.cancel.nothing", nil), nil)
		return err
	}
	if err := r.endConversation(); err != nil {
		return err
	}
	_, err = r.reply(r.t("bot.cancel.done", nil), nil)
	// The form's screen offers nothing to tap any more.
	r.dropButtons(c.MessageID)
	return err
}
