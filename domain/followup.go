package domain

import "time"

// FollowupVerdict is what a recorded result's workflow rule decides about
// the next task.
type FollowupVerdict string

// Follow-up verdicts.
const (
	FollowupCreate FollowupVerdict = "create" // create the planned task
	// FollowupRetired: the club archived the rule's next template, so the
	// chain ends here as if there were no rule.
	FollowupRetired FollowupVerdict = "retired"
	// FollowupTooDeep: the chain would pass MaxChainDepth and is cut.
	FollowupTooDeep FollowupVerdict = "too_deep"
	// FollowupUnfit: the next template's type cannot take the closed task's
	// client (a client task after an internal one, a bulk call).
	FollowupUnfit FollowupVerdict = "unfit"
)

// ClosedTask is what NextTask needs of the task a result closed.
type ClosedTask struct {
	ClubID     int64
	ClientID   int64 // 0 if the task had no client
	ChainDepth int   // how many automatic follow-ups led to it
}

// FollowupPlan is NextTask's decision. Task and ChainDepth are set only for
// FollowupCreate; Task has no ID and no assignee yet (the assignee depends on
// who is active, which the store looks up: ResolveAssignee).
type FollowupPlan struct {
	Verdict    FollowupVerdict
	Task       Task
	ChainDepth int
}

// NextTask decides the task a workflow rule creates when a result closes a
// task: none when next is archived, none past MaxChainDepth, none when next's
// type cannot take the closed task's client; otherwise next's default title
// (else its name), the closed task's client when next's type has one, due at
// NextDue from recordedAt (not from when the job runs, so a job delayed by a
// backlog or a lost Redis plans the same), reminded at next's reminder offset
// from due unless that time is not after now (DefaultReminder, as for a task
// created in the bot), created by the system (no author), one link deeper in
// the chain. The checks run in that order.
func NextTask(rule WorkflowRule, next Template, closed ClosedTask, recordedAt time.Time, hours WorkingHours, loc *time.Location, now time.Time) FollowupPlan {
	if next.ArchivedAt != nil {
		return FollowupPlan{Verdict: FollowupRetired}
	}
	depth := closed.ChainDepth + 1
	if depth > MaxChainDepth {
		return FollowupPlan{Verdict: FollowupTooDeep}
	}
	clientID := closed.ClientID
	if !next.Type.HasClient() {
		clientID = 0
	}
	n := 0
	if clientID != 0 {
		n = 1
	}
	if next.Type.ValidateClients(n) != nil {
		return FollowupPlan{Verdict: FollowupUnfit}
	}
	due := NextDue(recordedAt, rule.DueOffset, rule.WorkingDays, hours, loc)
	title := next.DefaultTitle
	if title == "" {
		title = next.Name
	}
	return FollowupPlan{
		Verdict: FollowupCreate,
		Task: Task{ClubID: closed.ClubID, Type: next.Type, TemplateID: next.ID, Title: title, ClientID: clientID,
			Status: StatusNew, DueAt: &due, RemindAt: DefaultReminder(&due, next.ReminderOffset, now)},
		ChainDepth: depth,
	}
}
