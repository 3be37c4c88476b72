package postgres_test

import (
	"context"
	"testing"

	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// BenchmarkIdentify measures the bot's per-update lookup (one statement:
// the account's memberships, its working club, last_inbound_at recorded)
// for an account in one club and in three, against StaffGet (a primary-key
// read of one staff row) in the same run as the baseline:
//
//	go test -run '^$' -bench 'Identify' -benchtime 2000x ./domain/postgres
func BenchmarkIdentify(b *testing.B) {
	db := pgtest.New(b)
	ctx := context.Background()
	clubs := []pgtest.Fixture{pgtest.NewClub(b, db, "a"), pgtest.NewClub(b, db, "b"), pgtest.NewClub(b, db, "c")}
	one := chat.TelegramAddress(chat.DefaultBot, clubs[0].Staff.TelegramID)
	three := chat.TelegramAddress(chat.DefaultBot, 7_000_001)
	for _, f := range clubs {
		pgtest.LinkIdentity(b, db, f.Club.ID, f.Colleague.ID, chat.TelegramAddress(7, 7_000_001)) // another bot: not this account
		id := int64(pgtest.Count(b, db, `INSERT INTO staff (club_id, name, role) VALUES ($1, 'Multi', 'staff') RETURNING id`, f.Club.ID))
		pgtest.LinkIdentity(b, db, f.Club.ID, id, three)
	}
	pgtest.Exec(b, db, `ANALYZE`)
	b.Run("StaffGet baseline", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.StaffGet(ctx, clubs[0].Club.ID, clubs[0].Staff.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	for name, acct := range map[string]chat.Address{"one club": one, "three clubs": three} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, _, _, err := db.Identify(ctx, acct); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
