package callback

// Callback actions: the second field of callback data, naming what a button
// does. They are the one list of them: the bot routes each to its handler
// (bot/routes.go) and both the bot and the workers' messages build buttons
// with them, so a button drawn by a job and the handler that answers it
// cannot drift apart. The names are short because they travel in the
// 64-byte data, and they are part of its layout: renaming one makes buttons
// already sent stale.
const (
	ActionLanguage = "lg" // lg|<ru|uk|en>
	ActionClubWork = "cw" // cw|<club>: work in that club (/club)

	// My tasks and the task card.
	ActionTaskList         = "tl" // tl|<filter a|t|o>|<page>
	ActionTaskCard         = "tc" // tc|<task>[|<origin>]
	ActionTaskTake         = "tk" // tk|<task>[|<origin>]
	ActionTaskStatusMenu   = "st" // st|<task>|<origin>
	ActionTaskStatusSet    = "ss" // ss|<task>|<status>|<origin>
	ActionTaskDeleteAsk    = "dl" // dl|<task>|<origin>
	ActionTaskDelete       = "dy" // dy|<task>|<origin>
	ActionTaskEditMenu     = "ed" // ed|<task>|<origin>
	ActionTaskEditStart    = "et" // et|<task>|<t|d>|<origin>
	ActionTaskEditCancel   = "ex" // ex|<task>|<origin>
	ActionTaskDueMenu      = "rd" // rd|<task>|<origin>
	ActionTaskDueQuick     = "rq" // rq|<task>|<1h|1d|3d|1w>|<origin>
	ActionTaskDuePick      = "rp" // rp|<task>|<origin>: calendar and time picker
	ActionTaskDueType      = "rt" // rt|<task>|<origin>
	ActionTaskReassignMenu = "ra" // ra|<task>|<origin>
	ActionTaskReassign     = "as" // as|<task>|<staff or 0>|<origin>
	ActionTaskSnooze       = "sz" // sz|<task>|<15|60|tm> (reminders)
	ActionResultStart      = "rs" // rs|<task>[|<origin>]: enter a result
	ActionReminderMenu     = "rm" // rm|<task>|<origin>[|<choice>]
	ActionTaskRepeat       = "rr" // rr|<task>|<origin>[|<rule>[|<end>[|<op>|<arg>]]]: the repeat picker
	ActionTaskRepeatStop   = "rz" // rz|<task>|<origin>: stop repeating

	// Bulk calls: their calls, and cancelling the open ones.
	ActionBulkCalls     = "bc" // bc|<bulk>|<page>
	ActionBulkCancelAsk = "bx" // bx|<bulk>|<origin>
	ActionBulkCancel    = "by" // by|<bulk>|<origin>

	// Search, clients.
	ActionClientCard = "cc" // cc|<client>

	// Task control (managers).
	ActionControl          = "cs" // cs
	ActionControlList      = "cl" // cl|<u|o>|<page>
	ActionControlStaffList = "cm" // cm|<staff>|<page>

	// Offboarding from /control (managers).
	ActionStaffOffboardAsk     = "sd" // sd|<staff>: who takes their open tasks
	ActionStaffOffboardConfirm = "sc" // sc|<staff>|<to or 0>
	ActionStaffOffboard        = "sy" // sy|<staff>|<to or 0>: confirmed

	// Forms: "<action>|<version>|<op>|<arg>" (bot/form.go).
	ActionResultForm  = "rf"
	ActionNewTaskForm = "nf"
	ActionCallForm    = "cf"
	ActionMomentForm  = "mf"

	// Reports (managers).
	ActionReportShow     = "rv" // rv|<view>
	ActionReportFilter   = "rl" // rl|<view>|<s|t|y>|<page>
	ActionReportChart    = "rc" // rc|<view>
	ActionReportWorkbook = "rx" // rx|<view>
)
