package domain

import (
	"fmt"
	"time"
)

// Role is what a staff member may do in their club.
type Role string

// Roles, from most to least powerful.
const (
	RoleOwner   Role = "owner"
	RoleManager Role = "manager"
	RoleStaff   Role = "staff"
)

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleOwner, RoleManager, RoleStaff:
		return r, nil
	}
	return "", Invalid(CodeRoleInvalid, fmt.Sprintf("role %q is not one of owner, manager, staff", s), nil)
}

// Staff is a person who works in a club and uses the bot.
type Staff struct {
	ID     int64
	ClubID int64
	Name   string
	Role   Role
	// TelegramID is their Telegram user id (the same through every bot),
	// 0 when they have no Telegram identity in the club. Messages go to an
	// identity's address (the store's RecipientGet), not to this.
	TelegramID int64
	Linked     bool // they have an identity in the club (an invite was redeemed)
	Language   Language
	Active     bool
	// UnreachableAt is set while every identity of theirs refused delivery
	// (they blocked the bot): when the last reachable one did. Cleared when
	// they write again.
	UnreachableAt *time.Time
	CurrentTaskID int64 // the task or call they are on now; 0 if none
	CreatedAt     time.Time
}

// IsManager reports whether the staff member manages the club (owner or manager).
func (s Staff) IsManager() bool { return s.Role == RoleOwner || s.Role == RoleManager }

// Reachable reports whether the system may message this person on its own.
func (s Staff) Reachable() bool { return s.Active && s.Linked && s.UnreachableAt == nil }
