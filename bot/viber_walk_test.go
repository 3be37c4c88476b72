package bot

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/vibertest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// viberAddr is a Viber user's account through the deployment's Viber bot.
func viberAddr(u vibertest.User) chat.Address {
	return chat.Address{Channel: chat.Viber, Bot: chat.DefaultBot, Chat: u.ID}
}

// join takes u into club as role the way a person does: the manager's
// Viber invite link opens the chat with the code as its context, Viber
// lets the bot answer with the welcome and its Start button, and the tap
// sends "/start <code>". It returns the staff record made.
func (v *viberHarness) join(u vibertest.User, clubID int64, role domain.Role, name string) domain.Staff {
	v.t.Helper()
	code, _, err := v.db.InviteCreate(context.Background(), clubID, role, name, time.Hour)
	if err != nil {
		v.t.Fatalf("invite: %v", err)
	}
	d := v.deliver(v.bot.Start(u, code))
	if d.Welcome == nil || !v.hasKey(u, "▶️ Start") {
		v.t.Fatalf("no welcome with a Start button for %s: %+v", u.Name, d)
	}
	v.tap(u, "▶️ Start")
	expect(v.t.(*testing.T), "joined", v.lastText(u), "Welcome, "+name, "/tasks")
	st, _, _, err := v.db.Identify(context.Background(), viberAddr(u))
	if err != nil || st.ClubID != clubID || st.Role != role {
		v.t.Fatalf("%s did not join club %d as %s: %+v %v", u.Name, clubID, role, st, err)
	}
	return st
}

