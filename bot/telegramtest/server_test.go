package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

var ann = models.User{ID: 501, FirstName: "Ann", Username: "ann", LanguageCode: "ru"}

const wait = 10 * time.Second

func TestUnknownTokenAndMethod(t *testing.T) {
	t.Parallel()
	s := New(t)
	_, err := tgbot.New("42:wrong", tgbot.WithServerURL(s.URL))
	if !errors.Is(err, tgbot.ErrorUnauthorized) {
		t.Errorf("wrong token: err = %v, want unauthorized", err)
	}
	resp, err := http.Post(s.URL+"/bot"+Token+"/sendSticker", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown method: status %d, want 404", resp.StatusCode)
	}
}

func TestMultipartParamsAndFiles(t *testing.T) {
	t.Parallel()
	s := New(t)
	b := s.NewBot(t)
	ctx := context.Background()
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		{{Text: "Take", CallbackData: "v1|tk|7"}, {Text: "Site", URL: "https://example.org"}},
	}}
	if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: ann.ID, Text: "<b>Bold</b> &amp; plain", ParseMode: models.ParseModeHTML, ReplyMarkup: kb}); err != nil {
		t.Fatalf("send: %v", err)
	}
	c := s.CallsTo("sendMessage")[0]
	if c.ChatID() != ann.ID || c.Params["parse_mode"] != "HTML" || c.Text() != "<b>Bold</b> &amp; plain" {
		t.Errorf("params = %v", c.Params)
	}
	if k := c.Keyboard(); len(k) != 1 || len(k[0]) != 2 || k[0][0].CallbackData != "v1|tk|7" || k[0][1].URL != "https://example.org" {
		t.Errorf("keyboard = %+v", k)
	}
	last, ok := s.LastSent(ann.ID)
	if !ok || last.Text != "Bold & plain" || last.Source != "<b>Bold</b> &amp; plain" {
		t.Errorf("last sent = %+v, want rendered text", last)
	}
	if got := strings.Join(last.Buttons(), ","); got != "Take,Site" {
		t.Errorf("buttons = %s", got)
	}

	img := pngBytes(t, 40, 30)
	msg, err := b.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: ann.ID, Photo: &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(img)}, Caption: "Funnel"})
	if err != nil {
		t.Fatalf("send photo: %v", err)
	}
	if len(msg.Photo) != 1 || msg.Photo[0].Width != 40 || msg.Photo[0].Height != 30 || msg.Caption != "Funnel" {
		t.Errorf("photo message = %+v", msg)
	}
	f := s.CallsTo("sendPhoto")[0].Files["photo"]
	if f.Name != "chart.png" || f.Size != len(img) || !bytes.Equal(f.Bytes, img) {
		t.Errorf("uploaded photo = %s %d bytes, want chart.png %d bytes", f.Name, f.Size, len(img))
	}

	doc := []byte("PK\x03\x04 spreadsheet")
	if _, err := b.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: ann.ID, Document: &models.InputFileUpload{Filename: "report.xlsx", Data: bytes.NewReader(doc)}}); err != nil {
		t.Fatalf("send document: %v", err)
	}
	last, _ = s.LastSent(ann.ID)
	if last.Document == nil || last.Document.Name != "report.xlsx" || !bytes.Equal(last.Document.Bytes, doc) {
		t.Errorf("last sent = %+v, want the document", last)
	}
	if n := len(s.Sent(ann.ID)); n != 3 {
		t.Errorf("sent %d messages, want 3", n)
	}

	if _, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "tasks", Description: "Мои задачи"}}, LanguageCode: "ru"}); err != nil {
		t.Fatalf("set commands: %v", err)
	}
	if cmds := s.Commands("ru"); len(cmds) != 1 || cmds[0].Description != "Мои задачи" {
		t.Errorf("ru commands = %+v", cmds)
	}
	if cmds := s.Commands(""); len(cmds) != 0 {
		t.Errorf("default commands = %+v, want none", cmds)
	}
	if _, err := b.SendChatAction(ctx, &tgbot.SendChatActionParams{ChatID: ann.ID, Action: models.ChatActionTyping}); err != nil {
		t.Errorf("chat action: %v", err)
	}
}

