package inbound

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// ZadarmaSign signs a Zadarma notification body as Zadarma does (for tests).
func zadarmaSign(s, secret string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%x", m.Sum(nil))))
}

func TestParseCallSamples(t *testing.T) {
	t.Parallel()
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, provider string
		want           Call
	}{
		{"binotel_answered.form", ProviderBinotel, Call{Provider: ProviderBinotel, ID: "3407293871", Direction: "in", Phone: "+380671234567", Line: "901", Answered: true, Seconds: 134,
			Recording: "https://my.binotel.ua/?module=cdrs&action=generateFile&fileName=3407293871.mp3&callDate=2026-03-02_12:00&customerNumber=0671234567&callType=incoming", StartedAt: time.Unix(1772445600, 0).UTC()}},
		{"binotel_missed.form", ProviderBinotel, Call{Provider: ProviderBinotel, ID: "3407299001", Direction: "in", Phone: "+380507654321", Line: "901", StartedAt: time.Unix(1772446200, 0).UTC()}},
		{"zadarma_notify_end.form", ProviderZadarma, Call{Provider: ProviderZadarma, ID: "in_0f3c8a2b1d", Direction: "in", Phone: "+380631112233", Line: "100", Answered: true, Seconds: 75,
			Recording: "https://my.zadarma.com/mypbx/stat/?call_id=1772446200.1234", StartedAt: time.Date(2026, 3, 2, 12, 10, 0, 0, kyiv)}},
		{"ringostat_after_call.json", ProviderRingostat, Call{Provider: ProviderRingostat, ID: "1772446800.55501", Direction: "in", Phone: "+380931234567", Line: "olena_sip", Answered: true, Seconds: 62,
			Recording: "https://app.ringostat.com/recordings/in_1772446800.55501.mp3", StartedAt: time.Date(2026, 3, 2, 12, 20, 0, 0, kyiv)}},
		{"generic_answered.json", ProviderGeneric, Call{Provider: ProviderGeneric, ID: "c-42", Direction: "out", Phone: "+380661234500", Line: "901", Answered: true, Seconds: 3725,
			Recording: "https://pbx.example.com/rec/c-42.mp3", StartedAt: time.Date(2026, 3, 2, 12, 30, 0, 0, time.UTC)}},
	} {
		body, err := os.ReadFile("testdata/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseCall(c.provider, "", body, "380", kyiv)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if !got.StartedAt.Equal(c.want.StartedAt) {
			t.Errorf("%s: start %v, want %v", c.file, got.StartedAt, c.want.StartedAt)
		}
		got.StartedAt = c.want.StartedAt
		if got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.file, got, c.want)
		}
	}
	if Duration(134) != "2:14" || Duration(3725) != "1:02:05" {
		t.Errorf("Duration: %s %s", Duration(134), Duration(3725))
	}
}

func TestParseCallRefusals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		provider, body string
		code           domain.Code
	}{
		{"skype", `{}`, "provider_unknown"},
		{ProviderGeneric, `{"id":"1","direction":"in","phone":"not a phone","answered":true,"started_at":"2026-03-02T12:30:00Z"}`, "phone_invalid"},
		{ProviderGeneric, `{"direction":"in","phone":"+380661234500","started_at":"2026-03-02T12:30:00Z"}`, "call_id_invalid"},
		{ProviderGeneric, `{"id":"1","direction":"sideways","phone":"+380661234500","started_at":"2026-03-02T12:30:00Z"}`, "direction_invalid"},
		{ProviderGeneric, `{"id":"1","direction":"in","phone":"+380661234500"}`, "start_invalid"},
		{ProviderGeneric, `{"id":"1","direction":"in","phone":"+380661234500","recording_url":"javascript:x","started_at":"2026-03-02T12:30:00Z"}`, "recording_invalid"},
		{ProviderGeneric, `[`, "json_invalid"},
	} {
		_, err := ParseCall(c.provider, "", []byte(c.body), "380", time.UTC)
		if domain.ErrorCode(err) != c.code {
			t.Errorf("%s %s: %v, want %s", c.provider, c.body, err, c.code)
		}
	}
	// Notifications that are not finished calls are skipped.
	for _, b := range []string{"event=NOTIFY_START&caller_id=1", "requestType=receivedTheCall"} {
		p := ProviderZadarma
		if b[0] == 'r' {
			p = ProviderBinotel
		}
		if _, err := ParseCall(p, "", []byte(b), "380", time.UTC); err != ErrSkip {
			t.Errorf("%s: %v, want ErrSkip", b, err)
		}
	}
}

// TestParseCallAnsweredStatuses: each provider's statuses of a call someone
// talked on are answered (Binotel's TRANSFER, Ringostat's PROPER and
// REPEATED too); a voicemail, a busy line or no answer is a missed call.
func TestParseCallAnsweredStatuses(t *testing.T) {
	t.Parallel()
	binotel, err := os.ReadFile("testdata/binotel_answered.form")
	if err != nil {
		t.Fatal(err)
	}
	ringostat, err := os.ReadFile("testdata/ringostat_after_call.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		provider string
		body     []byte
		from, to string
		answered bool
	}{
		{ProviderBinotel, binotel, "disposition%5D=ANSWER", "disposition%5D=ANSWER", true},
		{ProviderBinotel, binotel, "disposition%5D=ANSWER", "disposition%5D=TRANSFER", true},
		{ProviderBinotel, binotel, "disposition%5D=ANSWER", "disposition%5D=VM-SUCCESS", false},
		{ProviderBinotel, binotel, "disposition%5D=ANSWER", "disposition%5D=BUSY", false},
		{ProviderBinotel, binotel, "disposition%5D=ANSWER", "disposition%5D=CANCEL", false},
		{ProviderRingostat, ringostat, `"ANSWERED"`, `"PROPER"`, true},
		{ProviderRingostat, ringostat, `"ANSWERED"`, `"REPEATED"`, true},
		{ProviderRingostat, ringostat, `"ANSWERED"`, `"NO ANSWER"`, false},
		{ProviderRingostat, ringostat, `"ANSWERED"`, `"BUSY"`, false},
	} {
		body := bytes.Replace(c.body, []byte(c.from), []byte(c.to), 1)
		got, err := ParseCall(c.provider, "", body, "380", time.UTC)
		if err != nil {
			t.Errorf("%s %s: %v", c.provider, c.to, err)
			continue
		}
		if got.Answered != c.answered {
			t.Errorf("%s %s: answered %v, want %v", c.provider, c.to, got.Answered, c.answered)
		}
	}
}

func TestZadarmaSignature(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/zadarma_notify_end.form")
	if err != nil {
		t.Fatal(err)
	}
	sig := zadarmaSign("380631112233"+"380443334455"+"2026-03-02 12:10:00", "s3cret")
	if !ZadarmaSignatureOK(body, sig, "s3cret") {
		t.Error("a correct signature is refused")
	}
	for _, bad := range []struct{ sig, secret string }{{sig, "other"}, {"", "s3cret"}, {sig, ""}, {"AAAA", "s3cret"}} {
		if ZadarmaSignatureOK(body, bad.sig, bad.secret) {
			t.Errorf("signature %q with secret %q accepted", bad.sig, bad.secret)
		}
	}
}
