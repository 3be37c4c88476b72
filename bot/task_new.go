package bot

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// /new creates a task: template (grouped by type) → the client, for client
// types (found or created, client_pick.go) → for a bulk call, the clients by
// status and group (paged) with a live count → assignee (me, a colleague
// or nobody) → due (calendar, then time) → optional description → confirm.
// A bulk call is stored with its client list; the workers fan it out and
// edit the progress message sent just before it is stored.

const (
	flowNewTask   = "new"
	actionNewTask = callback.ActionNewTaskForm // nf|<version>|<op>|<arg>

	opTemplate = "t"  // arg: template id
	opStatus   = "s"  // arg: client status
	opGroup    = "g"  // arg: index into the form's group list
	opGroupPg  = "gp" // arg: page of the group list to show
	opAssignee = "a"  // arg: staff id; 0 for nobody
	opNoDue    = "nd" // no due date
)

// New task steps.
const (
	newStepTemplate = "template"
	newStepClient   = "client"
	newStepBulk     = "bulk"
	newStepAssignee = "assignee"
	newStepDue      = "due"
	newStepDesc     = "desc"
	newStepConfirm  = "confirm"
)

// The groups a bulk call chooses from are shown a page at a time. The list
// is stored in the form's state when the template is chosen, and the group
// buttons carry an index into it (a group's name may not fit the 64 bytes of
// callback data), so a group added meanwhile cannot shift what a button
// means. maxBulkGroups bounds that state: clubs use tens of groups, and a
// list past the bound is cut at the end of the alphabet.
const (
	bulkGroupsPerPage = 10
	maxBulkGroups     = 300
)

// newTaskForm is the /new form's state.
type newTaskForm struct {
	Step         string                `json:"s"`
	TemplateID   int64                 `json:"tpl,omitempty"`
	Client       clientPick            `json:"cp"`
	ClientID     int64                 `json:"client,omitempty"`
	ClientName   string                `json:"client_name,omitempty"`
	Statuses     []domain.ClientStatus `json:"st,omitempty"`  // bulk call: statuses ticked
	Groups       []string              `json:"gr,omitempty"`  // bulk call: groups ticked
	GroupList    []string              `json:"gl,omitempty"`  // bulk call: groups offered, by button index
	GroupPage    int                   `json:"gp,omitempty"`  // bulk call: the page of GroupList shown
	AssigneeID   int64                 `json:"asg,omitempty"` // 0: nobody, once past the assignee step
	AssigneeName string                `json:"asg_name,omitempty"`
	Due          momentPick            `json:"due,omitzero"`
	DueAt        *time.Time            `json:"due_at,omitempty"`
	Description  string                `json:"desc,omitempty"`
}

// newTaskCommand starts the form.
func (b *Bot) newTaskCommand(r *request) error {
	tpls, err := b.liveTemplates(r)
	if err != nil {
		return err
	}
	st := newTaskForm{Step: newStepTemplate}
	return r.formStart(flowNewTask, actionNewTask, st.Step, st, func(data buttonData) (string, [][]chat.Button) {
		return b.newTaskScreen(r, st, newTaskView{templates: tpls}, data)
	})
}

// newTaskView is what a screen of the form shows besides its state, loaded
// for the step being drawn.
type newTaskView struct {
	templates []domain.Template
	template  domain.Template
	staff     []domain.Staff
	count     int // bulk call: clients the filter selects
}

// newTaskStep applies one input and shows the next screen.
func (b *Bot) newTaskStep(r *request, c postgres.Conversation, st newTaskForm, in formInput) error {
	var tpl domain.Template
	if st.TemplateID != 0 {
		var err error
		tpl, err = b.db.TemplateGet(r.ctx, r.club.ID, st.TemplateID)
		if err != nil {
			return err
		}
		if tpl.ArchivedAt != nil && st.Step != newStepTemplate {
			st = newTaskForm{Step: newStepTemplate} // retired meanwhile: choose again
			if err := b.newTaskSave(r, &c, st, domain.Template{}); err != nil {
				return err
			}
			return r.formFail(errBadButton)
		}
	}
	if in.Op == opBack {
		return b.newTaskSave(r, &c, st.back(tpl), tpl)
	}
	if in.Op == "" && !slices.Contains([]string{newStepClient, newStepDue, newStepDesc}, st.Step) {
		return r.formFail(&formError{ID: "forms.err.tap_button"})
	}
	var err error
	switch st.Step {
	case newStepTemplate:
		st, tpl, err = b.newTaskTemplate(r, st, tpl, in)
	case newStepClient:
		next, picked, _, perr := b.clientStep(r, st.Client, in)
		st.Client, err = next, perr
		if perr == nil && picked != nil {
			st.ClientID, st.ClientName, st.Step = picked.ID, picked.Name, newStepAssignee
		}
	case newStepBulk:
		st, err = b.newTaskBulk(r, st, in)
	case newStepAssignee:
		st, err = b.newTaskAssignee(r, st, in)
	case newStepDue:
		if in.Op == opNoDue {
			st.DueAt, st.Due, st.Step = nil, momentPick{}, newStepDesc
			break
		}
		p, at, perr := st.Due.apply(in, r.formEnv(), true)
		st.Due, err = p, perr
		if perr == nil && at != nil {
			st.DueAt, st.Due, st.Step = at, momentPick{}, newStepDesc
		}
	case newStepDesc:
		switch in.Op {
		case opSkip:
			st.Description, st.Step = "", newStepConfirm
		case "":
			text := strings.TrimSpace(in.Text)
			if n := utf8.RuneCountInString(text); n > domain.MaxDescriptionLen {
				err = &formError{ID: "forms.err.too_long", Data: map[string]any{"Limit": domain.MaxDescriptionLen}}
				break
			}
			st.Description, st.Step = text, newStepConfirm
		default:
			err = errBadButton
		}
	case newStepConfirm:
		if in.Op != opOK {
			return r.formFail(errBadButton)
		}
		return b.newTaskCreate(r, c, st, tpl)
	default:
		return fmt.Errorf("new task form: unknown step %q", st.Step)
	}
	if err != nil {
		return r.formFail(err)
	}
	return b.newTaskSave(r, &c, st, tpl)
}

