// Package telegramtest is an in-process fake of the Telegram Bot API for
// tests: an httptest server that a real go-telegram/bot client talks to
// through bot.WithServerURL.
//
// It parses request bodies as Telegram does (multipart/form-data, which
// go-telegram/bot sends for every method, URL-encoded forms and JSON), records
// every call, keeps the chats' messages as a person would see them (edits
// applied, HTML rendered), injects updates (text messages, button taps) for
// long polling or a registered webhook, and answers like Telegram where the
// project's code must cope: "message is not modified", "message to edit not
// found", 429 with retry_after, 403 for a blocked bot, over-long text, bad
// HTML, oversized callback data. Faults can be injected one at a time or as
// rules, and a limits mode enforces Telegram's flood limits for delivery
// benchmarks.
//
// Everything is safe for concurrent use; tests run it under -race.
package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Token is the bot token the server accepts; any other gets 401. The part
// before the colon is the bot's user id, as with real tokens.
const Token = "7000001:TEST-clubcrm-token"

// BotUsername is what getMe answers.
const BotUsername = "clubcrm_test_bot"

// Server is a fake Bot API. Create it with New.
type Server struct {
	// URL is the base URL to pass to bot.WithServerURL.
	URL string

	token  string // the token this bot answers to: Token, or one given to NewBotServer
	srv    *httptest.Server
	now    func() time.Time // the clock for limits and throttling; tests of this package replace it
	closed chan struct{}
	hook   *http.Client // delivers updates to a registered webhook

	mu      sync.Mutex
	calls   []Call
	cursor  int           // calls before this index predate the last injected update
	changed chan struct{} // closed and replaced on every recorded call or queued update

	updates    []queuedUpdate
	nextUpdate int64
	poll       chan struct{} // closed to end the current long poll with 409
	webhook    models.WebhookInfo
	secret     string

	chats     map[int64]*chat
	queries   []string        // callback query ids, in order
	answered  map[string]bool // callback query id → answered
	nextQuery int64
	commands  map[string][]models.BotCommand // by language_code; "" is the default

	faults    []fault
	throttled map[int64]time.Time // chat id (0: every chat) → 429 until
	blocked   map[int64]bool
	limits    Limits
	holds     map[string]time.Duration // method (lower case) → how long a call is held unseen; see Hold
	holdsSet  chan struct{}            // closed and replaced when holds change
	recentAll []time.Time              // accepted output within the last second
	recent    map[int64][]time.Time    // the same per chat
	violation int
	delays    map[string]time.Duration // lower-case method ("" every one but getUpdates) → answer delay
}

// New starts a fake Bot API server and closes it when the test ends.
func New(t testing.TB) *Server { return NewBotServer(t, Token) }

// NewBotServer starts the fake Bot API of a bot with its own token (the
// number before the colon is its user id), for tests with several bots:
// each has its own chats, limits and faults, as with Telegram. Mux serves
// several under one URL, as api.telegram.org does.
func NewBotServer(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{
		token:     token,
		now:       time.Now,
		closed:    make(chan struct{}),
		hook:      &http.Client{Timeout: 10 * time.Second},
		changed:   make(chan struct{}),
		chats:     map[int64]*chat{},
		answered:  map[string]bool{},
		commands:  map[string][]models.BotCommand{},
		throttled: map[int64]time.Time{},
		blocked:   map[int64]bool{},
		holds:     map[string]time.Duration{},
		holdsSet:  make(chan struct{}),
		delays:    map[string]time.Duration{},
		recent:    map[int64][]time.Time{},
	}
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close ends pending long polls and stops the server. New registers it
// with t.Cleanup; calling it twice is harmless.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closed:
		s.mu.Unlock()
		return
	default:
		close(s.closed)
	}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// NewBot returns a real go-telegram client talking to this server (it calls
// getMe, as bot.New does). opts come after the server URL, so they can
// override anything.
func (s *Server) NewBot(t testing.TB, opts ...tgbot.Option) *tgbot.Bot {
	t.Helper()
	all := append([]tgbot.Option{tgbot.WithServerURL(s.URL)}, opts...)
	b, err := tgbot.New(s.token, all...)
	if err != nil {
		t.Fatalf("telegramtest: new bot: %v", err)
	}
	return b
}

// botID is this bot's user id, the number before the colon of its token.
func (s *Server) botID() int64 {
	id, _ := strconv.ParseInt(strings.Split(s.token, ":")[0], 10, 64)
	return id
}

// Username is what getMe answers: BotUsername for the default token,
// "bot<id>_bot" for another.
func (s *Server) Username() string {
	if s.token == Token {
		return BotUsername
	}
	return fmt.Sprintf("bot%d_bot", s.botID())
}

// Token is the token this server answers to.
func (s *Server) Token() string { return s.token }

