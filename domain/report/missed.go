package report

// MissedCalls are the figures of the incoming calls the club missed in the
// period (calls marked missed, by called_at): were they called back, and
// how soon.
//
// The phone system records a missed call as a call marked missed, linked
// to the "call back" task it created, or to the client's call-back task
// that was already open (several missed calls may share one). Calling back
// is recording a result on that task (which is also how the outgoing call
// is logged), so a missed call is called back by the first result recorded
// on its call-back task at or after the call, whenever that was (also
// after the period). Any result counts: the club tried. Its call-back time
// runs from the missed call to that result. It is called back in time when
// that took at most the club's call-back target (the plan's
// phone.callback_target, as set now; no phone settings: none is in time).
//
// A missed call's staff member is who recorded the call-back result, or,
// while it is not called back, the call-back task's assignee (0: nobody).
// The staff filter selects missed calls by that staff member; template and
// type filters by their call-back task's template and type, as the calls
// figures do.
type MissedCalls struct {
	Totals  MissedCounts  `json:"totals"`
	ByStaff []MissedSplit `json:"by_staff"` // only staff members with missed calls
}

// MissedCounts are one slice's missed-call figures.
type MissedCounts struct {
	Missed     int `json:"missed"`
	CalledBack int `json:"called_back"`
	InTarget   int `json:"in_target"` // called back within the call-back target
	// MedianMinutes is over the called-back calls' call-back times; nil when
	// none was called back.
	MedianMinutes *float64 `json:"median_minutes"`
}

// MissedSplit is one staff member's missed-call figures (ID 0: nobody).
type MissedSplit struct {
	ID     int64        `json:"id"`
	Name   string       `json:"name,omitempty"`
	Counts MissedCounts `json:"counts"`
}
