package inbound

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
)

// Kinds of inbox rows.
const (
	KindLead = "lead"
)

// Limits of a lead's text fields.
const (
	MaxSourceLen  = 100
	MaxCommentLen = 2000
	MaxUTMLen     = 200
	MaxIdemKeyLen = 200
)

// UTMFields are the UTM parameters a lead may carry, as site builders name them.
var UTMFields = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}

// Lead is a new lead from the club's site or an ad form. Phone is E.164
// after Normalize.
type Lead struct {
	Name    string            `json:"name"`
	Phone   string            `json:"phone"`
	Email   string            `json:"email,omitempty"`
	Source  string            `json:"source,omitempty"`
	Comment string            `json:"comment,omitempty"`
	UTM     map[string]string `json:"utm,omitempty"`
}

// Normalize checks a lead and brings its phone into E.164 with the club's
// country code. A lead needs a phone (it is how the club calls back and how
// it is matched to a known client); a missing name becomes the phone.
func (l Lead) Normalize(phoneCode string) (Lead, error) {
	l.Name = strings.TrimSpace(l.Name)
	l.Email = strings.TrimSpace(l.Email)
	l.Source = strings.TrimSpace(l.Source)
	l.Comment = strings.TrimSpace(l.Comment)
	if strings.TrimSpace(l.Phone) == "" {
		return Lead{}, domain.Invalid(domain.CodePhoneRequired, "a lead needs a phone", nil)
	}
	p, err := domain.NormalizePhone(l.Phone, phoneCode)
	if err != nil {
		return Lead{}, err
	}
	l.Phone = p
	if l.Name == "" {
		l.Name = p
	}
	if err := tooLong("source", l.Source, MaxSourceLen); err != nil {
		return Lead{}, err
	}
	if err := tooLong("comment", l.Comment, MaxCommentLen); err != nil {
		return Lead{}, err
	}
	for k, v := range l.UTM {
		if !isUTM(k) {
			return Lead{}, domain.Invalid(domain.CodeUTMUnknown, fmt.Sprintf("unknown UTM field %q; known: %s", k, strings.Join(UTMFields, ", ")), nil)
		}
		if err := tooLong(k, v, MaxUTMLen); err != nil {
			return Lead{}, err
		}
	}
	c := domain.Client{Name: l.Name, Email: l.Email, Phones: []string{l.Phone}, Notes: l.Comment}
	if err := c.Validate(); err != nil {
		return Lead{}, err
	}
	return l, nil
}

func isUTM(k string) bool {
	for _, f := range UTMFields {
		if f == k {
			return true
		}
	}
	return false
}

func tooLong(what, s string, limit int) error {
	if utf8.RuneCountInString(s) > limit {
		return domain.Invalid(domain.CodeTooLong, fmt.Sprintf("%s is longer than %d characters", what, limit), map[string]any{"limit": limit})
	}
	if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
		return domain.Invalid(domain.CodeTextInvalid, what+" must be valid UTF-8 text without NUL characters", nil)
	}
	return nil
}

// LeadFromForm reads a lead posted by a site builder's form (Tilda's
// webhook, a plain HTML form): field names are matched without regard to
// case, and the common spellings are accepted ("Name", "Phone", "Email",
// "Comments"). Other fields (the form's own questions) go into the comment,
// so nothing the visitor wrote is lost. The form's own submission id
// (Tilda's "tranid") is returned as the idempotency key when present.
func LeadFromForm(v url.Values) (Lead, string) {
	l := Lead{UTM: map[string]string{}}
	var extra []string
	var idem string
	for k, vals := range v {
		val := strings.TrimSpace(strings.Join(vals, ", "))
		switch lk := strings.ToLower(k); lk {
		case "name", "имя", "ім'я", "fio":
			l.Name = val
		case "phone", "телефон", "tel":
			l.Phone = val
		case "email", "e-mail":
			l.Email = val
		case "source":
			l.Source = val
		case "comment", "comments", "message":
			l.Comment = val
		case "tranid":
			idem = "tilda:" + val
		case "formid", "formname", "test", "cookies":
		default:
			if isUTM(lk) {
				l.UTM[lk] = val
			} else if val != "" {
				extra = append(extra, k+": "+val)
			}
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		l.Comment = strings.TrimSpace(l.Comment + "\n" + strings.Join(extra, "\n"))
	}
	if len(l.UTM) == 0 {
		l.UTM = nil
	}
	return l, idem
}

// IsTildaTest reports whether a form post is the test request Tilda sends
// when a webhook is connected ("test=test"); it must be answered 200 and
// stored nowhere.
func IsTildaTest(v url.Values) bool {
	return len(v) == 1 && v.Get("test") == "test"
}

// BodyKey is the idempotency key of a request that carries none: the hash
// of its body, so a retried delivery of the same bytes is the same event.
func BodyKey(body []byte) string {
	h := sha256.Sum256(body)
	return "body:" + hex.EncodeToString(h[:16])
}

// ValidIdemKey checks a client-supplied Idempotency-Key.
func ValidIdemKey(k string) error {
	if k == "" || len(k) > MaxIdemKeyLen || !utf8.ValidString(k) || strings.ContainsAny(k, "\x00\r\n") {
		return domain.Invalid(domain.CodeIdempotencyKeyInvalid, fmt.Sprintf("Idempotency-Key must be 1-%d characters of text", MaxIdemKeyLen), nil)
	}
	return nil
}