// fetch GETs a file link and returns the status, content type and body.
func fetch(t *testing.T, url string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

// The same person's walk as on Telegram, on Viber: a front-desk
// administrator joins by the invite's Viber link, lists their tasks, takes
// one, records its result with a field of every type, creates a task and
// a bulk call (fanned out), logs a call and searches; a manager on Viber
// controls the club's tasks and reads the report with its chart and
// workbook as one-time links. Every screen that waits for a choice shows
// its keyboard (Viber shows only the last one), no message carries
// markup, and the rows are checked in PostgreSQL.
func TestViberWalk(t *testing.T) {
	t.Parallel()
	v := setupViber(t)
	x := addTrial(t, v.db, v.f)
	ctx := context.Background()
	olena := viberUser("olena+AAAAAAAAAAAAAAA==", "Olena")
	admin := v.join(olena, v.f.Club.ID, domain.RoleStaff, "Olena Admin")

	// /tasks and the card; take.
	task := v.task(postgres.TaskCreateInput{AssigneeID: admin.ID, AuthorID: v.f.Manager.ID, DueAt: at(24 * time.Hour)})
	v.say(olena, "/tasks")
	expect(t, "list", v.lastText(olena), "My tasks", "1 task", "Олена Петренко")
	v.tap(olena, "1. Олена Петренко")
	expect(t, "card", v.lastText(olena), "Template call", "Олена Петренко")
	v.tap(olena, "▶️ Take")
	if status, assignee, _ := v.taskRow(task.ID); status != "in_progress" || assignee != admin.ID {
		t.Fatalf("taken task is %s/%d", status, assignee)
	}
	if !v.hasKey(olena, "✅ Enter result") {
		t.Fatalf("after take the card's keyboard is gone: %q", v.labels(olena))
	}

	// The result, every field type; the dates from the quick keys and typed.
	v.tap(olena, "✅ Enter result")
	v.tap(olena, "Signed up for a trial")
	expect(t, "date field", v.lastText(olena), "Visit date", "DD.MM.YYYY")
	for _, l := range v.labels(olena) {
		if l == "›" || l == "Mo" {
			t.Fatalf("a month grid on Viber: %q", v.labels(olena))
		}
	}
	before := v.labels(olena)
	v.say(olena, "31.02.2026")
	expect(t, "impossible date", v.lastText(olena), "That is not a date")
	if got := v.labels(olena); strings.Join(got, "|") != strings.Join(before, "|") {
		t.Fatalf("the refusal hid the date keyboard: %q, want %q", got, before)
	}
	v.say(olena, "27.11.2026")
	expect(t, "date-time field", v.lastText(olena), "Call back at")
	v.taps(olena, "In a week", "18:30", "Dance", "▫️ Yoga")
	v.keyWith(olena, "✓ Yoga")
	v.tap(olena, "Done")
	v.say(olena, "7")
	v.say(olena, "Calm, likes music")
	v.tap(olena, "Yes")
	expect(t, "summary", v.lastText(olena), "Visit date: Nov 27, 2026", "Call back at: Dec 3, 2026, 6:30 PM",
		"Direction: Dance", "Also interested in: Yoga", "Child's age: 7", "Note: Calm, likes music", "Came before: Yes")
	v.tap(olena, "✅ Record result")
	expect(t, "recorded", v.lastText(olena), "Result recorded: Signed up for a trial")
	var trID int64
	if err := v.db.Pool().QueryRow(ctx, `SELECT id FROM task_results WHERE task_id = $1 AND result_id = $2`, task.ID, x.Result).Scan(&trID); err != nil {
		t.Fatalf("result row: %v", err)
	}
	for what, c := range map[string]struct {
		sql  string
		args []any
	}{
		"visit date":              {`value_date = '2026-11-27'`, []any{x.Fields["visit"]}},
		"call back at 18:30 Kyiv": {`value_time = '2026-12-03 16:30:00+00'`, []any{x.Fields["callback"]}},
		"direction":               {`value_id = $3`, []any{x.Fields["direction"], x.Values["dance"]}},
		"multi-select":            {`value_id = $3`, []any{x.Fields["also"], x.Values["yoga"]}},
		"age":                     {`value_number = 7`, []any{x.Fields["age"]}},
		"note":                    {`value_text = 'Calm, likes music'`, []any{x.Fields["note"]}},
		"came before":             {`value_bool`, []any{x.Fields["before"]}},
	} {
		if n := pgtest.Count(t, v.db, `SELECT count(*) FROM task_field_values WHERE task_result_id = $1 AND field_id = $2 AND `+c.sql, append([]any{trID}, c.args...)...); n != 1 {
			t.Errorf("%s: %d rows", what, n)
		}
	}

	// A new task for a client, due tomorrow at 10:00.
	v.say(olena, "/new")
	v.tap(olena, "Template call")
	v.say(olena, "олена")
	v.taps(olena, v.clientLabel(v.f.Clients[0]), "Me", "Tomorrow", "10:00", "Skip")
	expect(t, "new task summary", v.lastText(olena), "Due: Nov 27, 2026, 10:00 AM", "Create this task?")
	v.tap(olena, "✅ Create")
	expect(t, "created", v.lastText(olena), "Task created.")
	v.expectRows("new task", 1, `SELECT count(*) FROM tasks WHERE template_id = $1 AND client_id = $2 AND assignee_id = $3 AND author_id = $3 AND due_at = $4`,
		v.f.Templates["call"], v.f.Clients[0], admin.ID, time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))

	// A bulk call to every client, fanned out (as the worker does).
	v.say(olena, "/new")
	v.tap(olena, "Обзвон клиентов")
	v.taps(olena, "Done", "Me", "Tomorrow", "09:00", "Skip", "✅ Create")
	var bulkID int64
	if err := v.db.Pool().QueryRow(ctx, `SELECT task_id FROM bulk_calls WHERE club_id = $1 AND progress_chat = $2`,
		v.f.Club.ID, viberAddr(olena).String()).Scan(&bulkID); err != nil {
		t.Fatalf("bulk call row with the Viber chat for its progress: %v", err)
	}
	if fo, err := v.db.FanoutChunk(ctx, v.f.Club.ID, bulkID, 1000, testNow); err != nil || !fo.Done {
		t.Fatalf("fan out: %+v %v", fo, err)
	}
	v.expectRows("personal calls of the bulk call", len(v.f.Clients), `SELECT count(*) FROM tasks WHERE parent_id = $1 AND assignee_id = $2`, bulkID, admin.ID)

	// A call logged by hand.
	v.say(olena, "/call петренко")
	v.taps(olena, v.clientLabel(v.f.Clients[0]), "📥 Incoming", "Result refusal", "Reason schedule", "✅ Log call")
	expect(t, "logged", v.lastText(olena), "Call with Олена Петренко logged: Result refusal")
	v.expectRows("call record", 1, `SELECT count(*) FROM calls c JOIN tasks t ON t.id = c.task_id WHERE t.club_id = $1 AND t.assignee_id = $2 AND c.direction = 'in'`,
		v.f.Club.ID, admin.ID)

	// Search.
	v.task(postgres.TaskCreateInput{TemplateID: v.f.Templates["internal"], Title: "Order water", AssigneeID: admin.ID})
	v.say(olena, "/search water")
	expect(t, "search", v.lastText(olena), "Search: “water”", "Order water")
	v.tap(olena, "📋 1. Order water")
	expect(t, "card from search", v.lastText(olena), "Order water")

	// A manager on Viber: task control and the report.
	marta := viberUser("marta+BBBBBBBBBBBBBBB==", "Marta")
	v.join(marta, v.f.Club.ID, domain.RoleManager, "Marta Manager")
	v.say(marta, "/control")
	expect(t, "control", v.lastText(marta), "Task control", "Olena Admin")
	v.tap(marta, v.keyWith(marta, "Olena Admin"))
	expect(t, "control: one person's tasks", v.lastText(marta), "Olena Admin")

	v.say(marta, "/report")
	expect(t, "report", v.lastText(marta), "📊 CRM report")
	v.tap(marta, "📊 Chart")
	pic, _ := v.bot.Last(marta.ID)
	if pic.Type != "picture" || !strings.HasPrefix(pic.Media, v.srv.URL+"/files/") {
		t.Fatalf("the chart is not a picture by link: %+v", pic)
	}
	if !v.hasKey(marta, "📄 Excel") {
		t.Fatalf("the chart hid the report's keyboard: %q", v.labels(marta))
	}
	if code, ctype, body := fetch(t, pic.Media); code != 200 || ctype != "image/png" || len(body) < 1000 {
		t.Fatalf("chart link: %d %s %d bytes", code, ctype, len(body))
	}
	if code, _, _ := fetch(t, pic.Media); code != http.StatusGone {
		t.Fatalf("chart link read twice: %d, want 410", code)
	}
	v.tap(marta, "📄 Excel")
	var file vibertest.Message
	for _, m := range v.bot.Messages(marta.ID) {
		if m.Type == "file" {
			file = m
		}
	}
	if !strings.HasSuffix(file.FileName, ".xlsx") || file.Size == 0 {
		t.Fatalf("no workbook by link: %+v", file)
	}
	if code, _, body := fetch(t, file.Media); code != 200 || len(body) != file.Size || string(body[:2]) != "PK" {
		t.Fatalf("workbook link: %d, %d bytes of %d", code, len(body), file.Size)
	}
	if code, _, _ := fetch(t, file.Media); code != http.StatusGone {
		t.Fatalf("workbook link read twice: %d, want 410", code)
	}
	v.noHTML(olena)
	v.noHTML(marta)
}

