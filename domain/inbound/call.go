package inbound

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// KindCall is the inbox kind of a phone-system call.
const KindCall = "call"

// Phone-system providers with an adapter.
const (
	ProviderGeneric   = "generic"
	ProviderBinotel   = "binotel"
	ProviderRingostat = "ringostat"
	ProviderZadarma   = "zadarma"
)

// Providers lists the adapters.
var Providers = []string{ProviderGeneric, ProviderBinotel, ProviderRingostat, ProviderZadarma}

// Call is a finished call as a phone system reports it, normalised: the
// client's phone in E.164, the club's line (extension or SIP login) that
// took or made it, whether it was answered, how long the talk was.
type Call struct {
	Provider  string    `json:"provider"`
	ID        string    `json:"id"` // the provider's call id: a retried report is the same call
	Direction string    `json:"direction"`
	Phone     string    `json:"phone"`
	Line      string    `json:"line,omitempty"`
	Answered  bool      `json:"answered"`
	Seconds   int       `json:"seconds"`
	Recording string    `json:"recording,omitempty"`
	StartedAt time.Time `json:"started_at"`
}

// ErrSkip is returned for a notification that is not a finished call (a
// provider's "call started" or a connection check): answer 200, store nothing.
var ErrSkip = fmt.Errorf("not a finished call")

// ParseCall reads a provider's webhook body into a Call. contentType picks
// form or JSON where a provider sends either.
func ParseCall(provider, contentType string, body []byte, phoneCode string, loc *time.Location) (Call, error) {
	var (
		c   Call
		err error
	)
	switch provider {
	case ProviderGeneric:
		c, err = parseGeneric(body)
	case ProviderBinotel:
		c, err = parseBinotel(body, loc)
	case ProviderRingostat:
		c, err = parseRingostat(body, loc)
	case ProviderZadarma:
		c, err = parseZadarma(body, loc)
	default:
		return Call{}, domain.Invalid(domain.CodeProviderUnknown, fmt.Sprintf("unknown phone system %q; known: %s", provider, strings.Join(Providers, ", ")), nil)
	}
	if err != nil {
		return Call{}, err
	}
	c.Provider = provider
	return c.normalize(phoneCode)
}

func (c Call) normalize(phoneCode string) (Call, error) {
	c.ID = strings.TrimSpace(c.ID)
	if c.ID == "" || len(c.ID) > 150 {
		return Call{}, domain.Invalid(domain.CodeCallIDInvalid, "the call has no id (1-150 characters)", nil)
	}
	if c.Direction != "in" && c.Direction != "out" {
		return Call{}, domain.Invalid(domain.CodeDirectionInvalid, fmt.Sprintf("call direction %q is not in or out", c.Direction), nil)
	}
	p, err := domain.NormalizePhone(c.Phone, phoneCode)
	if err != nil {
		return Call{}, err
	}
	c.Phone = p
	c.Line = strings.TrimSpace(c.Line)
	if c.Seconds < 0 || c.Seconds > 24*3600 {
		return Call{}, domain.Invalid(domain.CodeDurationInvalid, "call duration must be 0..86400 seconds", nil)
	}
	if c.Recording != "" {
		u, err := url.Parse(c.Recording)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || len(c.Recording) > 1000 {
			return Call{}, domain.Invalid(domain.CodeRecordingInvalid, "the recording link must be an http(s) URL", nil)
		}
	}
	if c.StartedAt.IsZero() {
		return Call{}, domain.Invalid(domain.CodeStartInvalid, "the call has no start time", nil)
	}
	return c, nil
}

// parseGeneric reads clubcrm's own JSON shape (docs/openapi.yaml), for a
// phone system without an adapter or a script of the club's own.
func parseGeneric(body []byte) (Call, error) {
	var g struct {
		ID        string    `json:"id"`
		Direction string    `json:"direction"`
		Phone     string    `json:"phone"`
		Line      string    `json:"line"`
		Answered  bool      `json:"answered"`
		Seconds   int       `json:"duration_seconds"`
		Recording string    `json:"recording_url"`
		StartedAt time.Time `json:"started_at"`
	}
	if err := json.Unmarshal(body, &g); err != nil {
		return Call{}, domain.Invalid(domain.CodeJSONInvalid, "the body is not a call object: "+err.Error(), nil)
	}
	return Call{ID: g.ID, Direction: g.Direction, Phone: g.Phone, Line: g.Line, Answered: g.Answered,
		Seconds: g.Seconds, Recording: g.Recording, StartedAt: g.StartedAt}, nil
}

// parseBinotel reads Binotel's "apiCallCompleted" webhook: a form post with
// requestType and callDetails[...] fields (developers.binotel.ua, WebHooks:
// callType 0 incoming / 1 outgoing, disposition ANSWER, TRANSFER, NOANSWER,
// BUSY, CANCEL, CHANUNAVAIL, VM, VM-SUCCESS, ..., billsec, startTime in Unix
// seconds, internalNumber the employee's line, linkToCallRecordInMyBusiness
// when recorded; see testdata/README.md). ANSWER and TRANSFER (answered,
// then put through to someone else) are a conversation; a voicemail is not.
// Other request types (receivedTheCall, apiCallSettings) are not finished
// calls.
func parseBinotel(body []byte, _ *time.Location) (Call, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return Call{}, domain.Invalid(domain.CodeFormInvalid, "the form body could not be parsed", nil)
	}
	if v.Get("requestType") != "apiCallCompleted" {
		return Call{}, ErrSkip
	}
	d := func(k string) string { return strings.TrimSpace(v.Get("callDetails[" + k + "]")) }
	c := Call{ID: d("generalCallID"), Phone: d("externalNumber"), Line: d("internalNumber"),
		Answered: binotelAnswered(d("disposition")), Recording: d("linkToCallRecordInMyBusiness")}
	switch d("callType") {
	case "0":
		c.Direction = "in"
	case "1":
		c.Direction = "out"
	}
	c.Seconds, _ = strconv.Atoi(d("billsec"))
	if ts, err := strconv.ParseInt(d("startTime"), 10, 64); err == nil && ts > 0 {
		c.StartedAt = time.Unix(ts, 0).UTC()
	}
	return c, nil
}

