// Package vibertest is an in-process fake of the Viber REST Bot API for
// tests: an httptest server the real bot/viber client talks to (point it
// there with VIBER_API_URL), and the phones of the people talking to the
// bot, which post signed callbacks to the registered webhook as Viber does.
//
// The API side serves send_message, set_webhook (calling the webhook back
// with the "webhook" event and failing the registration unless it gets
// 200), get_account_info and get_user_details; it checks the auth token,
// validates messages as Viber does (receiver, 7,000 characters, 30 KB,
// keyboard buttons), refuses people who have not subscribed, enforces a
// per-bot rate and the 100-messages-an-hour-without-a-reply limit, answers
// error statuses on demand and slowly on demand, records every call, and
// keeps what each person sees: the messages, and the one keyboard Viber
// shows, the last message's. A message without a keyboard hides the one
// shown: Viber's documentation says only that "the client always displays
// the last keyboard sent", and bots report keyboards vanishing after a
// message without one, so the fake takes the stricter reading; code that
// works here works under either.
//
// Everything is safe for concurrent use; tests run it under -race.
package vibertest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Token is the auth token of the bot New creates.
const Token = "4a1f7c0d2e3b5a69-fake-viber-bot-token"

// Viber's limits the fake enforces.
const (
	MaxText         = 7000      // characters of a text message
	MaxBody         = 30 * 1024 // bytes of a send_message request
	MaxCaption      = 512       // characters under a picture
	MaxLabel        = 250       // characters of a button's Text
	MaxSenderName   = 28
	MaxCards        = 6   // cards (button groups) of a rich_media carousel
	UserHourlyLimit = 100 // messages to one person an hour without a reply from them
)

// Viber statuses the fake answers.
const (
	StatusOK             = 0
	StatusInvalidURL     = 1
	StatusInvalidToken   = 2
	StatusBadData        = 3
	StatusMissingData    = 4
	StatusNotRegistered  = 5
	StatusNotSubscribed  = 6
	StatusAccountBlocked = 7
	StatusRateLimit      = 12
	StatusFreeQuotaOver  = 23
	StatusNoBalance      = 24
)

var statusMessages = map[int]string{
	StatusOK:             "ok",
	StatusInvalidURL:     "invalidUrl",
	StatusInvalidToken:   "invalidAuthToken",
	StatusBadData:        "badData",
	StatusMissingData:    "missingData",
	StatusNotRegistered:  "receiverNotRegistered",
	StatusNotSubscribed:  "receiverNotSubscribed",
	StatusAccountBlocked: "accountBlocked",
	StatusRateLimit:      "tooManyRequests",
	StatusFreeQuotaOver:  "freeMessagesQuotaExceeded",
	StatusNoBalance:      "noBalance",
}

// Server is a fake Viber API. Create it with New.
type Server struct {
	// URL is the API base to give the client (VIBER_API_URL).
	URL string

	srv  *httptest.Server
	hook *http.Client
	now  func() time.Time

	mu        sync.Mutex
	bots      map[string]*Bot
	calls     []Call
	nextToken int64
	delay     time.Duration
	changed   chan struct{} // closed and replaced on every call and callback
}