// Bad input on Viber gets the same guarantees as on Telegram: a context
// that is no invite, over-long text, a sticker, a location or a contact
// (one clear line, the pending screen's keyboard kept), and a button body
// that is forged, stale or of another club.
func TestViberBadInput(t *testing.T) {
	t.Parallel()
	v := setupViber(t)
	other := pgtest.NewClub(t, v.db, "beta")
	invalid := v.text("bot.join.invalid", nil)

	// Contexts that are no invite: bad syntax, unknown, used.
	for i, ctxt := range []string{"no invite!", "nosuchcode1234", ""} {
		u := viberUser("stranger"+string(rune('A'+i))+"==", "Stranger")
		d := v.deliver(v.bot.Start(u, ctxt))
		if d.Welcome == nil {
			t.Fatalf("context %q: no welcome", ctxt)
		}
		v.tap(u, "▶️ Start")
		want := invalid
		if ctxt == "" {
			want = v.text("bot.stranger", nil)
		}
		if got := v.lastText(u); got != want {
			t.Fatalf("context %q: %q, want %q", ctxt, got, want)
		}
	}
	v.expectRows("staff made by bad contexts", 3, `SELECT count(*) FROM staff WHERE club_id = $1`, v.f.Club.ID)

	olena := viberUser("olena+CCCCCCCCCCCCCCC==", "Olena")
	admin := v.join(olena, v.f.Club.ID, domain.RoleStaff, "Olena Admin")
	task := v.task(postgres.TaskCreateInput{AssigneeID: admin.ID, DueAt: at(24 * time.Hour)})

	// Outside any form: a word (no menu on Viber: the hint names /help),
	// over-long text and things that are not text.
	v.say(olena, "hello")
	if got := v.lastText(olena); got != v.text("bot.no_conversation_help", nil) {
		t.Fatalf("idle text on Viber: %q", got)
	}
	v.say(olena, "/help")
	expect(t, "help lists the commands", v.lastText(olena), "/tasks", "/new", "/call", "/search", "/lang")
	v.say(olena, strings.Repeat("я", 7001))
	expect(t, "over-long", v.lastText(olena), "the limit is 7000 characters")
	for name, send := range map[string]func(vibertest.User) (vibertest.Delivery, error){
		"sticker":  v.bot.SendSticker,
		"location": v.bot.SendLocation,
		"contact": func(u vibertest.User) (vibertest.Delivery, error) {
			return v.bot.SendContact(u, "Ivan", "+380661234567")
		},
	} {
		n := v.count(olena)
		v.deliver(send(olena))
		if got := v.lastText(olena); v.count(olena) != n+1 || got != v.text("bot.err.not_text", nil) {
			t.Fatalf("%s outside a form: %d new messages, %q", name, v.count(olena)-n, got)
		}
	}

	// Inside a form: the same lines, and the form's keyboard stays.
	v.say(olena, "/tasks")
	v.taps(olena, "1. Олена Петренко", "✅ Enter result")
	keys := strings.Join(v.labels(olena), "|")
	v.deliver(v.bot.SendSticker(olena))
	expect(t, "sticker in a form", v.lastText(olena), "Only text can be read here")
	v.deliver(v.bot.SendLocation(olena))
	v.say(olena, strings.Repeat("a", 7001))
	if got := strings.Join(v.labels(olena), "|"); got != keys {
		t.Fatalf("the refusals hid the form's keyboard: %q, want %q", got, keys)
	}
	v.say(olena, "done!")
	expect(t, "typing instead of tapping", v.lastText(olena), "choose with the buttons")

	// Button bodies: forged, another club's task, an old form screen.
	otherTask, err := v.db.TaskCreate(context.Background(), postgres.TaskCreateInput{ClubID: other.Club.ID, TemplateID: other.Templates["internal"], Title: "Beta's"})
	if err != nil {
		t.Fatal(err)
	}
	v.tapBody(olena, data("tk", otherTask.ID))
	if got := v.lastText(olena); got != v.text("bot.err.not_found", nil) {
		t.Fatalf("another club's task: %q", got)
	}
	if got := strings.Join(v.labels(olena), "|"); got != keys {
		t.Fatalf("a refused tap hid the form's keyboard: %q, want %q", got, keys)
	}
	v.tapBody(olena, "v1|zz|1")
	expect(t, "unknown action", v.lastText(olena), "out of date")
	oldResult := ""
	for _, b := range v.bot.Keyboard(olena.ID).Buttons {
		if b.Text == "Result thinking" {
			oldResult = b.ActionBody
		}
	}
	if oldResult == "" {
		t.Fatalf("no result button on %q", v.labels(olena))
	}
	v.tap(olena, "Result refusal")
	v.tapBody(olena, oldResult)
	expect(t, "old screen's button", v.lastText(olena), "out of date")
	v.expectRows("nothing recorded by bad input", 0, `SELECT count(*) FROM task_results WHERE task_id = $1`, task.ID)
	if _, assignee, _ := v.taskRow(otherTask.ID); assignee != 0 {
		t.Fatal("another club's task was taken")
	}
	v.noHTML(olena)
}

