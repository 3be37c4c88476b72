package vibertest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/vibertest"
)

// call posts body to method with token and returns the decoded answer.
func call(t *testing.T, s *vibertest.Server, token, method string, body any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/"+method, bytes.NewReader(raw))
	req.Header.Set("X-Viber-Auth-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func statusOf(m map[string]any) int { return int(m["status"].(float64)) }

// hook is a webhook that records callbacks and answers with answer.
type hook struct {
	mu     sync.Mutex
	bodies [][]byte
	sigs   []string
	answer int
	srv    *httptest.Server
}

func newHook(t *testing.T) *hook {
	h := &hook{answer: http.StatusOK}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, body)
		h.sigs = append(h.sigs, r.Header.Get("X-Viber-Content-Signature"))
		code := h.answer
		h.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) last() (event map[string]any, body []byte, sig string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	body, sig = h.bodies[len(h.bodies)-1], h.sigs[len(h.sigs)-1]
	_ = json.Unmarshal(body, &event)
	return event, body, sig
}

func sign(token string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

var ann = vibertest.User{ID: "ann==", Name: "Ann", Language: "en"}

// registered is a fake with a webhook at h and Ann subscribed.
func registered(t *testing.T) (*vibertest.Server, *vibertest.Bot, *hook) {
	s := vibertest.New(t)
	h := newHook(t)
	if got := statusOf(call(t, s, vibertest.Token, "set_webhook", map[string]any{"url": h.srv.URL})); got != 0 {
		t.Fatalf("set_webhook: status %d", got)
	}
	b := s.Bot(vibertest.Token)
	if _, err := b.Subscribe(ann); err != nil {
		t.Fatal(err)
	}
	return s, b, h
}

func text(to, s string) map[string]any {
	return map[string]any{"receiver": to, "type": "text", "sender": map[string]any{"name": "Bot"}, "text": s}
}

func TestSetWebhookChecksTheURL(t *testing.T) {
	t.Parallel()
	s := vibertest.New(t)
	h := newHook(t)
	h.answer = http.StatusInternalServerError
	if got := statusOf(call(t, s, vibertest.Token, "set_webhook", map[string]any{"url": h.srv.URL})); got != vibertest.StatusInvalidURL {
		t.Fatalf("webhook answering 500: status %d, want %d", got, vibertest.StatusInvalidURL)
	}
	if w := s.Bot(vibertest.Token).Webhook(); w != "" {
		t.Fatalf("registered %q despite the failed check", w)
	}
	h.mu.Lock()
	h.answer = http.StatusOK
	h.mu.Unlock()
	if got := statusOf(call(t, s, vibertest.Token, "set_webhook", map[string]any{"url": h.srv.URL})); got != 0 {
		t.Fatalf("status %d", got)
	}
	ev, body, sig := h.last()
	if ev["event"] != "webhook" || sig != sign(vibertest.Token, body) {
		t.Fatalf("check callback %s signed %q", body, sig)
	}
}

func TestUnknownTokenRefused(t *testing.T) {
	t.Parallel()
	s := vibertest.New(t)
	if got := statusOf(call(t, s, "wrong", "get_account_info", map[string]any{})); got != vibertest.StatusInvalidToken {
		t.Fatalf("status %d, want %d", got, vibertest.StatusInvalidToken)
	}
	if c := s.Calls(); len(c) != 1 || c[0].Status != vibertest.StatusInvalidToken {
		t.Fatalf("calls %+v", c)
	}
}

func TestSendMessageValidates(t *testing.T) {
	t.Parallel()
	s, b, _ := registered(t)
	button := func(mod func(map[string]any)) map[string]any {
		m := text(ann.ID, "hi")
		btn := map[string]any{"Columns": 6, "Rows": 1, "ActionType": "reply", "ActionBody": "v1|tc|1", "Text": "Open"}
		mod(btn)
		m["keyboard"] = map[string]any{"Type": "keyboard", "Buttons": []any{btn}}
		return m
	}
	for _, tc := range []struct {
		name string
		msg  map[string]any
		want int
	}{
		{"ok", text(ann.ID, "hi"), 0},
		{"no receiver", text("", "hi"), vibertest.StatusMissingData},
		{"stranger", text("nobody", "hi"), vibertest.StatusNotSubscribed},
		{"7,000 characters", text(ann.ID, strings.Repeat("я", vibertest.MaxText)), 0},
		{"7,001 characters", text(ann.ID, strings.Repeat("я", vibertest.MaxText+1)), vibertest.StatusBadData},
		{"over 30 KB", func() map[string]any {
			m := text(ann.ID, strings.Repeat("я", 6000))
			m["tracking_data"] = strings.Repeat("t", 20_000)
			return m
		}(), vibertest.StatusBadData},
		{"no text", text(ann.ID, ""), vibertest.StatusMissingData},
		{"no sender", map[string]any{"receiver": ann.ID, "type": "text", "text": "hi"}, vibertest.StatusMissingData},
		{"button ok", button(func(map[string]any) {}), 0},
		{"7 columns", button(func(b map[string]any) { b["Columns"] = 7 }), vibertest.StatusBadData},
		{"no action body", button(func(b map[string]any) { b["ActionBody"] = "" }), vibertest.StatusMissingData},
		{"bad action", button(func(b map[string]any) { b["ActionType"] = "callback" }), vibertest.StatusBadData},
		{"long label", button(func(b map[string]any) { b["Text"] = strings.Repeat("x", 251) }), vibertest.StatusBadData},
	} {
		if got := statusOf(call(t, s, vibertest.Token, "send_message", tc.msg)); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}
	if n := len(b.Messages(ann.ID)); n != 3 {
		t.Errorf("Ann sees %d messages, want the 3 accepted", n)
	}
}

func TestFaultsAndLimits(t *testing.T) {
	t.Parallel()
	s, b, _ := registered(t)
	send := func() int { return statusOf(call(t, s, vibertest.Token, "send_message", text(ann.ID, "hi"))) }

	b.FailNext(ann.ID, vibertest.StatusNoBalance, 2)
	if a, c, d := send(), send(), send(); a != vibertest.StatusNoBalance || c != vibertest.StatusNoBalance || d != 0 {
		t.Errorf("FailNext 2: %d %d %d", a, c, d)
	}
	b.FailFor(ann.ID, vibertest.StatusNotRegistered)
	if a, c := send(), send(); a != vibertest.StatusNotRegistered || c != vibertest.StatusNotRegistered {
		t.Errorf("FailFor: %d %d", a, c)
	}
	b.FailFor(ann.ID, 0)

	b.SetRate(2)
	codes := []int{send(), send(), send()}
	if codes[2] != vibertest.StatusRateLimit {
		t.Errorf("3 sends at rate 2: %v", codes)
	}
	b.SetRate(0)

	// 100 an hour without a reply; her message resets the count.
	sent := len(b.Messages(ann.ID))
	for i := sent; i < vibertest.UserHourlyLimit; i++ {
		if got := send(); got != 0 {
			t.Fatalf("send %d: status %d", i+1, got)
		}
	}
	if got := send(); got != vibertest.StatusRateLimit {
		t.Fatalf("send %d without a reply: status %d", vibertest.UserHourlyLimit+1, got)
	}
	if _, err := b.SendText(ann, "hi"); err != nil {
		t.Fatal(err)
	}
	if got := send(); got != 0 {
		t.Fatalf("after her reply: status %d", got)
	}
}

func TestSlowAnswers(t *testing.T) {
	t.Parallel()
	s, b, _ := registered(t)
	s.SetDelay(time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	raw, _ := json.Marshal(text(ann.ID, "hi"))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/send_message", bytes.NewReader(raw))
	req.Header.Set("X-Viber-Auth-Token", vibertest.Token)
	answered := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	// The call takes effect at once; only its answer is late.
	wait, stop := context.WithTimeout(t.Context(), 10*time.Second)
	defer stop()
	if _, err := b.AwaitMessages(wait, ann.ID, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-answered:
		t.Fatalf("answered (%v) with an hour's delay", err)
	default:
	}
	cancel() // the client gives up, as on a timeout
	if err := <-answered; err == nil {
		t.Fatal("an answer arrived after the client gave up")
	}
}

func TestPhoneSignsTapsAndReplays(t *testing.T) {
	t.Parallel()
	s, b, h := registered(t)
	for _, labels := range [][]string{{"One"}, {"Two", "Three"}} {
		m := text(ann.ID, "screen")
		var buttons []any
		for _, l := range labels {
			buttons = append(buttons, map[string]any{"Columns": 3, "Rows": 1, "ActionType": "reply", "ActionBody": "v1|x|" + l, "Text": l, "Silent": true})
		}
		m["keyboard"] = map[string]any{"Type": "keyboard", "Buttons": buttons}
		if got := statusOf(call(t, s, vibertest.Token, "send_message", m)); got != 0 {
			t.Fatalf("status %d", got)
		}
	}
	if _, err := b.Tap(ann, "One"); err == nil {
		t.Fatal("tapped a button of a keyboard no longer shown")
	}
	if _, err := b.Tap(ann, "Three"); err != nil {
		t.Fatal(err)
	}
	ev, body, sig := h.last()
	msg, _ := ev["message"].(map[string]any)
	if ev["event"] != "message" || msg["type"] != "text" || msg["text"] != "v1|x|Three" || sig != sign(vibertest.Token, body) {
		t.Fatalf("tap posted %s signed %q", body, sig)
	}
	if _, err := b.Replay(); err != nil {
		t.Fatal(err)
	}
	_, again, sig2 := h.last()
	if !bytes.Equal(again, body) || sig2 != sig {
		t.Fatalf("replay posted %s, want the same body and signature", again)
	}
	b.SetSigning(vibertest.SignWrong)
	if _, err := b.SendText(ann, "x"); err != nil {
		t.Fatal(err)
	}
	if _, body, sig := h.last(); sig == sign(vibertest.Token, body) || sig == "" {
		t.Fatalf("SignWrong sent %q", sig)
	}
	b.SetSigning(vibertest.SignMissing)
	if _, err := b.SendText(ann, "x"); err != nil {
		t.Fatal(err)
	}
	if _, _, sig := h.last(); sig != "" {
		t.Fatalf("SignMissing sent %q", sig)
	}
}

// carousel is a rich_media send_message to to with one 6x2 card per
// label (a reply button whose body is "v1|x|<label>").
func carousel(to string, labels ...string) map[string]any {
	var buttons []any
	for _, l := range labels {
		buttons = append(buttons, map[string]any{"Columns": 6, "Rows": 2, "ActionType": "reply", "ActionBody": "v1|x|" + l, "Text": l, "Silent": true})
	}
	return map[string]any{
		"receiver": to, "type": "rich_media", "min_api_version": 2, "sender": map[string]any{"name": "Club"},
		"rich_media": map[string]any{"Type": "rich_media", "ButtonsGroupColumns": 6, "ButtonsGroupRows": 2, "Buttons": buttons},
	}
}

func TestRichMediaValidates(t *testing.T) {
	t.Parallel()
	s, b, _ := registered(t)
	with := func(mod func(m, rm map[string]any)) map[string]any {
		m := carousel(ann.ID, "A", "B")
		mod(m, m["rich_media"].(map[string]any))
		return m
	}
	for _, tc := range []struct {
		name string
		msg  map[string]any
		want int
	}{
		{"ok", carousel(ann.ID, "A", "B"), 0},
		{"six cards", carousel(ann.ID, "1", "2", "3", "4", "5", "6"), 0},
		{"seven cards", carousel(ann.ID, "1", "2", "3", "4", "5", "6", "7"), vibertest.StatusBadData},
		{"no rich_media", with(func(m, _ map[string]any) { delete(m, "rich_media") }), vibertest.StatusMissingData},
		{"no buttons", with(func(_, rm map[string]any) { rm["Buttons"] = []any{} }), vibertest.StatusMissingData},
		{"api version 1", with(func(m, _ map[string]any) { m["min_api_version"] = 1 }), vibertest.StatusBadData},
		{"wrong Type", with(func(_, rm map[string]any) { rm["Type"] = "keyboard" }), vibertest.StatusBadData},
		{"8 rows a card", with(func(_, rm map[string]any) { rm["ButtonsGroupRows"] = 8 }), vibertest.StatusBadData},
		{"button taller than the card", with(func(_, rm map[string]any) { rm["ButtonsGroupRows"] = 1 }), vibertest.StatusBadData},
		{"button wider than the card", with(func(_, rm map[string]any) { rm["ButtonsGroupColumns"] = 3 }), vibertest.StatusBadData},
		{"with a keyboard", with(func(m, _ map[string]any) {
			m["keyboard"] = map[string]any{"Type": "keyboard", "Buttons": []any{map[string]any{"Columns": 6, "Rows": 1, "ActionType": "reply", "ActionBody": "v1|y", "Text": "Back"}}}
		}), 0},
		{"non-tappable heading", with(func(_, rm map[string]any) {
			rm["Buttons"] = append([]any{map[string]any{"Columns": 6, "Rows": 2, "ActionType": "none", "ActionBody": "", "Text": "Tasks"}}, rm["Buttons"].([]any)...)
		}), 0},
	} {
		if got := statusOf(call(t, s, vibertest.Token, "send_message", tc.msg)); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}
	if n := len(b.Messages(ann.ID)); n != 4 {
		t.Errorf("Ann sees %d messages, want the 4 accepted", n)
	}
}

// A carousel stays in the chat: Tap finds a card of the last carousel
// when the keyboard has no such button, and TapIn one of an older
// carousel; a keyboard other than the last is gone for both.
func TestTapOnCarousel(t *testing.T) {
	t.Parallel()
	s, b, h := registered(t)
	send := func(m map[string]any) {
		t.Helper()
		if got := statusOf(call(t, s, vibertest.Token, "send_message", m)); got != 0 {
			t.Fatalf("status %d", got)
		}
	}
	old := carousel(ann.ID, "Old")
	old["keyboard"] = map[string]any{"Type": "keyboard", "Buttons": []any{map[string]any{"Columns": 6, "Rows": 1, "ActionType": "reply", "ActionBody": "v1|x|Gone", "Text": "Gone"}}}
	send(old)
	m := carousel(ann.ID, "A", "B")
	m["keyboard"] = map[string]any{"Type": "keyboard", "Buttons": []any{map[string]any{"Columns": 6, "Rows": 1, "ActionType": "reply", "ActionBody": "v1|x|Next", "Text": "Next"}}}
	send(m)
	for _, label := range []string{"B", "Next"} {
		if _, err := b.Tap(ann, label); err != nil {
			t.Fatal(err)
		}
		ev, _, _ := h.last()
		if msg, _ := ev["message"].(map[string]any); msg["text"] != "v1|x|"+label {
			t.Fatalf("tap on %q posted %v", label, msg)
		}
	}
	if _, err := b.Tap(ann, "Old"); err == nil {
		t.Fatal("Tap found a card of a carousel other than the last")
	}
	if _, err := b.Tap(ann, "Gone"); err == nil {
		t.Fatal("Tap found a button of a keyboard no longer shown")
	}
	if _, err := b.TapIn(ann, 0, "Old"); err != nil {
		t.Fatal(err)
	}
	if ev, _, _ := h.last(); ev["message"].(map[string]any)["text"] != "v1|x|Old" {
		t.Fatalf("TapIn posted %v", ev["message"])
	}
	if _, err := b.TapIn(ann, 0, "Gone"); err == nil {
		t.Fatal("TapIn pressed a keyboard no longer shown")
	}
	if _, err := b.TapIn(ann, 5, "A"); err == nil {
		t.Fatal("TapIn on a message never sent")
	}
}
