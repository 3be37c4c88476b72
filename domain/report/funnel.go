package report

// Funnel is the sales funnel of a period: how many distinct clients reached
// each stage of the club's plan.
//
// A client reaches a stage when a result of that stage is recorded for them
// (a task_results row with their client id) within the period, on a task that
// passes the filter (by the staff member who recorded it, the task's template
// and type).
//
// The funnel is cumulative: a client who reaches a later stage counts as
// having passed every earlier stage too, at the moment they reached the later
// one. A client who buys a subscription without a trial lesson has still gone
// through "first contact → trial booked → trial attended" for the funnel's
// purpose. That keeps the bars descending and every conversion at most 100%.
// Direct says how many reached the stage by one of its own results, so
// skipped stages stay visible: Clients - Direct clients skipped it.
//
// A client counts once per stage however many times they reached it.
type Funnel struct {
	Range       Range       `json:"range"`
	Filter      Filter      `json:"filter"`
	FilterNames FilterNames `json:"filter_names"`
	Stages      []Stage     `json:"stages"`
	// Conversion is Clients of the last stage over Clients of the first, 0..1;
	// 0 when nobody reached the first stage.
	Conversion float64 `json:"conversion"`
	// ByStaff splits the clients by the staff member who recorded each
	// client's earliest funnel result in the period (StaffID 0: nobody
	// recorded). Every client is in exactly one row, so the rows add up to
	// the totals.
	ByStaff []Split `json:"by_staff"`
	// ByTemplate splits the clients by the template of the client's first
	// task ever (the earliest by creation that is not deleted): where the
	// client came from. Rows add up to the totals.
	ByTemplate []Split `json:"by_template"`
	// Previous are the headline figures of the previous period when the
	// report is compared with it (Compare in compare.go); nil otherwise.
	Previous *FunnelPrevious `json:"previous,omitempty"`
}

// Stage is one funnel stage's figures.
type Stage struct {
	StageID int64  `json:"stage_id"`
	Key     string `json:"key"`
	Name    string `json:"name"`
	Clients int    `json:"clients"` // distinct clients who reached this or a later stage
	Direct  int    `json:"direct"`  // of those, clients with a result of this very stage
	// ConversionNext is Clients of the next stage over Clients of this one,
	// 0..1; 0 for the last stage and when nobody reached this one.
	ConversionNext float64 `json:"conversion_next"`
	// MedianDaysNext is the median of the days from reaching this stage to
	// reaching the next (both moments as defined above), over the clients
	// who passed both on different local days: a stage passed over on the
	// way to a later one, or two results on one day, would only add zeros.
	// nil when there is no such client.
	MedianDaysNext *float64 `json:"median_days_next"`
	// MedianClients is how many clients MedianDaysNext is over.
	MedianClients int `json:"median_clients"`
}

// Split is one slice of the funnel (a staff member, a template).
type Split struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Clients []int  `json:"clients"` // per stage, in Stages order
	// Conversion is last-stage clients over first-stage clients, 0..1.
	Conversion float64 `json:"conversion"`
}

// Cohort is the funnel as owners read it: of the clients first contacted in
// the period (their earliest funnel result that passes the filter, ever,
// falls in it), how many reached each stage by now and within WithinDays
// days of that first contact, and why the others stopped. Stages are
// cumulative as in Funnel; results after the report time do not exist yet.
type Cohort struct {
	Range       Range         `json:"range"`
	Filter      Filter        `json:"filter"`
	FilterNames FilterNames   `json:"filter_names"`
	WithinDays  int           `json:"within_days"`
	Clients     int           `json:"clients"` // the cohort: first contacted in the period
	Stages      []CohortStage `json:"stages"`
	// Previous are the previous period's cohort figures when compared
	// (Compare in compare.go); nil otherwise.
	Previous *CohortPrevious `json:"previous,omitempty"`
}

// CohortStage is one stage of a cohort.
type CohortStage struct {
	StageID int64  `json:"stage_id"`
	Key     string `json:"key"`
	Name    string `json:"name"`
	Clients int    `json:"clients"` // of the cohort, reached this stage or a later one by now
	Within  int    `json:"within"`  // of those, within WithinDays days of first contact
	// ConversionNext is Clients of the next stage over Clients of this one.
	ConversionNext float64 `json:"conversion_next"`
	// Lost are the clients whose furthest stage is this one (so 0 for the
	// last), and the dictionary answers on the results of no stage (a
	// refusal's reason) recorded for them since first contact: each client
	// counts once per value, so the counts may add up to more or less than
	// Lost.
	Lost    int          `json:"lost"`
	Reasons []LossReason `json:"reasons"`
}

// LossReason is a dictionary value given as a reason by clients who stopped
// at a stage.
type LossReason struct {
	ValueID int64  `json:"value_id"`
	Name    string `json:"name"`
	Clients int    `json:"clients"`
}
