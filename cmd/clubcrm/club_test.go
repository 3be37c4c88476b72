package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/examples"
)

// clubApplySetup gives a test its own database and a copy of the example plan.
func clubApplySetup(t *testing.T) (env map[string]string, planPath string, db *postgres.DB) {
	t.Helper()
	url := pgtest.NewURL(t)
	planPath = filepath.Join(t.TempDir(), "club-plan.yaml")
	if err := os.WriteFile(planPath, examples.ClubPlan, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return map[string]string{"DATABASE_URL": url}, planPath, db
}

// catalogRows counts every row the plan can write, to prove a refused plan
// wrote nothing.
func catalogRows(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	err := db.Pool().QueryRow(context.Background(), `SELECT
 (SELECT count(*) FROM clubs) + (SELECT count(*) FROM templates) + (SELECT count(*) FROM results) +
 (SELECT count(*) FROM result_fields) + (SELECT count(*) FROM dictionaries) + (SELECT count(*) FROM dictionary_values) +
 (SELECT count(*) FROM template_results) + (SELECT count(*) FROM workflow_rules) + (SELECT count(*) FROM funnel_stages) +
 (SELECT count(*) FROM funnel_stage_results)`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestClubApplyTwiceSaysNoChanges(t *testing.T) {
	t.Parallel()
	env, path, db := clubApplySetup(t)

	out, errOut, err := runCmd(t, env, "club", "apply", "--dry-run", path)
	if err != nil || !strings.Contains(out, "club demo: created") || !strings.Contains(out, "dry run:") {
		t.Fatalf("dry run: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	if n := catalogRows(t, db); n != 0 {
		t.Fatalf("dry run wrote %d rows", n)
	}

	out, errOut, err = runCmd(t, env, "club", "apply", path)
	if err != nil {
		t.Fatalf("first apply: %v\n%s", err, errOut)
	}
	for _, want := range []string{"club demo: created", "template check_purchase: created", "workflow personal_call/going_to_buy: created"} {
		if !strings.Contains(out, want) {
			t.Errorf("first apply output lacks %q:\n%s", want, out)
		}
	}
	// The club's id, which every other admin command takes, ends the output.
	id := pgtest.Count(t, db, `SELECT id FROM clubs WHERE slug = 'demo'`)
	idLine := fmt.Sprintf("club demo has id %d (use --club %d)\n", id, id)
	if !strings.HasSuffix(out, idLine) {
		t.Errorf("first apply does not end with %q:\n%s", idLine, out)
	}
	out, errOut, err = runCmd(t, env, "club", "apply", path)
	if err != nil || out != "no changes\n"+idLine || errOut != "" {
		t.Fatalf("second apply: %v, stdout %q, stderr %q", err, out, errOut)
	}
}

func TestClubApplyBadInput(t *testing.T) {
	t.Parallel()
	env, _, db := clubApplySetup(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Break the example in two places and expect the exact line of each.
	plan := string(examples.ClubPlan)
	nextLine := lineOf(t, plan, "    next: check_purchase\n")
	unknownTemplate := write("unknown-template.yaml", strings.Replace(plan, "    next: check_purchase\n", "    next: check_purchse\n", 1))
	typeLine := lineOf(t, plan, "        type: date\n")
	unknownType := write("unknown-type.yaml", strings.Replace(plan, "        type: date\n", "        type: colour\n", 1))
	thinking := "    name: {ru: Думает, uk: Думає, en: Thinking it over}\n"
	nameLine := lineOf(t, plan, thinking)
	badLanguage := write("bad-language.yaml", strings.Replace(plan, thinking, "    name: {ru: Думает, de: Denkt nach}\n", 1))

	tests := []struct {
		name      string
		args      []string
		usage     bool
		errWant   string // in the returned error
		errOutHas string // in stderr
	}{
		{name: "missing file", args: []string{"club", "apply", filepath.Join(dir, "nope.yaml")}, errWant: "no such file"},
		{name: "directory", args: []string{"club", "apply", dir}, errWant: "not a regular file"},
		{name: "bad flag", args: []string{"club", "apply", "--force", "x.yaml"}, usage: true},
		{name: "no file", args: []string{"club", "apply"}, usage: true},
		{name: "two files", args: []string{"club", "apply", "a.yaml", "b.yaml"}, usage: true},
		{name: "unknown template", args: []string{"club", "apply", unknownTemplate}, errWant: "nothing was written",
			errOutHas: fmt.Sprintf("unknown-template.yaml:%d:11: workflow personal_call/going_to_buy next names unknown template \"check_purchse\"", nextLine)},
		{name: "unknown field type", args: []string{"club", "apply", unknownType}, errWant: "nothing was written",
			errOutHas: fmt.Sprintf("unknown-type.yaml:%d:15: unknown field type \"colour\"", typeLine)},
		{name: "unknown language", args: []string{"club", "apply", badLanguage}, errWant: "nothing was written",
			errOutHas: fmt.Sprintf("bad-language.yaml:%d:24: result name: unknown language \"de\"; use ru, uk, en", nameLine)},
		{name: "empty file", args: []string{"club", "apply", write("empty.yaml", "")}, errOutHas: "empty.yaml:1:1: the plan is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, err := runCmd(t, env, tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			var ue usageError
			if errors.As(err, &ue) != tc.usage {
				t.Fatalf("usage error = %v, want %v: %v", errors.As(err, &ue), tc.usage, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if !strings.Contains(err.Error(), tc.errWant) {
				t.Errorf("error %q lacks %q", err, tc.errWant)
			}
			if !strings.Contains(errOut, tc.errOutHas) {
				t.Errorf("stderr lacks %q:\n%s", tc.errOutHas, errOut)
			}
		})
	}
	if n := catalogRows(t, db); n != 0 {
		t.Fatalf("bad input wrote %d rows", n)
	}
}

// lineOf is the 1-based line where needle first starts in text.
func lineOf(t *testing.T, text, needle string) int {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("%q not in the example plan", needle)
	}
	return strings.Count(text[:i], "\n") + 1
}

func TestClubApplyUnreachableDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, examples.ClubPlan, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"}
	_, _, err := runCmd(t, env, "club", "apply", path)
	if err == nil || !strings.Contains(err.Error(), "connect to database") {
		t.Fatalf("unreachable database: %v", err)
	}
}

func TestEnsureDemoClub(t *testing.T) {
	t.Parallel()
	_, _, db := clubApplySetup(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	if err := ensureDemoClub(ctx, db, log); err != nil {
		t.Fatal(err)
	}
	before := catalogRows(t, db)
	if err := ensureDemoClub(ctx, db, log); err != nil {
		t.Fatal(err)
	}
	if after := catalogRows(t, db); after != before {
		t.Fatalf("second ensureDemoClub changed rows: %d → %d", before, after)
	}
	c, err := db.ClubBySlug(ctx, "demo")
	if err != nil || c.TimeZone != "Europe/Kyiv" {
		t.Fatalf("demo club: %+v %v", c, err)
	}
}