// binotelAnswered reports whether a Binotel disposition is a call someone
// talked on.
func binotelAnswered(disposition string) bool {
	return disposition == "ANSWER" || disposition == "TRANSFER"
}

// ringostatAnswered reports whether a Ringostat call status is a call
// someone talked on: ANSWERED, and its "proper" (a targeted call) and
// "repeated" (a caller who called before) kinds of an answered call.
func ringostatAnswered(status string) bool {
	switch strings.ToUpper(status) {
	case "ANSWERED", "PROPER", "REPEATED":
		return true
	}
	return false
}

// parseRingostat reads Ringostat's "after call" webhook in JSON (Webhooks
// 2.0, help.ringostat.com "Webhooks. Incoming call event"): the parameters
// are chosen in Ringostat's webhook settings; this adapter expects uniqueid,
// call_type (in/out), caller, dst (the employee's SIP login or number),
// disposition (ANSWERED, PROPER, REPEATED, NO ANSWER, BUSY, FAILED), billsec, calldate
// ("2006-01-02 15:04:05" in the project's zone) and recording.
func parseRingostat(body []byte, loc *time.Location) (Call, error) {
	var r map[string]any
	if err := json.Unmarshal(body, &r); err != nil {
		return Call{}, domain.Invalid(domain.CodeJSONInvalid, "the body is not a JSON object: "+err.Error(), nil)
	}
	s := func(k string) string {
		switch x := r[k].(type) {
		case string:
			return strings.TrimSpace(x)
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return ""
	}
	c := Call{ID: s("uniqueid"), Recording: s("recording")}
	switch strings.ToLower(s("call_type")) {
	case "in", "incoming":
		c.Direction, c.Phone, c.Line = "in", s("caller"), s("dst")
	case "out", "outgoing":
		c.Direction, c.Phone, c.Line = "out", s("dst"), s("caller")
	}
	c.Answered = ringostatAnswered(s("disposition"))
	c.Seconds, _ = strconv.Atoi(s("billsec"))
	if t, err := time.ParseInLocation("2006-01-02 15:04:05", s("calldate"), loc); err == nil {
		c.StartedAt = t
	}
	return c, nil
}

// parseZadarma reads Zadarma's NOTIFY_END (incoming call finished) and
// NOTIFY_OUT_END (outgoing) notifications: form posts with event,
// call_start ("2006-01-02 15:04:05" in the account's zone), pbx_call_id,
// caller_id, called_did, internal, duration, disposition ("answered", "no
// answer", "busy", ...), is_recorded and call_id_with_rec (zadarma.com
// support/api "Notifications", and zadarma/user-api-v1 lib/Webhook).
// Other events (NOTIFY_START, NOTIFY_INTERNAL, NOTIFY_ANSWER) are skipped.
func parseZadarma(body []byte, loc *time.Location) (Call, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return Call{}, domain.Invalid(domain.CodeFormInvalid, "the form body could not be parsed", nil)
	}
	g := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	c := Call{ID: g("pbx_call_id"), Line: g("internal"), Answered: g("disposition") == "answered"}
	switch g("event") {
	case "NOTIFY_END":
		c.Direction, c.Phone = "in", g("caller_id")
	case "NOTIFY_OUT_END":
		c.Direction, c.Phone = "out", g("destination")
	default:
		return Call{}, ErrSkip
	}
	c.Seconds, _ = strconv.Atoi(g("duration"))
	if t, err := time.ParseInLocation("2006-01-02 15:04:05", g("call_start"), loc); err == nil {
		c.StartedAt = t
	}
	if g("is_recorded") == "1" && g("call_id_with_rec") != "" {
		// Zadarma gives a recording id, fetched through its API; kept as a
		// link into the club's Zadarma account.
		c.Recording = "https://my.zadarma.com/mypbx/stat/?call_id=" + url.QueryEscape(g("call_id_with_rec"))
	}
	return c, nil
}

// ZadarmaSignatureOK checks Zadarma's Signature header: base64 of the
// HMAC-SHA1, keyed by the account's API secret, of a string that depends
// on the event (caller_id + called_did + call_start for NOTIFY_START and
// NOTIFY_END; internal + destination + call_start for NOTIFY_OUT_END).
func ZadarmaSignatureOK(body []byte, signature, secret string) bool {
	v, err := url.ParseQuery(string(body))
	if err != nil || secret == "" || signature == "" {
		return false
	}
	var s string
	switch v.Get("event") {
	case "NOTIFY_OUT_START", "NOTIFY_OUT_END":
		s = v.Get("internal") + v.Get("destination") + v.Get("call_start")
	case "NOTIFY_INTERNAL", "NOTIFY_ANSWER":
		s = v.Get("caller_id") + v.Get("called_did") + v.Get("call_start")
	default:
		s = v.Get("caller_id") + v.Get("called_did") + v.Get("call_start")
	}
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(s))
	// Zadarma's own examples base64-encode the hex digest (PHP hash_hmac
	// returns hex by default).
	want := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%x", m.Sum(nil))))
	return hmac.Equal([]byte(want), []byte(strings.TrimSpace(signature)))
}

// Duration formats a call's length as a person reads it: "2:14", "1:02:05".
func Duration(seconds int) string {
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
