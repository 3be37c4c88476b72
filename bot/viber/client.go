// Package viber is the Viber channel: a thin client of the Viber REST Bot
// API (Client), the transport that renders the neutral screens of
// domain/chat for one bot (Channel), the webhook that turns Viber's signed
// callbacks into chat.Updates (Webhook), and the short-lived file links
// Viber fetches charts and workbooks from (FileStore).
//
// Viber differs from Telegram in ways the package absorbs: no HTML (the
// markup is dropped), no edits (a screen change is a new message), one
// keyboard per chat (only the last message's keyboard is visible, so every
// screen that expects a choice carries its own), files by URL only, and
// callbacks retried for an hour until answered 200 (deduplicated by
// message_token). See /work/shared/VIBER.md for the API facts.
//
// A list screen (chat.Message.ListRows ≥ 2) goes as ONE rich_media
// carousel (Carousel): its heading the first card, an item a card, and the
// screen's other rows as the chat keyboard sent with that same message, so
// a list costs one message against the 100-an-hour limit and the bill, and
// the last message still carries the keyboard in force. A carousel's cards
// stay tappable on old messages, as Telegram's inline buttons do; callback
// data is versioned and re-checked when it comes back, so a stale card is
// answered "out of date". Within Viber's limits (6 cards a carousel, cards
// of at most 6×7, rich_media from min_api_version 2, 30 KB a message);
// a list that would pass them goes as text and a keyboard, as before.
package viber

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain/chat"
)

// DefaultAPIURL is Viber's API base; VIBER_API_URL points the client at a
// fake (bot/vibertest) instead.
const DefaultAPIURL = "https://chatapi.viber.com/pa"

// RateLimitBackoff is the pause a rate-control breach (status 12) asks
// for. Viber names none; its per-user limit is 100 messages an hour
// without a reply, so a minute keeps retries cheap without hammering.
const RateLimitBackoff = time.Minute

// requestTimeout bounds one API call when the caller's context has no
// earlier deadline.
const requestTimeout = 15 * time.Second

// maxResponse bounds an answer read from the API; real ones are a few
// hundred bytes.
const maxResponse = 1 << 20

// Errors the client maps Viber's statuses to, besides chat.ErrUnreachable
// and *chat.RetryAfterError. Both mean the bot cannot deliver anything
// until an operator acts: the notifier alerts on them, never drops a
// message silently.
var (
	// ErrNoBalance: the free out-of-session quota is used up (status 23) or
	// a billable bot has no balance (24).
	ErrNoBalance = errors.New("viber: no balance for out-of-session messages")
	// ErrAccountBlocked: the bot's account is blocked (7) or suspended (9).
	ErrAccountBlocked = errors.New("viber: bot account blocked or suspended")
)

// Viber status codes the client acts on.
const (
	StatusOK              = 0
	StatusInvalidURL      = 1
	StatusInvalidToken    = 2
	StatusBadData         = 3
	StatusMissingData     = 4
	StatusNotRegistered   = 5
	StatusNotSubscribed   = 6
	StatusAccountBlocked  = 7
	StatusAccountSuspend  = 9
	StatusNoWebhook       = 10
	StatusRateLimit       = 12
	StatusFreeQuotaUsedUp = 23
	StatusNoBalance       = 24
)

// APIError is a non-zero status from Viber. The client wraps it with the
// neutral error its status means (see Client), so callers test with
// errors.Is/As and logs keep the original status.
type APIError struct {
	Method        string
	Status        int
	StatusMessage string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("viber %s: status %d: %s", e.Method, e.Status, e.StatusMessage)
}

// Client calls the Viber REST Bot API with one bot's token. It never puts
// the token anywhere but the X-Viber-Auth-Token header: not in URLs, errors
// or logs.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// NewClient returns a client for the bot with token. baseURL "" means
// DefaultAPIURL; hc nil means a client with a 30-second overall timeout.
func NewClient(baseURL, token string, hc *http.Client) *Client {
	if baseURL == "" {
		baseURL = DefaultAPIURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, http: hc}
}

