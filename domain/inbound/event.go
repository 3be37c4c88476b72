package inbound

import (
	"fmt"
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// KindEvent is the inbox kind of a club-management system's event.
const KindEvent = "event"

// EventTypes are the events the club-management system may send.
var EventTypes = []string{"trial_no_show", "not_visited", "subscription_ending", "subscription_expired", "payment_overdue", "birthday"}

// Event is an event about a client from the club-management system.
type Event struct {
	ID    string `json:"id,omitempty"` // the system's own event id, the idempotency key when given
	Type  string `json:"type"`
	Phone string `json:"phone"`
	Name  string `json:"name,omitempty"`
	Days  int    `json:"days,omitempty"` // not_visited: days since the last visit
	Date  string `json:"date,omitempty"` // subscription_ending, payment_overdue, birthday: YYYY-MM-DD
}

// ValidEventType reports whether t is a known event type.
func ValidEventType(t string) bool {
	for _, x := range EventTypes {
		if x == t {
			return true
		}
	}
	return false
}

// Normalize checks an event and brings the client's phone into E.164.
func (e Event) Normalize(phoneCode string) (Event, error) {
	e.Type = strings.TrimSpace(e.Type)
	e.ID = strings.TrimSpace(e.ID)
	e.Name = strings.TrimSpace(e.Name)
	if !ValidEventType(e.Type) {
		return Event{}, domain.Invalid(domain.CodeEventTypeUnknown, fmt.Sprintf("event type %q is not one of %s", e.Type, strings.Join(EventTypes, ", ")), nil)
	}
	if len(e.ID) > MaxIdemKeyLen {
		return Event{}, domain.Invalid(domain.CodeEventIDInvalid, fmt.Sprintf("event id is longer than %d characters", MaxIdemKeyLen), nil)
	}
	if strings.TrimSpace(e.Phone) == "" {
		return Event{}, domain.Invalid(domain.CodePhoneRequired, "an event names its client by phone", nil)
	}
	p, err := domain.NormalizePhone(e.Phone, phoneCode)
	if err != nil {
		return Event{}, err
	}
	e.Phone = p
	if err := tooLong("name", e.Name, domain.MaxNameLen); err != nil {
		return Event{}, err
	}
	if e.Days < 0 || e.Days > 36500 {
		return Event{}, domain.Invalid(domain.CodeDaysInvalid, "days must be 0..36500", nil)
	}
	if e.Type == "not_visited" && e.Days == 0 {
		return Event{}, domain.Invalid(domain.CodeDaysRequired, "not_visited needs days: how long the client has not come", nil)
	}
	if e.Date != "" {
		if _, err := time.Parse("2006-01-02", e.Date); err != nil {
			return Event{}, domain.Invalid(domain.CodeDateInvalid, fmt.Sprintf("date %q is not YYYY-MM-DD", e.Date), nil)
		}
	}
	if e.Type == "subscription_ending" && e.Date == "" {
		return Event{}, domain.Invalid(domain.CodeDateRequired, "subscription_ending needs date: when the subscription ends", nil)
	}
	return e, nil
}

// Describe is the line the task shows about the event.
func (e Event) Describe() string {
	s := "Event: " + e.Type
	if e.Days > 0 {
		s += fmt.Sprintf(", %d days", e.Days)
	}
	if e.Date != "" {
		s += ", " + e.Date
	}
	return s
}
