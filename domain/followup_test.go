package domain

import (
	"testing"
	"time"
)

func TestNextTask(t *testing.T) {
	t.Parallel()
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, kyiv) }
	recorded := at(26, 0, 36) // a Thursday, before opening
	now := at(26, 1, 0)       // the job runs a little later
	archived := at(20, 0, 0)
	minus := func(d time.Duration) *time.Duration { d = -d; return &d }
	tp := func(t time.Time) *time.Time { return &t }
	call := Template{ID: 7, Name: "Call back", DefaultTitle: "Call about the trial", Type: TypePersonalCall, ReminderOffset: minus(time.Hour)}
	rule := WorkflowRule{NextTemplateID: 7, DueOffset: 24 * time.Hour}
	client := ClosedTask{ClubID: 3, ClientID: 11, ChainDepth: 4}

	cases := []struct {
		name    string
		rule    WorkflowRule
		next    func(Template) Template
		closed  ClosedTask
		now     time.Time
		verdict FollowupVerdict
		want    Task // checked for FollowupCreate only
		depth   int
	}{
		{name: "personal call keeps the client, due a day later at opening, reminded an hour before",
			rule: rule, next: func(t Template) Template { return t }, closed: client, now: now, verdict: FollowupCreate,
			want: Task{ClubID: 3, Type: TypePersonalCall, TemplateID: 7, Title: "Call about the trial", ClientID: 11,
				Status: StatusNew, DueAt: tp(at(27, 9, 0)), RemindAt: tp(at(27, 8, 0))}, depth: 5},
		{name: "no default title takes the template's name",
			rule: rule, next: func(t Template) Template { t.DefaultTitle = ""; return t }, closed: client, now: now, verdict: FollowupCreate,
			want: Task{ClubID: 3, Type: TypePersonalCall, TemplateID: 7, Title: "Call back", ClientID: 11,
				Status: StatusNew, DueAt: tp(at(27, 9, 0)), RemindAt: tp(at(27, 8, 0))}, depth: 5},
		{name: "under a day stays exact from the recorded time, not from now; a passed reminder is dropped",
			rule: WorkflowRule{NextTemplateID: 7, DueOffset: 30 * time.Minute}, next: func(t Template) Template { return t },
			closed: client, now: now, verdict: FollowupCreate,
			want: Task{ClubID: 3, Type: TypePersonalCall, TemplateID: 7, Title: "Call about the trial", ClientID: 11,
				Status: StatusNew, DueAt: tp(at(26, 1, 6))}, depth: 5},
		{name: "no reminder offset, no reminder",
			rule: rule, next: func(t Template) Template { t.ReminderOffset = nil; return t }, closed: client, now: now, verdict: FollowupCreate,
			want: Task{ClubID: 3, Type: TypePersonalCall, TemplateID: 7, Title: "Call about the trial", ClientID: 11,
				Status: StatusNew, DueAt: tp(at(27, 9, 0))}, depth: 5},
		{name: "an internal task after a client task drops the client",
			rule: rule, next: func(t Template) Template { t.Type = TypeInternal; return t }, closed: client, now: now, verdict: FollowupCreate,
			want: Task{ClubID: 3, Type: TypeInternal, TemplateID: 7, Title: "Call about the trial",
				Status: StatusNew, DueAt: tp(at(27, 9, 0)), RemindAt: tp(at(27, 8, 0))}, depth: 5},
		{name: "the last link allowed",
			rule: rule, next: func(t Template) Template { return t }, closed: ClosedTask{ClubID: 3, ClientID: 11, ChainDepth: MaxChainDepth - 1},
			now: now, verdict: FollowupCreate,
			want: Task{ClubID: 3, Type: TypePersonalCall, TemplateID: 7, Title: "Call about the trial", ClientID: 11,
				Status: StatusNew, DueAt: tp(at(27, 9, 0)), RemindAt: tp(at(27, 8, 0))}, depth: MaxChainDepth},
		{name: "past the chain's depth",
			rule: rule, next: func(t Template) Template { return t }, closed: ClosedTask{ClubID: 3, ClientID: 11, ChainDepth: MaxChainDepth},
			now: now, verdict: FollowupTooDeep},
		{name: "an archived next template ends the chain, before the depth check",
			rule: rule, next: func(t Template) Template { t.ArchivedAt = &archived; return t },
			closed: ClosedTask{ClubID: 3, ClientID: 11, ChainDepth: MaxChainDepth}, now: now, verdict: FollowupRetired},
		{name: "a client task after an internal one has no client",
			rule: rule, next: func(t Template) Template { t.Type = TypeClientTask; return t }, closed: ClosedTask{ClubID: 3}, now: now, verdict: FollowupUnfit},
		{name: "a bulk call never fits one client",
			rule: rule, next: func(t Template) Template { t.Type = TypeBulkCall; return t }, closed: client, now: now, verdict: FollowupUnfit},
	}
	for _, c := range cases {
		got := NextTask(c.rule, c.next(call), c.closed, recorded.UTC(), DefaultWorkingHours, kyiv, c.now.UTC())
		if got.Verdict != c.verdict {
			t.Errorf("%s: verdict %q, want %q", c.name, got.Verdict, c.verdict)
			continue
		}
		if c.verdict != FollowupCreate {
			if got.Task != (Task{}) || got.ChainDepth != 0 {
				t.Errorf("%s: %q plans a task: %+v", c.name, c.verdict, got)
			}
			continue
		}
		if got.ChainDepth != c.depth {
			t.Errorf("%s: chain depth %d, want %d", c.name, got.ChainDepth, c.depth)
		}
		if !sameTask(got.Task, c.want) {
			t.Errorf("%s:\n got %+v due %v remind %v\nwant %+v due %v remind %v", c.name,
				got.Task, got.Task.DueAt, got.Task.RemindAt, c.want, c.want.DueAt, c.want.RemindAt)
		}
	}
}

// sameTask compares tasks with their due and reminder times by instant.
func sameTask(a, b Task) bool {
	eq := func(x, y *time.Time) bool { return x == nil && y == nil || x != nil && y != nil && x.Equal(*y) }
	if !eq(a.DueAt, b.DueAt) || !eq(a.RemindAt, b.RemindAt) {
		return false
	}
	a.DueAt, a.RemindAt, b.DueAt, b.RemindAt = nil, nil, nil, nil
	return a == b
}
