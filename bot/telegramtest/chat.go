package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // photo dimensions, as Telegram reads them
	_ "image/png"
	"mime"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// Telegram's size limits, counted in UTF-16 code units after entity parsing.
const (
	maxTextLen     = 4096
	maxCaptionLen  = 1024
	maxCallbackLen = 64 // bytes
	maxAnswerLen   = 200
)

// Message is a message in a chat as the person sees it now: edits applied,
// HTML rendered to plain text, deleted messages gone.
type Message struct {
	ID        int64
	ChatID    int64
	Text      string // text, or caption of a photo or document, as displayed
	Source    string // text as sent, HTML tags included
	ParseMode string
	Keyboard  [][]models.InlineKeyboardButton // nil when none
	Photo     *File
	Document  *File
	Edits     int
	Date      time.Time

	fromUser *models.User // set for messages the person wrote
	deleted  bool
}

// Buttons lists the inline button texts, row by row.
func (m Message) Buttons() []string {
	var out []string
	for _, row := range m.Keyboard {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

// Button finds an inline button by its text.
func (m Message) Button(text string) (models.InlineKeyboardButton, bool) {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Text == text {
				return b, true
			}
		}
	}
	return models.InlineKeyboardButton{}, false
}

// chat is one chat's history. Message ids are shared between the person and
// the bot and grow by one, as in a private chat.
type chat struct {
	bot    *models.User // the bot, the author of its own messages
	info   models.Chat
	nextID int64
	msgs   []*Message
}

// chatLocked returns the chat, creating it; user fills in a private chat's
// name when known.
func (s *Server) chatLocked(id int64, user *models.User) *chat {
	ch, ok := s.chats[id]
	if !ok {
		ch = &chat{info: models.Chat{ID: id, Type: models.ChatTypePrivate},
			bot: &models.User{ID: s.botID(), IsBot: true, FirstName: "ClubCRM Test", Username: s.Username()}}
		switch {
		case id < -1_000_000_000_000:
			ch.info.Type, ch.info.Title = models.ChatTypeSupergroup, "Test group"
		case id < 0:
			ch.info.Type, ch.info.Title = models.ChatTypeGroup, "Test group"
		}
		s.chats[id] = ch
	}
	if user != nil && ch.info.Type == models.ChatTypePrivate {
		ch.info.FirstName, ch.info.LastName, ch.info.Username = user.FirstName, user.LastName, user.Username
	}
	return ch
}

func (ch *chat) add(m *Message) *Message {
	ch.nextID++
	m.ID, m.ChatID = ch.nextID, ch.info.ID
	ch.msgs = append(ch.msgs, m)
	return m
}

func (ch *chat) find(id int64) *Message {
	for _, m := range ch.msgs {
		if m.ID == id && !m.deleted {
			return m
		}
	}
	return nil
}

// model renders a stored message as the Bot API returns it.
func (ch *chat) model(m *Message) *models.Message {
	out := &models.Message{
		ID:   int(m.ID),
		Date: int(m.Date.Unix()),
		Chat: ch.info,
	}
	if m.fromUser != nil {
		out.From = m.fromUser
	} else {
		out.From = ch.bot
	}
	if m.Edits > 0 {
		out.EditDate = int(m.Date.Unix())
	}
	switch {
	case m.Photo != nil:
		out.Caption = m.Text
		cfg, _, _ := image.DecodeConfig(bytes.NewReader(m.Photo.Bytes))
		id := fmt.Sprintf("photo-%d-%d", m.ChatID, m.ID)
		out.Photo = []models.PhotoSize{{FileID: id, FileUniqueID: id, Width: cfg.Width, Height: cfg.Height, FileSize: m.Photo.Size}}
	case m.Document != nil:
		out.Caption = m.Text
		id := fmt.Sprintf("doc-%d-%d", m.ChatID, m.ID)
		out.Document = &models.Document{FileID: id, FileUniqueID: id, FileName: m.Document.Name,
			MimeType: mime.TypeByExtension(path.Ext(m.Document.Name)), FileSize: int64(m.Document.Size)}
	default:
		out.Text = m.Text
	}
	if m.Keyboard != nil {
		out.ReplyMarkup = &models.InlineKeyboardMarkup{InlineKeyboard: m.Keyboard}
	}
	return out
}

