package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestClientCreateAndGet(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()

	c, err := db.ClientCreate(ctx, domain.Client{ClubID: f.Club.ID, Name: "  Анна Коваленко ",
		Phones: []string{"+380501112233", "+380671112233", "+380501112233"}, Email: "anna@example.com",
		Groups: []string{"Yoga", " Yoga", "Pilates"}})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	got, err := db.ClientGet(ctx, f.Club.ID, c.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Name != "Анна Коваленко" || got.Status != domain.ClientLead || got.Email != "anna@example.com" ||
		!reflect.DeepEqual(got.Phones, []string{"+380501112233", "+380671112233"}) ||
		!reflect.DeepEqual(got.Groups, []string{"Yoga", "Pilates"}) {
		t.Fatalf("stored %+v", got)
	}

	// Another club's id is not found, not leaked.
	other := pgtest.NewClub(t, db, "beta")
	if _, err := db.ClientGet(ctx, other.Club.ID, c.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("get from another club: %v", err)
	}
	// The same phone in another club is another client.
	if _, err := db.ClientCreate(ctx, domain.Client{ClubID: other.Club.ID, Name: "Anna B", Phones: []string{"+380501112233"}}); err != nil {
		t.Fatalf("same phone in another club: %v", err)
	}
}

func TestClientCreatePhoneTaken(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	first, err := db.ClientCreate(ctx, domain.Client{ClubID: f.Club.ID, Name: "First", Phones: []string{"+380501112233"}})
	if err != nil {
		t.Fatal(err)
	}
	before := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1`, f.Club.ID)
	_, err = db.ClientCreate(ctx, domain.Client{ClubID: f.Club.ID, Name: "Second", Phones: []string{"+380671110000", "+380501112233"}})
	var de *domain.Error
	if !errors.As(err, &de) || !errors.Is(err, domain.ErrConflict) || de.Code != "phone_taken" {
		t.Fatalf("got %v, want phone_taken conflict", err)
	}
	if de.Args["client"] != "First" || de.Args["client_id"] != first.ID || de.Args["phone"] != "+380501112233" {
		t.Fatalf("args %v", de.Args)
	}
	// Nothing of the refused client stays behind.
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1`, f.Club.ID); n != before {
		t.Fatalf("clients %d, want %d", n, before)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM client_phones WHERE phone = '+380671110000'`); n != 0 {
		t.Fatalf("phone of refused client stored")
	}
}

func TestClientCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	tests := []struct {
		name string
		c    domain.Client
		want error
	}{
		{"no name", domain.Client{ClubID: f.Club.ID, Name: " ", Phones: []string{"+380501112233"}}, domain.ErrInvalid},
		{"no phone", domain.Client{ClubID: f.Club.ID, Name: "A"}, domain.ErrInvalid},
		{"local phone", domain.Client{ClubID: f.Club.ID, Name: "A", Phones: []string{"0501112233"}}, domain.ErrInvalid},
		{"bad email", domain.Client{ClubID: f.Club.ID, Name: "A", Phones: []string{"+380501112233"}, Email: "a@"}, domain.ErrInvalid},
		{"bad status", domain.Client{ClubID: f.Club.ID, Name: "A", Phones: []string{"+380501112233"}, Status: "vip"}, domain.ErrInvalid},
		{"name too long", domain.Client{ClubID: f.Club.ID, Name: strings.Repeat("я", domain.MaxNameLen+1), Phones: []string{"+380501112233"}}, domain.ErrInvalid},
		{"too many phones", domain.Client{ClubID: f.Club.ID, Name: "A", Phones: []string{
			"+380501110001", "+380501110002", "+380501110003", "+380501110004", "+380501110005", "+380501110006",
			"+380501110007", "+380501110008", "+380501110009", "+380501110010", "+380501110011"}}, domain.ErrInvalid},
		{"unknown club", domain.Client{ClubID: f.Club.ID + 1000, Name: "A", Phones: []string{"+380501112233"}}, domain.ErrNotFound},
	}
	for _, tt := range tests {
		if _, err := db.ClientCreate(ctx, tt.c); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM client_phones WHERE phone LIKE '+38050111%'`); n != 0 {
		t.Fatalf("%d phones written by refused creates", n)
	}
}

func TestClientSearch(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	add := func(clubID int64, name string, phones ...string) int64 {
		t.Helper()
		c, err := db.ClientCreate(ctx, domain.Client{ClubID: clubID, Name: name, Phones: phones})
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		return c.ID
	}
	maria := add(f.Club.ID, "Марія Шевченко", "+380671234567")
	mariana := add(f.Club.ID, "Мар'яна Коваль", "+380509876543", "+79161234567")
	percent := add(f.Club.ID, "100% Fitness Kid", "+380931112233")
	add(other.Club.ID, "Марія Інша", "+380671234568")

	tests := []struct {
		query string
		want  []int64
	}{
		{"марія", []int64{maria}},             // case-insensitive Cyrillic
		{"МАР", []int64{mariana, maria}},      // prefix matches, by name
		{"шевч", []int64{maria}},              // substring in the middle
		{"1234", []int64{mariana, maria}},     // digits anywhere in any phone
		{"067 123-45", []int64{maria}},        // typed with separators
		{"0671234567", []int64{maria}},        // local Ukrainian form
		{"8 916 123 45 67", []int64{mariana}}, // Russian trunk 8
		{"+7916", []int64{mariana}},           // international prefix
		{"100%", []int64{percent}},            // % is a literal, not a wildcard
		{"%", []int64{percent}},               // likewise
		{"_", nil},                            // _ is literal too
		{"nobody", nil},                       // no match
		{"380671234568", nil},                 // another club's phone
	}
	for _, tt := range tests {
		got, err := db.ClientSearch(ctx, f.Club.ID, tt.query, 0)
		if err != nil {
			t.Errorf("%q: %v", tt.query, err)
			continue
		}
		var ids []int64
		for _, c := range got {
			ids = append(ids, c.ID)
			if c.ClubID != f.Club.ID || len(c.Phones) == 0 {
				t.Errorf("%q: bad result %+v", tt.query, c)
			}
		}
		if !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.query, ids, tt.want)
		}
	}
	if got, err := db.ClientSearch(ctx, f.Club.ID, "мар", 1); err != nil || len(got) != 1 {
		t.Errorf("limit 1: %d results, %v", len(got), err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("a", 101)} {
		if _, err := db.ClientSearch(ctx, f.Club.ID, bad, 10); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("query %q: got %v, want ErrInvalid", bad, err)
		}
	}
}

