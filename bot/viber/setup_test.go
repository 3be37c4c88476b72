package viber_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/viber"
	"github.com/clubcrm/clubcrm/bot/vibertest"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// botID is the bots.id of the Viber bot the tests talk to.
const botID int64 = 7

// fixture is a Viber bot wired end to end over real HTTP: the fake API,
// the channel, the webhook and the file links, with Redis for dedupe,
// sessions and files.
type fixture struct {
	api     *vibertest.Server
	bot     *vibertest.Bot
	client  *viber.Client
	ch      *viber.Channel
	files   *viber.FileStore
	app     *httptest.Server // the service: /viber/ and /files/
	hookURL string
	got     *updates
	metrics *counters
	events  *hooks
}

type options struct {
	welcome func(ctx context.Context, bot int64, from chat.User, start string) chat.Message
	handle  viber.Handler // replaces recording updates
	seen    viber.Seen    // replaces RedisSeen
	workers int
}

func setup(t *testing.T, opts ...func(*options)) *fixture {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	rdb, prefix := redistest.New(t)
	f := &fixture{api: vibertest.New(t), got: newUpdates(), metrics: &counters{}, events: &hooks{}}
	f.bot = f.api.Bot(vibertest.Token)
	f.client = viber.NewClient(f.api.URL, vibertest.Token, nil)

	mux := http.NewServeMux()
	f.app = httptest.NewServer(mux)
	t.Cleanup(f.app.Close)

	files, err := viber.NewFileStore(rdb, prefix+"file:", f.app.URL, []byte("0123456789abcdef-test-secret"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f.files = files
	sessions := viber.NewRedisSessions(rdb, prefix+"in:")
	f.ch = viber.NewChannel(f.client, viber.Config{
		Bot:      botID,
		Sender:   viber.Sender{Name: "ClubCRM"},
		Links:    files,
		Sessions: sessions,
		Metrics:  f.metrics,
	})
	reg := viber.NewRegistry()
	reg.Add(botID, vibertest.Token, f.ch)
	handle := o.handle
	if handle == nil {
		handle = f.got.handle
	}
	var seen viber.Seen = viber.NewRedisSeen(rdb, prefix+"seen:")
	if o.seen != nil {
		seen = o.seen
	}
	wh, err := viber.NewWebhook(viber.WebhookConfig{
		Bots:         reg,
		Seen:         seen,
		Workers:      o.workers,
		Handle:       handle,
		Welcome:      o.welcome,
		Subscribed:   f.events.subscribed,
		Unsubscribed: f.events.unsubscribed,
		Sessions:     sessions,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := wh.Wait(ctx); err != nil {
			t.Error(err)
		}
	})
	mux.Handle(viber.PathPrefix, wh)
	mux.Handle(viber.FilesPath, files)

	f.hookURL = f.app.URL + viber.PathPrefix + strconv.FormatInt(botID, 10)
	if err := viber.Register(t.Context(), f.client, f.app.URL+"/", botID); err != nil {
		t.Fatalf("set webhook: %v", err)
	}
	return f
}

// addr is the address of a person through the test bot.
func addr(u vibertest.User) chat.Address {
	return chat.Address{Channel: chat.Viber, Bot: botID, Chat: u.ID}
}

var (
	olena  = vibertest.User{ID: "olena+id==", Name: "Olena", Language: "uk"}
	taras  = vibertest.User{ID: "taras+id==", Name: "Taras", Language: "en"}
	stepan = vibertest.User{ID: "stepan+id==", Name: "Stepan", Language: "uk"}
)

// updates records what the webhook handed the bot.
type updates struct {
	mu      sync.Mutex
	list    []chat.Update
	via     []chat.Replier
	changed chan struct{}
}

func newUpdates() *updates { return &updates{changed: make(chan struct{})} }

func (u *updates) handle(_ context.Context, via chat.Replier, up chat.Update) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.list = append(u.list, up)
	u.via = append(u.via, via)
	close(u.changed)
	u.changed = make(chan struct{})
}

// await returns the first n updates, failing the test if they do not come.
func (u *updates) await(t *testing.T, n int) []chat.Update {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		u.mu.Lock()
		list, ch := append([]chat.Update(nil), u.list...), u.changed
		u.mu.Unlock()
		if len(list) >= n {
			return list
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("got %d updates, want %d: %+v", len(list), n, list)
		}
	}
}

// counters is a Metrics that counts.
type counters struct{ billable, noBalance, blocked atomic.Int64 }

func (c *counters) Billable()       { c.billable.Add(1) }
func (c *counters) NoBalance()      { c.noBalance.Add(1) }
func (c *counters) AccountBlocked() { c.blocked.Add(1) }

// hooks records subscribe and unsubscribe events.
type hooks struct {
	mu   sync.Mutex
	subs []string
	gone []string
}

func (h *hooks) subscribed(_ context.Context, a chat.Address) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs = append(h.subs, a.Chat)
}

func (h *hooks) unsubscribed(_ context.Context, a chat.Address) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gone = append(h.gone, a.Chat)
}

func (h *hooks) snapshot() (subs, gone []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.subs...), append([]string(nil), h.gone...)
}

// mustDeliver checks that a callback was answered want:
// mustDeliver(t, 200)(f.bot.SendText(...)).
func mustDeliver(t *testing.T, want int) func(vibertest.Delivery, error) vibertest.Delivery {
	return func(d vibertest.Delivery, err error) vibertest.Delivery {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != want {
			t.Fatalf("webhook answered %d (%s), want %d", d.Status, d.Body, want)
		}
		return d
	}
}