// Sent returns the bot's messages in a chat as they look now, oldest first.
func (s *Server) Sent(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.chats[chatID]
	if !ok {
		return nil
	}
	var out []Message
	for _, m := range ch.msgs {
		if m.fromUser == nil && !m.deleted {
			out = append(out, *m)
		}
	}
	return out
}

// LastSent returns the bot's newest message in a chat; ok is false when
// there is none.
func (s *Server) LastSent(chatID int64) (m Message, ok bool) {
	sent := s.Sent(chatID)
	if len(sent) == 0 {
		return Message{}, false
	}
	return sent[len(sent)-1], true
}

func requireChat(c *Call) (int64, *apiError) {
	raw := c.Params["chat_id"]
	if raw == "" {
		return 0, badRequest("chat_id is empty")
	}
	id := c.ChatID()
	if id == 0 {
		return 0, badRequest("chat not found")
	}
	return id, nil
}

// content validates text (or a caption) and reply_markup the way Telegram
// does and fills in the displayed form.
func content(c *Call, field string, limit int, m *Message) *apiError {
	m.Source = c.Params[field]
	m.ParseMode = c.Params["parse_mode"]
	m.Text = m.Source
	switch strings.ToLower(m.ParseMode) {
	case "":
	case "html":
		text, err := renderHTML(m.Source)
		if err != nil {
			return badRequest("can't parse entities: %v", err)
		}
		m.Text = text
	case "markdown", "markdownv2":
		// Kept as sent: the project writes HTML.
	default:
		return badRequest("unsupported parse_mode")
	}
	if n := len(utf16.Encode([]rune(m.Text))); n > limit {
		if field == "caption" {
			return badRequest("message caption is too long")
		}
		return badRequest("message is too long")
	}
	if field == "text" && strings.TrimSpace(m.Text) == "" {
		return badRequest("message text is empty")
	}
	kb, e := keyboard(c)
	m.Keyboard = kb
	return e
}

// keyboard validates an inline keyboard in reply_markup. Other markups
// (reply keyboards, force reply) are accepted and not kept.
func keyboard(c *Call) ([][]models.InlineKeyboardButton, *apiError) {
	raw, ok := c.Params["reply_markup"]
	if !ok {
		return nil, nil
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &probe) != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	if _, inline := probe["inline_keyboard"]; !inline {
		return nil, nil
	}
	var m models.InlineKeyboardMarkup
	if json.Unmarshal([]byte(raw), &m) != nil {
		return nil, badRequest("can't parse inline keyboard markup JSON object")
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			switch {
			case strings.TrimSpace(b.Text) == "":
				return nil, badRequest("BUTTON_TEXT_INVALID")
			case b.CallbackData != "" && len(b.CallbackData) > maxCallbackLen:
				return nil, badRequest("BUTTON_DATA_INVALID")
			case b.URL != "":
				u, err := url.Parse(b.URL)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "tg") {
					return nil, badRequest("BUTTON_URL_INVALID")
				}
			case b.CallbackData == "" && b.SwitchInlineQuery == nil && b.SwitchInlineQueryCurrentChat == nil &&
				b.CopyText == nil && b.WebApp == nil && b.LoginURL == nil && !b.Pay:
				return nil, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
		}
	}
	if m.InlineKeyboard == nil {
		m.InlineKeyboard = [][]models.InlineKeyboardButton{}
	}
	return m.InlineKeyboard, nil
}

func (s *Server) sendMessage(_ context.Context, c *Call) (any, *apiError) {
	chatID, e := requireChat(c)
	if e != nil {
		return nil, e
	}
	m := &Message{}
	if e := content(c, "text", maxTextLen, m); e != nil {
		return nil, e
	}
	return s.store(chatID, m), nil
}

