package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Fixture is a small, fully set-up club: the four default templates plus a
// "call" template with three results (one with a required dictionary field),
// a workflow rule, an owner-manager, two staff members and two clients. Tests
// that need more add it with SQL or store methods.
type Fixture struct {
	Club      domain.Club
	Manager   domain.Staff
	Staff     domain.Staff
	Colleague domain.Staff
	// Templates by key: personal_call, bulk_call, client_task, internal, call, check.
	Templates map[string]int64
	// Results by key: thinking, going_to_buy, refusal, bought.
	Results map[string]int64
	// ReasonField is the refusal's required choice field; Reasons its values by key.
	ReasonField int64
	Reasons     map[string]int64
	Clients     []int64
}

// NewClub creates a club fixture. slug must be unique within the test's
// database; tenant isolation tests create two.
func NewClub(t testing.TB, db *postgres.DB, slug string) Fixture {
	t.Helper()
	ctx := context.Background()
	q := db.Pool()
	f := Fixture{Templates: map[string]int64{}, Results: map[string]int64{}, Reasons: map[string]int64{}}
	f.Club = domain.Club{Slug: slug, Name: "Club " + slug, TimeZone: "Europe/Kyiv", Language: domain.LangRU, DigestHour: 9, PhoneCode: "380"}
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("pgtest: fixture %s: %v", what, err)
		}
	}
	must(q.QueryRow(ctx, `INSERT INTO clubs (slug, name, time_zone, language, digest_hour, phone_code)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at`, f.Club.Slug, f.Club.Name, f.Club.TimeZone, f.Club.Language, f.Club.DigestHour, f.Club.PhoneCode).
		Scan(&f.Club.ID, &f.Club.CreatedAt), "club")
	for i, tp := range domain.DefaultTemplates(domain.LangRU) {
		var id int64
		must(q.QueryRow(ctx, `INSERT INTO templates (club_id, key, name, task_type, default_title, is_default, position)
VALUES ($1, $2, $3, $4, $5, true, $6) RETURNING id`, f.Club.ID, tp.Key, tp.Name, tp.Type, tp.DefaultTitle, i).Scan(&id), "template")
		f.Templates[tp.Key] = id
	}
	for key, typ := range map[string]domain.TaskType{"call": domain.TypePersonalCall, "check": domain.TypeClientTask} {
		var id int64
		must(q.QueryRow(ctx, `INSERT INTO templates (club_id, key, name, task_type, default_title, position)
VALUES ($1, $2, $3, $4, $3, 10) RETURNING id`, f.Club.ID, key, "Template "+key, typ).Scan(&id), "template "+key)
		f.Templates[key] = id
	}
	for i, key := range []string{"thinking", "going_to_buy", "refusal", "bought"} {
		var id int64
		must(q.QueryRow(ctx, `INSERT INTO results (club_id, key, name, position) VALUES ($1, $2, $3, $4) RETURNING id`,
			f.Club.ID, key, "Result "+key, i).Scan(&id), "result "+key)
		f.Results[key] = id
		for _, tk := range []string{"call", "check", "personal_call", "client_task"} {
			_, err := q.Exec(ctx, `INSERT INTO template_results (club_id, template_id, result_id, position) VALUES ($1, $2, $3, $4)`,
				f.Club.ID, f.Templates[tk], id, i)
			must(err, "template result")
		}
	}
	var dictID int64
	must(q.QueryRow(ctx, `INSERT INTO dictionaries (club_id, key, name) VALUES ($1, 'reasons', 'Refusal reasons') RETURNING id`, f.Club.ID).Scan(&dictID), "dictionary")
	for i, key := range []string{"far", "schedule", "other"} {
		var id int64
		must(q.QueryRow(ctx, `INSERT INTO dictionary_values (club_id, dictionary_id, key, name, position) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			f.Club.ID, dictID, key, "Reason "+key, i).Scan(&id), "dictionary value")
		f.Reasons[key] = id
	}
	must(q.QueryRow(ctx, `INSERT INTO result_fields (club_id, result_id, key, name, field_type, required, dictionary_id)
VALUES ($1, $2, 'reason', 'Reason', 'choice', true, $3) RETURNING id`, f.Club.ID, f.Results["refusal"], dictID).Scan(&f.ReasonField), "field")
	_, err := q.Exec(ctx, `INSERT INTO workflow_rules (club_id, template_id, result_id, next_template_id, due_offset_min)
VALUES ($1, $2, $3, $4, 1440)`, f.Club.ID, f.Templates["call"], f.Results["going_to_buy"], f.Templates["check"])
	must(err, "workflow rule")

	staff := func(name string, role domain.Role, tg int64) domain.Staff {
		s := domain.Staff{ClubID: f.Club.ID, Name: name, Role: role, TelegramID: tg, Linked: true, Language: domain.LangRU, Active: true}
		must(q.QueryRow(ctx, `INSERT INTO staff (club_id, name, role, language) VALUES ($1, $2, $3, 'ru') RETURNING id, created_at`,
			f.Club.ID, name, role).Scan(&s.ID, &s.CreatedAt), "staff "+name)
		LinkIdentity(t, db, f.Club.ID, s.ID, chat.TelegramAddress(chat.DefaultBot, tg))
		return s
	}
	base := f.Club.ID * 1000
	f.Manager = staff("Manager "+slug, domain.RoleManager, base+1)
	f.Staff = staff("Staff "+slug, domain.RoleStaff, base+2)
	f.Colleague = staff("Colleague "+slug, domain.RoleStaff, base+3)
	for i, name := range []string{"Олена Петренко", "Ivan Sirko"} {
		var id int64
		must(q.QueryRow(ctx, `INSERT INTO clients (club_id, name, status) VALUES ($1, $2, 'lead') RETURNING id`, f.Club.ID, name).Scan(&id), "client")
		_, err := q.Exec(ctx, `INSERT INTO client_phones (club_id, client_id, phone) VALUES ($1, $2, $3)`, f.Club.ID, id, phoneFor(f.Club.ID, i))
		must(err, "client phone")
		f.Clients = append(f.Clients, id)
	}
	return f
}

func phoneFor(clubID int64, i int) string {
	n := 660000000 + clubID*10 + int64(i)
	return "+380" + itoa(n)
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// LinkIdentity gives a staff member an identity: the account addr (a
// Telegram user through the default bot: chat.TelegramAddress(0, id))
// reaches them. Tests that insert staff rows with SQL call it where they
// used to set staff.tg_user_id.
func LinkIdentity(t testing.TB, db *postgres.DB, clubID, staffID int64, addr chat.Address) {
	t.Helper()
	_, err := db.Pool().Exec(context.Background(), `
INSERT INTO staff_identities (club_id, staff_id, channel, bot_id, external_id) VALUES ($1, $2, $3, $4, $5)`,
		clubID, staffID, string(addr.Channel), addr.Bot, addr.Chat)
	if err != nil {
		t.Fatalf("pgtest: link identity %s to staff %d: %v", addr, staffID, err)
	}
}

// MarkUnreachable marks every identity of a staff member unreachable, as if
// they had blocked the bot at at: what tests used to write into
// staff.unreachable_at.
func MarkUnreachable(t testing.TB, db *postgres.DB, staffID int64, at time.Time) {
	t.Helper()
	if _, err := db.Pool().Exec(context.Background(), `UPDATE staff_identities SET unreachable_at = $2 WHERE staff_id = $1`, staffID, at); err != nil {
		t.Fatalf("pgtest: mark staff %d unreachable: %v", staffID, err)
	}
}
