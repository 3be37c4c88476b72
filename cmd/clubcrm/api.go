package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/inbound"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/secret"
)

// maxAPIBody bounds an inbound request body. A lead, a call or an event is
// well under a kilobyte; 64 KiB leaves room for long form answers.
const maxAPIBody = 64 << 10

// api is the inbound HTTP API (/api/v1/...): per-club keys, JSON in and out,
// every accepted event stored first (inbox + outbox row, one transaction)
// and processed by the workers. It is described in docs/openapi.yaml.
type api struct {
	db      *postgres.DB
	limiter *apiLimiter
	log     *slog.Logger
	// box opens the clubs' sealed phone secrets (phone_secrets); nil when
	// SECRETS_KEY is not set, and then signed notifications are refused.
	box *secret.Box
}

func (a *app) api() http.Handler {
	h := &api{db: a.db, log: a.log.With(slog.String("component", "api")),
		limiter: &apiLimiter{rdb: a.rdb, prefix: a.cfg.QueuePrefix, perMinute: a.cfg.APIRatePerMin}}
	// loadConfig has refused a malformed SECRETS_KEY, so the only error
	// left is an unset one: no box.
	if box, err := secret.New(a.cfg.SecretsKey); err == nil {
		h.box = box
	}
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/leads", h.auth(h.leadJSON))
	mux.Handle("POST /api/v1/leads/form", h.auth(h.leadForm))
	mux.Handle("GET /api/v1/inbox/{id}", h.auth(h.inboxGet))
	mux.Handle("POST /api/v1/events", h.auth(h.event))
	mux.Handle("POST /api/v1/calls/{provider}", h.auth(h.call)) // api_call.go
	mux.Handle("GET /api/v1/calls/{provider}", h.auth(h.callCheck))
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, codeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// apiError writes the one shape every refusal has:
// {"error": {"code": "...", "message": "..."}}.
func apiError(w http.ResponseWriter, status int, code domain.Code, msg string) {
	apiJSON(w, status, map[string]any{"error": map[string]string{"code": string(code), "message": msg}})
}

func apiJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// auth accepts a request that carries a live key of some club (in
// "Authorization: Bearer KEY" or "X-Api-Key: KEY") and is within the key's
// rate; the handler then sees only that club's data. Nothing is read or
// stored for a refused request.
func (h *api) auth(next func(http.ResponseWriter, *http.Request, postgres.APICaller)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := inbound.BearerKey(r.Header.Get("Authorization"))
		if key == "" {
			key = strings.TrimSpace(r.Header.Get("X-Api-Key"))
		}
		if key == "" && (r.URL.Path == "/api/v1/leads/form" || strings.HasPrefix(r.URL.Path, "/api/v1/calls/")) {
			// Site builders' forms and phone systems' webhooks often can
			// only be given a URL, not a header.
			key = r.URL.Query().Get("api_key")
		}
		if key == "" {
			apiError(w, http.StatusUnauthorized, codeAPIKeyRequired, "send the club's API key as \"Authorization: Bearer KEY\"")
			return
		}
		c, err := h.db.APIKeyAuth(r.Context(), key)
		if errors.Is(err, domain.ErrNotFound) {
			apiError(w, http.StatusUnauthorized, codeAPIKeyInvalid, "the API key is unknown or revoked")
			return
		}
		if err != nil {
			h.internal(w, r, "authenticate", err)
			return
		}
		retry, err := h.limiter.allow(r.Context(), c.KeyID)
		if err != nil {
			h.internal(w, r, "rate limit", err)
			return
		}
		if retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
			apiError(w, http.StatusTooManyRequests, codeRateLimited, "too many requests with this key; retry after the time in Retry-After")
			return
		}
		next(w, r, c)
	})
}

func (h *api) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.log.ErrorContext(r.Context(), "api: "+what, slog.String("path", r.URL.Path), slog.Any("err", err))
	apiError(w, http.StatusInternalServerError, codeInternal, "the request could not be handled; retry later")
}

// readBody reads at most maxAPIBody bytes; a larger body is refused whole.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPIBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		apiError(w, http.StatusRequestEntityTooLarge, codeBodyTooLarge, fmt.Sprintf("the body may be at most %d bytes", maxAPIBody))
		return nil, false
	}
	if err != nil {
		apiError(w, http.StatusBadRequest, codeBodyUnreadable, "the body could not be read")
		return nil, false
	}
	return b, true
}

