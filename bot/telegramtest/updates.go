package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// queuedUpdate is an update waiting to be fetched or delivered.
type queuedUpdate struct {
	id  int64
	raw json.RawMessage
}

// Inject queues an update for getUpdates, or, when the bot has set a
// webhook, posts it there (from the calling goroutine, after the update is
// queued; it stays queued when the webhook does not answer 2xx, as with
// Telegram). The server assigns the update id, in increasing order, and
// returns it.
func (s *Server) Inject(u models.Update) int64 {
	s.mu.Lock()
	s.nextUpdate++
	u.ID = s.nextUpdate
	raw, err := json.Marshal(&u)
	if err != nil {
		s.mu.Unlock()
		panic(fmt.Sprintf("telegramtest: marshal update: %v", err))
	}
	s.updates = append(s.updates, queuedUpdate{id: u.ID, raw: raw})
	s.webhook.PendingUpdateCount = len(s.updates)
	s.cursor = len(s.calls)
	s.notifyLocked()
	hookURL, secret := s.webhook.URL, s.secret
	s.mu.Unlock()

	if hookURL != "" {
		s.deliver(hookURL, secret, u.ID, raw)
	}
	return u.ID
}

// deliver posts one queued update to the webhook.
func (s *Server) deliver(hookURL, secret string, id int64, raw json.RawMessage) {
	status, err := post(s.hook, hookURL, secret, raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.webhook.LastErrorDate, s.webhook.LastErrorMessage = int(s.now().Unix()), err.Error()
	case status < 200 || status > 299:
		s.webhook.LastErrorDate = int(s.now().Unix())
		s.webhook.LastErrorMessage = fmt.Sprintf("Wrong response from the webhook: %d %s", status, http.StatusText(status))
	default:
		for i, q := range s.updates {
			if q.id == id {
				s.updates = append(s.updates[:i:i], s.updates[i+1:]...)
				break
			}
		}
		s.webhook.PendingUpdateCount = len(s.updates)
	}
}

func post(client *http.Client, url, secret string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook post: %w", err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// PostWebhook posts an update to a webhook URL as Telegram does, with the
// secret in X-Telegram-Bot-Api-Secret-Token (none when empty), and returns
// the HTTP status. The update is not queued; a zero update id is assigned
// one. Use it to test a webhook endpoint directly, e.g. with a wrong secret.
func (s *Server) PostWebhook(url, secret string, u models.Update) (int, error) {
	s.mu.Lock()
	if u.ID == 0 {
		s.nextUpdate++
		u.ID = s.nextUpdate
	}
	s.cursor = len(s.calls)
	s.mu.Unlock()
	raw, err := json.Marshal(&u)
	if err != nil {
		return 0, fmt.Errorf("marshal update: %w", err)
	}
	return post(s.hook, url, secret, raw)
}

var commandRE = regexp.MustCompile(`^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?`)

// SendText injects a text message from a person in their private chat (chat
// id = user id). A leading /command gets a bot_command entity, as from a
// Telegram client. It returns the update id.
func (s *Server) SendText(from models.User, text string) int64 {
	s.mu.Lock()
	ch := s.chatLocked(from.ID, &from)
	user := from
	m := ch.add(&Message{Text: text, Source: text, Date: s.now(), fromUser: &user})
	msg := ch.model(m)
	s.mu.Unlock()
	if cmd := commandRE.FindString(text); cmd != "" {
		msg.Entities = []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: len(utf16.Encode([]rune(cmd)))}}
	}
	return s.Inject(models.Update{Message: msg})
}

// SendMessage injects a message from a person in their private chat, as
// built by the caller (a sticker, a photo, a voice message: anything but
// plain text, which SendText sends). The server fills in the id, chat,
// sender and date. It returns the update id.
func (s *Server) SendMessage(from models.User, m models.Message) int64 {
	s.mu.Lock()
	ch := s.chatLocked(from.ID, &from)
	user := from
	stored := ch.add(&Message{Text: m.Text + m.Caption, Source: m.Text + m.Caption, Date: s.now(), fromUser: &user})
	s.mu.Unlock()
	m.ID, m.Date, m.Chat, m.From = int(stored.ID), int(stored.Date.Unix()), ch.info, &user
	return s.Inject(models.Update{Message: &m})
}

// Sticker is a sticker message for SendMessage.
func Sticker() models.Message {
	return models.Message{Sticker: &models.Sticker{FileID: "sticker-1", FileUniqueID: "sticker-1", Type: "regular", Width: 512, Height: 512, Emoji: "👍"}}
}

// Photo is a photo message for SendMessage, with caption (none when empty).
func Photo(caption string) models.Message {
	return models.Message{Caption: caption, Photo: []models.PhotoSize{{FileID: "photo-1", FileUniqueID: "photo-1", Width: 640, Height: 480}}}
}

// Voice is a voice message for SendMessage.
func Voice() models.Message {
	return models.Message{Voice: &models.Voice{FileID: "voice-1", FileUniqueID: "voice-1", Duration: 3, MimeType: "audio/ogg"}}
}

