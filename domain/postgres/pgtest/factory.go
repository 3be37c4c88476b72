package pgtest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Factories: each makes one row (with what belongs to it) from an options
// struct whose zero value is a sensible default, through the store's own
// writer where it has one, so a fixture is a row the system itself could
// have written. Where the store has no writer for exactly that row the
// factory says why it writes SQL.

// seq numbers the defaults (slugs, names, phones, accounts) so that two
// calls never collide, in one test or in parallel ones.
var seq atomic.Int64

func next() int64 { return seq.Add(1) }

func fail(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("pgtest: %s: %v", what, err)
	}
}

// ClubOpts describes a club. Zero values: slug "club-N", name "Club <slug>",
// Europe/Kyiv, Russian, digest at 9.
type ClubOpts struct {
	Slug, Name, TimeZone string
	Language             domain.Language
	DigestHour           *int // nil: 9 (a pointer, as 0 is midnight)
	PhoneCode            string
	// Bare leaves out the four default templates every club starts with, for
	// tests whose figures must depend on nothing but the rows they write
	// (reports). The store never makes such a club, so it is written with SQL.
	Bare bool
}

// Club creates a club with db.ClubCreate (which adds the default templates).
func Club(t testing.TB, db *postgres.DB, o ClubOpts) domain.Club {
	t.Helper()
	if o.Slug == "" {
		o.Slug = fmt.Sprintf("club-%d", next())
	}
	if o.Name == "" {
		o.Name = "Club " + o.Slug
	}
	if o.TimeZone == "" {
		o.TimeZone = "Europe/Kyiv"
	}
	if o.Language == "" {
		o.Language = domain.LangRU
	}
	c := domain.Club{Slug: o.Slug, Name: o.Name, TimeZone: o.TimeZone, Language: o.Language, DigestHour: 9, PhoneCode: o.PhoneCode}
	if o.DigestHour != nil {
		c.DigestHour = *o.DigestHour
	}
	if o.Bare {
		err := db.Pool().QueryRow(context.Background(), `
INSERT INTO clubs (slug, name, time_zone, language, digest_hour, phone_code) VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, created_at`, c.Slug, c.Name, c.TimeZone, string(c.Language), c.DigestHour, c.PhoneCode).Scan(&c.ID, &c.CreatedAt)
		fail(t, "bare club "+c.Slug, err)
		c.WorkingHours = c.Hours()
		return c
	}
	c, err := db.ClubCreate(context.Background(), c)
	fail(t, "club "+o.Slug, err)
	return c
}

// StaffOpts describes a staff member. Zero values: role staff, name
// "Staff N", Russian, reached through a fresh Telegram account.
type StaffOpts struct {
	Name     string
	Role     domain.Role
	Language domain.Language
	// TgUserID is their Telegram user id, reached through the default bot;
	// 0 gives them a fresh one.
	TgUserID int64
	// NoAccount makes a staff member with no identity at all.
	NoAccount bool
	// Joined makes them the way a person joins: db.InviteCreate, then
	// db.InviteRedeem from their account, which also leaves the used
	// invite, the account's first message time and its current club.
	Joined bool
	// Inactive turns them off without StaffDeactivate's handover (which
	// needs an actor and reassigns their tasks).
	Inactive bool
}

// Staff creates a staff member of club. The store makes staff only by
// redeeming an invite (o.Joined), whose side rows invite and identity tests
// count; by default the member is written with SQL as one who joined and
// has not written since, and read back with db.StaffGet.
func Staff(t testing.TB, db *postgres.DB, club domain.Club, o StaffOpts) domain.Staff {
	t.Helper()
	ctx := context.Background()
	if o.Role == "" {
		o.Role = domain.RoleStaff
	}
	if o.Name == "" {
		o.Name = fmt.Sprintf("Staff %d", next())
	}
	if o.Language == "" {
		o.Language = domain.LangRU
	}
	if o.TgUserID == 0 && !o.NoAccount {
		o.TgUserID = 7_000_000_000 + next()
	}
	acct := chat.TelegramAddress(chat.DefaultBot, o.TgUserID)
	var id int64
	if o.Joined {
		code, _, err := db.InviteCreate(ctx, club.ID, o.Role, o.Name, time.Hour)
		fail(t, "invite "+o.Name, err)
		s, err := db.InviteRedeem(ctx, code, acct, chat.User{Language: string(o.Language)})
		fail(t, "join "+o.Name, err)
		id = s.ID
	} else {
		err := db.Pool().QueryRow(ctx, `INSERT INTO staff (club_id, name, role, language) VALUES ($1, $2, $3, $4) RETURNING id`,
			club.ID, o.Name, string(o.Role), string(o.Language)).Scan(&id)
		fail(t, "staff "+o.Name, err)
		if !o.NoAccount {
			LinkIdentity(t, db, club.ID, id, acct)
		}
	}
	if o.Inactive {
		Exec(t, db, `UPDATE staff SET active = false WHERE club_id = $1 AND id = $2`, club.ID, id)
	}
	s, err := db.StaffGet(ctx, club.ID, id)
	fail(t, "staff "+o.Name, err)
	return s
}