// SendMessage sends m and returns its message_token. Errors: status 5 or 6
// wrap chat.ErrUnreachable; 12 wraps *chat.RetryAfterError (After
// RateLimitBackoff); 23 and 24 wrap ErrNoBalance; 7 and 9 wrap
// ErrAccountBlocked; any other status is an *APIError.
func (c *Client) SendMessage(ctx context.Context, m *Message) (int64, error) {
	var r response
	if err := c.call(ctx, "send_message", m, &r); err != nil {
		return 0, err
	}
	return r.MessageToken, nil
}

// SetWebhook registers url for the bot's callbacks (Viber calls it at once
// with the "webhook" event and fails the registration unless that gets
// 200). eventTypes nil subscribes to Viber's default set; url "" removes
// the webhook.
func (c *Client) SetWebhook(ctx context.Context, url string, eventTypes []string) error {
	req := struct {
		URL        string   `json:"url"`
		EventTypes []string `json:"event_types,omitempty"`
		SendName   bool     `json:"send_name"`
		SendPhoto  bool     `json:"send_photo"`
	}{URL: url, EventTypes: eventTypes, SendName: true}
	var r response
	return c.call(ctx, "set_webhook", req, &r)
}

// GetAccountInfo returns the bot's account details, its webhook among them.
func (c *Client) GetAccountInfo(ctx context.Context) (AccountInfo, error) {
	var r struct {
		response
		AccountInfo
	}
	if err := c.call(ctx, "get_account_info", struct{}{}, &r); err != nil {
		return AccountInfo{}, err
	}
	return r.AccountInfo, nil
}

// GetUserDetails returns what Viber tells about the person id (a
// subscriber of the bot).
func (c *Client) GetUserDetails(ctx context.Context, id string) (UserDetails, error) {
	var r struct {
		response
		User UserDetails `json:"user"`
	}
	if err := c.call(ctx, "get_user_details", struct {
		ID string `json:"id"`
	}{id}, &r); err != nil {
		return UserDetails{}, err
	}
	return r.User, nil
}

// statusOf lets call read the envelope of any answer type.
type statusOf interface{ envelope() *response }

func (r *response) envelope() *response { return r }

// call posts req as JSON to method and decodes the answer into out, mapping
// a non-zero status to the errors SendMessage documents.
func (c *Client) call(ctx context.Context, method string, req any, out statusOf) error {
	body, err := Marshal(req)
	if err != nil {
		return fmt.Errorf("viber %s: encode: %w", method, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, requestTimeout)
		defer cancel()
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("viber %s: %w", method, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("X-Viber-Auth-Token", c.token)
	resp, err := c.http.Do(hr)
	if err != nil {
		return fmt.Errorf("viber %s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("viber %s: read answer: %w", method, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("viber %s: HTTP %d", method, resp.StatusCode)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("viber %s: decode answer: %w", method, err)
	}
	if env := out.envelope(); env.Status != StatusOK {
		return statusError(&APIError{Method: method, Status: env.Status, StatusMessage: env.StatusMessage})
	}
	return nil
}

// statusError wraps e with the neutral error its status means.
func statusError(e *APIError) error {
	switch e.Status {
	case StatusNotRegistered, StatusNotSubscribed:
		return fmt.Errorf("%w: %w", chat.ErrUnreachable, e)
	case StatusRateLimit:
		return fmt.Errorf("%w: %w", &chat.RetryAfterError{After: RateLimitBackoff}, e)
	case StatusFreeQuotaUsedUp, StatusNoBalance:
		return fmt.Errorf("%w: %w", ErrNoBalance, e)
	case StatusAccountBlocked, StatusAccountSuspend:
		return fmt.Errorf("%w: %w", ErrAccountBlocked, e)
	default:
		return e
	}
}

// Marshal encodes v as Viber reads it: JSON without Go's escaping of <, >
// and &, which would triple the size of text that has them and count
// against the 30 KB limit.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
