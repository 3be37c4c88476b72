package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestClubCreateAndRead(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	c, err := db.ClubCreate(ctx, domain.Club{Slug: "kyiv-dance", Name: "Dance", TimeZone: "Europe/Kyiv", Language: domain.LangUK, DigestHour: 8, PhoneCode: "380"})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == 0 || c.CreatedAt.IsZero() {
		t.Fatalf("created club = %+v", c)
	}
	// Four default templates, one per type, named in the club's language.
	list, err := db.TemplateList(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.DefaultTemplates(domain.LangUK)
	if len(list) != len(want) {
		t.Fatalf("%d templates, want %d", len(list), len(want))
	}
	for i, tp := range list {
		if tp.Key != want[i].Key || tp.Type != want[i].Type || tp.Name != want[i].Name || !tp.IsDefault || tp.ClubID != c.ID {
			t.Errorf("template %d = %+v, want %+v", i, tp, want[i])
		}
	}

	got, err := db.ClubGet(ctx, c.ID)
	if err != nil || got != c {
		t.Fatalf("ClubGet = %+v, %v; want %+v", got, err, c)
	}
	got, err = db.ClubBySlug(ctx, "kyiv-dance")
	if err != nil || got.ID != c.ID || got.Language != domain.LangUK || got.DigestHour != 8 {
		t.Fatalf("ClubBySlug = %+v, %v", got, err)
	}
	second, err := db.ClubCreate(ctx, domain.Club{Slug: "lviv", Name: "Lviv", TimeZone: "Europe/Kyiv", Language: domain.LangRU})
	if err != nil {
		t.Fatal(err)
	}
	clubs, err := db.ClubList(ctx)
	if err != nil || len(clubs) != 2 || clubs[0].ID != c.ID || clubs[1].ID != second.ID {
		t.Fatalf("ClubList = %+v, %v", clubs, err)
	}

	// A deleted club is gone from every read.
	pgtest.Exec(t, db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, second.ID)
	if _, err := db.ClubGet(ctx, second.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("ClubGet of a deleted club: %v", err)
	}
	if _, err := db.ClubBySlug(ctx, "lviv"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("ClubBySlug of a deleted club: %v", err)
	}
	if n, err := db.ClubCount(ctx); err != nil || n != 1 {
		t.Errorf("ClubCount = %d, %v", n, err)
	}
	if clubs, _ := db.ClubList(ctx); len(clubs) != 1 {
		t.Errorf("ClubList lists a deleted club: %+v", clubs)
	}
	if _, err := db.ClubGet(ctx, 987654); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("ClubGet of a missing club: %v", err)
	}
}

func TestClubCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	good := domain.Club{Slug: "ok", Name: "OK", TimeZone: "Europe/Kyiv", Language: domain.LangRU, DigestHour: 9}
	if _, err := db.ClubCreate(ctx, good); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(*domain.Club)
		want error
		code domain.Code
	}{
		{"taken slug", func(c *domain.Club) {}, domain.ErrConflict, ""},
		{"slug with spaces", func(c *domain.Club) { c.Slug = "my club" }, domain.ErrInvalid, "club_slug_invalid"},
		{"uppercase slug", func(c *domain.Club) { c.Slug = "Club" }, domain.ErrInvalid, "club_slug_invalid"},
		{"empty slug", func(c *domain.Club) { c.Slug = "" }, domain.ErrInvalid, "club_slug_invalid"},
		{"no name", func(c *domain.Club) { c.Slug, c.Name = "n", " " }, domain.ErrInvalid, "club_name_required"},
		{"name too long", func(c *domain.Club) { c.Slug, c.Name = "long", strings.Repeat("я", 201) }, domain.ErrInvalid, "club_name_invalid"},
		{"name with NUL", func(c *domain.Club) { c.Slug, c.Name = "nul", "a\x00b" }, domain.ErrInvalid, "club_name_invalid"},
		{"unknown zone", func(c *domain.Club) { c.Slug, c.TimeZone = "z", "Europe/Atlantis" }, domain.ErrInvalid, "time_zone_invalid"},
		{"local zone", func(c *domain.Club) { c.Slug, c.TimeZone = "l", "Local" }, domain.ErrInvalid, "time_zone_invalid"},
		{"language", func(c *domain.Club) { c.Slug, c.Language = "de", "de" }, domain.ErrInvalid, "language_invalid"},
		{"digest hour", func(c *domain.Club) { c.Slug, c.DigestHour = "h", 24 }, domain.ErrInvalid, "digest_hour_invalid"},
		{"phone code", func(c *domain.Club) { c.Slug, c.PhoneCode = "p", "+380" }, domain.ErrInvalid, "phone_code_invalid"},
		{"phone code too long", func(c *domain.Club) { c.Slug, c.PhoneCode = "p5", "38012" }, domain.ErrInvalid, "phone_code_invalid"},
	}
	for _, tc := range tests {
		c := good
		tc.edit(&c)
		_, err := db.ClubCreate(ctx, c)
		if !errors.Is(err, tc.want) || (tc.code != "" && domain.ErrorCode(err) != tc.code) {
			t.Errorf("%s: %v (code %q), want %v %q", tc.name, err, domain.ErrorCode(err), tc.want, tc.code)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clubs`); n != 1 {
		t.Errorf("%d clubs after refusals", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM templates`); n != 4 {
		t.Errorf("%d templates after refusals: a refused club left templates behind", n)
	}
}

// Every query that loads a club reads all its settings: the club a job, a
// bot screen or a plan apply sees is the stored one (the Viber free-window
// choice and the working hours included), whichever way it was loaded.
func TestClubEveryLoaderReadsEverySetting(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	f := pgtest.NewClub(t, db, "settings")
	pgtest.Exec(t, db, `UPDATE clubs SET viber_free_window_only = true, work_open_min = 600, work_close_min = 1170, digest_hour = 7
WHERE id = $1`, f.Club.ID)
	want, err := db.ClubGet(ctx, f.Club.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !want.ViberFreeWindowOnly || want.WorkingHours != (domain.WorkingHours{Open: 600, Close: 1170}) || want.DigestHour != 7 ||
		want.Slug != "settings" || want.Language != domain.LangRU || want.CreatedAt.IsZero() {
		t.Fatalf("ClubGet = %+v", want)
	}
	acct := chat.Address{Channel: chat.Viber, Bot: chat.DefaultBot, Chat: "settingsAAAA=="}
	pgtest.LinkIdentity(t, db, f.Club.ID, f.Manager.ID, acct)

	got := map[string]domain.Club{}
	if got["ClubBySlug"], err = db.ClubBySlug(ctx, "settings"); err != nil {
		t.Fatal(err)
	}
	clubs, err := db.ClubList(ctx)
	if err != nil || len(clubs) != 1 {
		t.Fatalf("ClubList = %+v, %v", clubs, err)
	}
	got["ClubList"] = clubs[0]
	lines, err := db.ClubOverview(ctx)
	if err != nil || len(lines) != 1 {
		t.Fatalf("ClubOverview = %+v, %v", lines, err)
	}
	got["ClubOverview"] = lines[0].Club
	if _, got["Identify"], _, err = db.Identify(ctx, acct); err != nil {
		t.Fatal(err)
	}
	if _, got["IdentitySwitch"], err = db.IdentitySwitch(ctx, acct, f.Club.ID); err != nil {
		t.Fatal(err)
	}
	for loader, c := range got {
		if c != want {
			t.Errorf("%s = %+v\nwant %+v", loader, c, want)
		}
	}
}
