package bot

import (
	"strconv"
	"strings"

	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// origin is the list a task card was opened from, carried in the card's
// button data ("ma.2": my tasks, all, page 2) so that the card's actions
// keep editing the same message and Back returns to the same page. A form
// opened from the card (a result, a reminder, a due time on the calendar)
// keeps it in its state, so the card it ends on has Back too. A card opened
// from a notification, a search or a new task has no origin: no Back
// button.
//
// A card a reminder turned into (its Take, its Enter result) has the
// reminder as its origin: no Back, and the reminder's snooze buttons stay.
type origin struct {
	list  string // one of the list codes below; "" for none
	page  int
	staff int64 // for listStaff: whose tasks
	bulk  int64 // for listBulk: whose calls
}

// List codes.
const (
	listMine     = "m"  // followed by the filter code: "ma", "mt", "mo"
	listUnassign = "cu" // task control: unassigned
	listOverdue  = "co" // task control: overdue
	listStaff    = "cs" // task control: one staff member's open tasks
	listBulk     = "bk" // a bulk call's calls
	listReminder = chat.OriginReminder
)

// String encodes the origin as one callback argument.
func (o origin) String() string {
	if o.list == "" {
		return "-"
	}
	s := o.list + "." + strconv.Itoa(o.page)
	switch o.list {
	case listReminder:
		return o.list
	case listStaff:
		s += "." + strconv.FormatInt(o.staff, 10)
	case listBulk:
		s += "." + strconv.FormatInt(o.bulk, 10)
	}
	return s
}

// parseOrigin reads an origin argument; anything unreadable is no origin,
// which only costs the Back button.
func parseOrigin(s string) origin {
	if s == listReminder {
		return origin{list: listReminder}
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return origin{}
	}
	page, err := strconv.Atoi(parts[1])
	if err != nil || page < 0 || page > 10000 {
		return origin{}
	}
	o := origin{list: parts[0], page: page}
	switch {
	case o.list == listUnassign, o.list == listOverdue:
	case len(o.list) == 2 && o.list[:1] == listMine && filterCodes[o.list[1:]] != "":
	case o.list == listStaff && len(parts) == 3:
		id, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil || id <= 0 {
			return origin{}
		}
		o.staff = id
	case o.list == listBulk && len(parts) == 3:
		id, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil || id <= 0 {
			return origin{}
		}
		o.bulk = id
	default:
		return origin{}
	}
	return o
}

// originArg returns argument i of the callback data as an origin.
func (r *request) originArg(i int) origin {
	s, err := r.data.Str(i)
	if err != nil {
		return origin{}
	}
	return parseOrigin(s)
}

// backButton returns to the list the card came from; ok is false when there
// is none.
func (r *request) backButton(o origin) (chat.Button, bool) {
	label := r.t("common.back", nil)
	switch {
	case o.list == listUnassign || o.list == listOverdue:
		return btn(label, callback.ActionControlList, o.list[1:], o.page), true
	case o.list == listStaff:
		return btn(label, callback.ActionControlStaffList, o.staff, o.page), true
	case o.list == listBulk:
		return btn(label, callback.ActionBulkCalls, o.bulk, o.page), true
	case len(o.list) == 2 && o.list[:1] == listMine:
		return btn(label, callback.ActionTaskList, o.list[1:], o.page), true
	}
	return chat.Button{}, false
}