// invalid answers a domain validation error: 422 with its code.
func invalid(w http.ResponseWriter, err error) {
	code := domain.ErrorCode(err)
	if code == "" {
		code = codeInvalid
	}
	apiError(w, http.StatusUnprocessableEntity, code, err.Error())
}

// leadRequest is the JSON body of POST /api/v1/leads.
type leadRequest struct {
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
	Source      string `json:"source"`
	Comment     string `json:"comment"`
	UTMSource   string `json:"utm_source"`
	UTMMedium   string `json:"utm_medium"`
	UTMCampaign string `json:"utm_campaign"`
	UTMTerm     string `json:"utm_term"`
	UTMContent  string `json:"utm_content"`
}

func (q leadRequest) lead() inbound.Lead {
	l := inbound.Lead{Name: q.Name, Phone: q.Phone, Email: q.Email, Source: q.Source, Comment: q.Comment, UTM: map[string]string{}}
	for k, v := range map[string]string{"utm_source": q.UTMSource, "utm_medium": q.UTMMedium,
		"utm_campaign": q.UTMCampaign, "utm_term": q.UTMTerm, "utm_content": q.UTMContent} {
		if v = strings.TrimSpace(v); v != "" {
			l.UTM[k] = v
		}
	}
	if len(l.UTM) == 0 {
		l.UTM = nil
	}
	return l
}

func (h *api) leadJSON(w http.ResponseWriter, r *http.Request, c postgres.APICaller) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		apiError(w, http.StatusUnsupportedMediaType, codeJSONRequired, "send the lead as application/json")
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var q leadRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		apiError(w, http.StatusBadRequest, domain.CodeJSONInvalid, "the body is not a lead object: "+err.Error())
		return
	}
	if dec.More() {
		apiError(w, http.StatusBadRequest, domain.CodeJSONInvalid, "the body must hold one JSON object")
		return
	}
	h.acceptLead(w, r, c, q.lead(), r.Header.Get("Idempotency-Key"), body)
}

// leadForm takes a site builder's form post (Tilda's webhook, an HTML form):
// application/x-www-form-urlencoded or multipart/form-data.
func (h *api) leadForm(w http.ResponseWriter, r *http.Request, c postgres.APICaller) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var vals url.Values
	switch mt {
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			apiError(w, http.StatusBadRequest, domain.CodeFormInvalid, "the form body could not be parsed")
			return
		}
		vals = v
	case "multipart/form-data":
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(body))
		r2.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
		if err := r2.ParseMultipartForm(maxAPIBody); err != nil {
			apiError(w, http.StatusBadRequest, domain.CodeFormInvalid, "the form body could not be parsed")
			return
		}
		vals = r2.MultipartForm.Value
	default:
		apiError(w, http.StatusUnsupportedMediaType, codeFormRequired, "send the form as application/x-www-form-urlencoded or multipart/form-data")
		return
	}
	if inbound.IsTildaTest(vals) {
		apiJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	vals.Del("api_key")
	l, idem := inbound.LeadFromForm(vals)
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		idem = k
	}
	h.acceptLead(w, r, c, l, idem, body)
}

// acceptLead validates a lead and stores it (inbox + outbox). Without a key
// from the caller or the form, the body's hash is the key, so a retried
// delivery of the same bytes is recognised.
func (h *api) acceptLead(w http.ResponseWriter, r *http.Request, c postgres.APICaller, l inbound.Lead, idem string, body []byte) {
	l, err := l.Normalize(c.PhoneCode)
	if err != nil {
		invalid(w, err)
		return
	}
	if idem == "" {
		idem = inbound.BodyKey(body)
	} else if err := inbound.ValidIdemKey(idem); err != nil {
		invalid(w, err)
		return
	}
	h.store(w, r, postgres.InboxAddInput{ClubID: c.ClubID, APIKeyID: c.KeyID, Kind: inbound.KindLead, IdemKey: idem, Payload: l})
}

// store writes the event and answers 200 once it is committed; a duplicate
// answers 200 with the first delivery's id and "duplicate".
func (h *api) store(w http.ResponseWriter, r *http.Request, in postgres.InboxAddInput) {
	if it, status, ok := h.add(w, r, in); ok {
		apiJSON(w, http.StatusOK, map[string]any{"id": it.ID, "kind": it.Kind, "status": status})
	}
}

