package viber_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/bot/viber"
	"github.com/clubcrm/clubcrm/bot/vibertest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// subscribed makes u a subscriber who has not written (outside a session).
func subscribed(t *testing.T, f *fixture, u vibertest.User) {
	t.Helper()
	mustDeliver(t, http.StatusOK)(f.bot.Subscribe(u))
}

func TestSendRendersKeyboardOfSilentReplyButtons(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, olena)
	take := callback.New(callback.ActionTaskTake, 42)
	done := callback.New(callback.ActionTaskStatusSet, 42, "done", "r")
	card := callback.New(callback.ActionTaskCard, 42)
	id, err := f.ch.Send(t.Context(), addr(olena), chat.Message{
		Text: "Call the client",
		Buttons: [][]chat.Button{
			{{Text: "Take", Data: take}, {Text: "Done", Data: done}},
			{},
			{{Text: "Card <42>", Data: card}},
			{{Text: "Site", URL: "https://example.com/x"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := f.bot.Last(olena.ID)
	if id == 0 || id != m.Token {
		t.Errorf("message id %d, want the message_token %d", id, m.Token)
	}
	if m.Type != "text" || m.Text != "Call the client" || m.Sender.Name != "ClubCRM" {
		t.Errorf("message %+v", m)
	}
	want := []vibertest.Button{
		{Columns: 3, Rows: 1, ActionType: "reply", ActionBody: take, Text: "Take", TextSize: "regular", Silent: true},
		{Columns: 3, Rows: 1, ActionType: "reply", ActionBody: done, Text: "Done", TextSize: "regular", Silent: true},
		{Columns: 6, Rows: 1, ActionType: "reply", ActionBody: card, Text: "Card &lt;42&gt;", TextSize: "regular", Silent: true},
		{Columns: 6, Rows: 1, ActionType: "open-url", ActionBody: "https://example.com/x", Text: "Site", TextSize: "regular"},
	}
	kb := f.bot.Keyboard(olena.ID)
	if kb == nil || kb.Type != "keyboard" || len(kb.Buttons) != len(want) {
		t.Fatalf("keyboard %+v, want %d buttons", kb, len(want))
	}
	for i := range want {
		if kb.Buttons[i] != want[i] {
			t.Errorf("button %d: %+v, want %+v", i, kb.Buttons[i], want[i])
		}
	}
	// A tap comes back as the same callback data as on Telegram.
	mustDeliver(t, http.StatusOK)(f.bot.Tap(olena, "Card <42>"))
	if got := f.got.await(t, 1); got[0].Tap == nil || got[0].Tap.Data != card {
		t.Fatalf("tap: %+v, want data %q", got[0], card)
	}
}

func TestKeyboardLayout(t *testing.T) {
	t.Parallel()
	row := func(n int) []chat.Button {
		bs := make([]chat.Button, n)
		for i := range bs {
			bs[i] = chat.Button{Text: "b", Data: "v1|x"}
		}
		return bs
	}
	for _, tc := range []struct {
		n    int
		cols []int
	}{
		{1, []int{6}},
		{2, []int{3, 3}},
		{3, []int{2, 2, 2}},
		{4, []int{2, 2, 1, 1}},
		{6, []int{1, 1, 1, 1, 1, 1}},
		{7, []int{2, 2, 1, 1, 2, 2, 2}}, // a calendar week: 4 then 3
	} {
		kb := viber.NewKeyboard([][]chat.Button{row(tc.n)})
		var cols []int
		for _, b := range kb.Buttons {
			cols = append(cols, b.Columns)
		}
		if !equal(cols, tc.cols) {
			t.Errorf("%d buttons: columns %v, want %v", tc.n, cols, tc.cols)
		}
	}
	if kb := viber.NewKeyboard([][]chat.Button{{}, {}}); kb != nil {
		t.Errorf("empty rows gave a keyboard %+v", kb)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTapReachesOnlyTheLastKeyboard(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, olena)
	first := chat.Message{Text: "first screen", Buttons: [][]chat.Button{{{Text: "Old", Data: callback.New(callback.ActionTaskCard, 1)}}}}
	second := chat.Message{Text: "second screen", Buttons: [][]chat.Button{{{Text: "New", Data: callback.New(callback.ActionTaskCard, 2)}}}}
	for _, m := range []chat.Message{first, second} {
		if _, err := f.ch.Send(t.Context(), addr(olena), m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.bot.Tap(olena, "Old"); err == nil {
		t.Fatal("tapped a button of an earlier keyboard; Viber shows only the last")
	}
	// An answer to a tap keeps the screen's keyboard in place.
	if err := f.ch.Answer(t.Context(), addr(olena), &chat.Tap{}, "Saved", false); err != nil {
		t.Fatal(err)
	}
	if m, _ := f.bot.Last(olena.ID); m.Text != "Saved" {
		t.Fatalf("answer %q, want a short message", m.Text)
	}
	mustDeliver(t, http.StatusOK)(f.bot.Tap(olena, "New"))
	if got := f.got.await(t, 1); got[0].Tap == nil || got[0].Tap.Data != callback.New(callback.ActionTaskCard, 2) {
		t.Fatalf("tap %+v", got[0])
	}
	// A message without buttons hides the keyboard.
	if _, err := f.ch.Send(t.Context(), addr(olena), chat.Message{Text: "plain"}); err != nil {
		t.Fatal(err)
	}
	if kb := f.bot.Keyboard(olena.ID); kb != nil {
		t.Errorf("keyboard %v after a message without one", kb.Labels())
	}
	// An empty answer sends nothing; Edit and RemoveButtons fit Viber.
	before := len(f.bot.Messages(olena.ID))
	if err := f.ch.Answer(t.Context(), addr(olena), &chat.Tap{}, "", false); err != nil {
		t.Fatal(err)
	}
	if err := f.ch.RemoveButtons(t.Context(), addr(olena), 1); err != nil {
		t.Fatal(err)
	}
	if n := len(f.bot.Messages(olena.ID)); n != before {
		t.Errorf("%d messages after an empty answer and RemoveButtons, want %d", n, before)
	}
	if err := f.ch.Edit(t.Context(), addr(olena), 1, chat.Message{Text: "edited"}); err != nil {
		t.Fatal(err)
	}
	if m, _ := f.bot.Last(olena.ID); m.Text != "edited" || len(f.bot.Messages(olena.ID)) != before+1 {
		t.Errorf("edit: last %q of %d messages, want a new message", m.Text, len(f.bot.Messages(olena.ID)))
	}
}

func TestSendMapsHTMLToPlainText(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, olena)
	_, err := f.ch.Send(t.Context(), addr(olena), chat.Message{
		HTML: true,
		Text: `<b>Task</b> &lt;#42&gt; for <i>Olena</i> &amp; co: <a href="https://crm.example/t/42">open</a>, <code>x&quot;y</code>`,
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := f.bot.Last(olena.ID)
	if want := `Task <#42> for Olena & co: open (https://crm.example/t/42), x"y`; m.Text != want {
		t.Fatalf("text %q\nwant %q", m.Text, want)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, olena)
	small := [][]chat.Button{{{Text: "OK", Data: callback.New(callback.ActionControl)}}}
	var big [][]chat.Button // a list screen: 20 rows of a long label and data
	for i := range 20 {
		big = append(big, []chat.Button{{Text: strings.Repeat("Клієнт ", 8), Data: callback.New(callback.ActionTaskStatusSet, 1_000_000+i, "done", "r")}})
	}
	for _, tc := range []struct {
		name    string
		text    string
		buttons [][]chat.Button
	}{
		{"cyrillic lines", strings.Repeat("Рядок звіту про завдання\n", 600), small}, // 15,000 characters
		// 7,000 4-byte characters fit one text but are 28 KB, over 30 KB with a
		// big keyboard, so the byte limit cuts first.
		{"emoji", strings.Repeat("📞", viber.MaxText), big},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.bot.Messages(olena.ID))
			m := chat.Message{Text: tc.text, Buttons: tc.buttons}
			pieces := f.ch.Pieces(m)
			if _, err := f.ch.Send(t.Context(), addr(olena), m); err != nil {
				t.Fatal(err)
			}
			ms := f.bot.Messages(olena.ID)[before:]
			if len(ms) < 2 || len(ms) != pieces {
				t.Fatalf("%d messages, Pieces said %d; want at least 2", len(ms), pieces)
			}
			var joined strings.Builder
			for i, m := range ms {
				if n := utf8.RuneCountInString(m.Text); n > viber.MaxText {
					t.Errorf("piece %d: %d characters", i, n)
				}
				if (m.Keyboard != nil) != (i == len(ms)-1) {
					t.Errorf("piece %d of %d has keyboard %v: want it on the last only", i+1, len(ms), m.Keyboard != nil)
				}
				joined.WriteString(m.Text)
			}
			if joined.String() != tc.text {
				t.Error("the pieces do not add up to the text")
			}
		})
	}
	// Every request stayed under 30 KB: the fake refuses larger ones.
	for _, c := range f.api.CallsOf("send_message") {
		if len(c.Raw) > vibertest.MaxBody || c.Status != 0 {
			t.Errorf("send of %d bytes answered %d %s", len(c.Raw), c.Status, c.StatusMessage)
		}
	}
}

func TestSendRefusesEmptyAndForeignAddresses(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, tc := range []struct {
		to chat.Address
		m  chat.Message
	}{
		{addr(olena), chat.Message{Text: "  \n"}},
		{chat.TelegramAddress(botID, 42), chat.Message{Text: "hi"}},
		{chat.Address{Channel: chat.Viber, Bot: botID + 1, Chat: olena.ID}, chat.Message{Text: "hi"}},
	} {
		if _, err := f.ch.Send(t.Context(), tc.to, tc.m); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("send %q to %s: %v, want ErrInvalid", tc.m.Text, tc.to, err)
		}
	}
	if n := len(f.api.CallsOf("send_message")); n != 0 {
		t.Errorf("%d calls to Viber, want none", n)
	}
}

func TestSendMapsErrorStatuses(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, olena)
	to := addr(olena)
	send := func() error {
		_, err := f.ch.Send(t.Context(), to, chat.Message{Text: "hi"})
		return err
	}
	for _, tc := range []struct {
		status int
		check  func(error) bool
		want   string
	}{
		{vibertest.StatusNotSubscribed, func(err error) bool { return errors.Is(err, chat.ErrUnreachable) }, "ErrUnreachable"},
		{vibertest.StatusNotRegistered, func(err error) bool { return errors.Is(err, chat.ErrUnreachable) }, "ErrUnreachable"},
		{vibertest.StatusRateLimit, func(err error) bool {
			var ra *chat.RetryAfterError
			return errors.As(err, &ra) && ra.After == viber.RateLimitBackoff
		}, "RetryAfterError"},
		{vibertest.StatusFreeQuotaOver, func(err error) bool { return errors.Is(err, viber.ErrNoBalance) }, "ErrNoBalance"},
		{vibertest.StatusNoBalance, func(err error) bool { return errors.Is(err, viber.ErrNoBalance) }, "ErrNoBalance"},
		{vibertest.StatusAccountBlocked, func(err error) bool { return errors.Is(err, viber.ErrAccountBlocked) }, "ErrAccountBlocked"},
		{vibertest.StatusBadData, func(err error) bool {
			var ae *viber.APIError
			return errors.As(err, &ae) && ae.Status == vibertest.StatusBadData && !errors.Is(err, chat.ErrUnreachable)
		}, "APIError"},
	} {
		f.bot.FailNext(olena.ID, tc.status, 1)
		if err := send(); !tc.check(err) {
			t.Errorf("status %d: %v, want %s", tc.status, err, tc.want)
		}
	}
	if n := f.metrics.noBalance.Load(); n != 2 {
		t.Errorf("no-balance alerts %d, want 2", n)
	}
	if n := f.metrics.blocked.Load(); n != 1 {
		t.Errorf("account-blocked alerts %d, want 1", n)
	}
	// Someone who never subscribed is unreachable, without any injection.
	if _, err := f.ch.Send(t.Context(), addr(stepan), chat.Message{Text: "hi"}); !errors.Is(err, chat.ErrUnreachable) {
		t.Errorf("send to a stranger: %v, want ErrUnreachable", err)
	}
	// 100 messages an hour without a reply, then a back-off.
	var err error
	for i := 0; i <= vibertest.UserHourlyLimit && err == nil; i++ {
		err = send()
	}
	var ra *chat.RetryAfterError
	if !errors.As(err, &ra) {
		t.Fatalf("after %d unanswered messages: %v, want RetryAfterError", vibertest.UserHourlyLimit, err)
	}
	mustDeliver(t, http.StatusOK)(f.bot.SendText(olena, "I'm here"))
	if err := send(); err != nil {
		t.Fatalf("after her reply: %v", err)
	}
}

func TestSendCountsBillable(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, olena)
	mustDeliver(t, http.StatusOK)(f.bot.SendText(taras, "hello"))
	f.got.await(t, 1) // his inbound time is recorded before the bot sees it
	for _, u := range []vibertest.User{olena, taras} {
		if _, err := f.ch.Send(t.Context(), addr(u), chat.Message{Text: strings.Repeat("a", viber.MaxText+1)}); err != nil {
			t.Fatal(err)
		}
	}
	// Olena never wrote: both pieces to her are billable; Taras is in session.
	if n := f.metrics.billable.Load(); n != 2 {
		t.Fatalf("billable %d, want 2", n)
	}
}

func TestSendPictureAndFileAsOneTimeLinks(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, olena)
	png := []byte("\x89PNG\r\n\x1a\nchart")
	xlsx := []byte("PK\x03\x04 workbook")
	m := chat.Message{Text: "Report", PNG: png, PNGName: "funnel.png", Buttons: [][]chat.Button{{{Text: "Back", Data: callback.New(callback.ActionControl)}}}}
	if _, err := f.ch.Send(t.Context(), addr(olena), m); err != nil {
		t.Fatal(err)
	}
	pic, _ := f.bot.Last(olena.ID)
	if pic.Type != "picture" || pic.Text != "Report" || pic.Keyboard == nil || !strings.HasSuffix(pic.Media, "/funnel.png") {
		t.Fatalf("picture %+v: want the text as caption, the keyboard, a link ending in the name", pic)
	}
	body, ct, status := get(t, pic.Media)
	if status != http.StatusOK || string(body) != string(png) || ct != "image/png" {
		t.Fatalf("picture link: %d %q %q", status, ct, body)
	}
	if _, _, status := get(t, pic.Media); status != http.StatusGone {
		t.Errorf("second read: %d, want 410", status)
	}

	before := len(f.bot.Messages(olena.ID))
	if _, err := f.ch.Send(t.Context(), addr(olena), chat.Message{Text: "Workbook", Document: xlsx, DocName: "tasks.xlsx"}); err != nil {
		t.Fatal(err)
	}
	ms := f.bot.Messages(olena.ID)[before:]
	if len(ms) != 2 || ms[0].Type != "file" || ms[0].FileName != "tasks.xlsx" || ms[0].Size != len(xlsx) || ms[1].Text != "Workbook" {
		t.Fatalf("file then text, got %+v", ms)
	}
	body, ct, status = get(t, ms[0].Media)
	if status != http.StatusOK || string(body) != string(xlsx) || !strings.Contains(ct, "spreadsheetml") {
		t.Fatalf("file link: %d %q", status, ct)
	}
}

func get(t *testing.T, url string) (body []byte, contentType string, status int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	return body, resp.Header.Get("Content-Type"), resp.StatusCode
}

func TestClientInvalidToken(t *testing.T) {
	t.Parallel()
	f := setup(t)
	bad := viber.NewClient(f.api.URL, "not-a-token", nil)
	_, err := bad.GetAccountInfo(t.Context())
	var ae *viber.APIError
	if !errors.As(err, &ae) || ae.Status != viber.StatusInvalidToken {
		t.Fatalf("wrong token: %v, want status %d", err, viber.StatusInvalidToken)
	}
	if strings.Contains(err.Error(), "not-a-token") {
		t.Errorf("error %q shows the token", err)
	}
}

func TestClientGetUserDetails(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, taras)
	u, err := f.client.GetUserDetails(t.Context(), taras.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != taras.ID || u.Name != "Taras" || u.Language != "en" {
		t.Errorf("details %+v", u)
	}
	if _, err := f.client.GetUserDetails(t.Context(), "nobody"); !errors.Is(err, chat.ErrUnreachable) {
		t.Errorf("unknown person: %v, want ErrUnreachable (not registered)", err)
	}
}

func TestSenderNameCutToViberLimit(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, olena)
	long := strings.Repeat("Спортклуб ", 5) // 50 characters
	ch := viber.NewChannel(f.client, viber.Config{Bot: botID, Sender: viber.Sender{Name: long}})
	if _, err := ch.Send(t.Context(), addr(olena), chat.Message{Text: "hi"}); err != nil {
		t.Fatalf("send with a 50-character sender name: %v", err)
	}
	if m, _ := f.bot.Last(olena.ID); utf8.RuneCountInString(m.Sender.Name) != viber.MaxSenderName {
		t.Errorf("sender %q", m.Sender.Name)
	}
}

