package report

// Leads are the figures of the leads that arrived through the inbound API in
// the period (leads.created_at in the range): how fast someone responded.
//
// A lead's first response is the first result recorded on its "call the new
// lead" task (whenever that was, also after the period); its first-response
// time runs from the lead's arrival to that result. A lead is answered in
// time when the first result came at or before its response target. A
// lead's staff member is who recorded its first result, or, while it is
// unanswered, the task's assignee (0: nobody). The staff filter selects
// leads by that staff member; template and type filters do not apply.
type Leads struct {
	Totals   LeadCounts  `json:"totals"`
	BySource []LeadSplit `json:"by_source"` // Key is the source ("" when none was given)
	ByStaff  []LeadSplit `json:"by_staff"`  // ID is the staff member, Name theirs
}

// LeadCounts are one slice's lead figures.
type LeadCounts struct {
	Leads     int `json:"leads"`
	Answered  int `json:"answered"`  // a result was recorded
	InTarget  int `json:"in_target"` // the first result came by the response target
	Escalated int `json:"escalated"` // the managers were told the target passed
	// MedianMinutes and AvgMinutes are over the answered leads' first-response
	// times; nil when none was answered.
	MedianMinutes *float64 `json:"median_minutes"`
	AvgMinutes    *float64 `json:"avg_minutes"`
}

// LeadSplit is one source's or staff member's lead figures.
type LeadSplit struct {
	ID     int64      `json:"id,omitempty"`
	Key    string     `json:"key,omitempty"`
	Name   string     `json:"name,omitempty"`
	Counts LeadCounts `json:"counts"`
}
