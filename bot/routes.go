package bot

// routes is the bot's route table: every command, callback action and
// conversation flow, one line each (see router.go for how to add one).
// Callback action names are short because they travel in the 64-byte
// callback data; they are part of the data's layout (bot/callback), so
// renaming one makes old buttons stale. <origin> is the list a card was
// opened from (origin.go).
func (b *Bot) routes(rt *router) {
	// Joining, help, language, leaving a form.
	rt.command("start", b.startCommand)
	rt.command("help", b.helpCommand)
	rt.command("cancel", b.cancelCommand)
	rt.command("lang", b.langCommand)
	rt.action("lg", b.langSet) // lg|<ru|uk|en>

	// My tasks and the task card.
	rt.command("tasks", b.tasksCommand)
	rt.action("tl", b.tasksList)           // tl|<filter a|t|o>|<page>
	rt.action("tc", b.taskCardOpen)        // tc|<task>[|<origin>]
	rt.action("tk", b.taskTake)            // tk|<task>[|<origin>]
	rt.action("st", b.taskStatusMenu)      // st|<task>|<origin>
	rt.action("ss", b.taskStatusSet)       // ss|<task>|<status>|<origin>
	rt.action("dl", b.taskDeleteAsk)       // dl|<task>|<origin>
	rt.action("dy", b.taskDeleteConfirm)   // dy|<task>|<origin>
	rt.action("ed", b.taskEditMenu)        // ed|<task>|<origin>
	rt.action("et", b.taskEditStart)       // et|<task>|<t|d>|<origin>
	rt.action("ex", b.taskEditCancel)      // ex|<task>|<origin>
	rt.action("rd", b.taskRescheduleMenu)  // rd|<task>|<origin>
	rt.action("rq", b.taskRescheduleQuick) // rq|<task>|<1h|1d|3d|1w>|<origin>
	rt.action("rp", b.taskReschedulePick)  // rp|<task>|<origin>: calendar and time picker
	rt.action("rt", b.taskRescheduleType)  // rt|<task>|<origin>
	rt.action("ra", b.taskReassignMenu)    // ra|<task>|<origin>
	rt.action("as", b.taskReassign)        // as|<task>|<staff or 0>|<origin>
	rt.action("sz", b.taskSnooze)          // sz|<task>|<15|60|tm> (reminders)
	rt.flow(flowTaskEdit, b.taskEditText)
	rt.flow(flowTaskDue, b.taskDueText)

	// Current task, search, clients.
	rt.command("current", b.currentCommand)
	rt.command("search", b.searchCommand)
	rt.flow(flowSearch, b.searchText)
	rt.action("cc", b.clientCardOpen) // cc|<client>

	// Task control (managers).
	rt.managerCommand("control", b.controlCommand)
	rt.action("cs", b.controlRefresh)       // cs
	rt.action("cl", b.controlList)          // cl|<u|o>|<page>
	rt.action("cm", b.controlStaffList)     // cm|<staff>|<page>
	rt.action("sd", b.staffOffboardAsk)     // sd|<staff>: who takes their open tasks
	rt.action("sc", b.staffOffboardConfirm) // sc|<staff>|<to or 0>
	rt.action("sy", b.staffOffboard)        // sy|<staff>|<to or 0>: confirmed

	// Forms: new task, new call, result entry, reminders, the due and
	// reminder calendar (form.go).
	b.formRoutes(rt)

	// Reports (managers): /report, /funnel and their buttons (report.go).
	b.reportRoutes(rt)
}