// One person, two clubs, two messengers: on Telegram they are staff of
// alpha (the fixture), on Viber they join beta; each messenger shows its
// club's tasks, and a Viber tap on an alpha task is refused.
func TestViberAndTelegramInTwoClubs(t *testing.T) {
	t.Parallel()
	v := setupViber(t)
	v.start(Config{}) // the Telegram bot beside the Viber one
	beta := pgtest.NewClub(t, v.db, "beta")
	olena := viberUser("olena+DDDDDDDDDDDDDDD==", "Olena")
	inBeta := v.join(olena, beta.Club.ID, domain.RoleStaff, "Staff beta")
	v.task(postgres.TaskCreateInput{AssigneeID: v.f.Staff.ID, Title: "Alpha water", TemplateID: v.f.Templates["internal"]})
	if _, err := v.db.TaskCreate(context.Background(), postgres.TaskCreateInput{ClubID: beta.Club.ID, TemplateID: beta.Templates["internal"],
		Title: "Beta towels", AssigneeID: inBeta.ID}); err != nil {
		t.Fatal(err)
	}
	alphaTask := v.task(postgres.TaskCreateInput{AssigneeID: v.f.Staff.ID, DueAt: at(time.Hour)})

	v.say(olena, "/tasks")
	expect(t, "Viber: beta", v.lastText(olena), "Beta towels")
	expectNot(t, "Viber: beta", v.lastText(olena), "Alpha water")
	v.harness.say(v.staff, "/tasks")
	expect(t, "Telegram: alpha", v.harness.lastText(v.staff), "Alpha water")
	expectNot(t, "Telegram: alpha", v.harness.lastText(v.staff), "Beta towels")

	v.tapBody(olena, data("tk", alphaTask.ID))
	if _, assignee, _ := v.taskRow(alphaTask.ID); assignee != v.f.Staff.ID {
		t.Fatal("a Viber tap in beta moved an alpha task")
	}
	if status, _, _ := v.taskRow(alphaTask.ID); status != "new" {
		t.Fatalf("alpha task is %s after a beta tap", status)
	}
}
