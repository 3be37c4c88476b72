package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func invite(t *testing.T, db *postgres.DB, clubID int64, role domain.Role) string {
	t.Helper()
	code, _, err := db.InviteCreate(context.Background(), clubID, role, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// identify calls Identify and fails the test unless the account works in
// wantClub with wantClubs memberships.
func identify(t *testing.T, db *postgres.DB, acct chat.Address, wantClub int64, wantClubs int) domain.Staff {
	t.Helper()
	s, c, ms, err := db.Identify(context.Background(), acct)
	if err != nil {
		t.Fatalf("identify %s: %v", acct, err)
	}
	if c.ID != wantClub || s.ClubID != wantClub || len(ms) != wantClubs {
		t.Fatalf("identify %s: staff %d of club %d (club row %d), %d memberships; want club %d, %d memberships",
			acct, s.ID, s.ClubID, c.ID, len(ms), wantClub, wantClubs)
	}
	return s
}

// One Telegram user joins club A, then club B by invite: two staff records,
// two identities, and they work in B; /club switches them to A and refuses
// a club they are not staff of; deactivated in A they fall to B, and only a
// new invite of A brings them back.
func TestIdentityStaffOfTwoClubs(t *testing.T) {
	t.Parallel()
	db, a, clock := setupInvites(t)
	ctx := context.Background()
	b := pgtest.NewClub(t, db, "beta")
	c := pgtest.NewClub(t, db, "gamma")
	const tgID = 4_200_001
	acct := chat.TelegramAddress(chat.DefaultBot, tgID)
	oldInviteA := invite(t, db, a.Club.ID, domain.RoleStaff)

	inA, err := redeemTG(ctx, db, invite(t, db, a.Club.ID, domain.RoleStaff), tgUser{ID: tgID, FirstName: "Olha", Username: "olha"})
	if err != nil {
		t.Fatal(err)
	}
	identify(t, db, acct, a.Club.ID, 1)
	clock.Advance(time.Minute)
	inB, err := redeemTG(ctx, db, invite(t, db, b.Club.ID, domain.RoleManager), tgUser{ID: tgID, FirstName: "Olha"})
	if err != nil {
		t.Fatalf("second club: %v", err)
	}
	if inB.ID == inA.ID || inB.ClubID != b.Club.ID || inB.Role != domain.RoleManager || inB.TelegramID != tgID {
		t.Fatalf("second staff record %+v (first %+v)", inB, inA)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_identities WHERE channel = 'telegram' AND bot_id = 0 AND external_id = '4200001'`); n != 2 {
		t.Fatalf("%d identities, want one per club", n)
	}
	s := identify(t, db, acct, b.Club.ID, 2)
	if s.ID != inB.ID || s.Role != domain.RoleManager {
		t.Fatalf("works as %+v, want the new record %d", s, inB.ID)
	}
	// Already staff of both: a third invite of either is refused, unused.
	third := invite(t, db, a.Club.ID, domain.RoleOwner)
	_, err = redeemTG(ctx, db, third, tgUser{ID: tgID})
	wantCode(t, err, domain.CodeAlreadyLinked)

	// /club A.
	s, club, err := db.IdentitySwitch(ctx, acct, a.Club.ID)
	if err != nil || s.ID != inA.ID || club.ID != a.Club.ID || club.Name != a.Club.Name {
		t.Fatalf("switch to A: %+v %+v %v", s, club, err)
	}
	identify(t, db, acct, a.Club.ID, 2)
	// A club they are not staff of, an unknown one, a forged id: refused,
	// and they keep working in A.
	for _, id := range []int64{c.Club.ID, 0, -1, 1 << 40} {
		_, _, err := db.IdentitySwitch(ctx, acct, id)
		if !errors.Is(err, domain.ErrForbidden) || domain.ErrorCode(err) != domain.CodeClubNotMember {
			t.Fatalf("switch to club %d: %v, want club_not_member", id, err)
		}
	}
	identify(t, db, acct, a.Club.ID, 2)
	// Another account (the same person through another bot) cannot switch.
	if _, _, err := db.IdentitySwitch(ctx, chat.TelegramAddress(7, tgID), a.Club.ID); domain.ErrorCode(err) != domain.CodeClubNotMember {
		t.Fatalf("switch through another bot: %v", err)
	}

	// Deactivated in A: they fall to B, and /club A is refused.
	if _, err := db.StaffDeactivate(ctx, a.Club.ID, inA.ID, 0, domain.Staff{}); err != nil {
		t.Fatal(err)
	}
	identify(t, db, acct, b.Club.ID, 1)
	if _, _, err := db.IdentitySwitch(ctx, acct, a.Club.ID); domain.ErrorCode(err) != domain.CodeClubNotMember {
		t.Fatalf("switch to the club they left: %v", err)
	}
	// An invite of A from before they left does not bring them back; a new one does.
	_, err = redeemTG(ctx, db, oldInviteA, tgUser{ID: tgID})
	wantCode(t, err, domain.CodeInviteInvalid)
	clock.Advance(time.Minute)
	back, err := redeemTG(ctx, db, invite(t, db, a.Club.ID, domain.RoleStaff), tgUser{ID: tgID})
	if err != nil {
		t.Fatalf("rejoin A: %v", err)
	}
	if back.ID == inA.ID {
		t.Fatal("rejoining reused the deactivated record")
	}
	if s := identify(t, db, acct, a.Club.ID, 2); s.ID != back.ID {
		t.Fatalf("works as %d, want the new record %d", s.ID, back.ID)
	}
	if old, err := db.StaffGet(ctx, a.Club.ID, inA.ID); err != nil || old.Linked || old.Active {
		t.Fatalf("the deactivated record: %+v %v", old, err)
	}
	// B deleted: only A is left.
	pgtest.Exec(t, db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, b.Club.ID)
	identify(t, db, acct, a.Club.ID, 1)
	// Joining a club makes it the one they work in, though the one they
	// worked in is still theirs.
	if _, err := redeemTG(ctx, db, invite(t, db, c.Club.ID, domain.RoleStaff), tgUser{ID: tgID}); err != nil {
		t.Fatal(err)
	}
	identify(t, db, acct, c.Club.ID, 2)
}

// The same Telegram user through a club's own bot and through the default
// bot is two accounts: each finds only the clubs it was linked to.
func TestIdentifyPerBot(t *testing.T) {
	t.Parallel()
	db, a, _ := setupInvites(t)
	b := pgtest.NewClub(t, db, "beta")
	const tgID = 4_200_002
	own, dflt := chat.TelegramAddress(7, tgID), chat.TelegramAddress(chat.DefaultBot, tgID)
	pgtest.LinkIdentity(t, db, a.Club.ID, a.Colleague.ID, own)
	twin := int64(pgtest.Count(t, db, `INSERT INTO staff (club_id, name, role) VALUES ($1, 'Twin', 'staff') RETURNING id`, b.Club.ID))
	pgtest.LinkIdentity(t, db, b.Club.ID, twin, dflt)

	if s := identify(t, db, own, a.Club.ID, 1); s.ID != a.Colleague.ID {
		t.Fatalf("through bot 7: %+v", s)
	}
	if s := identify(t, db, dflt, b.Club.ID, 1); s.ID != twin {
		t.Fatalf("through the default bot: %+v", s)
	}
	// A Viber id equal to the Telegram one is yet another account.
	if _, _, _, err := db.Identify(context.Background(), chat.Address{Channel: chat.Viber, Chat: "4200002"}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("viber: %v", err)
	}
}

func TestIdentifyRefusesStrangersAndBadAccounts(t *testing.T) {
	t.Parallel()
	db, f, _ := setupInvites(t)
	ctx := context.Background()
	for _, acct := range []chat.Address{
		chat.TelegramAddress(chat.DefaultBot, 999_999_999),
		chat.TelegramAddress(8, f.Staff.TelegramID), // known, but through another bot
		{Channel: chat.Viber, Chat: "stranger"},
	} {
		if _, _, _, err := db.Identify(ctx, acct); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: %v, want not found", acct, err)
		}
	}
	for _, acct := range []chat.Address{
		{},
		{Channel: "sms", Chat: "1"},
		{Channel: chat.Telegram, Chat: "abc"},
		{Channel: chat.Telegram, Chat: "0"},
		{Channel: chat.Telegram, Chat: "-5"},
		{Channel: chat.Telegram, Bot: -1, Chat: "5"},
		{Channel: chat.Viber, Chat: ""},
		{Channel: chat.Viber, Chat: strings.Repeat("x", 129)},
	} {
		if _, _, _, err := db.Identify(ctx, acct); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%q: %v, want invalid", acct.String(), err)
		}
		if _, err := db.InviteRedeem(ctx, invite(t, db, f.Club.ID, domain.RoleStaff), acct, chat.User{}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("redeem by %q: %v, want invalid", acct.String(), err)
		}
	}
}

// One account redeems two invites of the same club at the same moment:
// one wins, the other is "already_linked" and its invite stays unused.
func TestInviteRedeemConcurrentTwoInvitesOneAccount(t *testing.T) {
	t.Parallel()
	db, f, _ := setupInvites(t)
	ctx := context.Background()
	for round := range 5 {
		tgID := int64(4_300_000 + round)
		codes := []string{invite(t, db, f.Club.ID, domain.RoleStaff), invite(t, db, f.Club.ID, domain.RoleManager)}
		var wg sync.WaitGroup
		errs := make([]error, len(codes))
		for i, code := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = redeemTG(ctx, db, code, tgUser{ID: tgID})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case domain.ErrorCode(err) != domain.CodeAlreadyLinked:
				t.Fatalf("loser got %v, want already_linked", err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d redeems won, want 1 (%v)", round, won, errs)
		}
		if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_identities WHERE external_id = $1::bigint::text`, tgID); n != 1 {
			t.Fatalf("round %d: %d identities", round, n)
		}
		if n := pgtest.Count(t, db, `SELECT count(*) FROM staff s WHERE club_id = $1 AND NOT EXISTS (
			SELECT 1 FROM staff_identities i WHERE i.club_id = s.club_id AND i.staff_id = s.id)`, f.Club.ID); n != 0 {
			t.Fatalf("round %d: %d staff records without an identity: the loser's row was kept", round, n)
		}
		if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_invites WHERE used_at IS NULL`); n != round+1 {
			t.Fatalf("round %d: %d unused invites, want the loser's kept each round", round, n)
		}
	}
}

// An invite opened through a bot that does not serve its club is refused
// and stays usable through the bot that does (while no club has a bot of
// its own, that is the default bot; domain.BotServesClub has the rest).
func TestInviteRedeemThroughAnotherBot(t *testing.T) {
	t.Parallel()
	db, f, _ := setupInvites(t)
	ctx := context.Background()
	code := invite(t, db, f.Club.ID, domain.RoleStaff)
	_, err := db.InviteRedeem(ctx, code, chat.TelegramAddress(7, 4_400_001), chat.User{FirstName: "Ivan"})
	wantCode(t, err, domain.CodeInviteOtherBot)
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff WHERE name = 'Ivan'`); n != 0 {
		t.Fatal("a refused redeem made a staff record")
	}
	// A bad code through any bot is just invalid: nothing learnt about bots.
	forged, _ := domain.NewInviteCode()
	_, err = db.InviteRedeem(ctx, forged, chat.TelegramAddress(7, 4_400_001), chat.User{})
	wantCode(t, err, domain.CodeInviteInvalid)
	s, err := db.InviteRedeem(ctx, code, chat.TelegramAddress(chat.DefaultBot, 4_400_001), chat.User{FirstName: "Ivan"})
	if err != nil || s.Name != "Ivan" {
		t.Fatalf("through the default bot: %+v %v", s, err)
	}
}

// The notifier writes to the identity used last that has not refused
// delivery, says how many clubs that account works in, and stops when
// every identity refused; writing again brings them back, with one
// catch-up outbox row.
func TestRecipientPicksLastUsedReachableIdentity(t *testing.T) {
	t.Parallel()
	db, f, clock := setupInvites(t)
	ctx := context.Background()
	b := pgtest.NewClub(t, db, "beta")
	tgID := f.Staff.TelegramID
	dflt, own := chat.TelegramAddress(chat.DefaultBot, tgID), chat.TelegramAddress(7, tgID)
	pgtest.LinkIdentity(t, db, f.Club.ID, f.Staff.ID, own)
	recipient := func() postgres.Recipient {
		t.Helper()
		r, err := db.RecipientGet(ctx, f.Club.ID, f.Staff.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	reachable := func() int {
		return pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = $1 AND club_id = $2`, domain.OutboxStaffReachable, f.Club.ID)
	}

	// Never written: the newest identity.
	if r := recipient(); r.Address != own || !r.Reachable || r.ChatID != tgID || r.Clubs != 1 || r.ClubName != f.Club.Name {
		t.Fatalf("before any message: %+v", r)
	}
	clock.Advance(time.Minute)
	identify(t, db, dflt, f.Club.ID, 1)
	if r := recipient(); r.Address != dflt {
		t.Fatalf("after writing through the default bot: %+v", r.Address)
	}
	// Written at most once a minute, so that most updates only read.
	wrote := clock.Now()
	clock.Advance(30 * time.Second)
	identify(t, db, dflt, f.Club.ID, 1)
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_identities WHERE staff_id = $1 AND bot_id = 0 AND last_inbound_at = $2`, f.Staff.ID, wrote); n != 1 {
		t.Fatal("last_inbound_at moved within the minute")
	}
	clock.Advance(time.Minute)
	identify(t, db, own, f.Club.ID, 1)
	if r := recipient(); r.Address != own {
		t.Fatalf("after writing through bot 7: %+v", r.Address)
	}

	// The account through bot 7 also works in club B: notices through it name their club.
	pgtest.LinkIdentity(t, db, b.Club.ID, b.Colleague.ID, own)
	if r := recipient(); r.Clubs != 2 {
		t.Fatalf("clubs of bot 7's account: %d, want 2", r.Clubs)
	}
	if _, _, err := db.IdentitySwitch(ctx, own, f.Club.ID); err != nil {
		t.Fatal(err)
	}

	// Bot 7 blocked: the default bot, which works in one club only.
	first := clock.Now()
	if err := db.IdentityMarkUnreachable(ctx, f.Club.ID, f.Staff.ID, own, first); err != nil {
		t.Fatal(err)
	}
	if err := db.IdentityMarkUnreachable(ctx, f.Club.ID, f.Staff.ID, own, first.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r := recipient(); r.Address != dflt || !r.Reachable || r.Clubs != 1 {
		t.Fatalf("bot 7 blocked: %+v", r)
	}
	if s, _ := db.StaffGet(ctx, f.Club.ID, f.Staff.ID); !s.Reachable() {
		t.Fatal("one reachable identity left, yet the staff member is unreachable")
	}
	// Another staff member's identity, another club's: not found, nothing marked.
	for _, tt := range []struct {
		club, staff int64
		addr        chat.Address
	}{{f.Club.ID, f.Colleague.ID, own}, {b.Club.ID, f.Staff.ID, own}, {f.Club.ID, f.Staff.ID, chat.TelegramAddress(9, tgID)}} {
		if err := db.IdentityMarkUnreachable(ctx, tt.club, tt.staff, tt.addr, first); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("mark %+v: %v", tt, err)
		}
	}
	// Both blocked: nobody to write to.
	if err := db.StaffMarkUnreachable(ctx, f.Club.ID, f.Staff.ID, first.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r := recipient(); r.Reachable || !r.Address.IsZero() || r.ChatID != 0 {
		t.Fatalf("every identity blocked: %+v", r)
	}
	s, _ := db.StaffGet(ctx, f.Club.ID, f.Staff.ID)
	if s.Reachable() || s.UnreachableAt == nil || !s.UnreachableAt.Equal(first.Add(2*time.Hour)) {
		t.Fatalf("staff %+v, want unreachable since the last identity refused", s)
	}
	if n := reachable(); n != 0 {
		t.Fatalf("%d staff.reachable rows before they wrote", n)
	}

	// They write through bot 7 again: reachable there, one catch-up row
	// for club A (B's record was never blocked, so B has nothing to catch
	// up on).
	clock.Advance(time.Minute)
	if s := identify(t, db, own, f.Club.ID, 2); s.UnreachableAt != nil {
		t.Fatalf("identified as unreachable: %+v", s)
	}
	if r := recipient(); r.Address != own || !r.Reachable {
		t.Fatalf("after writing again: %+v", r)
	}
	if n := reachable(); n != 1 {
		t.Fatalf("%d staff.reachable rows, want 1", n)
	}
	identify(t, db, own, f.Club.ID, 2)
	if n := reachable(); n != 1 {
		t.Fatalf("%d staff.reachable rows after a second message, want still 1", n)
	}
	if r := recipient(); r.Address != own {
		t.Fatalf("the default bot is still blocked, yet chosen: %+v", r)
	}
	// Writing through the default bot unblocks it, but messages never
	// stopped (bot 7 was reachable): nothing to catch up on.
	clock.Advance(time.Minute)
	identify(t, db, dflt, f.Club.ID, 1)
	if r := recipient(); r.Address != dflt {
		t.Fatalf("after writing through the default bot again: %+v", r.Address)
	}
	if n := reachable(); n != 1 {
		t.Fatalf("%d staff.reachable rows, want still 1: one identity was reachable all along", n)
	}
}

// A club with its own bot takes people in through that bot only; the
// default bot refuses its invites, and serves them again once the club's
// bot is removed (an invite of a club whose bot was removed still works).
func TestInviteRedeemThroughTheClubsOwnBot(t *testing.T) {
	t.Parallel()
	db, f, _ := setupInvites(t)
	ctx := context.Background()
	seal := func(int64) ([]byte, []byte, error) { return []byte("sealed token"), []byte("sealed secret"), nil }
	own, err := db.BotAdd(ctx, postgres.BotNew{ClubID: f.Club.ID, Channel: postgres.BotChannelTelegram, Username: "alpha_bot",
		TokenHash: bytes.Repeat([]byte{7}, 32), Seal: seal})
	if err != nil {
		t.Fatal(err)
	}
	code := invite(t, db, f.Club.ID, domain.RoleStaff)
	_, err = db.InviteRedeem(ctx, code, chat.TelegramAddress(chat.DefaultBot, 4_500_001), chat.User{FirstName: "Olha"})
	wantCode(t, err, domain.CodeInviteOtherBot)
	s, err := db.InviteRedeem(ctx, code, chat.TelegramAddress(own.ID, 4_500_001), chat.User{FirstName: "Olha"})
	if err != nil || s.ClubID != f.Club.ID {
		t.Fatalf("through the club's own bot: %+v %v", s, err)
	}
	if _, err := db.BotRemove(ctx, f.Club.ID, own.ID); err != nil {
		t.Fatal(err)
	}
	code = invite(t, db, f.Club.ID, domain.RoleStaff)
	_, err = db.InviteRedeem(ctx, code, chat.TelegramAddress(own.ID, 4_500_002), chat.User{FirstName: "Petro"})
	wantCode(t, err, domain.CodeInviteOtherBot)
	if _, err := db.InviteRedeem(ctx, code, chat.TelegramAddress(chat.DefaultBot, 4_500_002), chat.User{FirstName: "Petro"}); err != nil {
		t.Fatalf("after its bot was removed, the default bot: %v", err)
	}
}
