package viber_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/viber"
	"github.com/clubcrm/clubcrm/bot/vibertest"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

func TestSetWebhookRoundTrip(t *testing.T) {
	t.Parallel()
	f := setup(t)
	if got := f.bot.Webhook(); got != f.hookURL {
		t.Fatalf("registered webhook %q, want %q", got, f.hookURL)
	}
	info, err := f.client.GetAccountInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.Webhook != f.hookURL || strings.Join(info.EventTypes, ",") != strings.Join(viber.EventTypes, ",") {
		t.Errorf("account info webhook %q for %q, want %q for %q", info.Webhook, info.EventTypes, f.hookURL, viber.EventTypes)
	}
	// The check event was answered 200 and handed nothing to the bot.
	if n := f.bot.Callbacks(); n != 1 {
		t.Errorf("%d callbacks, want the one check", n)
	}

	// A URL whose check does not get 200 (an unknown bot: 404) is refused.
	err = f.client.SetWebhook(t.Context(), f.app.URL+viber.PathPrefix+"999", nil)
	var apiErr *viber.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != viber.StatusInvalidURL {
		t.Fatalf("set_webhook to an unknown bot: %v, want status %d", err, viber.StatusInvalidURL)
	}
}

func TestWebhookRefusesBadSignature(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, s := range []vibertest.Signing{vibertest.SignWrong, vibertest.SignMissing} {
		f.bot.SetSigning(s)
		mustDeliver(t, http.StatusForbidden)(f.bot.SendText(olena, "forged"))
	}
	f.bot.SetSigning(vibertest.SignValid)
	mustDeliver(t, http.StatusOK)(f.bot.SendText(olena, "genuine"))
	// The first update handled is the genuine one: the forged ones were not.
	got := f.got.await(t, 1)
	if got[0].Message == nil || got[0].Message.Text != "genuine" {
		t.Fatalf("first update %+v, want the genuine message", got[0])
	}
}

func TestWebhookUnknownBotAndBadPaths(t *testing.T) {
	t.Parallel()
	f := setup(t)
	body := []byte(`{"event":"message","timestamp":1,"message_token":1,"sender":{"id":"x"},"message":{"type":"text","text":"hi"}}`)
	for _, tc := range []struct {
		path string
		want int
	}{
		{viber.PathPrefix + "99", http.StatusNotFound},
		{viber.PathPrefix + "abc", http.StatusNotFound},
		{viber.PathPrefix + "7/extra", http.StatusNotFound},
	} {
		req, _ := http.NewRequest(http.MethodPost, f.app.URL+tc.path, bytes.NewReader(body))
		req.Header.Set(viber.SignatureHeader, viber.Sign(vibertest.Token, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.path, resp.StatusCode, tc.want)
		}
	}
}

func TestWebhookRefusesOversizedBody(t *testing.T) {
	t.Parallel()
	f := setup(t)
	body := []byte(`{"event":"message","message":{"type":"text","text":"` + strings.Repeat("a", viber.MaxCallback) + `"}}`)
	req, _ := http.NewRequest(http.MethodPost, f.hookURL, bytes.NewReader(body))
	req.Header.Set(viber.SignatureHeader, viber.Sign(vibertest.Token, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d, want 413", resp.StatusCode)
	}
}

func TestWebhookHandlesReplayOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	mustDeliver(t, http.StatusOK)(f.bot.SendText(olena, "first"))
	mustDeliver(t, http.StatusOK)(f.bot.Replay())
	mustDeliver(t, http.StatusOK)(f.bot.Replay())
	mustDeliver(t, http.StatusOK)(f.bot.SendText(olena, "second"))
	got := f.got.await(t, 2)
	// Callbacks are handled after the answer, concurrently: either order.
	texts := []string{got[0].Message.Text, got[1].Message.Text}
	slices.Sort(texts)
	if texts[0] != "first" || texts[1] != "second" {
		t.Fatalf("updates %q: want first and second (the replays dropped)", texts)
	}
}