// back is the previous step: the way back skips the steps the template's
// type does not have.
func (st newTaskForm) back(tpl domain.Template) newTaskForm {
	switch st.Step {
	case newStepClient:
		if next, out := st.Client.back(); !out {
			st.Client = next
			return st
		}
		st.Step, st.Client = newStepTemplate, clientPick{}
	case newStepBulk:
		st.Step, st.Statuses, st.Groups, st.GroupList, st.GroupPage = newStepTemplate, nil, nil, nil, 0
	case newStepAssignee:
		switch tpl.Type {
		case domain.TypeBulkCall:
			st.Step = newStepBulk
		case domain.TypeInternal:
			st.Step = newStepTemplate
		default:
			st.Step, st.Client = newStepClient, clientPick{}
		}
	case newStepDue:
		if p, out := st.Due.back(); !out {
			st.Due = p
			return st
		}
		st.Step = newStepAssignee
	case newStepDesc:
		st.Step, st.DueAt = newStepDue, nil
	case newStepConfirm:
		st.Step = newStepDesc
	}
	return st
}

// newTaskTemplate: a template was tapped. It returns the form started
// afresh for that template, and the template.
func (b *Bot) newTaskTemplate(r *request, st newTaskForm, cur domain.Template, in formInput) (newTaskForm, domain.Template, error) {
	if in.Op != opTemplate {
		return st, cur, errBadButton
	}
	id, err := strconv.ParseInt(in.Arg, 10, 64)
	if err != nil || id <= 0 {
		return st, cur, errBadButton
	}
	tpl, err := b.db.TemplateGet(r.ctx, r.club.ID, id)
	if errors.Is(err, domain.ErrNotFound) {
		return st, cur, errBadButton // forged or another club's
	}
	if err != nil {
		return st, cur, err
	}
	if tpl.ArchivedAt != nil {
		return st, cur, errBadButton
	}
	next := newTaskForm{TemplateID: tpl.ID}
	switch tpl.Type {
	case domain.TypeBulkCall:
		groups, err := b.db.ClientGroupList(r.ctx, r.club.ID)
		if err != nil {
			return st, cur, err
		}
		groups = groups[:min(len(groups), maxBulkGroups)]
		next.Step, next.GroupList = newStepBulk, groups
	case domain.TypeInternal:
		next.Step = newStepAssignee
	default:
		next.Step = newStepClient
	}
	return next, tpl, nil
}

// newTaskBulk: a status or group toggled, or Done.
func (b *Bot) newTaskBulk(r *request, st newTaskForm, in formInput) (newTaskForm, error) {
	switch in.Op {
	case opStatus:
		s, err := domain.ParseClientStatus(in.Arg)
		if err != nil || in.Arg == "" {
			return st, errBadButton
		}
		st.Statuses = toggle(st.Statuses, s)
	case opGroup:
		i, err := strconv.Atoi(in.Arg)
		if err != nil || i < 0 || i >= len(st.GroupList) {
			return st, errBadButton
		}
		st.Groups = toggle(st.Groups, st.GroupList[i])
	case opGroupPg:
		page, err := strconv.Atoi(in.Arg)
		if err != nil || page < 0 || page >= st.groupPages() {
			return st, errBadButton
		}
		st.GroupPage = page
	case opDone:
		n, err := b.db.ClientFilterCount(r.ctx, r.club.ID, st.filter())
		if err != nil {
			return st, err
		}
		if n < 2 {
			return st, &formError{ID: "forms.new.bulk_too_few", Data: map[string]any{"Count": n}}
		}
		st.Step = newStepAssignee
	default:
		return st, errBadButton
	}
	return st, nil
}

func (st newTaskForm) filter() postgres.ClientFilter {
	return postgres.ClientFilter{Statuses: st.Statuses, Groups: st.Groups}
}

// groupPages is how many pages the group list takes (at least one).
func (st newTaskForm) groupPages() int {
	return max(1, (len(st.GroupList)+bulkGroupsPerPage-1)/bulkGroupsPerPage)
}

