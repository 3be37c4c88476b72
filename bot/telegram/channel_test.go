package telegram

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

const testChat = int64(4242)

func newMessenger(t *testing.T) (*Channel, *telegramtest.Server) {
	t.Helper()
	s := telegramtest.New(t)
	return New(s.NewBot(t)), s
}

var takeButtons = [][]chat.Button{{{Text: "Take", Data: "v1|tk|9"}, {Text: "Open", URL: "https://example.org/t/9"}}}

func TestSendShortText(t *testing.T) {
	t.Parallel()
	tg, s := newMessenger(t)
	id, err := tg.Send(context.Background(), chat.TelegramAddress(0, testChat), chat.Message{Text: "New task: call Anna", Buttons: takeButtons})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	m, _ := s.LastSent(testChat)
	if id != m.ID || m.Text != "New task: call Anna" {
		t.Errorf("sent %+v, returned id %d", m, id)
	}
	if b, ok := m.Button("Take"); !ok || b.CallbackData != "v1|tk|9" {
		t.Errorf("buttons = %+v", m.Keyboard)
	}
	if b, ok := m.Button("Open"); !ok || b.URL != "https://example.org/t/9" {
		t.Errorf("URL button = %+v", b)
	}
	c := s.CallsTo("sendMessage")[0]
	if _, ok := c.Params["parse_mode"]; ok {
		t.Errorf("plain text sent with parse_mode %q", c.Params["parse_mode"])
	}
	if !strings.Contains(c.Params["link_preview_options"], `"is_disabled":true`) {
		t.Errorf("link previews not disabled: %v", c.Params)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	t.Parallel()
	tg, s := newMessenger(t)
	in := cyrillicText(10_000)
	id, err := tg.Send(context.Background(), chat.TelegramAddress(0, testChat), chat.Message{Text: in, Buttons: takeButtons})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	sent := s.Sent(testChat)
	if len(sent) != 3 {
		t.Fatalf("%d messages, want 3", len(sent))
	}
	var joined strings.Builder
	for i, m := range sent {
		joined.WriteString(m.Text)
		if last := i == len(sent)-1; (m.Keyboard != nil) != last {
			t.Errorf("message %d has keyboard %v; buttons belong under the last only", i, m.Keyboard)
		}
	}
	if joined.String() != in {
		t.Error("the messages do not add up to the text")
	}
	if id != sent[2].ID {
		t.Errorf("returned id %d, want the last message %d", id, sent[2].ID)
	}
}

func TestSendLongHTML(t *testing.T) {
	t.Parallel()
	tg, s := newMessenger(t)
	var b strings.Builder
	b.WriteString("<b>Просроченные задачи\n")
	for range 300 {
		b.WriteString("• Перезвонить: клиент &lt;Анна &amp; Ко&gt;, до 12.03 18:00\n")
	}
	b.WriteString("</b>")
	// The fake rejects over-long or broken HTML, so success means every piece was valid.
	if _, err := tg.Send(context.Background(), chat.TelegramAddress(0, testChat), chat.Message{Text: b.String(), HTML: true}); err != nil {
		t.Fatalf("send: %v", err)
	}
	sent := s.Sent(testChat)
	if len(sent) < 4 {
		t.Fatalf("%d messages, want the text split", len(sent))
	}
	var shown strings.Builder
	for _, m := range sent {
		shown.WriteString(m.Text)
		if m.ParseMode != "HTML" {
			t.Errorf("parse mode %q", m.ParseMode)
		}
	}
	if shown.String() != visible(b.String()) {
		t.Error("the messages do not show the text")
	}
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	tg, s := newMessenger(t)
	ctx := context.Background()
	msg := chat.Message{Text: "reminder"}

	s.FailNext("sendMessage", testChat, http.StatusTooManyRequests, 3)
	_, err := tg.Send(ctx, chat.TelegramAddress(0, testChat), msg)
	var ra *chat.RetryAfterError
	if !errors.As(err, &ra) || ra.After != 3*time.Second {
		t.Errorf("429: err = %v, want RetryAfterError of 3s", err)
	}

	s.Block(testChat)
	_, err = tg.Send(ctx, chat.TelegramAddress(0, testChat), msg)
	if !errors.Is(err, chat.ErrUnreachable) || !errors.Is(err, tgbot.ErrorForbidden) {
		t.Errorf("403: err = %v, want ErrUnreachable wrapping the forbidden error", err)
	}
	s.Unblock(testChat)

	s.FailNext("sendMessage", testChat, http.StatusInternalServerError, 0)
	_, err = tg.Send(ctx, chat.TelegramAddress(0, testChat), msg)
	if err == nil || errors.Is(err, chat.ErrUnreachable) || errors.As(err, &ra) {
		t.Errorf("500: err = %v, want a plain error", err)
	}

	if _, err := tg.Send(ctx, chat.TelegramAddress(0, testChat), chat.Message{Text: " \n "}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("blank message: err = %v, want ErrInvalid", err)
	}
	if n := len(s.Sent(testChat)); n != 0 {
		t.Errorf("%d messages delivered, want none", n)
	}
}

func TestSendWaitsOutLaterThrottling(t *testing.T) {
	t.Parallel()
	tg, s := newMessenger(t)
	// The photo goes out, then the text is throttled once: Send waits and
	// retries the text instead of failing, which would make the caller send
	// the photo again.
	s.FailNext("sendMessage", testChat, http.StatusTooManyRequests, 1)
	id, err := tg.Send(context.Background(), chat.TelegramAddress(0, testChat), chat.Message{Text: strings.Repeat("долгий текст ", 100), PNG: testPNG(t), Buttons: takeButtons})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	sent := s.Sent(testChat)
	if len(sent) != 2 || sent[0].Photo == nil || sent[1].ID != id {
		t.Fatalf("sent %d messages (%+v), want photo then text", len(sent), sent)
	}
	if n := len(s.CallsTo("sendPhoto")); n != 1 {
		t.Errorf("photo sent %d times", n)
	}
}

func TestSendPhotoAndDocument(t *testing.T) {
	t.Parallel()
	tg, s := newMessenger(t)
	ctx := context.Background()
	img := testPNG(t)

	// Short text: the caption of the photo, buttons under it.
	id, err := tg.Send(ctx, chat.TelegramAddress(0, testChat), chat.Message{Text: "Воронка за март", PNG: img, PNGName: "funnel.png", Buttons: takeButtons})
	if err != nil {
		t.Fatalf("photo with caption: %v", err)
	}
	m, _ := s.LastSent(testChat)
	if m.ID != id || m.Photo == nil || m.Photo.Name != "funnel.png" || !bytes.Equal(m.Photo.Bytes, img) || m.Text != "Воронка за март" || m.Keyboard == nil {
		t.Errorf("photo message = %+v", m)
	}
	if n := len(s.CallsTo("sendMessage")); n != 0 {
		t.Errorf("%d text messages besides the captioned photo", n)
	}

	// Text over the caption limit: photo first, then the text with the buttons.
	long := strings.Repeat("з", MaxCaptionLen+1)
	id, err = tg.Send(ctx, chat.TelegramAddress(0, testChat), chat.Message{Text: long, PNG: img, Buttons: takeButtons})
	if err != nil {
		t.Fatalf("photo with long text: %v", err)
	}
	sent := s.Sent(testChat)
	photo, text := sent[len(sent)-2], sent[len(sent)-1]
	if photo.Photo == nil || photo.Text != "" || photo.Keyboard != nil || photo.Photo.Name != "chart.png" {
		t.Errorf("photo = %+v, want no caption, no buttons, default name", photo)
	}
	if text.ID != id || text.Text != long || text.Keyboard == nil {
		t.Errorf("text = %+v", text)
	}

	// A document with a caption.
	doc := []byte("PK\x03\x04 xlsx bytes")
	if _, err := tg.Send(ctx, chat.TelegramAddress(0, testChat), chat.Message{Text: "Отчёт", Document: doc, DocName: "report.xlsx"}); err != nil {
		t.Fatalf("document: %v", err)
	}
	m, _ = s.LastSent(testChat)
	if m.Document == nil || m.Document.Name != "report.xlsx" || !bytes.Equal(m.Document.Bytes, doc) || m.Text != "Отчёт" {
		t.Errorf("document message = %+v", m)
	}

	// Both attachments: no caption, photo, document, then text.
	before := len(s.Sent(testChat))
	if _, err := tg.Send(ctx, chat.TelegramAddress(0, testChat), chat.Message{Text: "Итоги", PNG: img, Document: doc, DocName: "r.xlsx"}); err != nil {
		t.Fatalf("both: %v", err)
	}
	sent = s.Sent(testChat)[before:]
	if len(sent) != 3 || sent[0].Photo == nil || sent[1].Document == nil || sent[2].Text != "Итоги" {
		t.Errorf("both attachments sent as %+v", sent)
	}
}

func TestEdit(t *testing.T) {
	t.Parallel()
	tg, s := newMessenger(t)
	ctx := context.Background()
	id, err := tg.Send(ctx, chat.TelegramAddress(0, testChat), chat.Message{Text: "Создано 0 из 100", Buttons: takeButtons})
	if err != nil {
		t.Fatal(err)
	}
	progress := chat.Message{Text: "Создано <b>50</b> из 100", HTML: true}
	if err := tg.Edit(ctx, chat.TelegramAddress(0, testChat), id, progress); err != nil {
		t.Fatalf("edit: %v", err)
	}
	m, _ := s.LastSent(testChat)
	if m.ID != id || m.Text != "Создано 50 из 100" || m.Keyboard != nil || m.Edits != 1 {
		t.Errorf("after edit = %+v, want new text, buttons removed", m)
	}
	if err := tg.Edit(ctx, chat.TelegramAddress(0, testChat), id, progress); err != nil {
		t.Errorf("identical edit: %v, want success (not modified)", err)
	}
	if s.CallsTo("editMessageText")[1].OK() {
		t.Error("the fake should have answered the identical edit with an error")
	}

	if err := tg.Edit(ctx, chat.TelegramAddress(0, testChat), id+50, progress); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown message: err = %v, want ErrNotFound", err)
	}
	s.FailNext("editMessageText", testChat, http.StatusTooManyRequests, 2)
	var ra *chat.RetryAfterError
	if err := tg.Edit(ctx, chat.TelegramAddress(0, testChat), id, chat.Message{Text: "x"}); !errors.As(err, &ra) || ra.After != 2*time.Second {
		t.Errorf("429: err = %v", err)
	}
	s.Block(testChat)
	if err := tg.Edit(ctx, chat.TelegramAddress(0, testChat), id, chat.Message{Text: "y"}); !errors.Is(err, chat.ErrUnreachable) {
		t.Errorf("403: err = %v", err)
	}
	s.Unblock(testChat)

	long := cyrillicText(5000)
	if err := tg.Edit(ctx, chat.TelegramAddress(0, testChat), id, chat.Message{Text: long}); err != nil {
		t.Fatalf("long edit: %v", err)
	}
	if m, _ := s.LastSent(testChat); !strings.HasPrefix(long, m.Text) || UTF16Len(m.Text) > MaxMessageLen {
		t.Errorf("long edit kept %d units, want the first piece", UTF16Len(m.Text))
	}
	if err := tg.Edit(ctx, chat.TelegramAddress(0, testChat), id, chat.Message{}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("empty edit: err = %v", err)
	}
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 6))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkTelegramSend measures a short message with buttons through the
// real client and the fake Bot API over HTTP: the transport's own cost, the
// ceiling the notifier works under in tests.
func BenchmarkTelegramSend(b *testing.B) {
	s := telegramtest.New(b)
	tg := New(s.NewBot(b))
	msg := chat.Message{Text: "Новая задача: перезвонить Анне", Buttons: takeButtons}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := tg.Send(context.Background(), chat.TelegramAddress(0, int64(1000+i%1000)), msg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
