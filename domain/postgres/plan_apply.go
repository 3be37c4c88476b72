package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/plan"
)

// PlanApplyOptions tunes PlanApply.
type PlanApplyOptions struct {
	// DryRun computes and reports every change, then rolls the transaction
	// back, so nothing is written.
	DryRun bool
}

// PlanChanges is what an apply changed (or, in a dry run, would change).
type PlanChanges struct {
	ClubID int64    // the club's id; 0 after a dry run that would create it
	Lines  []string // one human-readable line per changed item, e.g. "template call_cold: created"
}

// Empty reports whether the apply changed nothing.
func (c PlanChanges) Empty() bool { return len(c.Lines) == 0 }

// planLockSpace is the first key of the advisory lock that serialises
// applies of one club (the second is the slug's hash); pgtest uses 727_001.
const planLockSpace = 727_002

var errDryRun = errors.New("dry run")

// PlanApply makes the club named by p.Club.Slug match the plan, in one
// transaction: it creates or updates the club (with its four default
// templates), dictionaries and values, results and fields, templates and the
// results that close them, workflow rules and funnel stages; it renames what
// the plan renames (renamed_from) and archives what the plan removes.
// Archiving never deletes: old tasks, answers and reports keep their names.
// An archived item that the plan lists again is restored.
//
// Every item is compared before it is written, so applying the same plan
// twice writes nothing the second time and returns empty PlanChanges.
//
// The plan is checked against the stored club too — a live item the plan
// neither lists nor removes, a rename onto an existing key, a type change
// of a template with tasks or of a field with answers, a named staff member
// who is not active in the club — and every such problem comes back as a
// plan.Errors with file positions. On any error nothing is written.
func (db *DB) PlanApply(ctx context.Context, p *plan.Plan, opts PlanApplyOptions) (PlanChanges, error) {
	if p == nil {
		return PlanChanges{}, fmt.Errorf("plan apply: %w: no plan", domain.ErrInvalid)
	}
	var out PlanChanges
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		a := newPlanApplier(tx, p, db.clock.Now())
		if err := a.run(ctx); err != nil {
			return err
		}
		out = PlanChanges{ClubID: a.clubID, Lines: a.lines}
		if opts.DryRun {
			if a.clubCreated {
				out.ClubID = 0
			}
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return PlanChanges{}, fmt.Errorf("plan apply %s: %w", p.File, err)
	}
	return out, nil
}

// planApplier carries one apply's state. Steps run in dependency order
// (dictionaries before the fields that use them, templates and results
// before workflows and the funnel), each resolving the plan's keys to ids.
//
// Plans hold tens of items, so items are written one statement each, and
// only when they differ; the reads are one query per table.
type planApplier struct {
	tx   pgx.Tx
	p    *plan.Plan
	now  time.Time
	errs plan.Errors

	clubID      int64
	clubCreated bool
	lines       []string

	dictIDs     map[string]int64 // plan key → id, for the plan's items
	resultIDs   map[string]int64
	templateIDs map[string]int64
	// templates is every stored template after the template step, by its
	// current key, so workflows can use default templates the plan does not list.
	templates map[string]*templateRow
	// links is every template's allowed results after the template step.
	links map[int64]map[int64]bool
	// resultArchived says which stored results are archived after the result step.
	resultArchived map[int64]bool
	// resultKeys and templateKeys name ids in change lines.
	resultKeys   map[int64]string
	templateKeys map[int64]string
}

func newPlanApplier(tx pgx.Tx, p *plan.Plan, now time.Time) *planApplier {
	return &planApplier{
		tx: tx, p: p, now: now,
		dictIDs: map[string]int64{}, resultIDs: map[string]int64{}, templateIDs: map[string]int64{},
		links: map[int64]map[int64]bool{}, resultArchived: map[int64]bool{}, resultKeys: map[int64]string{}, templateKeys: map[int64]string{},
	}
}

func (a *planApplier) run(ctx context.Context) error {
	if _, err := a.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, planLockSpace, a.p.Club.Slug); err != nil {
		return fmt.Errorf("lock club %q: %w", a.p.Club.Slug, mapErr(err))
	}
	steps := []func(context.Context) error{a.club, a.dictionaries, a.results, a.templateStep, a.workflows, a.funnel, a.namesStep, a.leads, a.phone, a.triggers, a.repeats}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
		if a.clubID == 0 {
			break // the club could not be written; the rest needs its id
		}
	}
	return a.errs.Err()
}

func (a *planApplier) errorf(at plan.Pos, format string, args ...any) {
	a.errs.Add(a.p.File, at, format, args...)
}

// change records one changed item: "template call_cold: created",
// "result thinking: renamed from думает, name changed".
func (a *planApplier) change(what string, diffs []string) {
	if len(diffs) > 0 {
		a.lines = append(a.lines, what+": "+strings.Join(diffs, ", "))
	}
}

