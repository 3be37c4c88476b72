package telegramtest

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// A slow answer: the message is in the chat (and its buttons can be
// tapped) while the bot still waits for the answer to sendMessage.
func TestSlowAnswerTakesEffectFirst(t *testing.T) {
	t.Parallel()
	s := New(t)
	b := s.NewBot(t)
	s.SetDelay("sendMessage", time.Hour) // the answer never comes within the test
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: ann.ID, Text: "Pick one",
			ReplyMarkup: models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}}}})
		done <- err
	}()
	s.WaitFor(t, func(c Call) bool { return c.Method == "sendMessage" }, wait)
	if m, ok := s.LastSent(ann.ID); !ok || m.Text != "Pick one" || len(m.Buttons()) != 1 {
		t.Fatalf("the message should be in the chat before the answer: %+v", m)
	}
	select {
	case err := <-done:
		t.Fatalf("answered before the delay: %v", err)
	default:
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled call should fail")
	}
	// getUpdates keeps its own timing under a delay of every method.
	s.SetDelay("sendMessage", 0)
	s.SetDelay("", time.Hour)
	if d := s.delay("getUpdates"); d != 0 {
		t.Fatalf("getUpdates delayed by %s", d)
	}
	if d := s.delay("editMessageText"); d != time.Hour {
		t.Fatalf("editMessageText delayed by %s, want 1h", d)
	}
}

// Messages other than text reach the bot as Telegram sends them: a sticker,
// a photo without caption, a voice message, each with no text.
func TestSendMessageKinds(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.SendMessage(ann, Sticker())
	s.SendMessage(ann, Photo(""))
	s.SendMessage(ann, Voice())
	resp, err := http.Get(s.URL + "/bot" + Token + "/getUpdates")
	if err != nil {
		t.Fatalf("getUpdates: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Result []models.Update `json:"result"`
	}
	if err := jsonDecode(resp, &body); err != nil || len(body.Result) != 3 {
		t.Fatalf("getUpdates: %d updates, %v", len(body.Result), err)
	}
	for i, u := range body.Result {
		m := u.Message
		if m == nil || m.Text != "" || m.Caption != "" || m.From == nil || m.From.ID != ann.ID || m.Chat.ID != ann.ID || m.ID == 0 {
			t.Fatalf("update %d: %+v", i, m)
		}
	}
	if m := body.Result[0].Message; m.Sticker == nil {
		t.Error("the sticker has no sticker")
	}
	if m := body.Result[1].Message; len(m.Photo) == 0 {
		t.Error("the photo has no photo")
	}
	if m := body.Result[2].Message; m.Voice == nil {
		t.Error("the voice message has no voice")
	}
}

// A slow upload: the request's headers arrive at once, its body (a photo)
// a while later. Telegram can only act on a whole request, so the call is
// counted (its Time, the flood limits) when the body is in, not when the
// headers came.
func TestSlowUploadCountsWhenTheBodyIsIn(t *testing.T) {
	t.Parallel()
	s := New(t)
	body := &LateBody{Free: 8 << 10, Hold: 300 * time.Millisecond}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	b := s.NewBot(t, tgbot.WithHTTPClient(time.Minute, &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "/sendPhoto") {
			r = r.Clone(r.Context())
			body.Body = r.Body
			r.Body = body
		}
		return transport.RoundTrip(r)
	})}))
	// 32 KB past the first 8 KB, which go out with the headers; a decoder
	// reads the picture and ignores what follows it.
	photo := append(pngBytes(t, 4, 4), make([]byte, 32<<10)...)
	if _, err := b.SendPhoto(context.Background(), &tgbot.SendPhotoParams{ChatID: ann.ID,
		Photo: &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(photo)}}); err != nil {
		t.Fatalf("send photo: %v", err)
	}
	calls := s.CallsTo("sendPhoto")
	if len(calls) != 1 {
		t.Fatalf("%d sendPhoto calls, want 1", len(calls))
	}
	if freed := body.Freed(); freed.IsZero() || calls[0].Time.Before(freed) {
		t.Errorf("the call is counted at %s, before the rest of its body was let go (%s)",
			calls[0].Time.Format("15:04:05.000"), freed.Format("15:04:05.000"))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
