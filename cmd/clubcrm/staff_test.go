package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

var inviteLink = regexp.MustCompile(`^https://t\.me/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]{1,64})\n`)

// redeemable checks that code is stored (by hash) as an unused invite of
// the club with the role.
func redeemable(t *testing.T, db *postgres.DB, clubID int64, role domain.Role, code string) {
	t.Helper()
	n := pgtest.Count(t, db, `SELECT count(*) FROM staff_invites WHERE club_id = $1 AND role = $2 AND code_hash = $3 AND used_at IS NULL`,
		clubID, string(role), domain.HashInviteCode(code))
	if n != 1 {
		t.Fatalf("invite %q of club %d as %s not stored", code, clubID, role)
	}
}

func TestStaffInvite(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	env["TELEGRAM_BOT_USERNAME"] = "@ClubCrmBot"

	out, errOut, err := runCmd(t, env, "staff", "invite", "--club", fmt.Sprint(f.Club.ID), "--role", "manager", "--name", "Олена", "--ttl", "48h")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	m := inviteLink.FindStringSubmatch(out)
	if m == nil || m[1] != "ClubCrmBot" || !strings.Contains(out, "expires ") || !strings.Contains(out, "joins "+f.Club.Name+" as a manager") {
		t.Fatalf("output %q", out)
	}
	redeemable(t, db, f.Club.ID, domain.RoleManager, m[2])
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_invites WHERE name = 'Олена' AND expires_at - created_at = interval '48 hours'`); n != 1 {
		t.Fatal("name or ttl not stored")
	}
	// The link works once.
	s, err := db.InviteRedeem(context.Background(), m[2], chat.TelegramAddress(chat.DefaultBot, 42_000_001), chat.User{})
	if err != nil || s.Name != "Олена" || s.Role != domain.RoleManager {
		t.Fatalf("redeem: %+v %v", s, err)
	}
}

func TestStaffInviteAsksTelegramForTheBotName(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	const token = "123456:SECRET-token"
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/bot"+token+"/getMe" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
			return
		}
		fmt.Fprint(w, `{"ok":true,"result":{"id":123456,"is_bot":true,"first_name":"Club","username":"demo_club_bot"}}`)
	}))
	t.Cleanup(srv.Close)
	env["TELEGRAM_BOT_TOKEN"] = token
	env["TELEGRAM_API_URL"] = srv.URL

	out, errOut, err := runCmd(t, env, "staff", "invite", "--club", fmt.Sprint(f.Club.ID), "--role", "staff")
	m := inviteLink.FindStringSubmatch(out)
	if err != nil || m == nil || m[1] != "demo_club_bot" || calls.Load() != 1 {
		t.Fatalf("%v %q %s (getMe calls %d)", err, out, errOut, calls.Load())
	}
	redeemable(t, db, f.Club.ID, domain.RoleStaff, m[2])

	// A wrong token: a clear error that does not repeat the token, nothing written.
	bad := maps.Clone(env)
	bad["TELEGRAM_BOT_TOKEN"] = "999:WRONG-token"
	_, _, err = runCmd(t, bad, "staff", "invite", "--club", fmt.Sprint(f.Club.ID), "--role", "staff")
	if err == nil || !strings.Contains(err.Error(), "Unauthorized") || strings.Contains(err.Error(), "WRONG") {
		t.Fatalf("wrong token: %v", err)
	}
	// Telegram unreachable: likewise.
	bad["TELEGRAM_API_URL"] = "http://127.0.0.1:1"
	_, _, err = runCmd(t, bad, "staff", "invite", "--club", fmt.Sprint(f.Club.ID), "--role", "staff")
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_USERNAME") || strings.Contains(err.Error(), "WRONG") {
		t.Fatalf("unreachable Telegram: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_invites`); n != 1 {
		t.Fatalf("%d invites, want only the first", n)
	}
}

func TestStaffInviteRefusals(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	club := fmt.Sprint(f.Club.ID)
	withBot := maps.Clone(env)
	withBot["TELEGRAM_BOT_USERNAME"] = "ClubCrmBot"

	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		usage bool
		want  string
	}{
		{"no club", withBot, []string{"--role", "staff"}, true, "--club ID is required"},
		{"no role", withBot, []string{"--club", club}, true, "--role must be"},
		{"bad role", withBot, []string{"--club", club, "--role", "admin"}, true, "--role must be"},
		{"bad flag", withBot, []string{"--club", club, "--role", "staff", "--force"}, true, "force"},
		{"bad ttl", withBot, []string{"--club", club, "--role", "staff", "--ttl", "soon"}, true, "ttl"},
		{"extra argument", withBot, []string{"--club", club, "--role", "staff", "extra"}, true, "no arguments"},
		{"ttl out of range", withBot, []string{"--club", club, "--role", "staff", "--ttl", "9000h"}, false, "an invite must live"},
		{"unknown club", withBot, []string{"--club", "999999", "--role", "staff"}, false, "there is no club with id 999999"},
		{"no bot username", env, []string{"--club", club, "--role", "staff"}, false, "set TELEGRAM_BOT_USERNAME"},
		{"bad bot username", map[string]string{"DATABASE_URL": env["DATABASE_URL"], "TELEGRAM_BOT_USERNAME": "no spaces allowed"}, []string{"--club", club, "--role", "staff"}, false, "not a Telegram username"},
		{"database down", map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", "TELEGRAM_BOT_USERNAME": "ClubCrmBot"}, []string{"--club", club, "--role", "staff"}, false, "connect to database"},
	}
	for _, tt := range tests {
		out, _, err := runCmd(t, tt.env, append([]string{"staff", "invite"}, tt.args...)...)
		var ue usageError
		if err == nil || errors.As(err, &ue) != tt.usage || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") || out != "" {
			t.Errorf("%s: got %v (usage error: %v, stdout %q), want one line containing %q", tt.name, err, errors.As(err, &ue), out, tt.want)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_invites`); n != 0 {
		t.Fatalf("refused invites wrote %d rows", n)
	}
}
