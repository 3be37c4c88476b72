package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func setupInvites(t *testing.T) (*postgres.DB, pgtest.Fixture, *clocktest.Clock) {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC))
	db := pgtest.New(t, postgres.WithClock(clock))
	return db, pgtest.NewClub(t, db, "alpha"), clock
}

// tgUser is who opens an invite in Telegram, as the tests describe them.
type tgUser struct {
	ID                            int64
	Username, FirstName, LastName string
	LanguageCode                  string
}

// redeemTG redeems an invite from a Telegram user's private chat with the
// default bot.
func redeemTG(ctx context.Context, db *postgres.DB, code string, u tgUser) (domain.Staff, error) {
	return db.InviteRedeem(ctx, code, chat.TelegramAddress(chat.DefaultBot, u.ID),
		chat.User{ID: strconv.FormatInt(u.ID, 10), Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Language: u.LanguageCode})
}

func wantCode(t *testing.T, err error, code domain.Code) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Fatalf("got %v (code %q), want code %q", err, domain.ErrorCode(err), code)
	}
}

func TestInviteCreateAndRedeem(t *testing.T) {
	t.Parallel()
	db, f, clock := setupInvites(t)
	ctx := context.Background()

	code, expires, err := db.InviteCreate(ctx, f.Club.ID, domain.RoleManager, "", 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !domain.ValidInviteCodeSyntax(code) || !expires.Equal(clock.Now().Add(48*time.Hour)) {
		t.Fatalf("code %q expires %v", code, expires)
	}
	// Only the hash is kept: no column of the table holds the code.
	var hash []byte
	var row string
	if err := db.Pool().QueryRow(ctx, `SELECT code_hash, i::text FROM staff_invites i`).Scan(&hash, &row); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hash, domain.HashInviteCode(code)) || strings.Contains(row, code) {
		t.Fatalf("stored row %q does not hold just the hash of %q", row, code)
	}

	tg := tgUser{ID: 555_001, Username: "olena_k", FirstName: "Олена", LastName: "Коваль", LanguageCode: "uk-UA"}
	s, err := redeemTG(ctx, db, code, tg)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 || s.ClubID != f.Club.ID || s.Role != domain.RoleManager || s.Name != "Олена Коваль" ||
		s.TelegramID != tg.ID || s.Language != domain.LangUK || !s.Active {
		t.Fatalf("staff %+v", s)
	}
	byTG, _, err := db.StaffIdentify(ctx, tg.ID)
	if err != nil || byTG.ID != s.ID || byTG.Language != domain.LangUK {
		t.Fatalf("identity after redeem: %+v %v", byTG, err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_invites WHERE used_at IS NOT NULL AND used_by = $1`, s.ID); n != 1 {
		t.Fatal("invite not marked used by the new staff member")
	}

	// Single use: the same link again, even by someone else, is invalid.
	_, err = redeemTG(ctx, db, code, tgUser{ID: 555_002, FirstName: "Other"})
	wantCode(t, err, domain.CodeInviteInvalid)
}

func TestInviteRedeemNames(t *testing.T) {
	t.Parallel()
	db, f, _ := setupInvites(t)
	ctx := context.Background()
	tests := []struct {
		invited string
		tg      tgUser
		name    string
		lang    domain.Language
	}{
		{"Coach Taras", tgUser{ID: 9_001_001, FirstName: "T", LanguageCode: "de"}, "Coach Taras", ""},
		{"", tgUser{ID: 9_001_002, FirstName: " Ivan ", LanguageCode: "ru"}, "Ivan", domain.LangRU},
		{"", tgUser{ID: 9_001_003, Username: "desk"}, "@desk", ""},
		{"", tgUser{ID: 9_001_004}, "Telegram 9001004", ""},
		{"", tgUser{ID: 9_001_005, FirstName: strings.Repeat("я", 150), LastName: strings.Repeat("ю", 150)}, strings.Repeat("я", 150) + " " + strings.Repeat("ю", 49), ""},
	}
	for _, tt := range tests {
		code, _, err := db.InviteCreate(ctx, f.Club.ID, domain.RoleStaff, tt.invited, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		s, err := redeemTG(ctx, db, code, tt.tg)
		if err != nil {
			t.Fatalf("%d: %v", tt.tg.ID, err)
		}
		if s.Name != tt.name || s.Language != tt.lang {
			t.Errorf("%d: name %q lang %q, want %q %q", tt.tg.ID, s.Name, s.Language, tt.name, tt.lang)
		}
	}
}

func TestInviteRedeemRefusals(t *testing.T) {
	t.Parallel()
	db, f, clock := setupInvites(t)
	ctx := context.Background()
	tg := tgUser{ID: 777_001, FirstName: "New"}

	expired, _, err := db.InviteCreate(ctx, f.Club.ID, domain.RoleStaff, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	_, err = redeemTG(ctx, db, expired, tg)
	wantCode(t, err, domain.CodeInviteInvalid)

	forged, _ := domain.NewInviteCode() // well-formed, never stored
	for _, code := range []string{forged, "", "short", strings.Repeat("a", 65), "has space", "кириллица", "'; DROP TABLE staff; --"} {
		_, err := redeemTG(ctx, db, code, tg)
		wantCode(t, err, domain.CodeInviteInvalid)
	}

	// An account that already works here keeps its invite unused.
	code, _, err := db.InviteCreate(ctx, f.Club.ID, domain.RoleStaff, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = redeemTG(ctx, db, code, tgUser{ID: f.Staff.TelegramID})
	wantCode(t, err, domain.CodeAlreadyLinked)
	if !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("already linked must be a conflict: %v", err)
	}
	other := pgtest.NewClub(t, db, "beta")
	if _, err := redeemTG(ctx, db, code, tg); err != nil {
		t.Fatalf("the invite must still work after refusals: %v", err)
	}

	// A deleted club's invites die with it.
	dead, _, err := db.InviteCreate(ctx, other.Club.ID, domain.RoleStaff, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, other.Club.ID)
	_, err = redeemTG(ctx, db, dead, tgUser{ID: 777_002})
	wantCode(t, err, domain.CodeInviteInvalid)

	if _, err := redeemTG(ctx, db, forged, tgUser{ID: 0}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("telegram id 0: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_identities WHERE external_id IN ('777001', '777002')`); n != 1 {
		t.Fatalf("%d staff rows for the test accounts, want 1", n)
	}
}

func TestInviteRedeemDeactivatedStaffJoinsAgain(t *testing.T) {
	t.Parallel()
	db, f, _ := setupInvites(t)
	ctx := context.Background()
	pgtest.Exec(t, db, `UPDATE staff SET active = false WHERE id = $1`, f.Colleague.ID)
	code, _, err := db.InviteCreate(ctx, f.Club.ID, domain.RoleManager, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s, err := redeemTG(ctx, db, code, tgUser{ID: f.Colleague.TelegramID, FirstName: "Back"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == f.Colleague.ID || s.Role != domain.RoleManager {
		t.Fatalf("new row expected: %+v", s)
	}
	old, err := db.StaffGet(ctx, f.Club.ID, f.Colleague.ID)
	if err != nil || old.TelegramID != 0 || old.Active {
		t.Fatalf("old row %+v %v", old, err)
	}
}

// TestInviteRedeemConcurrent redeems one code from many accounts at once:
// exactly one becomes staff.
func TestInviteRedeemConcurrent(t *testing.T) {
	t.Parallel()
	db, f, _ := setupInvites(t)
	ctx := context.Background()
	code, _, err := db.InviteCreate(ctx, f.Club.ID, domain.RoleStaff, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := redeemTG(ctx, db, code, tgUser{ID: int64(888_000 + i)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case domain.ErrorCode(err) != domain.CodeInviteInvalid:
			t.Errorf("loser got %v, want invite_invalid", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d redeems won, want exactly 1", won)
	}
	if c := pgtest.Count(t, db, `SELECT count(*) FROM staff_identities WHERE external_id LIKE '888%'`); c != 1 {
		t.Fatalf("%d staff rows, want 1", c)
	}
}

func TestInviteCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	db, f, _ := setupInvites(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		clubID int64
		role   domain.Role
		who    string
		ttl    time.Duration
		want   error
	}{
		{"bad role", f.Club.ID, "admin", "", time.Hour, domain.ErrInvalid},
		{"zero ttl", f.Club.ID, domain.RoleStaff, "", 0, domain.ErrInvalid},
		{"negative ttl", f.Club.ID, domain.RoleStaff, "", -time.Hour, domain.ErrInvalid},
		{"ttl too long", f.Club.ID, domain.RoleStaff, "", 365 * 24 * time.Hour, domain.ErrInvalid},
		{"name too long", f.Club.ID, domain.RoleStaff, strings.Repeat("n", 201), time.Hour, domain.ErrInvalid},
		{"unknown club", f.Club.ID + 1000, domain.RoleStaff, "", time.Hour, domain.ErrNotFound},
	}
	for _, tt := range tests {
		if _, _, err := db.InviteCreate(ctx, tt.clubID, tt.role, tt.who, tt.ttl); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_invites`); n != 0 {
		t.Fatalf("%d invites written by refused calls", n)
	}
}
