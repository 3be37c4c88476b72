package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres"
)

// The rewritten search still finds a task by its title, by its client's
// name and by its client's phone, and only the club's own tasks.
func TestTaskSearchFindsByTitleClientAndPhone(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	create := func(in postgres.TaskCreateInput) int64 {
		t.Helper()
		in.ClubID, in.AuthorID = f.Club.ID, f.Manager.ID
		tk, err := db.TaskCreate(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return tk.ID
	}
	water := create(postgres.TaskCreateInput{TemplateID: f.Templates["internal"], Title: "Order water"})
	call := create(postgres.TaskCreateInput{TemplateID: f.Templates["call"], ClientID: f.Clients[0], Title: "Call back"})
	other := create(postgres.TaskCreateInput{TemplateID: f.Templates["call"], ClientID: f.Clients[1], Title: "Other call"})
	client, err := db.ClientGet(ctx, f.Club.ID, f.Clients[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query string
		want  []int64
	}{
		{"WATER", []int64{water}},
		{"петренко", []int64{call}},
		{client.Phones[0][4:], []int64{call}},
		{"call", []int64{other, call}},
	} {
		lines, err := db.TaskSearch(ctx, f.Club.ID, c.query, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, l := range lines {
			got = append(got, l.ID)
		}
		slices.Sort(got)
		slices.Sort(c.want)
		if !slices.Equal(got, c.want) {
			t.Errorf("search %q: got %v, want %v", c.query, got, c.want)
		}
	}
}
