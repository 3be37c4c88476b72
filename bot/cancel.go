package bot

// cancelCommand abandons the form the person is filling in, if any.
func (b *Bot) cancelCommand(r *request) error {
	_, ok, err := r.conversation()
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
	return err
}