// toggle adds v to list, or removes it if it is there.
func toggle[T comparable](list []T, v T) []T {
	if i := slices.Index(list, v); i >= 0 {
		return slices.Delete(slices.Clone(list), i, i+1)
	}
	return append(slices.Clone(list), v)
}

// newTaskAssignee: "Me", a colleague or "Nobody" tapped. A colleague must
// be an active staff member of the club.
//
// Nobody leaves the task unassigned: it waits in the club's unassigned list
// (/control) for anyone to take. Staff may create one as well as managers:
// domain.CanActOnTask lets staff take, work on and close the unassigned
// tasks of their club, and delete the ones they wrote, so an unassigned
// task gives its author no right they would not have over their own.
func (b *Bot) newTaskAssignee(r *request, st newTaskForm, in formInput) (newTaskForm, error) {
	if in.Op != opAssignee {
		return st, errBadButton
	}
	id, err := strconv.ParseInt(in.Arg, 10, 64)
	if err != nil || id < 0 {
		return st, errBadButton
	}
	if id == 0 {
		st.AssigneeID, st.AssigneeName, st.Step = 0, "", newStepDue
		return st, nil
	}
	staff, err := b.db.StaffList(r.ctx, r.club.ID)
	if err != nil {
		return st, err
	}
	for _, s := range staff {
		if s.ID == id {
			st.AssigneeID, st.AssigneeName, st.Step = s.ID, s.Name, newStepDue
			return st, nil
		}
	}
	return st, errBadButton
}

// newTaskSave stores the state and shows the screen of its step; tpl is the
// form's template (zero before one is chosen).
func (b *Bot) newTaskSave(r *request, c *postgres.Conversation, st newTaskForm, tpl domain.Template) error {
	v := newTaskView{template: tpl}
	var err error
	switch st.Step {
	case newStepTemplate:
		v.templates, err = b.liveTemplates(r)
	case newStepBulk:
		v.count, err = b.db.ClientFilterCount(r.ctx, r.club.ID, st.filter())
	case newStepAssignee:
		v.staff, err = b.db.StaffList(r.ctx, r.club.ID)
	case newStepConfirm:
		if v.template.Type == domain.TypeBulkCall {
			v.count, err = b.db.ClientFilterCount(r.ctx, r.club.ID, st.filter())
		}
	}
	if err != nil {
		return err
	}
	return r.formSave(c, actionNewTask, st.Step, st, func(data buttonData) (string, [][]chat.Button) {
		return b.newTaskScreen(r, st, v, data)
	})
}

// newTaskCreate stores the task, once the conversation is claimed, so a
// second tap on Create creates nothing.
func (b *Bot) newTaskCreate(r *request, c postgres.Conversation, st newTaskForm, tpl domain.Template) error {
	if err := r.formClaim(&c); err != nil {
		return err
	}
	refused := func(reason error) error {
		return r.formRefused(func() error { return b.newTaskSave(r, &c, st, tpl) }, reason)
	}
	in := postgres.TaskCreateInput{
		ClubID: r.club.ID, TemplateID: tpl.ID, Description: st.Description, ClientID: st.ClientID,
		AuthorID: r.staff.ID, AssigneeID: st.AssigneeID, DueAt: st.DueAt,
	}
	if tpl.Type == domain.TypeBulkCall {
		ids, err := b.db.ClientFilterIDs(r.ctx, r.club.ID, st.filter())
		if err != nil {
			return err
		}
		if len(ids) < 2 {
			return refused(&formError{ID: "forms.new.bulk_too_few", Data: map[string]any{"Count": len(ids)}})
		}
		// The workers edit this message as they create the calls.
		progress, err := r.reply(r.t("forms.new.bulk_progress", map[string]any{"Done": 0, "Total": len(ids)}), nil)
		if err != nil {
			return err
		}
		in.ClientIDs, in.ProgressChat, in.ProgressMessageID = ids, r.to, progress
	}
	task, err := b.db.TaskCreate(r.ctx, in)
	if err != nil && in.ProgressMessageID != 0 {
		if eerr := r.edit(in.ProgressMessageID, r.t("forms.new.bulk_failed", nil), nil); eerr != nil {
			r.b.log.Warn("mark bulk progress failed", "err", eerr, "staff_id", r.staff.ID)
		}
	}
	if errors.Is(err, domain.ErrInvalid) || errors.Is(err, domain.ErrNotFound) {
		// The template, client or assignee changed while the form was open.
		return refused(err)
	}
	if err != nil {
		return fmt.Errorf("create task: %w", err)
	}
	return b.formEndWithCard(r, c, task.ID, origin{}, r.t("forms.new.created", nil))
}

// liveTemplates are the club's templates a task can be created from, by
// type (the menu's order) and position.
func (b *Bot) liveTemplates(r *request) ([]domain.Template, error) {
	all, err := b.db.TemplateList(r.ctx, r.club.ID)
	if err != nil {
		return nil, err
	}
	var out []domain.Template
	for _, typ := range domain.TaskTypes {
		for _, t := range all {
			if t.Type == typ && t.ArchivedAt == nil {
				out = append(out, t)
			}
		}
	}
	return out, nil
}