func TestEdits(t *testing.T) {
	t.Parallel()
	s := New(t)
	b := s.NewBot(t)
	ctx := context.Background()
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Next", CallbackData: "v1|p|2"}}}}
	msg, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: ann.ID, Text: "Page 1", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	edit := func(id int, text string, markup models.ReplyMarkup) error {
		_, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: ann.ID, MessageID: id, Text: text, ReplyMarkup: markup})
		return err
	}
	if err := edit(msg.ID, "Page 1", kb); !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("identical edit: err = %v, want not modified", err)
	}
	if err := edit(msg.ID+100, "Page 2", kb); !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "message to edit not found") {
		t.Errorf("unknown message: err = %v, want not found", err)
	}
	// Same text without reply_markup removes the keyboard: a change.
	if err := edit(msg.ID, "Page 1", nil); err != nil {
		t.Fatalf("edit removing keyboard: %v", err)
	}
	last, _ := s.LastSent(ann.ID)
	if last.ID != int64(msg.ID) || last.Keyboard != nil || last.Edits != 1 {
		t.Errorf("after edit = %+v, want same message, no keyboard, 1 edit", last)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: ann.ID, MessageID: msg.ID, ReplyMarkup: kb}); err != nil {
		t.Fatalf("edit markup: %v", err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: ann.ID, MessageID: msg.ID, ReplyMarkup: kb}); err == nil || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("identical markup edit: err = %v, want not modified", err)
	}
	if last, _ = s.LastSent(ann.ID); len(last.Keyboard) != 1 || last.Edits != 2 {
		t.Errorf("after markup edit = %+v", last)
	}
	// The person's own messages cannot be edited by the bot.
	s.SendText(ann, "hi")
	if err := edit(msg.ID+1, "changed", nil); err == nil || !strings.Contains(err.Error(), "message can't be edited") {
		t.Errorf("edit of a user message: err = %v", err)
	}
}