func TestClientFilterAndGroups(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha") // two leads without groups
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	add := func(clubID int64, name, phone string, st domain.ClientStatus, groups ...string) int64 {
		t.Helper()
		c, err := db.ClientCreate(ctx, domain.Client{ClubID: clubID, Name: name, Phones: []string{phone}, Status: st, Groups: groups})
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		return c.ID
	}
	a := add(f.Club.ID, "A", "+380501110001", domain.ClientActive, "Yoga", "Pilates")
	b := add(f.Club.ID, "B", "+380501110002", domain.ClientLapsed, "Yoga")
	c := add(f.Club.ID, "C", "+380501110003", domain.ClientLapsed, "Boxing")
	add(other.Club.ID, "D", "+380501110004", domain.ClientLapsed, "Yoga", "Zumba")

	tests := []struct {
		name string
		f    postgres.ClientFilter
		want []int64
	}{
		{"everyone", postgres.ClientFilter{}, []int64{f.Clients[0], f.Clients[1], a, b, c}},
		{"lapsed", postgres.ClientFilter{Statuses: []domain.ClientStatus{domain.ClientLapsed}}, []int64{b, c}},
		{"yoga", postgres.ClientFilter{Groups: []string{"Yoga"}}, []int64{a, b}},
		{"yoga or boxing", postgres.ClientFilter{Groups: []string{"Yoga", "Boxing"}}, []int64{a, b, c}},
		{"lapsed yoga", postgres.ClientFilter{Statuses: []domain.ClientStatus{domain.ClientLapsed}, Groups: []string{"Yoga"}}, []int64{b}},
		{"active or lead", postgres.ClientFilter{Statuses: []domain.ClientStatus{domain.ClientActive, domain.ClientLead}}, []int64{f.Clients[0], f.Clients[1], a}},
		{"other club's group", postgres.ClientFilter{Groups: []string{"Zumba"}}, []int64{}},
	}
	for _, tt := range tests {
		ids, err := db.ClientFilterIDs(ctx, f.Club.ID, tt.f)
		if err != nil || !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("%s: ids %v %v, want %v", tt.name, ids, err, tt.want)
		}
		n, err := db.ClientFilterCount(ctx, f.Club.ID, tt.f)
		if err != nil || n != len(tt.want) {
			t.Errorf("%s: count %d %v, want %d", tt.name, n, err, len(tt.want))
		}
	}
	bad := postgres.ClientFilter{Statuses: []domain.ClientStatus{"vip"}}
	if _, err := db.ClientFilterCount(ctx, f.Club.ID, bad); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("bad status count: %v", err)
	}
	if _, err := db.ClientFilterIDs(ctx, f.Club.ID, bad); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("bad status ids: %v", err)
	}

	groups, err := db.ClientGroupList(ctx, f.Club.ID)
	if err != nil || !reflect.DeepEqual(groups, []string{"Boxing", "Pilates", "Yoga"}) {
		t.Errorf("groups %v %v", groups, err)
	}
	empty := pgtest.NewClub(t, db, "gamma")
	groups, err = db.ClientGroupList(ctx, empty.Club.ID)
	if err != nil || groups == nil || len(groups) != 0 {
		t.Errorf("groups of a club without any: %#v %v", groups, err)
	}
}

func TestClientResultHistory(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	record := func(resultKey string) int64 {
		t.Helper()
		task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["call"],
			ClientID: f.Clients[0], AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID})
		if err != nil {
			t.Fatalf("task: %v", err)
		}
		if _, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: task.ID,
			ResultID: f.Results[resultKey], Actor: f.Staff}); err != nil {
			t.Fatalf("result: %v", err)
		}
		return task.ID
	}
	first := record("thinking")
	second := record("bought")
	deleted := record("thinking")
	pgtest.Exec(t, db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, deleted)
	// Same instant for every row: the newer row must still come first.
	pgtest.Exec(t, db, `UPDATE task_results SET recorded_at = '2026-01-01T10:00:00Z' WHERE club_id = $1`, f.Club.ID)

	items, err := db.ClientResultHistory(ctx, f.Club.ID, f.Clients[0], 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].TaskID != second || items[1].TaskID != first {
		t.Fatalf("history %+v", items)
	}
	if it := items[0]; it.TemplateName != "Template call" || it.ResultName != "Result bought" || it.StaffName != f.Staff.Name || it.At.IsZero() {
		t.Fatalf("item %+v", it)
	}
	if items, err := db.ClientResultHistory(ctx, f.Club.ID, f.Clients[0], 1); err != nil || len(items) != 1 {
		t.Fatalf("limit 1: %d %v", len(items), err)
	}
	// Another club asking about this client sees nothing.
	other := pgtest.NewClub(t, db, "beta")
	if items, err := db.ClientResultHistory(ctx, other.Club.ID, f.Clients[0], 10); err != nil || len(items) != 0 {
		t.Fatalf("other club: %+v %v", items, err)
	}
}
