package domain

import "time"

// A person is reached through accounts: a channel (Telegram, Viber), a bot
// on it and the person's id there. The store names an account with
// chat.Address, whose Chat is the person's id (in a private chat it equals
// the user id on both channels); this package cannot import domain/chat,
// which imports it, and needs no account here: the rules below work on the
// memberships an account has. One account may be staff of several clubs,
// one staff record per club.

// Membership is one club an account is active staff of.
type Membership struct {
	ClubID   int64
	ClubName string
	StaffID  int64
	Role     Role
	JoinedAt time.Time // when the staff record was made (the invite redeemed)
}

// WorkingClub picks the club an update works in from the account's active
// memberships (of live clubs) and the club it remembered (0 if none): the
// remembered one while the person is still staff there; else the only
// one; else the most recently joined (the higher staff id on a tie). ok is
// false when there is no membership: a stranger.
func WorkingClub(current int64, ms []Membership) (m Membership, ok bool) {
	if m, ok := MembershipIn(ms, current); ok {
		return m, true
	}
	for i, c := range ms {
		if i == 0 || c.JoinedAt.After(m.JoinedAt) || c.JoinedAt.Equal(m.JoinedAt) && c.StaffID > m.StaffID {
			m = c
		}
	}
	return m, len(ms) > 0
}

// MembershipIn is the membership of ms in the club, if any: whether the
// person may act in a club (a button of another club than the one they work
// in) is decided by this, never by the button.
func MembershipIn(ms []Membership, clubID int64) (Membership, bool) {
	if clubID == 0 {
		return Membership{}, false
	}
	for _, m := range ms {
		if m.ClubID == clubID {
			return m, true
		}
	}
	return Membership{}, false
}

// BotServesClub reports whether a bot may take people into a club (redeem
// its invites): the deployment's default bot (0) serves the clubs with no
// live bot of their own on its channel; a club's own bot serves only that
// club. clubBot is the club's live bot on the channel, 0 if it has none
// (never had one, or it was removed).
func BotServesClub(bot, clubBot int64) bool {
	return bot == clubBot
}