// apiError is a failed Bot API answer. Code is both the HTTP status and the
// error_code, as with Telegram.
type apiError struct {
	Code        int
	Description string
	RetryAfter  int
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{Code: http.StatusBadRequest, Description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

// handler implements one Bot API method. It locks s.mu itself, so that
// getUpdates can wait without holding it.
type handler func(s *Server, ctx context.Context, c *Call) (any, *apiError)

// methods maps lower-case method names (Telegram matches them
// case-insensitively) to their handlers.
var methods = map[string]handler{
	"getme":                  (*Server).getMe,
	"getupdates":             (*Server).getUpdates,
	"setwebhook":             (*Server).setWebhook,
	"deletewebhook":          (*Server).deleteWebhook,
	"getwebhookinfo":         (*Server).getWebhookInfo,
	"setmycommands":          (*Server).setMyCommands,
	"sendmessage":            (*Server).sendMessage,
	"editmessagetext":        (*Server).editMessageText,
	"editmessagereplymarkup": (*Server).editMessageReplyMarkup,
	"deletemessage":          (*Server).deleteMessage,
	"answercallbackquery":    (*Server).answerCallbackQuery,
	"sendphoto":              (*Server).sendPhoto,
	"senddocument":           (*Server).sendDocument,
	"sendchataction":         (*Server).sendChatAction,
}

// ServeHTTP routes /bot<token>/<method>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || method == "" {
		writeResult(w, nil, &apiError{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	if token != s.token {
		writeResult(w, nil, &apiError{Code: http.StatusUnauthorized, Description: "Unauthorized"})
		return
	}
	h, known := methods[strings.ToLower(method)]
	if !known {
		writeResult(w, nil, &apiError{Code: http.StatusNotFound, Description: "Not Found: method not found"})
		return
	}
	if !s.hold(r.Context(), method) {
		return // the client gave up waiting, or the server is closing
	}
	c := Call{Method: method}
	var err error
	c.Params, c.Files, err = parseBody(r)
	// The call arrives, for its Time and the flood limits, once its body is
	// in: Telegram can act only on a whole request, and a photo upload on a
	// slow network comes in well after its headers.
	now := s.clock()
	c.Time = now
	var res any
	var apiErr *apiError
	if err != nil {
		apiErr = badRequest("%v", err)
	} else if apiErr = s.fault(&c, now); apiErr == nil {
		res, apiErr = h(s, r.Context(), &c)
	}
	s.record(c, apiErr)
	if d := s.delay(method); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-s.closed:
		}
		t.Stop()
	}
	writeResult(w, res, apiErr)
}

// writeResult answers in the Bot API envelope.
func writeResult(w http.ResponseWriter, result any, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	if e != nil {
		body := map[string]any{"ok": false, "error_code": e.Code, "description": e.Description}
		if e.RetryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": e.RetryAfter}
		}
		w.WriteHeader(e.Code)
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

// parseBody reads parameters from the query string and the body, whatever
// its encoding. Values that are JSON (reply_markup, entities, numbers) are
// kept as their JSON text, as they arrive in a form; Call.JSON decodes them.
func parseBody(r *http.Request) (map[string]string, map[string]File, error) {
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	files := map[string]File{}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return params, files, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, nil, fmt.Errorf("bad content type %q", ct)
	}
	switch mt {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(64 << 20); err != nil {
			return nil, nil, fmt.Errorf("parse multipart body: %w", err)
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, nil, fmt.Errorf("open uploaded file %s: %w", k, err)
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				return nil, nil, fmt.Errorf("read uploaded file %s: %w", k, err)
			}
			files[k] = File{Name: fhs[0].Filename, Size: len(data), Bytes: data}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, nil, fmt.Errorf("parse form body: %w", err)
		}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
	case "application/json":
		var body map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("parse JSON body: %w", err)
		}
		for k, raw := range body {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				params[k] = str
			} else {
				params[k] = string(raw)
			}
		}
	default:
		return nil, nil, fmt.Errorf("unsupported content type %q", mt)
	}
	return params, files, nil
}

func (s *Server) getMe(_ context.Context, _ *Call) (any, *apiError) {
	return models.User{
		ID:            s.botID(),
		IsBot:         true,
		FirstName:     "ClubCRM Test",
		Username:      s.Username(),
		CanJoinGroups: true,
	}, nil
}

// Commands returns the command menu last set with setMyCommands for a
// language code ("" for the default menu).
func (s *Server) Commands(languageCode string) []models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]models.BotCommand(nil), s.commands[languageCode]...)
}

func (s *Server) setMyCommands(_ context.Context, c *Call) (any, *apiError) {
	var cmds []models.BotCommand
	if err := c.JSON("commands", &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands")
	}
	for _, cmd := range cmds {
		if !validCommand(cmd.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := len([]rune(strings.TrimSpace(cmd.Description))); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	lang := c.Params["language_code"]
	s.mu.Lock()
	s.commands[lang] = cmds
	s.mu.Unlock()
	return true, nil
}

// validCommand: 1-32 characters, lower-case English letters, digits and
// underscores.
func validCommand(cmd string) bool {
	if len(cmd) < 1 || len(cmd) > 32 {
		return false
	}
	for _, r := range cmd {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func (s *Server) sendChatAction(_ context.Context, c *Call) (any, *apiError) {
	if _, e := requireChat(c); e != nil {
		return nil, e
	}
	if c.Params["action"] == "" {
		return nil, badRequest("wrong parameter action in request")
	}
	return true, nil
}