func TestErrorsThroughClient(t *testing.T) {
	t.Parallel()
	s := New(t)
	b := s.NewBot(t)
	ctx := context.Background()
	send := func(chat int64) error {
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "hi"})
		return err
	}

	s.FailNext("sendMessage", 777, http.StatusTooManyRequests, 7)
	if err := send(778); err != nil {
		t.Errorf("other chat: %v", err)
	}
	err := send(777)
	var tooMany *tgbot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
		t.Errorf("FailNext 429: err = %v, want TooManyRequestsError retry 7", err)
	}
	if err := send(777); err != nil {
		t.Errorf("after the one-shot fault: %v", err)
	}

	s.Block(777)
	if err := send(777); !errors.Is(err, tgbot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Errorf("blocked: err = %v, want forbidden", err)
	}
	s.Unblock(777)
	if err := send(777); err != nil {
		t.Errorf("unblocked: %v", err)
	}

	s.Throttle(0, 30)
	if err := send(779); !errors.As(err, &tooMany) || tooMany.RetryAfter < 1 || tooMany.RetryAfter > 30 {
		t.Errorf("throttled: err = %v, want 429 with retry_after in 1..30", err)
	}
	if _, err := b.GetMe(ctx); err != nil {
		t.Errorf("throttling only limits messages, getMe: %v", err)
	}
	s.Throttle(0, 0)
	if err := send(779); err != nil {
		t.Errorf("throttle lifted: %v", err)
	}

	fails := s.CallsTo("sendMessage")
	if fails[1].Code != 429 || fails[1].RetryAfter != 7 || fails[1].OK() {
		t.Errorf("recorded 429 call = %+v", fails[1])
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	s := New(t)
	b := s.NewBot(t)
	ctx := context.Background()
	button := func(bt models.InlineKeyboardButton) models.ReplyMarkup {
		return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{bt}}}
	}
	tests := []struct {
		name string
		p    tgbot.SendMessageParams
		want string // "" for success
	}{
		{"4096 Cyrillic characters", tgbot.SendMessageParams{Text: strings.Repeat("ж", 4096)}, ""},
		{"4097 characters", tgbot.SendMessageParams{Text: strings.Repeat("ж", 4097)}, "message is too long"},
		{"emoji count two UTF-16 units", tgbot.SendMessageParams{Text: strings.Repeat("😀", 2049)}, "message is too long"},
		{"HTML counted after parsing", tgbot.SendMessageParams{Text: "<b>" + strings.Repeat("a", 4096) + "</b>", ParseMode: models.ParseModeHTML}, ""},
		{"empty text", tgbot.SendMessageParams{Text: " \n"}, "message text is empty"},
		{"unescaped <", tgbot.SendMessageParams{Text: "Ann <VIP> Smith", ParseMode: models.ParseModeHTML}, "can't parse entities"},
		{"< fine without parse mode", tgbot.SendMessageParams{Text: "Ann <VIP> Smith"}, ""},
		{"callback data over 64 bytes", tgbot.SendMessageParams{Text: "x", ReplyMarkup: button(models.InlineKeyboardButton{Text: "b", CallbackData: strings.Repeat("d", 65)})}, "BUTTON_DATA_INVALID"},
		{"tel: button", tgbot.SendMessageParams{Text: "x", ReplyMarkup: button(models.InlineKeyboardButton{Text: "Call", URL: "tel:+380501234567"})}, "BUTTON_URL_INVALID"},
		{"button without action", tgbot.SendMessageParams{Text: "x", ReplyMarkup: button(models.InlineKeyboardButton{Text: "b"})}, "Text buttons are unallowed"},
	}
	for _, tt := range tests {
		tt.p.ChatID = ann.ID
		_, err := b.SendMessage(ctx, &tt.p)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (!errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want bad request %q", tt.name, err, tt.want)
		}
	}

	_, err := b.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: ann.ID, Photo: &models.InputFileUpload{Filename: "x.png", Data: strings.NewReader("not an image")}})
	if err == nil || !strings.Contains(err.Error(), "IMAGE_PROCESS_FAILED") {
		t.Errorf("non-image photo: err = %v", err)
	}
	_, err = b.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: ann.ID, Photo: &models.InputFileUpload{Filename: "x.png", Data: bytes.NewReader(pngBytes(t, 2, 2))}, Caption: strings.Repeat("c", 1025)})
	if err == nil || !strings.Contains(err.Error(), "caption is too long") {
		t.Errorf("long caption: err = %v", err)
	}
	_, err = b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Tasks", Description: "x"}}})
	if err == nil || !strings.Contains(err.Error(), "BOT_COMMAND_INVALID") {
		t.Errorf("upper-case command: err = %v", err)
	}
	_, err = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: "forged"})
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		t.Errorf("unknown callback query: err = %v", err)
	}
	if n := len(s.Sent(ann.ID)); n != 3 {
		t.Errorf("%d messages stored, want the 3 valid ones", n)
	}
}

func TestConcurrentSends(t *testing.T) {
	t.Parallel()
	s := New(t)
	b := s.NewBot(t)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			chat := int64(600 + i%4)
			if _, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: chat, Text: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Go(func() { s.SendText(models.User{ID: 600}, "hi") })
	wg.Wait()
	for chat := int64(600); chat < 604; chat++ {
		sent := s.Sent(chat)
		if len(sent) != 10 {
			t.Errorf("chat %d: %d messages, want 10", chat, len(sent))
		}
		for i := 1; i < len(sent); i++ {
			if sent[i].ID <= sent[i-1].ID {
				t.Errorf("chat %d: ids not increasing: %d after %d", chat, sent[i].ID, sent[i-1].ID)
			}
		}
	}
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jsonDecode(resp *http.Response, v any) error {
	return json.NewDecoder(resp.Body).Decode(v)
}
