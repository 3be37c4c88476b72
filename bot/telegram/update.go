package telegram

import (
	"strconv"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/domain/chat"
)

// Update translates a Telegram update received by bot into the neutral
// chat.Update. Only messages and callback queries are translated (the bot
// asks Telegram for nothing else); anything else is false.
func Update(bot int64, upd *models.Update) (chat.Update, bool) {
	u := chat.Update{ID: strconv.FormatInt(upd.ID, 10)}
	switch {
	case upd.Message != nil:
		m := upd.Message
		if m.From == nil {
			return chat.Update{}, false // a channel post: nobody to answer
		}
		u.From = user(m.From)
		u.Chat = chat.TelegramAddress(bot, m.Chat.ID)
		u.Private = m.Chat.Type == models.ChatTypePrivate
		if m.Date != 0 {
			u.Date = time.Unix(int64(m.Date), 0)
		}
		text := m.Text
		if text == "" {
			text = m.Caption
		}
		u.Message = &chat.Incoming{ID: int64(m.ID), Text: text, Media: m.Text == "" && hasMedia(m)}
	case upd.CallbackQuery != nil:
		q := upd.CallbackQuery
		u.From = user(&q.From)
		tap := &chat.Tap{ID: q.ID, Data: q.Data}
		chatID := q.From.ID // a private chat's id is the user's
		u.Private = true
		if m := q.Message.Message; m != nil {
			chatID, tap.MessageID = m.Chat.ID, int64(m.ID)
			u.Private = m.Chat.Type == models.ChatTypePrivate
		} else if m := q.Message.InaccessibleMessage; m != nil {
			chatID, tap.MessageID = m.Chat.ID, int64(m.MessageID)
			u.Private = m.Chat.ID == q.From.ID
		}
		u.Chat = chat.TelegramAddress(bot, chatID)
		u.Tap = tap
	default:
		return chat.Update{}, false
	}
	return u, true
}

func user(f *models.User) chat.User {
	name := f.FirstName
	if f.LastName != "" {
		name += " " + f.LastName
	}
	return chat.User{
		ID: strconv.FormatInt(f.ID, 10), Name: name, Username: f.Username,
		FirstName: f.FirstName, LastName: f.LastName, Language: f.LanguageCode, IsBot: f.IsBot,
	}
}

// hasMedia reports whether a message carries something other than text.
func hasMedia(m *models.Message) bool {
	return m.Sticker != nil || len(m.Photo) > 0 || m.Voice != nil || m.Audio != nil || m.Video != nil ||
		m.VideoNote != nil || m.Document != nil || m.Animation != nil || m.Location != nil ||
		m.Contact != nil || m.Venue != nil || m.Poll != nil || m.Dice != nil
}