// section is where a top-level section starts, or the top of the file.
func (a *planApplier) section(name string) plan.Pos {
	if p, ok := a.p.Sections[name]; ok {
		return p
	}
	return plan.Pos{Line: 1, Col: 1}
}

// stored is what every keyed, archivable row has.
type stored struct {
	id       int64
	key      string
	archived bool
	claimed  bool // a plan item stands for this row
}

func (s *stored) base() *stored { return s }

type storedRow interface{ base() *stored }

// match finds the stored row a plan item stands for: the row with its key,
// else the row with its renamed_from key (renamed=true). found=false means
// the item is new. Renaming onto a key another live row still has is an
// error, since two items cannot become one.
func match[T storedRow](a *planApplier, rows map[string]T, what, key, from string, at plan.Pos) (row T, found, renamed, ok bool) {
	cur, hasCur := rows[key]
	if from == "" {
		if hasCur {
			cur.base().claimed = true
		}
		return cur, hasCur, false, true
	}
	old, hasOld := rows[from]
	switch {
	case hasCur && hasOld && !old.base().archived && !old.base().claimed:
		a.errorf(at, "%s %q is renamed from %q, but the club has both; remove %q instead of renaming it", what, key, from, from)
		return row, false, false, false
	case hasCur:
		cur.base().claimed = true
		return cur, true, false, true
	case hasOld && !old.base().claimed:
		old.base().claimed = true
		return old, true, true, true
	}
	return row, false, false, true
}

// diffs collects what changed about one item.
type diffs []string

func (d *diffs) add(changed bool, what string) {
	if changed {
		*d = append(*d, what)
	}
}

// unlisted reports live rows that no plan item stands for and the plan does
// not remove: the plan describes the whole club, and silently keeping (or
// dropping) them would hide a mistake.
func unlisted[T storedRow](a *planApplier, rows map[string]T, what, removeSection string, at plan.Pos, skip func(T) bool) {
	for _, r := range sortedRows(rows) {
		b := r.base()
		if b.claimed || b.archived || (skip != nil && skip(r)) {
			continue
		}
		a.errorf(at, "%s %q exists in club %q but is not in the plan; list it, or name it under remove.%s to archive it", what, b.key, a.p.Club.Slug, removeSection)
	}
}

// sortedRows returns rows by id, so messages come in a stable order.
func sortedRows[T storedRow](rows map[string]T) []T {
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y T) int { return cmp.Compare(x.base().id, y.base().id) })
	return out
}

// collectClub runs a query over one club's rows (sql takes the club id as
// $1) and scans every row.
func collectClub[T any](ctx context.Context, tx pgx.Tx, sql string, clubID int64, scan func(pgx.CollectableRow) (T, error)) ([]T, error) {
	rows, err := tx.Query(ctx, sql, clubID)
	if err != nil {
		return nil, mapErr(err)
	}
	list, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, mapErr(err)
	}
	return list, nil
}

// collectKeyed runs a query over one club's rows (sql takes the club id as
// $1) and returns them by key.
func collectKeyed[T storedRow](ctx context.Context, tx pgx.Tx, sql string, clubID int64, scan func(pgx.CollectableRow) (T, error)) (map[string]T, error) {
	list, err := collectClub(ctx, tx, sql, clubID, scan)
	if err != nil {
		return nil, err
	}
	out := make(map[string]T, len(list))
	for _, r := range list {
		out[r.base().key] = r
	}
	return out, nil
}

// collectGrouped is collectKeyed for rows that belong to a parent row (a
// dictionary's values, a result's fields): it returns them by parent id,
// then by key.
func collectGrouped[T storedRow](ctx context.Context, tx pgx.Tx, sql string, clubID int64, scan func(pgx.CollectableRow) (T, error), parent func(T) int64) (map[int64]map[string]T, error) {
	list, err := collectClub(ctx, tx, sql, clubID, scan)
	if err != nil {
		return nil, err
	}
	out := map[int64]map[string]T{}
	for _, r := range list {
		if out[parent(r)] == nil {
			out[parent(r)] = map[string]T{}
		}
		out[parent(r)][r.base().key] = r
	}
	return out, nil
}

// parentID finds the parent a removal names (remove.values names a
// dictionary, remove.fields a result): an item of the plan, perhaps just
// renamed, else a stored row, perhaps one the plan removes.
func parentID[T storedRow](planned map[string]int64, rows map[string]T, key string) (int64, bool) {
	if id, ok := planned[key]; ok {
		return id, true
	}
	if r, ok := rows[key]; ok {
		return r.base().id, true
	}
	return 0, false
}

// namedRow is a stored row whose plan item has only a name and a place in
// its list besides its key: a result, a funnel stage, a dictionary value.
type namedRow struct {
	stored
	name     string
	position int
}

func (n *namedRow) named() *namedRow { return n }

// storedNamed is a row type built on namedRow (valueRow adds its dictionary).
type storedNamed interface {
	storedRow
	named() *namedRow
}

