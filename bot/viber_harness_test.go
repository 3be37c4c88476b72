package bot

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/viber"
	"github.com/clubcrm/clubcrm/bot/vibertest"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// The Viber harness: the same Bot core as the Telegram harness, behind the
// real Viber webhook (signature check, dedupe in Redis, answer then work)
// and the real Viber channel, talking to the in-repo fake Viber API
// (vibertest), with charts and files served as one-time links by the real
// FileStore. A test reads like a person using Viber:
//
//	v := setupViber(t)
//	v.say(olena, "/tasks")
//	v.tap(olena, "1. Олена Петренко") // on the one keyboard Viber shows
//
// say and tap wait until the webhook has handled the callback (Webhook.Wait),
// so what follows sees its effects.
type viberHarness struct {
	*harness
	vb    *vibertest.Server
	bot   *vibertest.Bot
	hook  *viber.Webhook
	files *viber.FileStore
	ch    *viber.Channel
	sess  *viber.RedisSessions
	srv   *httptest.Server
}

func setupViber(t *testing.T) *viberHarness {
	t.Helper()
	h := newHarness(t)
	rdb, prefix := redistest.New(t)
	v := &viberHarness{harness: h, vb: vibertest.New(t)}
	v.bot = v.vb.Bot(vibertest.Token)
	b, err := New(Config{}, Deps{DB: h.db, Catalog: h.cat, Clock: h.clock, Log: slog.New(slog.NewTextHandler(h.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h.bot = b
	mux := http.NewServeMux()
	v.srv = httptest.NewServer(mux)
	t.Cleanup(v.srv.Close)
	v.files, err = viber.NewFileStore(rdb, prefix+"files:", v.srv.URL, []byte("0123456789abcdef-test-secret"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	client := viber.NewClient(v.vb.URL, vibertest.Token, nil)
	v.sess = viber.NewRedisSessions(rdb, prefix+"viber:in:")
	v.ch = viber.NewChannel(client, viber.Config{Bot: chat.DefaultBot, Sender: viber.Sender{Name: "Club staff"}, Links: v.files, Sessions: v.sess})
	reg := viber.NewRegistry()
	reg.Add(chat.DefaultBot, vibertest.Token, v.ch)
	v.hook, err = viber.NewWebhook(viber.WebhookConfig{
		Bots: reg, Seen: viber.NewRedisSeen(rdb, prefix+"viber:seen:"),
		Handle: b.Handle, Welcome: b.ViberWelcome, Sessions: v.sess,
		Log: slog.New(slog.NewTextHandler(h.logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("POST "+viber.PathPrefix, v.hook)
	mux.Handle(viber.FilesPath, v.files)
	if err := viber.Register(context.Background(), client, v.srv.URL, chat.DefaultBot); err != nil {
		t.Fatalf("register the webhook: %v", err)
	}
	return v
}

// viberUser is a person on Viber (ids are opaque strings).
func viberUser(id, name string) vibertest.User {
	return vibertest.User{ID: id, Name: name, Language: "en"}
}

// settle waits until the webhook has handled every callback posted so far.
func (v *viberHarness) settle() {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := v.hook.Wait(ctx); err != nil {
		v.t.Fatal(err)
	}
}

// deliver checks that a callback was taken (200) and waits for its handling.
func (v *viberHarness) deliver(d vibertest.Delivery, err error) vibertest.Delivery {
	v.t.Helper()
	if err != nil {
		v.t.Fatal(err)
	}
	if d.Status != http.StatusOK {
		v.t.Fatalf("webhook answered %d: %s", d.Status, d.Body)
	}
	v.settle()
	return d
}

// say sends text as u and waits until the bot has handled it.
func (v *viberHarness) say(u vibertest.User, text string) { v.deliver(v.bot.SendText(u, text)) }

// tap presses the button labelled label on the one keyboard u sees.
func (v *viberHarness) tap(u vibertest.User, label string) {
	v.t.Helper()
	v.deliver(v.bot.Tap(u, label))
}

// taps presses buttons one after another.
func (v *viberHarness) taps(u vibertest.User, labels ...string) {
	v.t.Helper()
	for _, l := range labels {
		v.tap(u, l)
	}
}

// tapBody sends a reply button's body as u would by tapping it (forged,
// stale or from another club's screen).
func (v *viberHarness) tapBody(u vibertest.User, body string) { v.deliver(v.bot.SendText(u, body)) }

// lastText is the text of the newest message u got; of a carousel, its
// cards' labels one a line.
func (v *viberHarness) lastText(u vibertest.User) string {
	v.t.Helper()
	m, ok := v.bot.Last(u.ID)
	if !ok {
		v.t.Fatalf("no message to %s", u.Name)
	}
	if m.Type == "rich_media" {
		return html.UnescapeString(strings.Join(m.RichMedia.Labels(), "\n"))
	}
	return m.Text
}

// count is how many messages u has got.
func (v *viberHarness) count(u vibertest.User) int { return len(v.bot.Messages(u.ID)) }

// labels are the buttons of the keyboard u sees.
func (v *viberHarness) labels(u vibertest.User) []string { return v.bot.Keyboard(u.ID).Labels() }

// hasKey reports whether the keyboard u sees has a button labelled label.
func (v *viberHarness) hasKey(u vibertest.User, label string) bool {
	for _, l := range v.labels(u) {
		if l == label {
			return true
		}
	}
	return false
}

// keyWith is the first label on u's keyboard containing part.
func (v *viberHarness) keyWith(u vibertest.User, part string) string {
	v.t.Helper()
	for _, l := range v.labels(u) {
		if strings.Contains(l, part) {
			return l
		}
	}
	v.t.Fatalf("no button with %q on %s's keyboard %q", part, u.Name, v.labels(u))
	return ""
}

// noHTML fails if a message u got carries HTML markup: Viber shows none.
func (v *viberHarness) noHTML(u vibertest.User) {
	v.t.Helper()
	for _, m := range v.bot.Messages(u.ID) {
		if strings.Contains(m.Text, "<b>") || strings.Contains(m.Text, "&lt;") || strings.Contains(m.Text, "&amp;") {
			v.t.Fatalf("a message to %s carries markup: %q", u.Name, m.Text)
		}
	}
}

// A callback with a wrong or no signature is refused (403) before anything
// reads it: nobody is answered. A callback Viber delivers again (it did not
// get 200 in time) is handled once.
func TestViberSignatureAndReplay(t *testing.T) {
	t.Parallel()
	v := setupViber(t)
	u := viberUser("strangerQQQ==", "Stranger")
	for _, s := range []vibertest.Signing{vibertest.SignWrong, vibertest.SignMissing} {
		v.bot.SetSigning(s)
		d, err := v.bot.SendText(u, "/tasks")
		if err != nil || d.Status != http.StatusForbidden {
			t.Fatalf("signing %d: %v %d", s, err, d.Status)
		}
	}
	v.settle()
	if n := v.count(u); n != 0 {
		t.Fatalf("an unsigned callback was answered: %d messages", n)
	}
	v.bot.SetSigning(vibertest.SignValid)
	v.say(u, "/tasks")
	if n := v.count(u); n != 1 {
		t.Fatalf("messages = %d, want 1", n)
	}
	v.deliver(v.bot.Replay())
	if n := v.count(u); n != 1 {
		t.Fatalf("the replayed callback was handled again: %d messages", n)
	}
}
