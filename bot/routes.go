package bot

import "github.com/clubcrm/clubcrm/domain/callback"

// routes is the bot's route table: every command, callback action and
// conversation flow, one line each (see router.go for how to add one).
// Callback action names are short because they travel in the 64-byte
// callback data; they are part of the data's layout (domain/callback), so
// renaming one makes old buttons stale. <origin> is the list a card was
// opened from (origin.go).
func (b *Bot) routes(rt *router) {
	// Joining, help, language, leaving a form.
	rt.command("start", b.startCommand)
	rt.command("help", b.helpCommand)
	rt.command("cancel", b.cancelCommand)
	rt.command("lang", b.langCommand)
	rt.action(callback.ActionLanguage, b.langSet) // lg|<ru|uk|en>
	rt.command("club", b.clubCommand)
	rt.action(callback.ActionClubWork, b.clubWork) // cw|<club>

	// My tasks and the task card.
	rt.command("tasks", b.tasksCommand)
	rt.action(callback.ActionTaskList, b.tasksList)                // tl|<filter a|t|o>|<page>
	rt.action(callback.ActionTaskCard, b.taskCardOpen)             // tc|<task>[|<origin>]
	rt.action(callback.ActionTaskTake, b.taskTake)                 // tk|<task>[|<origin>]
	rt.action(callback.ActionTaskStatusMenu, b.taskStatusMenu)     // st|<task>|<origin>
	rt.action(callback.ActionTaskStatusSet, b.taskStatusSet)       // ss|<task>|<status>|<origin>
	rt.action(callback.ActionTaskDeleteAsk, b.taskDeleteAsk)       // dl|<task>|<origin>
	rt.action(callback.ActionTaskDelete, b.taskDeleteConfirm)      // dy|<task>|<origin>
	rt.action(callback.ActionTaskEditMenu, b.taskEditMenu)         // ed|<task>|<origin>
	rt.action(callback.ActionTaskEditStart, b.taskEditStart)       // et|<task>|<t|d>|<origin>
	rt.action(callback.ActionTaskEditCancel, b.taskEditCancel)     // ex|<task>|<origin>
	rt.action(callback.ActionTaskDueMenu, b.taskRescheduleMenu)    // rd|<task>|<origin>
	rt.action(callback.ActionTaskDueQuick, b.taskRescheduleQuick)  // rq|<task>|<1h|1d|3d|1w>|<origin>
	rt.action(callback.ActionTaskDuePick, b.taskReschedulePick)    // rp|<task>|<origin>: calendar and time picker
	rt.action(callback.ActionTaskDueType, b.taskRescheduleType)    // rt|<task>|<origin>
	rt.action(callback.ActionTaskReassignMenu, b.taskReassignMenu) // ra|<task>|<origin>
	rt.action(callback.ActionTaskReassign, b.taskReassign)         // as|<task>|<staff or 0>|<origin>
	rt.action(callback.ActionTaskSnooze, b.taskSnooze)             // sz|<task>|<15|60|tm> (reminders)
	rt.action(callback.ActionTaskRepeat, b.taskRepeatMenu)         // rr|<task>|<origin>[|<rule>[|<end>]]: the repeat picker
	rt.action(callback.ActionTaskRepeatStop, b.taskRepeatStop)     // rz|<task>|<origin>
	rt.action(callback.ActionBulkCalls, b.bulkCalls)               // bc|<bulk>|<page>
	rt.action(callback.ActionBulkCancelAsk, b.bulkCancelAsk)       // bx|<bulk>|<origin>
	rt.action(callback.ActionBulkCancel, b.bulkCancel)             // by|<bulk>|<origin>
	rt.flow(flowTaskEdit, b.taskEditText)
	rt.flow(flowTaskDue, b.taskDueText)

	// Current task, search, clients.
	rt.command("current", b.currentCommand)
	rt.command("search", b.searchCommand)
	rt.flow(flowSearch, b.searchText)
	rt.action(callback.ActionClientCard, b.clientCardOpen) // cc|<client>

	// Task control (managers).
	rt.managerCommand("control", b.controlCommand)
	rt.action(callback.ActionControl, b.controlRefresh)                    // cs
	rt.action(callback.ActionControlList, b.controlList)                   // cl|<u|o>|<page>
	rt.action(callback.ActionControlStaffList, b.controlStaffList)         // cm|<staff>|<page>
	rt.action(callback.ActionStaffOffboardAsk, b.staffOffboardAsk)         // sd|<staff>: who takes their open tasks
	rt.action(callback.ActionStaffOffboardConfirm, b.staffOffboardConfirm) // sc|<staff>|<to or 0>
	rt.action(callback.ActionStaffOffboard, b.staffOffboard)               // sy|<staff>|<to or 0>: confirmed

	// Forms: new task, new call, result entry, reminders, the due and
	// reminder calendar (form.go).
	b.formRoutes(rt)

	// Reports (managers): /report, /funnel and their buttons (report.go).
	b.reportRoutes(rt)
}
