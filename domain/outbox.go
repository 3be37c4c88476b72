package domain

// Outbox kinds: the effects a state change asks the workers for. The row is
// written in the same transaction as the change (DESIGN.md invariant 1); the
// relay turns each row into an asynq task with TaskID "outbox:<id>".
const (
	// OutboxResultRecorded: a result was recorded; run the workflow (create the
	// follow-up) and update a parent bulk call's status. Payload: OutboxPayload
	// with TaskID and TaskResultID.
	OutboxResultRecorded = "result.recorded"
	// OutboxBulkCreated: a bulk call was created; fan it out. Payload: TaskID.
	OutboxBulkCreated = "bulk.created"
	// OutboxTaskAssigned: a task was assigned or reassigned to someone other
	// than the actor; tell the new assignee. Payload: TaskID, StaffID (the new
	// assignee), ActorID.
	OutboxTaskAssigned = "task.assigned"
	// OutboxTaskRescheduled: due date or reminder changed; re-plan the reminder.
	// Payload: TaskID.
	OutboxTaskRescheduled = "task.rescheduled"
	// OutboxStaffReachable: a staff member marked unreachable wrote to the bot
	// again. Payload: StaffID.
	OutboxStaffReachable = "staff.reachable"
	// OutboxInboundReceived: an inbound event (a lead, a call, a club-system
	// event) was stored in the inbox; process it. Payload: InboxID.
	OutboxInboundReceived = "inbound.received"
	// OutboxLeadEscalate: a lead's response target passes at the row's
	// available_at; if nobody has recorded a result by then, tell the
	// managers. Payload: TaskID.
	OutboxLeadEscalate = "lead.escalate"
	// OutboxCallAnswered: the phone system reported an answered call; ask
	// the staff member who took it for its result. Payload: TaskID, StaffID.
	OutboxCallAnswered = "call.answered"
)

// OutboxPayload is the JSON payload of an outbox row: ids only, so a job always
// reads the current state from the database.
type OutboxPayload struct {
	TaskID       int64 `json:"task_id,omitempty"`
	TaskResultID int64 `json:"task_result_id,omitempty"`
	StaffID      int64 `json:"staff_id,omitempty"`
	ActorID      int64 `json:"actor_id,omitempty"`
	InboxID      int64 `json:"inbox_id,omitempty"`
}