func (s *Server) sendPhoto(_ context.Context, c *Call) (any, *apiError) {
	return s.sendFile(c, "photo")
}

func (s *Server) sendDocument(_ context.Context, c *Call) (any, *apiError) {
	return s.sendFile(c, "document")
}

// sendFile handles sendPhoto and sendDocument: an uploaded file, or a file_id
// or URL string, with an optional caption.
func (s *Server) sendFile(c *Call, field string) (any, *apiError) {
	chatID, e := requireChat(c)
	if e != nil {
		return nil, e
	}
	m := &Message{}
	if e := content(c, "caption", maxCaptionLen, m); e != nil {
		return nil, e
	}
	f, uploaded := c.Files[field]
	switch {
	case uploaded && f.Size == 0:
		return nil, badRequest("file must be non-empty")
	case uploaded && field == "photo":
		if _, _, err := image.DecodeConfig(bytes.NewReader(f.Bytes)); err != nil {
			return nil, badRequest("IMAGE_PROCESS_FAILED")
		}
	case !uploaded && c.Params[field] == "":
		return nil, badRequest("there is no %s in the request", field)
	case !uploaded:
		f = File{Name: c.Params[field]}
	}
	if field == "photo" {
		m.Photo = &f
	} else {
		m.Document = &f
	}
	return s.store(chatID, m), nil
}

// store adds a bot message to a chat and returns it as the API does.
func (s *Server) store(chatID int64, m *Message) *models.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chatLocked(chatID, nil)
	m.Date = s.now()
	return ch.model(ch.add(m))
}

// editableLocked finds the bot message an edit names.
func (s *Server) editableLocked(c *Call) (*chat, *Message, *apiError) {
	if c.Params["inline_message_id"] != "" {
		return nil, nil, badRequest("MESSAGE_ID_INVALID")
	}
	chatID, e := requireChat(c)
	if e != nil {
		return nil, nil, e
	}
	ch, ok := s.chats[chatID]
	if !ok {
		return nil, nil, badRequest("message to edit not found")
	}
	m := ch.find(c.Int("message_id"))
	if m == nil {
		return nil, nil, badRequest("message to edit not found")
	}
	if m.fromUser != nil {
		return nil, nil, badRequest("message can't be edited")
	}
	return ch, m, nil
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

func (s *Server) editMessageText(_ context.Context, c *Call) (any, *apiError) {
	next := &Message{}
	if e := content(c, "text", maxTextLen, next); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, m, e := s.editableLocked(c)
	if e != nil {
		return nil, e
	}
	if m.Photo != nil || m.Document != nil {
		return nil, badRequest("there is no text in the message to edit")
	}
	// Without reply_markup Telegram removes the keyboard.
	if next.Source == m.Source && next.ParseMode == m.ParseMode && sameKeyboard(next.Keyboard, m.Keyboard) {
		return nil, badRequest(notModified)
	}
	m.Text, m.Source, m.ParseMode, m.Keyboard = next.Text, next.Source, next.ParseMode, next.Keyboard
	m.Edits++
	return ch.model(m), nil
}

func (s *Server) editMessageReplyMarkup(_ context.Context, c *Call) (any, *apiError) {
	kb, e := keyboard(c)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, m, e := s.editableLocked(c)
	if e != nil {
		return nil, e
	}
	if sameKeyboard(kb, m.Keyboard) {
		return nil, badRequest(notModified)
	}
	m.Keyboard = kb
	m.Edits++
	return ch.model(m), nil
}

func sameKeyboard(a, b [][]models.InlineKeyboardButton) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func (s *Server) deleteMessage(_ context.Context, c *Call) (any, *apiError) {
	chatID, e := requireChat(c)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.chats[chatID]
	var m *Message
	if ok {
		m = ch.find(c.Int("message_id"))
	}
	if m == nil {
		return nil, badRequest("message to delete not found")
	}
	m.deleted = true
	return true, nil
}
