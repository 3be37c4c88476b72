package domain

import (
	"testing"
	"time"
)

func TestWorkingClub(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	a := Membership{ClubID: 1, ClubName: "A", StaffID: 10, Role: RoleStaff, JoinedAt: day}
	b := Membership{ClubID: 2, ClubName: "B", StaffID: 20, Role: RoleManager, JoinedAt: day.Add(24 * time.Hour)}
	c := Membership{ClubID: 3, ClubName: "C", StaffID: 30, Role: RoleStaff, JoinedAt: day.Add(-24 * time.Hour)}
	sameTimeLater := Membership{ClubID: 4, ClubName: "D", StaffID: 40, Role: RoleStaff, JoinedAt: day}
	for _, tt := range []struct {
		name    string
		current int64
		ms      []Membership
		want    int64 // club id; 0 = none
	}{
		{"stranger", 0, nil, 0},
		{"stranger who remembers a club", 1, nil, 0},
		{"one club, none remembered", 0, []Membership{a}, 1},
		{"one club, another remembered (left it)", 2, []Membership{a}, 1},
		{"remembered club kept", 1, []Membership{a, b}, 1},
		{"remembered club kept though another is newer", 3, []Membership{a, b, c}, 3},
		{"none remembered: the most recently joined", 0, []Membership{a, b, c}, 2},
		{"remembered club left: the most recently joined", 9, []Membership{c, a}, 1},
		{"joined at the same moment: the later staff record", 0, []Membership{sameTimeLater, a}, 4},
		{"order does not matter", 0, []Membership{c, b, a}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := WorkingClub(tt.current, tt.ms)
			if ok != (tt.want != 0) || m.ClubID != tt.want {
				t.Fatalf("WorkingClub(%d) = club %d, %v; want club %d", tt.current, m.ClubID, ok, tt.want)
			}
		})
	}
}

func TestMembershipIn(t *testing.T) {
	t.Parallel()
	ms := []Membership{{ClubID: 1, StaffID: 10}, {ClubID: 2, StaffID: 20}}
	if m, ok := MembershipIn(ms, 2); !ok || m.StaffID != 20 {
		t.Fatalf("club 2: %+v %v", m, ok)
	}
	for _, club := range []int64{0, 3, -1} {
		if m, ok := MembershipIn(ms, club); ok {
			t.Fatalf("club %d: %+v, want no membership", club, m)
		}
	}
}

func TestBotServesClub(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name         string
		bot, clubBot int64
		want         bool
	}{
		{"default bot, club without a bot", 0, 0, true},
		{"default bot, club with its own bot", 0, 7, false},
		{"the club's own bot", 7, 7, true},
		{"another club's bot", 8, 7, false},
		{"a bot of a club whose bot was removed", 7, 0, false},
	} {
		if got := BotServesClub(tt.bot, tt.clubBot); got != tt.want {
			t.Errorf("%s: BotServesClub(%d, %d) = %v, want %v", tt.name, tt.bot, tt.clubBot, got, tt.want)
		}
	}
}
