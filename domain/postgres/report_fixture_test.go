package postgres_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// The report tests build bare clubs (no default templates) with pgtest's
// factories, so the expected figures depend on nothing but the rows written
// here. History the factories do not make (answers, calls, funnel stages)
// is written with SQL.

// repClub is one club being filled with report fixtures.
type repClub struct {
	t    *testing.T
	db   *postgres.DB
	club domain.Club
	id   int64
	loc  *time.Location
}

func repNewClub(t *testing.T, db *postgres.DB, slug string) *repClub {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	c := &repClub{t: t, db: db, loc: loc}
	c.club = pgtest.Club(t, db, pgtest.ClubOpts{Slug: slug, Name: slug, Bare: true})
	c.id = c.club.ID
	return c
}

func (c *repClub) insert(sql string, args ...any) int64 {
	c.t.Helper()
	var id int64
	if err := c.db.Pool().QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		c.t.Fatalf("fixture %q: %v", sql, err)
	}
	return id
}

func (c *repClub) exec(sql string, args ...any) {
	c.t.Helper()
	if _, err := c.db.Pool().Exec(context.Background(), sql, args...); err != nil {
		c.t.Fatalf("fixture %q: %v", sql, err)
	}
}

// at parses "2006-01-02 15:04" as local time in Kyiv.
func (c *repClub) at(s string) time.Time {
	c.t.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, c.loc)
	if err != nil {
		c.t.Fatalf("bad fixture time %q: %v", s, err)
	}
	return t
}

// atp is at for nullable columns: "" is NULL.
func (c *repClub) atp(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := c.at(s)
	return &t
}

func (c *repClub) staff(name, role string, active bool) int64 {
	c.t.Helper()
	return pgtest.Staff(c.t, c.db, c.club, pgtest.StaffOpts{Name: name, Role: domain.Role(role), NoAccount: true, Inactive: !active}).ID
}

func (c *repClub) client(name string) int64 {
	c.t.Helper()
	return pgtest.Client(c.t, c.db, c.club, pgtest.ClientOpts{Name: name}).ID
}

func (c *repClub) template(key, name, typ string, position int, retired bool) int64 {
	c.t.Helper()
	return pgtest.Template(c.t, c.db, c.club, pgtest.TemplateOpts{Key: key, Name: name, Type: domain.TaskType(typ),
		Position: position, Archived: retired}).ID
}

func (c *repClub) result(key, name string, position int) int64 {
	c.t.Helper()
	return pgtest.Result(c.t, c.db, c.club, pgtest.ResultOpts{Key: key, Name: name, Position: position}).ID
}

func (c *repClub) dictionary(key, name string) int64 {
	return c.insert(`INSERT INTO dictionaries (club_id, key, name) VALUES ($1, $2, $3) RETURNING id`, c.id, key, name)
}

func (c *repClub) dictValue(dict int64, key, name string, position int, archived bool) int64 {
	return c.insert(`INSERT INTO dictionary_values (club_id, dictionary_id, key, name, position, archived_at)
VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END) RETURNING id`, c.id, dict, key, name, position, archived)
}

func (c *repClub) field(result int64, key, name, typ string, dict int64) int64 {
	return c.insert(`INSERT INTO result_fields (club_id, result_id, key, name, field_type, dictionary_id)
VALUES ($1, $2, $3, $4, $5, nullif($6, 0)) RETURNING id`, c.id, result, key, name, typ, dict)
}

func (c *repClub) stage(key, name string, position int, archived bool, results ...int64) int64 {
	id := c.insert(`INSERT INTO funnel_stages (club_id, key, name, position, archived_at)
VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END) RETURNING id`, c.id, key, name, position, archived)
	for _, r := range results {
		c.exec(`INSERT INTO funnel_stage_results (club_id, stage_id, result_id) VALUES ($1, $2, $3)`, c.id, id, r)
	}
	return id
}

// repTask is a task row with every timestamp explicit. Local times as for at.
type repTask struct {
	template  int64
	typ       string
	client    int64 // 0: none
	assignee  int64 // 0: unassigned
	status    string
	created   string
	due       string
	done      string
	cancelled string
	deleted   string
	result    int64 // the latest result, for done client tasks
}

func (c *repClub) task(tk repTask) int64 {
	c.t.Helper()
	task := pgtest.Task(c.t, c.db, c.club, pgtest.TaskOpts{Template: tk.template, Title: "fixture", Client: tk.client,
		Assignee: tk.assignee, Status: domain.Status(tk.status), Created: c.at(tk.created), Due: c.atp(tk.due),
		Done: c.atp(tk.done), Cancelled: c.atp(tk.cancelled), Deleted: c.atp(tk.deleted), Result: tk.result})
	if string(task.Type) != tk.typ {
		c.t.Fatalf("fixture task of type %s on a %s template", tk.typ, task.Type)
	}
	return task.ID
}

// taskResult records a result in the history; staff 0 means nobody.
func (c *repClub) taskResult(task, result, client, staff int64, at string) int64 {
	return c.insert(`INSERT INTO task_results (club_id, task_id, result_id, client_id, staff_id, recorded_at)
VALUES ($1, $2, $3, nullif($4, 0), nullif($5, 0), $6) RETURNING id`, c.id, task, result, client, staff, c.at(at))
}

func (c *repClub) choose(taskResult, field int64, values ...int64) {
	for _, v := range values {
		c.exec(`INSERT INTO task_field_values (club_id, task_result_id, field_id, value_id) VALUES ($1, $2, $3, $4)`, c.id, taskResult, field, v)
	}
}

// call logs a call; staff and task 0 mean none.
func (c *repClub) call(direction string, client, staff, task int64, at string) {
	c.exec(`INSERT INTO calls (club_id, direction, client_id, staff_id, task_id, called_at)
VALUES ($1, $2, $3, nullif($4, 0), nullif($5, 0), $6)`, c.id, direction, client, staff, task, c.at(at))
}

func repApprox(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