// Tap injects a press of an inline button with callback data under the
// bot's message messageID in the person's private chat. The callback query
// carries that message as it looks now; a deleted or unknown message comes as
// an inaccessible message, as Telegram sends for old ones. data is not checked
// against the message's buttons, so tests can forge it. Returns the update id.
func (s *Server) Tap(from models.User, messageID int64, data string) int64 {
	s.mu.Lock()
	ch := s.chatLocked(from.ID, &from)
	var msg models.MaybeInaccessibleMessage
	if m := ch.find(messageID); m != nil {
		msg = models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: ch.model(m)}
	} else {
		msg = models.MaybeInaccessibleMessage{
			Type:                models.MaybeInaccessibleMessageTypeInaccessibleMessage,
			InaccessibleMessage: &models.InaccessibleMessage{Chat: ch.info, MessageID: int(messageID)},
		}
	}
	s.nextQuery++
	id := strconv.FormatInt(9_000_000_000+s.nextQuery, 10)
	s.queries = append(s.queries, id)
	s.mu.Unlock()
	return s.Inject(models.Update{CallbackQuery: &models.CallbackQuery{
		ID:           id,
		From:         from,
		Message:      msg,
		ChatInstance: strconv.FormatInt(from.ID, 10),
		Data:         data,
	}})
}

// Press taps the button labelled text on the newest bot message in the
// person's chat that has one, as a person would; it fails the test when no
// message has such a callback button. Returns the update id.
func (s *Server) Press(t testing.TB, from models.User, text string) int64 {
	t.Helper()
	sent := s.Sent(from.ID)
	for i := len(sent) - 1; i >= 0; i-- {
		if b, ok := sent[i].Button(text); ok && b.CallbackData != "" {
			return s.Tap(from, sent[i].ID, b.CallbackData)
		}
	}
	var buttons []string
	for _, m := range sent {
		buttons = append(buttons, m.Buttons()...)
	}
	t.Fatalf("telegramtest: no button %q in chat %d; buttons there: %q", text, from.ID, buttons)
	return 0
}

// Unanswered lists callback query ids (from Tap and Press) that the bot has
// not answered with answerCallbackQuery. Telegram shows a spinner on the
// button until it is answered.
func (s *Server) Unanswered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range s.queries {
		if !s.answered[id] {
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) answerCallbackQuery(_ context.Context, c *Call) (any, *apiError) {
	id := c.Params["callback_query_id"]
	if len([]rune(c.Params["text"])) > maxAnswerLen {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	known := false
	for _, q := range s.queries {
		known = known || q == id
	}
	if !known || s.answered[id] {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	s.answered[id] = true
	return true, nil
}

// getUpdates answers with queued updates from offset on, waiting up to
// timeout seconds for one. An offset confirms (drops) the updates before it.
// A newer getUpdates ends a waiting one with 409, as when two bot instances
// poll one token.
func (s *Server) getUpdates(ctx context.Context, c *Call) (any, *apiError) {
	offset, limit, timeout := c.Int("offset"), int(c.Int("limit")), c.Int("timeout")
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook.URL != "" {
		return nil, &apiError{Code: http.StatusConflict, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	if s.poll != nil {
		close(s.poll)
	}
	mine := make(chan struct{})
	s.poll = mine
	defer func() {
		if s.poll == mine {
			s.poll = nil
		}
	}()
	if offset > 0 {
		kept := s.updates[:0:0]
		for _, q := range s.updates {
			if q.id >= offset {
				kept = append(kept, q)
			}
		}
		s.updates = kept
	}
	for {
		out := []json.RawMessage{}
		for _, q := range s.updates {
			if q.id >= offset && len(out) < limit {
				out = append(out, q.raw)
			}
		}
		if len(out) > 0 || timeout <= 0 {
			return out, nil
		}
		changed := s.changed
		s.mu.Unlock()
		var stop *apiError
		select {
		case <-changed:
		case <-mine:
			stop = &apiError{Code: http.StatusConflict, Description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		case <-deadline.C:
			timeout = 0
		case <-ctx.Done():
			timeout = 0
		case <-s.closed:
			timeout = 0
		}
		s.mu.Lock()
		if stop != nil {
			return nil, stop
		}
	}
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// setWebhook registers the URL updates are posted to. Unlike Telegram it
// accepts plain http, since test servers are httptest ones.
func (s *Server) setWebhook(_ context.Context, c *Call) (any, *apiError) {
	u := c.Params["url"]
	if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := c.Params["secret_token"]
	if secret != "" && !secretRE.MatchString(secret) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	var allowed []string
	if _, ok := c.Params["allowed_updates"]; ok {
		if err := c.JSON("allowed_updates", &allowed); err != nil {
			return nil, badRequest("can't parse allowed updates")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Params["drop_pending_updates"] == "true" {
		s.updates = nil
	}
	s.webhook = models.WebhookInfo{
		URL:                u,
		PendingUpdateCount: len(s.updates),
		MaxConnections:     int(c.Int("max_connections")),
		AllowedUpdates:     allowed,
	}
	s.secret = secret
	if u == "" {
		s.secret = ""
	}
	if s.poll != nil {
		close(s.poll)
		s.poll = nil
	}
	return true, nil
}

func (s *Server) deleteWebhook(_ context.Context, c *Call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Params["drop_pending_updates"] == "true" {
		s.updates = nil
	}
	s.webhook = models.WebhookInfo{PendingUpdateCount: len(s.updates)}
	s.secret = ""
	return true, nil
}

func (s *Server) getWebhookInfo(_ context.Context, _ *Call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := s.webhook
	info.PendingUpdateCount = len(s.updates)
	return info, nil
}

// WebhookInfo is the webhook the bot registered (empty URL: none).
func (s *Server) WebhookInfo() models.WebhookInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// WebhookSecret is the secret token the bot registered with its webhook.
func (s *Server) WebhookSecret() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.secret
}
