package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"net/http"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/jobs"
)

// Uploads that arrive late: the Bot API counts a message when its request
// is in, which for a photo on a slow network is well after the notifier let
// it go. Here the first ten photos' bodies come in 900 ms late and the rest
// at once, so late and punctual arrivals bunch; the fake allows 10 a
// second, as does the notifier. No arrival second holds more than 10, and
// every photo reaches its chat once.
func TestNotifyLateUploadsKeepToLimits(t *testing.T) {
	t.Parallel()
	lim := jobs.Limits{PerSecond: 10, PerChatPerSecond: 1, PerGroupPerMinute: 20}
	e := newEnvWith(t, lim)
	e.tg.SetLimits(telegramtest.Limits{Global: 10, PerChat: 1})
	late := &lateUploads{late: func(method string, n int) time.Duration {
		if method == "sendPhoto" && n < 10 {
			return 900 * time.Millisecond
		}
		return 0
	}}
	n := late.notifier(t, e, lim)

	const chats = 40
	img := noisePNG(t)
	var wg sync.WaitGroup
	for i := range chats {
		wg.Go(func() {
			o := jobs.Outgoing{Key: fmt.Sprint("late:", i), ClubID: e.club.ID, To: tgChat(int64(8000 + i)),
				Msg: chat.Message{Text: fmt.Sprint("chart ", i), PNG: img, PNGName: "chart.png"}}
			if err := n.Notify(e.ctx, o); err != nil {
				t.Errorf("notify %d: %v", i, err)
			}
		})
	}
	wg.Wait()

	expectNoFloodViolations(t, e.tg)
	got := map[int64]int{}
	for _, c := range e.tg.CallsTo("sendPhoto") {
		if c.OK() {
			got[c.ChatID()]++
		}
	}
	for i := range chats {
		if k := got[int64(8000+i)]; k != 1 {
			t.Errorf("chat %d got its chart %d times, want 1", 8000+i, k)
		}
	}
	if k := late.count("sendPhoto"); k < 10 {
		t.Fatalf("only %d uploads made, the late ones did not all happen", k)
	}
}

// Per chat: a message whose chart uploads slowly (1.5 s, longer than the
// chat's interval), then its text, then another message to the chat asked
// for while the chart is still on its way. Each goes a second after the
// previous one arrived, so the chat never gets two in a second, and they
// arrive in order.
func TestNotifySlowPieceThenFastKeepsToTheChatLimit(t *testing.T) {
	t.Parallel()
	lim := jobs.Limits{PerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}
	e := newEnvWith(t, lim)
	e.tg.SetLimits(telegramtest.Limits{PerChat: 1})
	started := make(chan struct{})
	var once sync.Once
	late := &lateUploads{late: func(method string, n int) time.Duration {
		if method == "sendPhoto" {
			once.Do(func() { close(started) })
			return 1500 * time.Millisecond
		}
		return 0
	}}
	n := late.notifier(t, e, lim)

	text := "first\n" + strings.Repeat(strings.Repeat("x", 99)+"\n", 15) // over a caption: a message of its own
	o := jobs.Outgoing{Key: "slow:1", ClubID: e.club.ID, StaffID: e.manager.ID,
		Msg: chat.Message{Text: text, PNG: noisePNG(t), PNGName: "chart.png"}}
	sent := notifyThenAfter(t, e, n, o, func() { <-started }, 3) // the chart on its way, not yet in
	if sent[0].Photo == nil || !strings.HasPrefix(sent[1].Text, "first") || sent[2].Text != "after" {
		t.Errorf("out of order: photo %v, then %.10q, then %.10q", sent[0].Photo != nil, sent[1].Text, sent[2].Text)
	}
}

// Several messages queued behind one slow send keep their booking order:
// in each of six chats a chart that uploads for 3.5 s, then four texts
// asked for 150 ms apart, all of which wait for the chart's answer. Once it
// is in they leave one by one, in the order they were booked, a second
// apart, each once.
func TestNotifyMessagesBehindASlowSendKeepTheirOrder(t *testing.T) {
	t.Parallel()
	lim := jobs.Limits{PerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}
	e := newEnvWith(t, lim)
	e.tg.SetLimits(telegramtest.Limits{PerChat: 1})
	late := &lateUploads{late: func(method string, n int) time.Duration {
		if method == "sendPhoto" {
			return 3500 * time.Millisecond
		}
		return 0
	}}
	n := late.notifier(t, e, lim)

	const chats, texts = 6, 4
	img := noisePNG(t)
	var wg sync.WaitGroup
	for c := range chats {
		to := tgChat(int64(8100 + c))
		wg.Go(func() {
			var msgs sync.WaitGroup
			for m := range texts + 1 {
				msg := chat.Message{Text: fmt.Sprint("m", m+1)}
				if m == 0 {
					msg.PNG, msg.PNGName = img, "chart.png"
				}
				o := jobs.Outgoing{Key: fmt.Sprintf("order:%d:%d", c, m), ClubID: e.club.ID, To: to, Msg: msg}
				msgs.Go(func() {
					if err := n.Notify(e.ctx, o); err != nil {
						t.Errorf("notify %s %s: %v", to, msg.Text, err)
					}
				})
				time.Sleep(150 * time.Millisecond) // booked in this order
			}
			msgs.Wait()
		})
	}
	wg.Wait()

	expectNoFloodViolations(t, e.tg)
	want := "[m1 m2 m3 m4 m5]"
	for c := range chats {
		var got []string
		for _, m := range e.tg.Sent(int64(8100 + c)) {
			got = append(got, m.Text)
		}
		if g := fmt.Sprint(got); g != want {
			t.Errorf("chat %d got %s, want %s", 8100+c, g, want)
		}
	}
	if k := late.count("sendPhoto"); k != chats {
		t.Errorf("%d uploads made, want %d", k, chats)
	}
}

