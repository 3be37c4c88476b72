package telegramtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// pollingBot starts a real go-telegram client in polling mode and returns
// the updates its handler receives.
func pollingBot(t *testing.T, s *Server) (*tgbot.Bot, <-chan *models.Update) {
	t.Helper()
	got := make(chan *models.Update, 100)
	b := s.NewBot(t,
		tgbot.WithDefaultHandler(func(_ context.Context, _ *tgbot.Bot, u *models.Update) { got <- u }),
		tgbot.WithErrorsHandler(func(error) {}),
	)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Start(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return b, got
}

func next(t *testing.T, got <-chan *models.Update) *models.Update {
	t.Helper()
	select {
	case u := <-got:
		return u
	case <-time.After(wait):
		t.Fatal("no update reached the bot")
		return nil
	}
}

func TestPollingReceivesTextAndTap(t *testing.T) {
	t.Parallel()
	s := New(t)
	b, got := pollingBot(t, s)
	ctx := context.Background()

	id := s.SendText(ann, "/tasks today")
	u := next(t, got)
	if u.ID != id || u.Message == nil {
		t.Fatalf("update = %+v, want message update %d", u, id)
	}
	m := u.Message
	if m.Text != "/tasks today" || m.From.ID != ann.ID || m.Chat.ID != ann.ID || m.Chat.Type != models.ChatTypePrivate || m.From.LanguageCode != "ru" {
		t.Errorf("message = %+v", m)
	}
	if len(m.Entities) != 1 || m.Entities[0].Type != models.MessageEntityTypeBotCommand || m.Entities[0].Length != len("/tasks") {
		t.Errorf("entities = %+v, want one bot_command of 6", m.Entities)
	}

	sent, err := b.SendMessage(ctx, &tgbot.SendMessageParams{
		ChatID:      ann.ID,
		Text:        "Task 5",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Take", CallbackData: "v1|tk|5"}}}},
	})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if sent.ID != int(m.ID)+1 {
		t.Errorf("bot message id = %d, want %d (ids shared in the chat)", sent.ID, m.ID+1)
	}

	s.Press(t, ann, "Take")
	u = next(t, got)
	q := u.CallbackQuery
	if q == nil || q.Data != "v1|tk|5" || q.From.ID != ann.ID {
		t.Fatalf("update = %+v, want the tap", u)
	}
	if q.Message.Message == nil || q.Message.Message.ID != sent.ID || q.Message.Message.Text != "Task 5" ||
		q.Message.Message.ReplyMarkup == nil || q.Message.Message.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "v1|tk|5" {
		t.Errorf("tap message = %+v, want the bot's message with its keyboard", q.Message.Message)
	}
	if un := s.Unanswered(); len(un) != 1 || un[0] != q.ID {
		t.Errorf("unanswered = %v, want [%s]", un, q.ID)
	}
	if _, err := b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: "Taken"}); err != nil {
		t.Fatalf("answer: %v", err)
	}
	if un := s.Unanswered(); len(un) != 0 {
		t.Errorf("unanswered after answer = %v", un)
	}
	_, err = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: q.ID})
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		t.Errorf("second answer: err = %v, want bad request", err)
	}

	// A tap on a deleted message arrives as an inaccessible message.
	if _, err := b.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: ann.ID, MessageID: sent.ID}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	s.Tap(ann, int64(sent.ID), "v1|tk|5")
	u = next(t, got)
	if im := u.CallbackQuery.Message; im.Type != models.MaybeInaccessibleMessageTypeInaccessibleMessage || im.InaccessibleMessage.MessageID != sent.ID {
		t.Errorf("tap on deleted message = %+v, want inaccessible %d", im, sent.ID)
	}
}

func TestGetUpdatesOffsetsAndBodies(t *testing.T) {
	t.Parallel()
	s := New(t)
	ids := []int64{s.SendText(ann, "one"), s.SendText(ann, "two"), s.SendText(ann, "three")}
	base := s.URL + "/bot" + Token + "/getUpdates"

	count := func(resp *http.Response, err error) int {
		t.Helper()
		if err != nil {
			t.Fatalf("getUpdates: %v", err)
		}
		defer resp.Body.Close()
		var body struct {
			OK     bool            `json:"ok"`
			Result []models.Update `json:"result"`
		}
		if err := jsonDecode(resp, &body); err != nil || !body.OK {
			t.Fatalf("getUpdates answer: ok=%v err=%v", body.OK, err)
		}
		return len(body.Result)
	}
	if n := count(http.PostForm(base, url.Values{"offset": {"0"}})); n != 3 {
		t.Errorf("form, offset 0: %d updates, want 3", n)
	}
	if n := count(http.Post(base, "application/json", strings.NewReader(fmt.Sprintf(`{"offset":%d,"limit":1}`, ids[1])))); n != 1 {
		t.Errorf("JSON, offset %d limit 1: %d updates, want 1", ids[1], n)
	}
	// The offset confirmed the first update: it is gone for good.
	if n := count(http.Get(base)); n != 2 {
		t.Errorf("query, no offset: %d updates, want 2", n)
	}
	if n := count(http.PostForm(base, url.Values{"offset": {fmt.Sprint(ids[2] + 1)}})); n != 0 {
		t.Errorf("offset past the last: %d updates, want 0", n)
	}
}

