package bot

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// roundRobin is a load balancer in front of bot replicas: each request goes
// to the next one, so consecutive steps of one dialogue land on different
// processes.
type roundRobin struct {
	next     atomic.Int64
	replicas []http.Handler
	served   []atomic.Int64
}

func (lb *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(lb.next.Add(1)-1) % len(lb.replicas)
	lb.served[i].Add(1)
	lb.replicas[i].ServeHTTP(w, r)
}

// Two bot replicas in webhook mode share one database: a dialogue whose
// steps alternate between them goes on as if it were one process.
func TestWebhookReplicasShareDialogue(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.stop() // no polling: Telegram posts to the webhook

	const secret = "s3cret-token_1"
	lb := &roundRobin{served: make([]atomic.Int64, 2)}
	front := httptest.NewServer(lb)
	t.Cleanup(front.Close)
	cfg := Config{WebhookURL: front.URL + "/telegram", WebhookSecret: secret}
	a, b := h.newBot(cfg), h.newBot(cfg)
	lb.replicas = []http.Handler{a.WebhookHandler(), b.WebhookHandler()}
	h.runBot(a)
	h.runBot(b)
	h.waitWebhook(front.URL + "/telegram")

	task := h.task(postgresInput(h))
	h.say(h.staff, "/tasks")                  // replica a
	h.tap(h.staff, "1. Олена Петренко")       // b
	h.tap(h.staff, "✏️ Edit")                 // a
	h.tap(h.staff, "Title")                   // b: the form starts here
	h.say(h.staff, "Renamed across replicas") // a: and continues there
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM tasks WHERE id = $1 AND title = 'Renamed across replicas'`, task.ID); n != 1 {
		t.Fatalf("the dialogue did not continue on the other replica; chat: %q", h.lastText(h.staff))
	}
	if lb.served[0].Load() < 2 || lb.served[1].Load() < 2 {
		t.Fatalf("replicas served %d and %d updates", lb.served[0].Load(), lb.served[1].Load())
	}
	h.noUnanswered()

	// A request without the right secret is refused before it is read.
	calls := len(h.tg.Calls())
	upd := models.Update{Message: &models.Message{ID: 1, Text: "/tasks", From: &h.staff,
		Chat: models.Chat{ID: h.staff.ID, Type: models.ChatTypePrivate}}}
	for _, s := range []string{"", "wrong", secret + "x"} {
		code, err := h.tg.PostWebhook(front.URL+"/telegram", s, upd)
		if err != nil || code != http.StatusUnauthorized {
			t.Fatalf("secret %q: status %d, %v", s, code, err)
		}
	}
	if got := len(h.tg.Calls()); got != calls {
		t.Fatalf("a refused webhook request made %d Bot API calls", got-calls)
	}
	code, err := h.tg.PostWebhook(front.URL+"/telegram", secret, upd)
	if err != nil || code != http.StatusOK {
		t.Fatalf("right secret: status %d, %v", code, err)
	}
}

func TestWebhookRejectsBadRequests(t *testing.T) {
	t.Parallel()
	h := setup(t)
	b := h.newBot(Config{WebhookURL: "https://example.invalid/hook", WebhookSecret: "abc"})
	srv := httptest.NewServer(b.WebhookHandler())
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		method, secret, body string
		want                 int
	}{
		{http.MethodGet, "abc", "", http.StatusMethodNotAllowed},
		{http.MethodPost, "abc", "{not json", http.StatusBadRequest},
		{http.MethodPost, "ab", "{}", http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(c.method, srv.URL, stringsReader(c.body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", c.secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %q: %d, want %d", c.method, c.body, resp.StatusCode, c.want)
		}
	}
	if _, err := New(Config{Token: "1:x", WebhookURL: "https://example.invalid/hook"}, Deps{DB: h.db, Catalog: h.cat}); err == nil {
		t.Fatal("a webhook without a secret was accepted")
	}
}
