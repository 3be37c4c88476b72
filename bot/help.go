package bot

import "strings"

// helpCommand lists what the person can do.
func (b *Bot) helpCommand(r *request) error {
	_, err := r.reply(r.helpText(), nil)
	return err
}

// helpText is the list of the person's commands with one line each.
func (r *request) helpText() string {
	names := staffMenu
	if r.staff.IsManager() {
		names = managerMenu
	}
	var sb strings.Builder
	sb.WriteString(r.t("bot.help.title", nil))
	for _, n := range names {
		sb.WriteString("\n/" + n + " — " + r.t("bot.cmd."+n, nil))
	}
	return sb.String()
}