// TemplateOpts describes a template. Zero values: key "template_N", named
// after the key, a personal call, at position 0.
type TemplateOpts struct {
	Key, Name string
	Type      domain.TaskType
	// DefaultTitle: empty is the name.
	DefaultTitle string
	Position     int
	// ReminderOffset, when set, is the default reminder relative to due.
	ReminderOffset *time.Duration
	Archived       bool
}

// Template creates a template of club. The store writes templates only
// through PlanApply, which takes the whole club's plan, so this is SQL.
func Template(t testing.TB, db *postgres.DB, club domain.Club, o TemplateOpts) domain.Template {
	t.Helper()
	if o.Key == "" {
		o.Key = fmt.Sprintf("template_%d", next())
	}
	if o.Name == "" {
		o.Name = "Template " + o.Key
	}
	if o.Type == "" {
		o.Type = domain.TypePersonalCall
	}
	if o.DefaultTitle == "" {
		o.DefaultTitle = o.Name
	}
	var reminder *int
	if o.ReminderOffset != nil {
		m := int(*o.ReminderOffset / time.Minute)
		reminder = &m
	}
	tp := domain.Template{ClubID: club.ID, Key: o.Key, Name: o.Name, Type: o.Type, DefaultTitle: o.DefaultTitle,
		ReminderOffset: o.ReminderOffset, Position: o.Position}
	err := db.Pool().QueryRow(context.Background(), `
INSERT INTO templates (club_id, key, name, task_type, default_title, position, reminder_offset_min, archived_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8 THEN now() END) RETURNING id, archived_at`,
		club.ID, o.Key, o.Name, string(o.Type), o.DefaultTitle, o.Position, reminder, o.Archived).Scan(&tp.ID, &tp.ArchivedAt)
	fail(t, "template "+o.Key, err)
	return tp
}

// ResultOpts describes a result. Zero values: key "result_N", named
// "Result <key>", position 0, closing no template.
type ResultOpts struct {
	Key, Name string
	Position  int
	// Templates are the templates this result closes, linked at Position.
	Templates []int64
}

// Result creates a result of club and links it to its templates. Like
// templates, results have no writer but PlanApply: SQL.
func Result(t testing.TB, db *postgres.DB, club domain.Club, o ResultOpts) domain.Result {
	t.Helper()
	ctx := context.Background()
	if o.Key == "" {
		o.Key = fmt.Sprintf("result_%d", next())
	}
	if o.Name == "" {
		o.Name = "Result " + o.Key
	}
	r := domain.Result{ClubID: club.ID, Key: o.Key, Name: o.Name, Position: o.Position}
	err := db.Pool().QueryRow(ctx, `INSERT INTO results (club_id, key, name, position) VALUES ($1, $2, $3, $4) RETURNING id`,
		club.ID, o.Key, o.Name, o.Position).Scan(&r.ID)
	fail(t, "result "+o.Key, err)
	for _, tp := range o.Templates {
		Exec(t, db, `INSERT INTO template_results (club_id, template_id, result_id, position) VALUES ($1, $2, $3, $4)`,
			club.ID, tp, r.ID, o.Position)
	}
	return r
}

// ClientOpts describes a client. Zero values: name "Client N", a fresh
// Ukrainian mobile number, a lead.
type ClientOpts struct {
	Name   string
	Phones []string
	Status domain.ClientStatus
	Groups []string
}

