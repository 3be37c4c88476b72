package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/examples"
)

// sample reads a provider's recorded webhook body (domain/inbound/testdata,
// whose README names the documentation each comes from).
func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "domain", "inbound", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postRaw posts a provider's body as the provider would: no Authorization
// header (the key is in the URL), its own content type and headers.
func postRaw(t *testing.T, url, ctype string, body []byte, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("POST %s: %d, not JSON: %q", url, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

// applyPhone applies the demo plan with its phone: section replaced.
func applyPhone(t *testing.T, env map[string]string, section string) {
	t.Helper()
	plan := string(examples.ClubPlan)
	i := strings.Index(plan, "\nphone:\n")
	if i < 0 {
		t.Fatal("the demo plan has no phone: section")
	}
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(plan[:i+1]+section), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := runCmd(t, env, "club", "apply", path); err != nil {
		t.Fatalf("club apply: %v\n%s%s", err, out, errOut)
	}
}

// TestInboundCallsOverHTTP replays the providers' sample webhooks against
// the running service: an answered Binotel call becomes a call row and an
// open call task of the person on the line, who is asked for the result in
// the messenger at once; the same report again is one call; a missed call
// becomes a call-back task; Zadarma's signature and the IP allowlist are
// enforced; an unknown line is refused.
func TestInboundCallsOverHTTP(t *testing.T) {
	t.Parallel()
	tg := telegramtest.New(t)
	dbURL := pgtest.NewURL(t)
	resetSchema(t, dbURL)
	env := map[string]string{
		"DATABASE_URL": dbURL, "TELEGRAM_BOT_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": tg.URL,
		"TELEGRAM_BOT_USERNAME": telegramtest.BotUsername, "LOG_FORMAT": "text", "SECRETS_KEY": testSecretsKey,
	}
	base, _ := startServe(t, env)
	db := openTestDB(t, dbURL)
	ctx := context.Background()
	club, err := db.ClubBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	admin := joinStaff(t, tg, db, env, club.ID, "staff", models.User{ID: 7002, FirstName: "Ірина", LanguageCode: "uk"})
	key := createKey(t, env, club.ID, "pbx")
	applyPhone(t, env, fmt.Sprintf("phone:\n  provider: binotel\n  allow_ips: [127.0.0.1]\n  callback_template: call_again\n  callback_target: 30m\n  lines:\n    - {line: \"901\", staff: %d}\n", admin.ID))
	binotel := base + "/api/v1/calls/binotel?api_key=" + key
	form := "application/x-www-form-urlencoded"

	// An answered call, reported twice (Binotel retries). Binotel takes a
	// delivery as done only on exactly {"status":"success"}; the second
	// report adds nothing (the rows are counted below).
	for i := 0; i < 2; i++ {
		code, body := postRaw(t, binotel, form, sample(t, "binotel_answered.form"), nil)
		if code != 200 || len(body) != 1 || body["status"] != "success" {
			t.Fatalf("report %d: %d %v, want 200 {\"status\":\"success\"}", i+1, code, body)
		}
	}
	prompt := tg.WaitFor(t, func(c telegramtest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID() == admin.TelegramID && strings.Contains(c.Text(), "2:14")
	}, 30*time.Second)
	if !strings.Contains(prompt.Text(), "+380671234567") || !strings.Contains(prompt.Text(), "результат") || len(prompt.Keyboard()) == 0 {
		t.Errorf("prompt: %q, %d button rows", prompt.Text(), len(prompt.Keyboard()))
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM calls c JOIN tasks t ON t.id = c.task_id
WHERE c.direction = 'in' AND c.staff_id = $1 AND c.duration_sec = 134 AND c.recording_url LIKE 'https://my.binotel.ua/%' AND c.external_id = 'binotel:3407293871'
  AND t.assignee_id = $1 AND t.status = 'new' AND t.task_type = 'personal_call'`, admin.ID); n != 1 {
		t.Errorf("answered call rows: %d, want one call with its open task", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients c JOIN client_phones p ON p.client_id = c.id WHERE p.phone = '+380671234567' AND c.status = 'lead'`); n != 1 {
		t.Errorf("the unknown caller was not created as a lead")
	}

	// A missed call: a call-back task for the staff role, due in 30 minutes.
	if code, body := postRaw(t, binotel, form, sample(t, "binotel_missed.form"), nil); code != 200 {
		t.Fatalf("missed: %d %v", code, body)
	}
	callAgain := templateByKey(t, db, club.ID, "call_again")
	waitUntil(t, 30*time.Second, func() bool {
		return pgtest.Count(t, db, `SELECT count(*) FROM tasks t JOIN client_phones p ON p.client_id = t.client_id
WHERE p.phone = '+380507654321' AND t.template_id = $1 AND t.assignee_id = $2 AND t.due_at = t.created_at + interval '30 minutes'`, callAgain.ID, admin.ID) == 1
	})
	tg.WaitFor(t, func(c telegramtest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID() == admin.TelegramID && strings.Contains(c.Text(), "+380507654321")
	}, 30*time.Second)

	// Refusals, each storing nothing.
	stored := pgtest.Count(t, db, `SELECT count(*) FROM inbox`)
	unknownLine := bytes.Replace(sample(t, "binotel_answered.form"), []byte("internalNumber%5D=901"), []byte("internalNumber%5D=999"), 1)
	unknownLine = bytes.Replace(unknownLine, []byte("3407293871"), []byte("3407293999"), -1)
	badPhone := bytes.Replace(sample(t, "binotel_answered.form"), []byte("0671234567"), []byte("abc"), 1)
	for _, r := range []struct {
		name, url string
		body      []byte
		hdr       map[string]string
		status    int
		code      string
	}{
		{"no key", base + "/api/v1/calls/binotel", sample(t, "binotel_answered.form"), nil, 401, "api_key_required"},
		{"unknown line", binotel, unknownLine, nil, 422, "line_unknown"},
		{"bad phone", binotel, badPhone, nil, 422, "phone_invalid"},
		{"another provider", base + "/api/v1/calls/zadarma?api_key=" + key, sample(t, "zadarma_notify_end.form"), nil, 422, "provider_mismatch"},
	} {
		if code, body := postRaw(t, r.url, form, r.body, r.hdr); code != r.status || errCode(body) != r.code {
			t.Errorf("%s: %d %v, want %d %s", r.name, code, body, r.status, r.code)
		}
	}

	// Zadarma: signed notifications only, checked with the secret stored
	// sealed by `phone secret set` (none stored yet: refused); and an
	// allowlist that excludes us.
	applyPhone(t, env, fmt.Sprintf("phone:\n  provider: zadarma\n  lines:\n    - {line: \"100\", staff: %d}\n", admin.ID))
	zadarma := base + "/api/v1/calls/zadarma?api_key=" + key
	m := hmac.New(sha1.New, []byte("s3cret"))
	m.Write([]byte("380631112233" + "380443334455" + "2026-03-02 12:10:00"))
	sig := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%x", m.Sum(nil))))
	if code, body := postRaw(t, zadarma, form, sample(t, "zadarma_notify_end.form"), map[string]string{"Signature": sig}); code != 422 || errCode(body) != "phone_secret_missing" {
		t.Errorf("no secret stored: %d %v", code, body)
	}
	// A plan that still holds the secret is refused, in one line that does
	// not repeat it, and changes nothing.
	withSecret := filepath.Join(t.TempDir(), "plan.yaml")
	plan := string(examples.ClubPlan)
	plan = plan[:strings.Index(plan, "\nphone:\n")+1] + "phone:\n  provider: zadarma\n  secret: s3cret\n"
	if err := os.WriteFile(withSecret, []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := runCmd(t, env, "club", "apply", withSecret); err == nil || !strings.Contains(errOut+err.Error(), "clubcrm phone secret set") || strings.Contains(out+errOut+err.Error(), "s3cret") {
		t.Errorf("a plan with a secret: %v\n%s%s", err, out, errOut)
	}
	if out, errOut, err := runCmdStdin(t, env, "s3cret\n", "phone", "secret", "set", "--club", strconv.FormatInt(club.ID, 10), "--provider", "zadarma"); err != nil {
		t.Fatalf("phone secret set: %v\n%s%s", err, out, errOut)
	}
	other := hmac.New(sha1.New, []byte("another secret"))
	other.Write([]byte("380631112233" + "380443334455" + "2026-03-02 12:10:00"))
	if code, body := postRaw(t, zadarma, form, sample(t, "zadarma_notify_end.form"), map[string]string{"Signature": base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%x", other.Sum(nil))))}); code != 401 || errCode(body) != "signature_invalid" {
		t.Errorf("signed with another secret: %d %v", code, body)
	}
	if code, body := postRaw(t, zadarma, form, sample(t, "zadarma_notify_end.form"), map[string]string{"Signature": "forged"}); code != 401 || errCode(body) != "signature_invalid" {
		t.Errorf("forged signature: %d %v", code, body)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM inbox`); n != stored {
		t.Errorf("refused requests stored %d rows", n-stored)
	}
	if code, body := postRaw(t, zadarma, form, sample(t, "zadarma_notify_end.form"), map[string]string{"Signature": sig}); code != 200 || body["status"] != "accepted" {
		t.Errorf("signed notification: %d %v", code, body)
	}
	tg.WaitFor(t, func(c telegramtest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID() == admin.TelegramID && strings.Contains(c.Text(), "1:15")
	}, 30*time.Second)
	applyPhone(t, env, "phone:\n  provider: zadarma\n  allow_ips: [10.1.2.0/24]\n")
	if code, body := postRaw(t, zadarma, form, sample(t, "zadarma_notify_end.form"), map[string]string{"Signature": sig}); code != 403 || errCode(body) != "ip_not_allowed" {
		t.Errorf("outside the allowlist: %d %v", code, body)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM calls WHERE NOT missed`); n != 2 {
		t.Errorf("calls: %d, want 2 (Binotel's, reported twice, and Zadarma's)", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM calls WHERE missed`); n != 1 {
		t.Errorf("missed calls: %d, want Binotel's missed one", n)
	}
}

// TestInboundMissedCallIsACall replays Binotel's missed call: it is
// recorded as one incoming call marked missed (linked to its call-back
// task), even when the provider reports it again under another key, and
// the general report does not count it among the calls made.
func TestInboundMissedCallIsACall(t *testing.T) {
	t.Parallel()
	tg := telegramtest.New(t)
	dbURL := pgtest.NewURL(t)
	resetSchema(t, dbURL)
	env := map[string]string{
		"DATABASE_URL": dbURL, "TELEGRAM_BOT_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": tg.URL,
		"TELEGRAM_BOT_USERNAME": telegramtest.BotUsername, "LOG_FORMAT": "text",
	}
	base, _ := startServe(t, env)
	db := openTestDB(t, dbURL)
	ctx := context.Background()
	club, err := db.ClubBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	admin := joinStaff(t, tg, db, env, club.ID, "staff", models.User{ID: 7012, FirstName: "Ірина", LanguageCode: "uk"})
	key := createKey(t, env, club.ID, "pbx")
	applyPhone(t, env, fmt.Sprintf("phone:\n  provider: binotel\n  callback_template: call_again\n  callback_target: 30m\n  lines:\n    - {line: \"901\", staff: %d}\n", admin.ID))
	binotel := base + "/api/v1/calls/binotel?api_key=" + key
	form := "application/x-www-form-urlencoded"

	for i := 0; i < 2; i++ { // Binotel retries
		if code, body := postRaw(t, binotel, form, sample(t, "binotel_missed.form"), nil); code != 200 {
			t.Fatalf("missed, report %d: %d %v", i+1, code, body)
		}
	}
	callAgain := templateByKey(t, db, club.ID, "call_again")
	missedCall := `SELECT count(*) FROM calls c JOIN tasks t ON t.id = c.task_id JOIN client_phones p ON p.client_id = c.client_id
WHERE p.phone = '+380507654321' AND c.direction = 'in' AND c.missed AND c.external_id = 'binotel:3407299001'
  AND c.called_at = to_timestamp(1772446200) AND t.template_id = $1`
	waitUntil(t, 30*time.Second, func() bool { return pgtest.Count(t, db, missedCall, callAgain.ID) == 1 })

	// The same call stored again under another key (a second event of the
	// provider for the same call): still one call, no second task.
	var call map[string]any
	if err := json.Unmarshal(pgtestPayload(t, db, "binotel:3407299001"), &call); err != nil {
		t.Fatal(err)
	}
	item, dup, err := db.InboxAdd(ctx, postgres.InboxAddInput{ClubID: club.ID, Kind: "call", IdemKey: "binotel:3407299001:again", Payload: call})
	if err != nil || dup {
		t.Fatalf("second inbox row: %v, duplicate %v", err, dup)
	}
	waitUntil(t, 30*time.Second, func() bool {
		return pgtest.Count(t, db, `SELECT count(*) FROM inbox WHERE id = $1 AND processed_at IS NOT NULL`, item.ID) == 1
	})
	if n := pgtest.Count(t, db, `SELECT count(*) FROM calls`); n != 1 {
		t.Errorf("calls: %d, want the missed call once", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE template_id = $1`, callAgain.ID); n != 1 {
		t.Errorf("call-back tasks: %d, want 1", n)
	}

	// A missed call is not a call made.
	day := time.Unix(1772446200, 0).UTC()
	out, errOut, err := runCmd(t, env, "report", "general", "--club", itoa(club.ID),
		"--from", day.AddDate(0, 0, -1).Format("2006-01-02"), "--to", day.AddDate(0, 0, 1).Format("2006-01-02"), "--format", "json")
	if err != nil {
		t.Fatalf("report: %v\n%s", err, errOut)
	}
	var g struct {
		CallsIn  int `json:"calls_in"`
		CallsOut int `json:"calls_out"`
	}
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if g.CallsIn != 0 || g.CallsOut != 0 {
		t.Errorf("report counts the missed call as made: in %d, out %d", g.CallsIn, g.CallsOut)
	}
}

// pgtestPayload returns the stored payload of the inbox row with idemKey.
func pgtestPayload(t *testing.T, db *postgres.DB, idemKey string) []byte {
	t.Helper()
	var b []byte
	if err := db.Pool().QueryRow(context.Background(), `SELECT payload FROM inbox WHERE idem_key = $1`, idemKey).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}
