// Command clubcrm is the whole service in one binary: the Telegram bot, the
// asynq workers, the cron scheduler and the admin commands, chosen by the
// first argument. See `clubcrm help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "clubcrm: %v\n", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "clubcrm: %v\n", err)
		os.Exit(1)
	}
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, e *cmdEnv, args []string) error
}

// cmdEnv is what every subcommand gets: its environment and output streams.
type cmdEnv struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// usageError is a mistake in how the command was called (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func commands() map[string]command {
	return map[string]command{
		"serve":          {"run every role in one process: bot, workers, scheduler, HTTP", runServe},
		"bot":            {"run the Telegram bot (long polling, or webhook with WEBHOOK_URL) and HTTP", runBotRole},
		"worker":         {"run the asynq workers and the outbox relay, and HTTP", runWorkerRole},
		"scheduler":      {"run the cron scheduler (one of many leads) and HTTP", runSchedulerRole},
		"migrate":        {"apply database migrations", runMigrate},
		"club apply":     {"create or update a club from a plan file", runClubApply},
		"staff invite":   {"print a single-use Telegram invite link for a new staff member", runStaffInvite},
		"clients import": {"import clients from a CSV file (update by phone, never duplicate)", runClientsImport},
		"report":         {"print the general CRM report or the sales funnel for a period", runReport},
		"gen":            {"fill a club with synthetic data for benchmarks", runGen},
		"version":        {"print the version", runVersion},
		"apikey create":  {"print a new key for a club's inbound API (shown once)", runAPIKeyCreate},
		"apikey list":    {"list a club's inbound API keys", runAPIKeyList},
		"apikey revoke":  {"revoke an inbound API key", runAPIKeyRevoke},
	}
}

// run is main without the process: tests call it with their own arguments,
// environment and buffers.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &cmdEnv{getenv: getenv, stdout: stdout, stderr: stderr}
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stdout, cmds)
		return nil
	}
	name, rest := args[0], args[1:]
	// Two-word commands: "club apply", "staff invite", "clients import".
	if len(rest) > 0 {
		if _, ok := cmds[name+" "+rest[0]]; ok {
			name, rest = name+" "+rest[0], rest[1:]
		}
	}
	c, ok := cmds[name]
	if !ok {
		return usagef("unknown command %q (try `clubcrm help`)", strings.Join(args[:1], " "))
	}
	return c.run(ctx, e, rest)
}

func printUsage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "clubcrm: the CRM of sports, dance and children's clubs, worked from Telegram.")
	fmt.Fprintln(w, "\nUsage: clubcrm COMMAND [flags]\n\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nConfiguration comes from the environment; see README.md.")
}

func runVersion(_ context.Context, e *cmdEnv, _ []string) error {
	fmt.Fprintln(e.stdout, "clubcrm", version)
	return nil
}