// Client creates a client of club with db.ClientCreate.
func Client(t testing.TB, db *postgres.DB, club domain.Club, o ClientOpts) domain.Client {
	t.Helper()
	n := next()
	if o.Name == "" {
		o.Name = fmt.Sprintf("Client %d", n)
	}
	if len(o.Phones) == 0 {
		o.Phones = []string{fmt.Sprintf("+38067%07d", n%10_000_000)}
	}
	c, err := db.ClientCreate(context.Background(), domain.Client{ClubID: club.ID, Name: o.Name, Phones: o.Phones, Status: o.Status, Groups: o.Groups})
	fail(t, "client "+o.Name, err)
	return c
}

// TaskOpts describes a task. Zero values: the club's default internal
// template, title "Task N", nobody's, no due time.
type TaskOpts struct {
	Template           int64
	Title, Description string
	Client             int64
	Author, Assignee   int64
	Due, Remind        *time.Time

	// The rest writes a task's history at once: a task created at Created
	// and already Done, Cancelled or Deleted. The store creates tasks at its
	// clock's now, with their notices, and moves them on one action at a
	// time, so when Created is set the row is written with SQL, with every
	// time as given and no outbox rows.
	Created                  time.Time
	Status                   domain.Status // empty: new
	Done, Cancelled, Deleted *time.Time
	Result                   int64 // the result it was closed with
}

// Task creates a task of club with db.TaskCreate (outbox rows and all), or,
// when o.Created is set, writes it as history (see TaskOpts).
func Task(t testing.TB, db *postgres.DB, club domain.Club, o TaskOpts) domain.Task {
	t.Helper()
	ctx := context.Background()
	if o.Template == 0 {
		o.Template = defaultTemplate(t, db, club, domain.TypeInternal)
	}
	if o.Title == "" {
		o.Title = fmt.Sprintf("Task %d", next())
	}
	if o.Created.IsZero() {
		task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: club.ID, TemplateID: o.Template, Title: o.Title,
			Description: o.Description, ClientID: o.Client, AuthorID: o.Author, AssigneeID: o.Assignee, DueAt: o.Due, RemindAt: o.Remind})
		fail(t, "task "+o.Title, err)
		return task
	}
	if o.Status == "" {
		o.Status = domain.StatusNew
	}
	task := domain.Task{ClubID: club.ID, TemplateID: o.Template, Title: o.Title, Description: o.Description, ClientID: o.Client, AuthorID: o.Author,
		AssigneeID: o.Assignee, Status: o.Status, DueAt: o.Due, RemindAt: o.Remind, ResultID: o.Result,
		CreatedAt: o.Created, UpdatedAt: o.Created, DoneAt: o.Done}
	var typ string
	err := db.Pool().QueryRow(ctx, `
INSERT INTO tasks (club_id, task_type, template_id, title, description, client_id, author_id, assignee_id, status,
                   created_at, updated_at, due_at, remind_at, done_at, cancelled_at, deleted_at, result_id)
SELECT $1, t.task_type, t.id, $3, $4, nullif($5, 0), nullif($6, 0), nullif($7, 0), $8, $9, $9, $10, $11, $12, $13, $14, nullif($15, 0)
FROM templates t WHERE t.club_id = $1 AND t.id = $2
RETURNING id, task_type`, club.ID, o.Template, o.Title, o.Description, o.Client, o.Author, o.Assignee, string(o.Status),
		o.Created, o.Due, o.Remind, o.Done, o.Cancelled, o.Deleted, o.Result).Scan(&task.ID, &typ)
	fail(t, "task history "+o.Title, err)
	task.Type = domain.TaskType(typ)
	return task
}

// defaultTemplate is the id of the club's default template of type typ.
func defaultTemplate(t testing.TB, db *postgres.DB, club domain.Club, typ domain.TaskType) int64 {
	t.Helper()
	list, err := db.TemplateList(context.Background(), club.ID)
	fail(t, "templates", err)
	for _, tp := range list {
		if tp.IsDefault && tp.Type == typ {
			return tp.ID
		}
	}
	t.Fatalf("pgtest: club %d has no default %s template", club.ID, typ)
	return 0
}
