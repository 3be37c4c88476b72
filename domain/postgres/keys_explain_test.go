package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// recorder keeps every statement the store sends while on, with its
// arguments, so the test can EXPLAIN exactly what the hot paths run.
type recorder struct {
	mu    sync.Mutex
	on    bool
	stmts []recorded
}

type recorded struct {
	sql  string
	args []any
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.stmts = append(r.stmts, recorded{sql: d.SQL, args: d.Args})
	}
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// start begins keeping statements.
func (r *recorder) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = true
}

// stop ends keeping statements and returns those kept.
func (r *recorder) stop() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.stmts
}

// recordingStore is a store over a pool whose statements rec keeps once
// started, with two clubs (slug and slug-other) filled as fill says.
func recordingStore(t *testing.T, slug string, fill postgres.SyntheticInput) (pool *pgxpool.Pool, db *postgres.DB, rec *recorder, club, other *repClub) {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rec = &recorder{}
	cfg.ConnConfig.Tracer = rec
	pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db = postgres.New(pool, postgres.WithClock(clocktest.New(genNow)))
	club, other = repNewClub(t, db, slug), repNewClub(t, db, slug+"-other")
	for _, c := range []int64{club.id, other.id} {
		fill.ClubID, fill.Now = c, genNow
		if _, err := db.SyntheticFill(ctx, fill); err != nil {
			t.Fatalf("fill: %v", err)
		}
	}
	return pool, db, rec, club, other
}

// reportPlans fails the test with each problem found in the plans, or if
// fewer than least statements were explained (the workload did not run).
func reportPlans(t *testing.T, problems []string, explained, least int) {
	t.Helper()
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	if explained < least {
		t.Errorf("explained only %d statements; the workload did not run", explained)
	}
	t.Logf("explained %d distinct statements", explained)
}

