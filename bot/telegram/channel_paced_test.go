package telegram

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// SendPaced asks for a turn before every piece after the first, and a
// refused turn ends the send with the pieces sent so far.
func TestSendPacedCallsPaceBetweenPieces(t *testing.T) {
	t.Parallel()
	s := telegramtest.New(t)
	tg := New(s.NewBot(t))
	const to = int64(4343)
	text := strings.Repeat(strings.Repeat("y", 99)+"\n", 60) // two parts
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	m := chat.Message{Text: text, PNG: img.Bytes(), PNGName: "c.png"}

	var calls []int // how many messages the chat had at each call
	pace := func(context.Context) error {
		calls = append(calls, len(s.Sent(to)))
		return nil
	}
	if _, err := tg.SendPaced(context.Background(), chat.TelegramAddress(0, to), m, pace); err != nil {
		t.Fatalf("send: %v", err)
	}
	if len(calls) != 2 || calls[0] != 1 || calls[1] != 2 {
		t.Fatalf("pace called with %v messages in the chat, want [1 2] (before the 2nd and 3rd piece)", calls)
	}

	refuse := errors.New("no turn")
	_, err := tg.SendPaced(context.Background(), chat.TelegramAddress(0, to), m, func(context.Context) error { return refuse })
	if !errors.Is(err, refuse) {
		t.Fatalf("send with a refused turn: %v, want the pacer's error", err)
	}
	if n := len(s.Sent(to)); n != 4 {
		t.Fatalf("%d messages in the chat, want 4 (3, then only the chart of the second send)", n)
	}
}

// Pieces counts exactly the messages Send makes.
func TestPiecesMatchesSend(t *testing.T) {
	t.Parallel()
	s := telegramtest.New(t)
	tg := New(s.NewBot(t))
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat(strings.Repeat("z", 99)+"\n", 60)
	cases := []struct {
		name string
		m    chat.Message
		want int
	}{
		{"short text", chat.Message{Text: "hi"}, 1},
		{"long text", chat.Message{Text: long}, 2},
		{"chart with caption", chat.Message{Text: "chart", PNG: img.Bytes()}, 1},
		{"chart and long text", chat.Message{Text: long, PNG: img.Bytes()}, 3},
		{"chart, document, short text", chat.Message{Text: "both", PNG: img.Bytes(), Document: []byte("x"), DocName: "a.txt"}, 3},
		{"document only", chat.Message{Document: []byte("x"), DocName: "a.txt"}, 1},
		{"blank", chat.Message{Text: " \n "}, 0},
	}
	for i, c := range cases {
		chatID := int64(5000 + i)
		if got := tg.Pieces(c.m); got != c.want {
			t.Errorf("%s: Pieces = %d, want %d", c.name, got, c.want)
		}
		if c.want == 0 {
			continue
		}
		if _, err := tg.Send(context.Background(), chat.TelegramAddress(0, chatID), c.m); err != nil {
			t.Fatalf("%s: send: %v", c.name, err)
		}
		if n := len(s.Sent(chatID)); n != c.want {
			t.Errorf("%s: Send made %d messages, Pieces said %d", c.name, n, c.want)
		}
	}
}