// lateUploads is an http.RoundTripper that holds back the body of chosen
// requests past their first 8 KB (which go out with the headers): a photo
// upload on a slow network. late says how long for the n-th request
// (from 0) of a method.
type lateUploads struct {
	late func(method string, n int) time.Duration
	next http.RoundTripper
	mu   sync.Mutex
	seen map[string]int
}

// notifier is a notifier like e's, keeping to lim, whose Telegram client
// sends through l.
func (l *lateUploads) notifier(t *testing.T, e *env, lim jobs.Limits) *jobs.Notifier {
	t.Helper()
	l.next = http.DefaultTransport.(*http.Transport).Clone()
	l.seen = map[string]int{}
	b := e.tg.NewBot(t, tgbot.WithHTTPClient(time.Minute, &http.Client{Transport: l}))
	router := chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, telegram.New(b))
	return jobs.NewNotifier(e.db, e.rdb, router, lim, e.q, e.deps.Log, domain.SystemClock{})
}

func (l *lateUploads) RoundTrip(r *http.Request) (*http.Response, error) {
	method := path.Base(r.URL.Path)
	l.mu.Lock()
	n := l.seen[method]
	l.seen[method]++
	l.mu.Unlock()
	if d := l.late(method, n); d > 0 && r.Body != nil {
		r = r.Clone(r.Context())
		r.Body = &telegramtest.LateBody{Ctx: r.Context(), Body: r.Body, Free: 8 << 10, Hold: d}
	}
	return l.next.RoundTrip(r)
}

// count is how many requests of method were made.
func (l *lateUploads) count(method string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[method]
}

// noisePNG is a chart-sized PNG (about 25 KB: noise does not compress).
func noisePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 80, 80))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rnd.UintN(256))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if buf.Len() < 16<<10 {
		t.Fatalf("the chart is %d bytes, too small to upload slowly", buf.Len())
	}
	return buf.Bytes()
}

// A reservation whose answer was lost (go-redis retried the script after it
// had run: two bookings, the client sees the second) leaves nothing behind
// that holds the chat: the message itself, and the next one, go at their
// turns, well before any per-message state could go stale (the deadline
// is far under a minute).
func TestNotifyAfterALostReservationGoesOnTime(t *testing.T) {
	t.Parallel()
	lim := jobs.Limits{PerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}
	e := newEnvWith(t, lim)
	e.tg.SetLimits(telegramtest.Limits{PerChat: 1})
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	to := tgChat(8200)
	for i, text := range []string{"m1", "m2"} {
		if err := jobs.LoseReservation(ctx, e.deps.Notifier, to, 2); err != nil {
			t.Fatal(err)
		}
		o := jobs.Outgoing{Key: fmt.Sprint("lost:", i), ClubID: e.club.ID, To: to, Msg: chat.Message{Text: text}}
		if err := e.deps.Notifier.Notify(ctx, o); err != nil {
			t.Fatalf("notify %s after a lost reservation: %v", text, err)
		}
	}
	expectNoFloodViolations(t, e.tg)
	var got []string
	for _, m := range e.tg.Sent(8200) {
		got = append(got, m.Text)
	}
	if g := fmt.Sprint(got); g != "[m1 m2]" {
		t.Errorf("chat got %s, want [m1 m2]", g)
	}
}

// expectNoFloodViolations fails the test if the fake Bot API refused any
// call for Telegram's flood limits.
func expectNoFloodViolations(t *testing.T, tg *telegramtest.Server) {
	t.Helper()
	if v := tg.Violations(); v != 0 {
		t.Errorf("flood-limit violations = %d, want 0", v)
	}
}

// notifyThenAfter notifies the manager of first and, once onItsWay
// returns, of a short "after" message; it returns the manager's chat once
// both are done, which must hold want messages and no flood-limit
// violation.
func notifyThenAfter(t *testing.T, e *env, n *jobs.Notifier, first jobs.Outgoing, onItsWay func(), want int) []telegramtest.Message {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- n.Notify(e.ctx, first) }()
	onItsWay()
	if err := n.Notify(e.ctx, jobs.Outgoing{Key: first.Key + ":after", ClubID: e.club.ID, StaffID: e.manager.ID,
		Msg: chat.Message{Text: "after"}}); err != nil {
		t.Fatalf("notify the second: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("notify the first: %v", err)
	}
	expectNoFloodViolations(t, e.tg)
	sent := e.tg.Sent(managerChat)
	if len(sent) != want {
		t.Fatalf("%d messages in the chat, want %d (the first message's pieces, then the next)", len(sent), want)
	}
	return sent
}
