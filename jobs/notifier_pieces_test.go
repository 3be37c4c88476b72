package jobs_test

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/jobs"
)

// A digest-like message is three Bot API messages to one chat: the chart,
// then 6,000 characters of text in two parts. Each piece takes its own place
// under the per-chat limit, so a Bot API that allows one message a second
// per chat refuses none of them, and they arrive whole and in order, with
// no other message to the chat between them.
func TestNotifyPacesEveryPieceOfAMessage(t *testing.T) {
	t.Parallel()
	// Our per-chat rate a fifth below the fake's, as in TestNotifyKeepsToLimits:
	// a loaded machine may delay one request by tens of milliseconds.
	e := newEnvWith(t, jobs.Limits{PerSecond: 30, PerChatPerSecond: 0.8, PerGroupPerMinute: 20})
	e.tg.SetLimits(telegramtest.Limits{PerChat: 1})

	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 99) + "\n"
	text := "first\n" + strings.Repeat(line, 60) // 6,006 characters: two text messages
	o := jobs.Outgoing{Key: "pieces:1", ClubID: e.club.ID, StaffID: e.manager.ID,
		Msg: chat.Message{Text: text, PNG: img.Bytes(), PNGName: "chart.png"}}
	// Another message to the chat, asked for once the chart is out: it waits
	// for the chat behind the whole first message, not between its pieces.
	sent := notifyThenAfter(t, e, e.deps.Notifier, o, func() {
		e.tg.WaitFor(t, func(c telegramtest.Call) bool { return c.Method == "sendPhoto" && c.ChatID() == managerChat }, 30*time.Second)
	}, 4) // chart, two parts, the next message
	if sent[0].Photo == nil || sent[0].Text != "" {
		t.Errorf("first piece: photo %v, caption %q; want the chart without caption", sent[0].Photo != nil, sent[0].Text)
	}
	if got := sent[1].Text + sent[2].Text; strings.ReplaceAll(got, "\n", "") != strings.ReplaceAll(text, "\n", "") {
		t.Errorf("text parts do not add up to the text: %d + %d characters", len(sent[1].Text), len(sent[2].Text))
	}
	if !strings.HasPrefix(sent[1].Text, "first") {
		t.Errorf("text parts out of order: second message starts %.10q", sent[1].Text)
	}
	if sent[3].Text != "after" {
		t.Errorf("last message %.20q, want %q", sent[3].Text, "after")
	}
}
