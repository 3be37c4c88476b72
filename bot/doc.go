// Package bot is clubcrm's Telegram front end: the bot staff use all day to
// see their tasks, take them into work, record results, create tasks and
// calls, search, and (managers) control the club's work.
//
// # Shape
//
// One go-telegram/bot client receives updates (long polling by default,
// webhooks for several replicas) and hands every update to one default
// handler: the middleware chain in middleware.go (logging, recover,
// identity) and then the router in router.go, which dispatches
//
//   - a command ("/tasks") to its handler,
//   - a callback query to the handler of its action (the Action of the
//     domain/callback data, "tk" for take, "tc" for the task card, ...),
//   - plain text, while a conversation is active, to that flow's handler
//     (anything else, a sticker or a voice message, gets one line saying
//     only text is read).
//
// Every handler receives a *request: the identified staff member, their club,
// the club's time zone, the language, the chat, and helpers to reply, edit,
// answer the callback and turn errors into localised text. The route table
// is routes.go; router.go's package-level comment says how to add a command,
// a callback action or a conversation flow.
//
// # Rules every handler keeps
//
//   - Identity, club and rights come from the server (the staff row found by
//     the Telegram user id), never from callback data or text. Every tap
//     re-reads what it acts on and re-checks rights (domain.CanActOnTask;
//     loadTaskFor in task_access.go).
//   - Every callback query is answered exactly once; the router answers one
//     the handler left unanswered.
//   - Bad input (a stale or forged button, another club's id, a wrong type,
//     over-long text) changes nothing and gets one clear, localised line.
//   - Conversation state lives in PostgreSQL (postgres.Conversation), so a
//     restart or another replica continues the same dialogue. A screen's
//     state is stored before the screen is sent, and a form's buttons carry
//     a version that no form ever reuses (form.go).
//   - Texts are HTML (parse mode HTML); everything that came from people or
//     the database is escaped with esc.
//
// One file per command, flow or card: start.go, tasks.go, task_card.go,
// task_take.go, task_status.go, task_edit.go, current.go, search.go,
// control.go, lang.go, help.go; the forms (result entry, new task, new call,
// reminders) and the reports live beside them.
package bot