func TestLongPollWakesOnInject(t *testing.T) {
	t.Parallel()
	s := New(t)
	res := make(chan error, 1)
	go func() {
		resp, err := http.PostForm(s.URL+"/bot"+Token+"/getUpdates", url.Values{"timeout": {"30"}})
		if err != nil {
			res <- err
			return
		}
		defer resp.Body.Close()
		var body struct {
			Result []models.Update `json:"result"`
		}
		if err := jsonDecode(resp, &body); err != nil {
			res <- err
			return
		}
		if len(body.Result) != 1 {
			res <- fmt.Errorf("%d updates, want 1", len(body.Result))
			return
		}
		res <- nil
	}()
	s.SendText(ann, "hello")
	select {
	case err := <-res:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("long poll did not return the injected update")
	}
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	s := New(t)
	const secret = "s3cret_token-1"
	got := make(chan *models.Update, 10)
	b := s.NewBot(t,
		tgbot.WithWebhookSecretToken(secret),
		tgbot.WithDefaultHandler(func(_ context.Context, _ *tgbot.Bot, u *models.Update) { got <- u }),
		tgbot.WithErrorsHandler(func(error) {}),
	)
	hook := httptest.NewServer(b.WebhookHandler())
	t.Cleanup(hook.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.StartWebhook(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	if _, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: hook.URL, SecretToken: "bad secret!"}); err == nil {
		t.Error("secret with a space and '!' accepted")
	}
	if _, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: hook.URL, SecretToken: secret}); err != nil {
		t.Fatalf("set webhook: %v", err)
	}
	info, err := b.GetWebhookInfo(ctx)
	if err != nil || info.URL != hook.URL {
		t.Fatalf("webhook info = %+v, %v", info, err)
	}
	// Polling while a webhook is set is a conflict, as with Telegram.
	resp, err := http.PostForm(s.URL+"/bot"+Token+"/getUpdates", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("getUpdates with webhook: status %d, want 409", resp.StatusCode)
	}

	s.SendText(ann, "/help")
	if u := next(t, got); u.Message == nil || u.Message.Text != "/help" {
		t.Errorf("webhook update = %+v", u)
	}
	if info, _ := b.GetWebhookInfo(ctx); info.PendingUpdateCount != 0 {
		t.Errorf("pending after delivery = %d, want 0", info.PendingUpdateCount)
	}

	// PostWebhook sends the secret header; a handler that checks it can refuse.
	var header string
	var mu sync.Mutex
	strict := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		header = r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		mu.Unlock()
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != secret {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(strict.Close)
	if code, err := s.PostWebhook(strict.URL, "wrong", models.Update{Message: &models.Message{Text: "x"}}); err != nil || code != http.StatusUnauthorized {
		t.Errorf("wrong secret: code %d err %v, want 401", code, err)
	}
	if code, _ := s.PostWebhook(strict.URL, secret, models.Update{}); code != http.StatusOK {
		t.Errorf("right secret: code %d, want 200", code)
	}
	mu.Lock()
	if header != secret {
		t.Errorf("secret header = %q", header)
	}
	mu.Unlock()

	// A webhook that refuses keeps the update pending with the error shown.
	if _, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: strict.URL, SecretToken: "other"}); err != nil {
		t.Fatal(err)
	}
	s.SendText(ann, "lost?")
	info, _ = b.GetWebhookInfo(ctx)
	if info.PendingUpdateCount != 1 || !strings.Contains(info.LastErrorMessage, "401") {
		t.Errorf("after refused delivery: %+v", info)
	}
	if _, err := b.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		t.Fatal(err)
	}
	if info, _ := b.GetWebhookInfo(ctx); info.URL != "" || info.PendingUpdateCount != 1 {
		t.Errorf("after deleteWebhook: %+v, want no URL and the update still pending", info)
	}
}

func TestWaitForScopesToLastUpdate(t *testing.T) {
	t.Parallel()
	s := New(t)
	b := s.NewBot(t)
	ctx := context.Background()
	isSend := func(c Call) bool { return c.Method == "sendMessage" }
	if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: ann.ID, Text: "before"}); err != nil {
		t.Fatal(err)
	}
	if c := s.WaitFor(t, isSend, wait); c.Text() != "before" {
		t.Errorf("before any update: got %q", c.Text())
	}
	s.SendText(ann, "/tasks")
	go func() { _, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: ann.ID, Text: "after"}) }()
	if c := s.WaitFor(t, isSend, wait); c.Text() != "after" {
		t.Errorf("after the update: got %q, want the reply, not the older message", c.Text())
	}

	ft := &fatalT{TB: t}
	s.WaitFor(ft, func(c Call) bool { return c.Method == "sendPhoto" }, 50*time.Millisecond)
	if !strings.Contains(ft.msg, "no matching call") || !strings.Contains(ft.msg, `text="after"`) {
		t.Errorf("timeout report = %q, want a dump of recent calls", ft.msg)
	}
}

// fatalT records Fatalf instead of stopping the test.
type fatalT struct {
	testing.TB
	msg string
}

func (f *fatalT) Helper() {}
func (f *fatalT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
}