// namedItem is the plan's side of a namedRow.
type namedItem struct {
	what     string // the item in change lines and errors: "result thinking"
	name     string
	position int
}

// putNamed writes one plan item that match has paired with row. A new item
// is created by insert, which returns its id. A stored one is updated by
// update when its key (a rename), name, position or archived state differs.
// Each section keeps its own SQL in insert and update; putNamed decides
// whether to write and records the change line. It returns the row's id and
// whether its position changed.
func putNamed[T storedNamed](a *planApplier, item namedItem, row T, found, renamed bool, insert func() (int64, error), update func(id int64) error) (int64, bool, error) {
	if !found {
		id, err := insert()
		if err != nil {
			return 0, false, fmt.Errorf("%s: create: %w", item.what, mapErr(err))
		}
		a.change(item.what, []string{"created"})
		return id, false, nil
	}
	cur := row.named()
	var ds diffs
	ds.add(renamed, "renamed from "+cur.key)
	ds.add(cur.name != item.name, "name changed")
	ds.add(cur.archived, "restored")
	moved := cur.position != item.position
	if len(ds) == 0 && !moved {
		return cur.id, false, nil
	}
	if err := update(cur.id); err != nil {
		return 0, false, fmt.Errorf("%s: update: %w", item.what, mapErr(err))
	}
	a.change(item.what, ds)
	return cur.id, moved, nil
}

// archiveRow archives the live row with key, if there is one: a row already
// archived, or never created, needs nothing, so removals stay idempotent.
// sql takes the club id, the row id and the time as $1, $2, $3.
func archiveRow[T storedRow](ctx context.Context, a *planApplier, rows map[string]T, key, what, sql string) error {
	r, ok := rows[key]
	if !ok || r.base().archived || r.base().claimed {
		return nil
	}
	if _, err := a.tx.Exec(ctx, sql, a.clubID, r.base().id, a.now); err != nil {
		return fmt.Errorf("%s: archive: %w", what, mapErr(err))
	}
	r.base().archived = true
	a.change(what, []string{"archived"})
	return nil
}

// club creates the club or brings its settings in line with the plan.
func (a *planApplier) club(ctx context.Context) error {
	pc := a.p.Club
	want := domain.Club{Slug: pc.Slug, Name: pc.Name, TimeZone: pc.TimeZone, Language: pc.Language, DigestHour: pc.DigestHour, PhoneCode: pc.PhoneCode,
		WorkingHours: pc.WorkingHours, ViberFreeWindowOnly: pc.ViberFreeWindowOnly}
	if err := want.ValidateRecord(); err != nil {
		a.errorf(pc.Pos, "club: %v", err)
		return nil
	}
	var deleted *time.Time
	var cur domain.Club
	fields, finish := clubFields(&cur)
	err := a.tx.QueryRow(ctx, `SELECT `+clubColumns("", "")+`, deleted_at FROM clubs WHERE slug = $1`, pc.Slug).Scan(
		append(fields, &deleted)...)
	finish()
	if errors.Is(err, pgx.ErrNoRows) {
		c, err := clubInsert(ctx, a.tx, want)
		if err != nil {
			return err
		}
		a.clubID, a.clubCreated = c.ID, true
		a.change("club "+pc.Slug, []string{"created"})
		return nil
	}
	if err != nil {
		return fmt.Errorf("club %q: %w", pc.Slug, mapErr(err))
	}
	if deleted != nil {
		a.errorf(pc.Pos, "club %q was deleted; choose another slug", pc.Slug)
		return nil
	}
	a.clubID = cur.ID
	var d diffs
	d.add(cur.Name != want.Name, "name changed")
	d.add(cur.TimeZone != want.TimeZone, "time_zone changed")
	d.add(cur.Language != want.Language, "language changed")
	d.add(cur.DigestHour != want.DigestHour, "digest_hour changed")
	d.add(cur.PhoneCode != want.PhoneCode, "phone_code changed")
	d.add(cur.WorkingHours != want.Hours(), "working_hours changed")
	d.add(cur.ViberFreeWindowOnly != want.ViberFreeWindowOnly, "viber_free_window_only changed")
	if len(d) == 0 {
		return nil
	}
	if _, err := a.tx.Exec(ctx, `
UPDATE clubs SET name = $2, time_zone = $3, language = $4, digest_hour = $5, phone_code = $6, work_open_min = $7, work_close_min = $8,
    viber_free_window_only = $9
WHERE id = $1`,
		cur.ID, want.Name, want.TimeZone, string(want.Language), want.DigestHour, want.PhoneCode, want.Hours().Open, want.Hours().Close,
		want.ViberFreeWindowOnly); err != nil {
		return fmt.Errorf("club %q: update: %w", pc.Slug, mapErr(err))
	}
	a.change("club "+pc.Slug, d)
	return nil
}

// minutes converts an offset to the schema's minutes.
func minutes(d time.Duration) int { return int(d / time.Minute) }