// add stores an accepted event and returns it with "accepted" or
// "duplicate"; on a refusal it has answered the request and returns false.
func (h *api) add(w http.ResponseWriter, r *http.Request, in postgres.InboxAddInput) (postgres.InboxItem, string, bool) {
	// The write must finish even if the sender hangs up: it may retry, and
	// finds the row then.
	it, dup, err := h.db.InboxAdd(context.WithoutCancel(r.Context()), in)
	if err != nil {
		if errors.Is(err, domain.ErrInvalid) {
			invalid(w, err)
			return it, "", false
		}
		h.internal(w, r, "store "+in.Kind, err)
		return it, "", false
	}
	status := "accepted"
	if dup {
		status = "duplicate"
	}
	h.log.InfoContext(r.Context(), "inbound event "+status, slog.Int64("club_id", in.ClubID), slog.Int64("inbox_id", it.ID), slog.String("kind", in.Kind))
	return it, status, true
}

// eventRequest is the JSON body of POST /api/v1/events.
type eventRequest struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Client struct {
		Phone string `json:"phone"`
		Name  string `json:"name"`
	} `json:"client"`
	Days int    `json:"days"`
	Date string `json:"date"`
}

// event takes an event of the club-management system. Its own id (or an
// Idempotency-Key, or the body's hash) makes a repeated delivery one event.
func (h *api) event(w http.ResponseWriter, r *http.Request, c postgres.APICaller) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		apiError(w, http.StatusUnsupportedMediaType, codeJSONRequired, "send the event as application/json")
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var q eventRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		apiError(w, http.StatusBadRequest, domain.CodeJSONInvalid, "the body is not an event object: "+err.Error())
		return
	}
	e, err := inbound.Event{ID: q.ID, Type: q.Type, Phone: q.Client.Phone, Name: q.Client.Name, Days: q.Days, Date: q.Date}.Normalize(c.PhoneCode)
	if err != nil {
		invalid(w, err)
		return
	}
	idem := r.Header.Get("Idempotency-Key")
	switch {
	case idem != "":
		if err := inbound.ValidIdemKey(idem); err != nil {
			invalid(w, err)
			return
		}
	case e.ID != "":
		idem = "event:" + e.ID
	default:
		idem = inbound.BodyKey(body)
	}
	h.store(w, r, postgres.InboxAddInput{ClubID: c.ClubID, APIKeyID: c.KeyID, Kind: inbound.KindEvent, IdemKey: idem, Payload: e})
}

// inboxGet shows what became of an event: GET /api/v1/inbox/{id}. Another
// club's event is 404, as a missing one is.
func (h *api) inboxGet(w http.ResponseWriter, r *http.Request, c postgres.APICaller) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		apiError(w, http.StatusNotFound, codeNotFound, "no such event")
		return
	}
	it, err := h.db.InboxGet(r.Context(), c.ClubID, id)
	if errors.Is(err, domain.ErrNotFound) {
		apiError(w, http.StatusNotFound, codeNotFound, "no such event")
		return
	}
	if err != nil {
		h.internal(w, r, "inbox get", err)
		return
	}
	out := map[string]any{"id": it.ID, "kind": it.Kind, "received_at": it.ReceivedAt, "status": "pending"}
	if it.ProcessedAt != nil {
		out["status"], out["processed_at"], out["outcome"] = "processed", it.ProcessedAt, it.Outcome
	}
	if it.ClientID != 0 {
		out["client_id"] = it.ClientID
	}
	if it.TaskID != 0 {
		out["task_id"] = it.TaskID
	}
	apiJSON(w, http.StatusOK, out)
}

// apiLimiter is a fixed-window rate limit per API key, in Redis so that
// every replica counts together: perMinute requests a minute, then 429 with
// the time left in the window.
type apiLimiter struct {
	rdb       redis.UniversalClient
	prefix    string
	perMinute int
}

var apiLimitScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`)

// allow counts a request of the key; a positive duration means refused,
// retry after it.
func (l *apiLimiter) allow(ctx context.Context, keyID int64) (time.Duration, error) {
	key := l.prefix + "clubcrm:api:rate:{" + strconv.FormatInt(keyID, 10) + "}"
	res, err := apiLimitScript.Run(ctx, l.rdb, []string{key}, time.Minute.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, fmt.Errorf("api rate limit: %w", err)
	}
	if res[0] <= int64(l.perMinute) {
		return 0, nil
	}
	ttl := time.Duration(res[1]) * time.Millisecond
	if ttl <= 0 {
		ttl = time.Second
	}
	return ttl, nil
}
