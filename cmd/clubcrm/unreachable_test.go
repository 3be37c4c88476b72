package main

import (
	"strings"
	"testing"
)

// A host name that resolves to several addresses (localhost is ::1 and
// 127.0.0.1 on most machines, and the default DATABASE_URL says localhost)
// makes pgx report one error per address, one per line. Every command must
// still fail with ONE line. Two closed ports stand in for the two addresses.
func TestUnreachableDatabaseIsOneLine(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": "postgres://postgres:secret@127.0.0.1:1,127.0.0.1:2/none?sslmode=disable&connect_timeout=2"}
	for _, args := range [][]string{
		{"migrate"},
		{"club", "apply", "../../examples/club-plan.yaml"},
		{"staff", "invite", "--club", "1", "--role", "staff"},
	} {
		env := env
		if args[0] == "staff" {
			env = map[string]string{"DATABASE_URL": env["DATABASE_URL"], "TELEGRAM_BOT_USERNAME": "clubcrm_bot"}
		}
		_, _, err := runCmd(t, env, args...)
		if err == nil {
			t.Fatalf("%v against closed ports succeeded", args)
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || strings.Contains(msg, "secret") {
			t.Errorf("%v: want one line without the password, got:\n%s", args, msg)
		}
	}
}
