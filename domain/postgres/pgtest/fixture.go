package pgtest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Fixture is a small, fully set-up club: the four default templates plus a
// "call" template with three results (one with a required dictionary field),
// a workflow rule, an owner-manager, two staff members and two clients. Tests
// that need more add it with the factories or store methods.
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

// NewClub creates a club fixture from the factories. slug must be unique
// within the test's database; tenant isolation tests create two.
func NewClub(t testing.TB, db *postgres.DB, slug string) Fixture {
	t.Helper()
	f := Fixture{Templates: map[string]int64{}, Results: map[string]int64{}, Reasons: map[string]int64{}}
	f.Club = Club(t, db, ClubOpts{Slug: slug, PhoneCode: "380"})
	tmpls, err := db.TemplateList(context.Background(), f.Club.ID)
	fail(t, "fixture templates", err)
	for _, tp := range tmpls {
		f.Templates[tp.Key] = tp.ID
	}
	f.Templates["call"] = Template(t, db, f.Club, TemplateOpts{Key: "call", Type: domain.TypePersonalCall, Position: 10}).ID
	f.Templates["check"] = Template(t, db, f.Club, TemplateOpts{Key: "check", Type: domain.TypeClientTask, Position: 10}).ID
	closes := []int64{f.Templates["call"], f.Templates["check"], f.Templates["personal_call"], f.Templates["client_task"]}
	for i, key := range []string{"thinking", "going_to_buy", "refusal", "bought"} {
		f.Results[key] = Result(t, db, f.Club, ResultOpts{Key: key, Position: i, Templates: closes}).ID
	}
	f.ReasonField, f.Reasons = refusalReasons(t, db, f.Club.ID, f.Results["refusal"])
	// Workflow rules, like templates and results, are written by PlanApply only.
	Exec(t, db, `INSERT INTO workflow_rules (club_id, template_id, result_id, next_template_id, due_offset_min)
VALUES ($1, $2, $3, $4, 1440)`, f.Club.ID, f.Templates["call"], f.Results["going_to_buy"], f.Templates["check"])

	base := f.Club.ID * 1000
	f.Manager = Staff(t, db, f.Club, StaffOpts{Name: "Manager " + slug, Role: domain.RoleManager, TgUserID: base + 1})
	f.Staff = Staff(t, db, f.Club, StaffOpts{Name: "Staff " + slug, TgUserID: base + 2})
	f.Colleague = Staff(t, db, f.Club, StaffOpts{Name: "Colleague " + slug, TgUserID: base + 3})
	for i, name := range []string{"Олена Петренко", "Ivan Sirko"} {
		phone := "+380" + strconv.FormatInt(660000000+f.Club.ID*10+int64(i), 10)
		f.Clients = append(f.Clients, Client(t, db, f.Club, ClientOpts{Name: name, Phones: []string{phone}}).ID)
	}
	return f
}

// refusalReasons gives the refusal result its required "reason" choice
// field over a dictionary of three reasons (SQL: PlanApply is their only
// writer) and returns the field's id and the values by key.
func refusalReasons(t testing.TB, db *postgres.DB, clubID, refusal int64) (int64, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	q := db.Pool()
	var dictID, fieldID int64
	fail(t, "dictionary", q.QueryRow(ctx, `INSERT INTO dictionaries (club_id, key, name) VALUES ($1, 'reasons', 'Refusal reasons') RETURNING id`, clubID).Scan(&dictID))
	reasons := map[string]int64{}
	for i, key := range []string{"far", "schedule", "other"} {
		var id int64
		fail(t, "dictionary value", q.QueryRow(ctx, `INSERT INTO dictionary_values (club_id, dictionary_id, key, name, position) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			clubID, dictID, key, "Reason "+key, i).Scan(&id))
		reasons[key] = id
	}
	fail(t, "field", q.QueryRow(ctx, `INSERT INTO result_fields (club_id, result_id, key, name, field_type, required, dictionary_id)
VALUES ($1, $2, 'reason', 'Reason', 'choice', true, $3) RETURNING id`, clubID, refusal, dictID).Scan(&fieldID))
	return fieldID, reasons
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