func TestWebhookUpdates(t *testing.T) {
	t.Parallel()
	f := setup(t)
	long := strings.Repeat("д", viber.MaxText+100)
	data := callback.New(callback.ActionTaskTake, 42)
	stale := "v0|tk|42"
	steps := []func() (vibertest.Delivery, error){
		func() (vibertest.Delivery, error) { return f.bot.SendText(olena, "hello") },
		func() (vibertest.Delivery, error) { return f.bot.SendText(olena, data) }, // a reply button's ActionBody
		func() (vibertest.Delivery, error) { return f.bot.SendText(olena, stale) },
		func() (vibertest.Delivery, error) { return f.bot.SendText(olena, long) },
		func() (vibertest.Delivery, error) { return f.bot.SendSticker(olena) },
		func() (vibertest.Delivery, error) { return f.bot.SendLocation(olena) },
		func() (vibertest.Delivery, error) { return f.bot.SendContact(olena, "Ivan", "+380501234567") },
		func() (vibertest.Delivery, error) { return f.bot.SendPicture(olena, "look") },
	}
	for i, step := range steps {
		mustDeliver(t, http.StatusOK)(step())
		f.got.await(t, i+1) // keep the order
	}
	got := f.got.await(t, len(steps))
	for _, u := range got {
		if u.Chat != addr(olena) || !u.Private || u.From.ID != olena.ID || u.From.Name != "Olena" || u.From.Language != "uk" || u.ID == "" || u.Date.IsZero() {
			t.Errorf("update %+v: want from Olena in her private chat through bot %d", u, botID)
		}
	}
	msg := func(i int) chat.Incoming {
		t.Helper()
		if got[i].Message == nil || got[i].Tap != nil {
			t.Fatalf("update %d: %+v, want a message", i, got[i])
		}
		return *got[i].Message
	}
	tap := func(i int) chat.Tap {
		t.Helper()
		if got[i].Tap == nil || got[i].Message != nil {
			t.Fatalf("update %d: %+v, want a tap", i, got[i])
		}
		return *got[i].Tap
	}
	if m := msg(0); m.Text != "hello" || m.Media {
		t.Errorf("text: %+v", m)
	}
	if tp := tap(1); tp.Data != data {
		t.Errorf("tap data %q, want %q", tp.Data, data)
	}
	if tp := tap(2); tp.Data != stale {
		t.Errorf("stale tap data %q, want %q (the bot says it is out of date)", tp.Data, stale)
	}
	if m := msg(3); m.Text != long {
		t.Errorf("over-long text cut to %d characters; the bot refuses it, the webhook passes it", len([]rune(m.Text)))
	}
	for i := 4; i <= 6; i++ { // sticker, location, contact
		if m := msg(i); !m.Media || m.Text != "" {
			t.Errorf("update %d: %+v, want media without text", i, m)
		}
	}
	if m := msg(7); !m.Media || m.Text != "look" {
		t.Errorf("picture: %+v, want media with its caption", m)
	}
}