// Behind a load balancer the replica that answers a tap is not the one
// that sent the screen: with RedisKeyboards the answer still carries the
// screen's keyboard; with each replica's own memory it would hide it.
func TestAnswerKeepsTheKeyboardAcrossReplicas(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, olena)
	rdb, prefix := redistest.New(t)
	replica := func(kbs viber.Keyboards) *viber.Channel {
		return viber.NewChannel(f.client, viber.Config{Bot: botID, Sender: viber.Sender{Name: "ClubCRM"}, Keyboards: kbs})
	}
	screen := chat.Message{Text: "pick one", Buttons: [][]chat.Button{{{Text: "Yoga", Data: callback.New(callback.ActionTaskCard, 1)}}}}

	shared := viber.NewRedisKeyboards(rdb, prefix+"kb:")
	a, b := replica(shared), replica(shared)
	if _, err := a.Send(t.Context(), addr(olena), screen); err != nil {
		t.Fatal(err)
	}
	if err := b.Answer(t.Context(), addr(olena), &chat.Tap{}, "Not a date", false); err != nil {
		t.Fatal(err)
	}
	if got := f.bot.Keyboard(olena.ID).Labels(); len(got) != 1 || got[0] != "Yoga" {
		t.Fatalf("keyboard after another replica's answer: %q", got)
	}
	// A message without buttons forgets it everywhere.
	if _, err := a.Send(t.Context(), addr(olena), chat.Message{Text: "done"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Answer(t.Context(), addr(olena), &chat.Tap{}, "ok", false); err != nil {
		t.Fatal(err)
	}
	if kb := f.bot.Keyboard(olena.ID); kb != nil {
		t.Fatalf("a forgotten keyboard came back: %q", kb.Labels())
	}

	// Each replica on its own memory: the answer hides the keyboard.
	a, b = replica(nil), replica(nil)
	if _, err := a.Send(t.Context(), addr(olena), screen); err != nil {
		t.Fatal(err)
	}
	if err := b.Answer(t.Context(), addr(olena), &chat.Tap{}, "Not a date", false); err != nil {
		t.Fatal(err)
	}
	if kb := f.bot.Keyboard(olena.ID); kb != nil {
		t.Fatalf("without a shared store the other replica knew the keyboard: %q", kb.Labels())
	}
}