// Every primary and unique key of a tenant table includes club_id, but for
// the global lookups that exist before a club is known.
func TestTenantKeysIncludeClub(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	rows, err := db.Pool().Query(context.Background(), `
SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.contype IN ('p', 'u') AND c.connamespace = 'public'::regnamespace
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attname = 'club_id')
  AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attname = 'club_id' AND a.attnum = ANY (c.conkey))
UNION ALL
SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE i.indisunique AND t.relnamespace = 'public'::regnamespace
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'club_id')
  AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'club_id' AND a.attnum = ANY (i.indkey))
ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	// Looked up before the club is known (docs/scaling.md): an invite code,
	// an API key, a delivery key (club_id may be NULL), the club an account
	// works in (identity_current: one row per account, whichever its clubs).
	// A live bot's token hash is unique across clubs on purpose: one bot
	// cannot serve two clubs.
	global := map[string]bool{"staff_invites_code_hash_key": true, "deliveries_pkey": true,
		"api_keys_key_hash_key": true, "identity_current_pkey": true, "bots_token_hash_live_key": true}
	for rows.Next() {
		var table, name, def string
		if err := rows.Scan(&table, &name, &def); err != nil {
			t.Fatal(err)
		}
		if !global[name] {
			t.Errorf("%s: key %s without club_id: %s", table, name, def)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// The hot queries (a staff member's lists, a task, recording a result, the
// follow-up, the fan-out, conversations, the digest and the reports) are
// each served by indexes that lead with club_id: EXPLAINed with sequential
// scans discouraged, no tenant table is scanned whole and every index used
// starts with club_id. The cross-club sweeps (outbox relay, due reminders,
// overdue) are left out on purpose: they read every club by design and
// would run on every partition or shard (docs/scaling.md).
func TestHotQueriesUseClubIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, db, rec, club, _ := recordingStore(t, "hot", postgres.SyntheticInput{Tasks: 2000, Clients: 300, Staff: 5, Years: 1, Seed: 3})
	// Clubs with bots of their own, so the planner sees a bots table of a
	// deployment's size rather than an empty one.
	pgtest.Exec(t, db, `
WITH c AS (INSERT INTO clubs (slug, name, time_zone, language, digest_hour, phone_code)
  SELECT 'bots-' || g, 'Bots ' || g, 'Europe/Kyiv', 'ru', 9, '380' FROM generate_series(1, 300) g RETURNING id)
INSERT INTO bots (club_id, username, token_enc, token_hash, webhook_secret_enc)
SELECT id, 'bot_' || id, '\x00', sha256(id::text::bytea), '\x00' FROM c`)
	pgtest.Exec(t, db, `ANALYZE`)
	var staffID, taskID, clientID, templateID, resultID, bulkTmpl int64
	row := pool.QueryRow(ctx, `
SELECT t.assignee_id, t.id, t.client_id, t.template_id,
       (SELECT tr.result_id FROM template_results tr WHERE tr.club_id = t.club_id AND tr.template_id = t.template_id LIMIT 1),
       (SELECT id FROM templates WHERE club_id = t.club_id AND task_type = 'bulk_call' LIMIT 1)
FROM tasks t WHERE t.club_id = $1 AND t.status = 'new' AND t.assignee_id IS NOT NULL AND t.client_id IS NOT NULL
  AND t.task_type = 'personal_call' LIMIT 1`, club.id)
	if err := row.Scan(&staffID, &taskID, &clientID, &templateID, &resultID, &bulkTmpl); err != nil {
		t.Fatalf("pick ids: %v", err)
	}
	staff, err := db.StaffGet(ctx, club.id, staffID)
	if err != nil {
		t.Fatal(err)
	}
	acct := chat.TelegramAddress(chat.DefaultBot, 4_242_424)
	pgtest.LinkIdentity(t, db, club.id, staffID, acct)
	loc, _ := time.LoadLocation("Europe/Kyiv")

	rec.start()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err = db.StaffGet(ctx, club.id, staffID)
	must("StaffGet", err)
	_, _, _, err = db.Identify(ctx, acct)
	must("Identify", err)
	_, err = db.RecipientGet(ctx, club.id, staffID)
	must("RecipientGet", err)
	_, err = db.TaskListMine(ctx, postgres.TaskListQuery{ClubID: club.id, AssigneeID: staffID, Filter: postgres.TaskFilterAll, Now: genNow, Loc: loc, Limit: 10})
	must("TaskListMine", err)
	_, err = db.TaskListMine(ctx, postgres.TaskListQuery{ClubID: club.id, AssigneeID: staffID, Filter: postgres.TaskFilterToday, Now: genNow, Loc: loc, Limit: 10})
	must("TaskListMine today", err)
	_, err = db.TaskGet(ctx, club.id, taskID)
	must("TaskGet", err)
	_, err = db.TaskListByClient(ctx, club.id, clientID, 10)
	must("TaskListByClient", err)
	_, err = db.ClientGet(ctx, club.id, clientID)
	must("ClientGet", err)
	_, err = db.ResultsForTemplate(ctx, club.id, templateID)
	must("ResultsForTemplate", err)
	_, err = db.ConversationSave(ctx, postgres.Conversation{ClubID: club.id, StaffID: staffID, Flow: "result", Step: "pick", ExpiresAt: genNow.Add(time.Hour)})
	must("ConversationSave", err)
	_, err = db.ConversationGet(ctx, club.id, staffID)
	must("ConversationGet", err)
	rr, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: club.id, TaskID: taskID, ResultID: resultID, Actor: staff})
	must("ResultRecord", err)
	_, err = db.FollowupCreate(ctx, club.id, rr.TaskResultID, genNow)
	must("FollowupCreate", err)
	due := genNow.Add(24 * time.Hour)
	ids, err := db.ClientFilterIDs(ctx, club.id, postgres.ClientFilter{})
	must("ClientFilterIDs", err)
	bulk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: club.id, TemplateID: bulkTmpl, Title: "Bulk", ClientIDs: ids[:100],
		AuthorID: staffID, AssigneeID: staffID, DueAt: &due})
	must("TaskCreate bulk", err)
	_, err = db.FanoutChunk(ctx, club.id, bulk.ID, 50, genNow)
	must("FanoutChunk", err)
	_, err = db.DigestTodayGet(ctx, club.id, domain.DueDayAt(genNow, loc))
	must("DigestTodayGet", err)
	_, err = db.ControlSummaryGet(ctx, club.id, genNow, loc)
	must("ControlSummaryGet", err)
	r := report.PeriodRange(report.PeriodLastMonth, genNow, loc)
	_, err = db.ReportGeneral(ctx, club.id, r, report.Filter{})
	must("ReportGeneral", err)
	_, err = db.ReportFunnel(ctx, club.id, r, report.Filter{})
	must("ReportFunnel", err)
	// Which bot serves the club: its own, or (not found) the default one.
	if _, err = db.BotByClub(ctx, club.id, postgres.BotChannelTelegram); !errors.Is(err, domain.ErrNotFound) {
		must("BotByClub", err)
	}
	// The stored months: which clubs have months to store (every club,
	// each read through its own indexes), and storing one club's.
	_, err = db.ReportMonthsPending(ctx)
	must("ReportMonthsPending", err)
	_, err = db.ReportMonthsBuild(ctx, club.id)
	must("ReportMonthsBuild", err)
	stmts := rec.stop()

	// Index → its first column, for the indexes of tables with club_id
	// (clubs itself is the tenant: its id is the club id).
	first := map[string]string{}
	tenant := map[string]bool{}
	for _, q := range []string{
		`SELECT i.indexrelid::regclass::text, a.attname FROM pg_index i
		 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
		 JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace
		   AND EXISTS (SELECT 1 FROM pg_attribute k WHERE k.attrelid = c.oid AND k.attname = 'club_id')`,
		`SELECT table_name, 'club_id' FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'club_id'`,
	} {
		rows, err := pool.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b string
			_ = rows.Scan(&a, &b)
			if strings.HasPrefix(q, "SELECT table_name") {
				tenant[a] = true
			} else {
				first[a] = b
			}
		}
		rows.Close()
	}

	// Global on purpose: an update names an account, not a club, so the
	// account's identities (and the club it works in) are found by the
	// account first; every other table in those statements is then read
	// by club.
	global := map[string]bool{"staff_identities_account_idx": true, "identity_current_pkey": true}
	var problems []string
	explained := explainEach(t, pool, stmts, func(sql string, n map[string]any) {
		rel, _ := n["Relation Name"].(string)
		idx, _ := n["Index Name"].(string)
		switch {
		case n["Node Type"] == "Seq Scan" && tenant[rel]:
			problems = append(problems, fmt.Sprintf("sequential scan of %s in: %s", rel, firstLine(sql)))
		case idx != "" && first[idx] != "" && first[idx] != "club_id" && !global[idx]:
			problems = append(problems, fmt.Sprintf("index %s (leads with %s) in: %s", idx, first[idx], firstLine(sql)))
		}
	})
	reportPlans(t, problems, explained, 20)
}

// explainEach EXPLAINs each distinct data statement of stmts, with its own
// arguments and sequential scans discouraged (so a plan that still scans a
// table whole has no index to use), and calls f with every node of every
// plan. It returns how many statements it explained.
func explainEach(t *testing.T, pool *pgxpool.Pool, stmts []recorded, f func(sql string, node map[string]any)) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	explained := 0
	for _, s := range stmts {
		sql := strings.TrimSpace(s.sql)
		verb := strings.ToUpper(strings.Fields(sql)[0])
		if seen[sql] || !map[string]bool{"SELECT": true, "WITH": true, "INSERT": true, "UPDATE": true, "DELETE": true}[verb] {
			continue
		}
		seen[sql] = true
		var plan string
		if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sql, s.args...).Scan(&plan); err != nil {
			t.Errorf("EXPLAIN %s: %v", firstLine(sql), err)
			continue
		}
		explained++
		var root []struct{ Plan map[string]any }
		if err := json.Unmarshal([]byte(plan), &root); err != nil || len(root) != 1 {
			t.Fatalf("plan: %v", err)
		}
		walk(root[0].Plan, func(n map[string]any) { f(sql, n) })
	}
	return explained
}

func walk(n map[string]any, f func(map[string]any)) {
	f(n)
	kids, _ := n["Plans"].([]any)
	for _, k := range kids {
		if m, ok := k.(map[string]any); ok {
			walk(m, f)
		}
	}
}

func firstLine(sql string) string {
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > 160 {
		sql = sql[:160] + "…"
	}
	return sql
}