func TestWebhookHandsTheBotsChannel(t *testing.T) {
	t.Parallel()
	f := setup(t, func(o *options) {
		o.handle = func(ctx context.Context, via chat.Replier, u chat.Update) {
			if _, err := via.Send(ctx, u.Chat, chat.Message{Text: "echo: " + u.Message.Text}); err != nil {
				t.Errorf("reply: %v", err)
			}
		}
	})
	mustDeliver(t, http.StatusOK)(f.bot.SendText(olena, "ping"))
	ms, err := f.bot.AwaitMessages(ctxTimeout(t), olena.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Text != "echo: ping" {
		t.Fatalf("reply %q", ms[0].Text)
	}
	// Olena wrote: the reply is inside her session, not billable.
	if n := f.metrics.billable.Load(); n != 0 {
		t.Errorf("%d billable sends, want 0 inside the session", n)
	}
}

func TestConversationStarted(t *testing.T) {
	t.Parallel()
	f := setup(t, func(o *options) {
		o.welcome = func(_ context.Context, bot int64, from chat.User, start string) chat.Message {
			if bot != botID {
				t.Errorf("welcome for bot %d, want %d", bot, botID)
			}
			return chat.Message{Text: "<b>Вітаю</b>, " + from.Name, HTML: true, Buttons: [][]chat.Button{{{Text: "Почати", Data: start}}}}
		}
	})
	// Not subscribed: the only way to answer is the welcome in the response.
	d := mustDeliver(t, http.StatusOK)(f.bot.Start(olena, "JOIN42"))
	if d.Welcome == nil || d.Welcome.Text != "Вітаю, Olena" || d.Welcome.Sender.Name != "ClubCRM" {
		t.Fatalf("welcome %+v", d.Welcome)
	}
	// Its button sends "/start JOIN42", which subscribes her and starts.
	mustDeliver(t, http.StatusOK)(f.bot.Tap(olena, "Почати"))
	got := f.got.await(t, 1)
	if got[0].Message == nil || got[0].Message.Text != "/start JOIN42" {
		t.Fatalf("update after the welcome's button: %+v", got[0])
	}
	if !f.bot.Subscribed(olena.ID) {
		t.Error("Olena is not subscribed after tapping")
	}

	// Already subscribed: the start goes straight to the bot, no welcome.
	d = mustDeliver(t, http.StatusOK)(f.bot.Start(olena, "JOIN43"))
	if d.Welcome != nil {
		t.Errorf("welcome to a subscriber: %+v", d.Welcome)
	}
	got = f.got.await(t, 2)
	if got[1].Message == nil || got[1].Message.Text != "/start JOIN43" {
		t.Fatalf("start of a subscriber: %+v", got[1])
	}
}

func TestSubscribeAndUnsubscribeHooks(t *testing.T) {
	t.Parallel()
	f := setup(t)
	mustDeliver(t, http.StatusOK)(f.bot.Subscribe(taras))
	mustDeliver(t, http.StatusOK)(f.bot.Unsubscribe(taras))
	deadline := time.Now().Add(10 * time.Second)
	for {
		subs, gone := f.events.snapshot()
		if len(subs) == 1 && len(gone) == 1 {
			if subs[0] != taras.ID || gone[0] != taras.ID {
				t.Fatalf("subscribed %q, unsubscribed %q", subs, gone)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscribed %q, unsubscribed %q: want Taras once each", subs, gone)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Unsubscribed: a send finds them unreachable.
	_, err := f.ch.Send(t.Context(), addr(taras), chat.Message{Text: "still there?"})
	if !errors.Is(err, chat.ErrUnreachable) {
		t.Fatalf("send to an unsubscribed person: %v, want ErrUnreachable", err)
	}
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestWebhookAnswersBeforeHandlingAndSheds(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan string, 4)
	f := setup(t, func(o *options) {
		o.workers = 1
		o.handle = func(_ context.Context, _ chat.Replier, u chat.Update) {
			started <- u.Message.Text
			<-release
		}
	})
	// Answered 200 while its handling is still blocked: work after.
	mustDeliver(t, http.StatusOK)(f.bot.SendText(olena, "slow"))
	if got := <-started; got != "slow" {
		t.Fatalf("handling %q", got)
	}
	// The one worker is busy: 503, and the callback is not marked seen...
	mustDeliver(t, http.StatusServiceUnavailable)(f.bot.SendText(olena, "later"))
	close(release)
	// ...so Viber's retry is handled.
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := f.bot.Replay()
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retry still answered %d", d.Status)
		}
		time.Sleep(5 * time.Millisecond) // the worker is finishing "slow"
	}
	if got := <-started; got != "later" {
		t.Fatalf("retry handled %q, want later", got)
	}
}

// brokenSeen is a Seen whose store is down.
type brokenSeen struct{}

func (brokenSeen) Seen(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("redis: connection refused")
}

func TestWebhookAsksForRetryWhenDedupeIsDown(t *testing.T) {
	t.Parallel()
	f := setup(t, func(o *options) { o.seen = brokenSeen{} })
	mustDeliver(t, http.StatusServiceUnavailable)(f.bot.SendText(olena, "hi"))
}