// New starts a fake with one bot, Token, and closes it when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		now:       time.Now,
		hook:      &http.Client{Timeout: 10 * time.Second},
		bots:      map[string]*Bot{},
		nextToken: 5_100_000_000_000_000_000,
		changed:   make(chan struct{}),
	}
	s.Bot(Token)
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Bot is the bot with token, created on first use (a fake API serves any
// number of bots, each by its token).
func (s *Server) Bot(token string) *Bot {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bots[token]
	if !ok {
		n := len(s.bots) + 1
		b = &Bot{
			s: s, token: token,
			id:      fmt.Sprintf("pa:%d", 5000000000000000000+n),
			name:    fmt.Sprintf("ClubCRM test %d", n),
			users:   map[string]*phone{},
			failFor: map[string]int{},
		}
		s.bots[token] = b
	}
	return b
}

// SetDelay answers every API call d late (the call takes effect at once);
// 0 answers at once.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Calls are every API call so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsOf are the calls of method.
func (s *Server) CallsOf(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Await waits until cond (checked under no lock; it may call the Server's
// and Bot's getters) holds, or ctx ends.
func (s *Server) Await(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("vibertest: condition not met: %w", ctx.Err())
		}
	}
}

// notifyLocked wakes Await.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// ServeHTTP is the API: POST /<method> with a JSON body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/")
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	c := Call{Method: method, Token: r.Header.Get("X-Viber-Auth-Token"), Raw: raw}
	s.mu.Lock()
	b := s.bots[c.Token]
	delay := s.delay
	s.mu.Unlock()

	var answer map[string]any
	switch {
	case b == nil:
		answer = status(StatusInvalidToken)
	case method == "send_message":
		answer = b.sendMessage(&c)
	case method == "set_webhook":
		answer = b.setWebhook(r.Context(), &c)
	case method == "get_account_info":
		answer = b.accountInfo()
	case method == "get_user_details":
		answer = b.userDetails(&c)
	default:
		http.NotFound(w, r)
		return
	}
	c.Status, _ = answer["status"].(int)
	c.StatusMessage, _ = answer["status_message"].(string)
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.notifyLocked()
	s.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

// status is an answer with no more than a status.
func status(code int) map[string]any {
	return statusf(code, statusMessages[code])
}

func statusf(code int, msg string) map[string]any {
	return map[string]any{"status": code, "status_message": msg}
}

// sign is Viber's callback signature: hex HMAC-SHA256 of the body keyed
// with the token.
func sign(token string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// validate checks a send_message request as Viber does; 0 if it passes.
func validate(raw []byte, m *Message) (int, string) {
	if len(raw) > MaxBody {
		return StatusBadData, fmt.Sprintf("message is %d bytes, over %d", len(raw), MaxBody)
	}
	if m.Receiver == "" {
		return StatusMissingData, "receiver is missing"
	}
	if m.Sender.Name == "" {
		return StatusMissingData, "sender name is missing"
	}
	if utf8.RuneCountInString(m.Sender.Name) > MaxSenderName {
		return StatusBadData, "sender name is too long"
	}
	switch m.Type {
	case "text":
		if m.Text == "" {
			return StatusMissingData, "text is missing"
		}
		if n := utf8.RuneCountInString(m.Text); n > MaxText {
			return StatusBadData, fmt.Sprintf("text is %d characters, over %d", n, MaxText)
		}
	case "picture":
		if !strings.HasPrefix(m.Media, "http") {
			return StatusMissingData, "media is missing"
		}
		if utf8.RuneCountInString(m.Text) > MaxCaption {
			return StatusBadData, "picture text is too long"
		}
	case "file":
		if !strings.HasPrefix(m.Media, "http") || m.Size <= 0 || m.FileName == "" {
			return StatusMissingData, "file needs media, size and file_name"
		}
	case "rich_media":
		if code, msg := validateRichMedia(m); code != 0 {
			return code, msg
		}
	default:
		return StatusBadData, fmt.Sprintf("unknown message type %q", m.Type)
	}
	if k := m.Keyboard; k != nil {
		if k.Type != "keyboard" {
			return StatusBadData, "keyboard Type must be \"keyboard\""
		}
		if len(k.Buttons) == 0 {
			return StatusBadData, "keyboard has no buttons"
		}
		if code, msg := validateButtons(k.Buttons, 2); code != 0 {
			return code, msg
		}
	}
	return 0, ""
}

// validateRichMedia checks a carousel as Viber documents it: min_api_version
// 2 or more, Type "rich_media", a card of 1..6 columns and 1..7 rows (6
// and 7 when not given), buttons no larger than a card, and at most
// MaxCards cards' worth of cells.
func validateRichMedia(m *Message) (int, string) {
	rm := m.RichMedia
	if rm == nil || len(rm.Buttons) == 0 {
		return StatusMissingData, "rich_media is missing"
	}
	if m.MinAPIVersion < 2 {
		return StatusBadData, "rich_media needs min_api_version 2 or more"
	}
	if rm.Type != "rich_media" {
		return StatusBadData, "rich_media Type must be \"rich_media\""
	}
	cols, rows := rm.ButtonsGroupColumns, rm.ButtonsGroupRows
	if cols == 0 {
		cols = 6
	}
	if rows == 0 {
		rows = 7
	}
	if cols < 1 || cols > 6 || rows < 1 || rows > 7 {
		return StatusBadData, fmt.Sprintf("rich_media card %dx%d not within 6x7", cols, rows)
	}
	if code, msg := validateButtons(rm.Buttons, rows); code != 0 {
		return code, msg
	}
	cells := 0
	for i, b := range rm.Buttons {
		if b.Columns > cols {
			return StatusBadData, fmt.Sprintf("rich_media button %d: Columns %d wider than the card's %d", i, b.Columns, cols)
		}
		cells += max(b.Columns, 1) * max(b.Rows, 1)
	}
	if cells > MaxCards*cols*rows {
		return StatusBadData, fmt.Sprintf("rich_media has %d cells, over %d cards of %dx%d", cells, MaxCards, cols, rows)
	}
	return 0, ""
}

func validateButtons(bs []Button, maxRows int) (int, string) {
	for i, b := range bs {
		switch {
		case b.Columns < 0 || b.Columns > 6:
			return StatusBadData, fmt.Sprintf("button %d: Columns %d not in 1..6", i, b.Columns)
		case b.Rows < 0 || b.Rows > maxRows:
			return StatusBadData, fmt.Sprintf("button %d: Rows %d not in 1..%d", i, b.Rows, maxRows)
		case b.ActionType != "reply" && b.ActionType != "open-url" && b.ActionType != "none":
			return StatusBadData, fmt.Sprintf("button %d: ActionType %q", i, b.ActionType)
		case b.ActionType != "none" && b.ActionBody == "":
			return StatusMissingData, fmt.Sprintf("button %d: ActionBody is missing", i)
		case utf8.RuneCountInString(b.Text) > MaxLabel:
			return StatusBadData, fmt.Sprintf("button %d: Text over %d characters", i, MaxLabel)
		}
	}
	return 0, ""
}
