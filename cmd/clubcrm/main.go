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
	"syscall"

	"github.com/clubcrm/clubcrm/domain"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runEnv(ctx, os.Args[1:], &cmdEnv{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
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
	// usage is the command's synopsis after "clubcrm ", printed by its help
	// and with every mistake in how it was called.
	usage string
	// noFlags marks a command that takes neither flags nor arguments: run
	// answers its --help and refuses anything else for it. The others parse
	// their flags with cmdEnv.parseFlags, which answers --help.
	noFlags bool
	run     func(ctx context.Context, e *cmdEnv, args []string) error
}

// cmdEnv is what every subcommand gets: its environment and output streams.
type cmdEnv struct {
	getenv func(string) string
	// stdin is where `bot add` reads a token (never a flag); nil reads as
	// empty.
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// clock is the time of the long-running roles (their database, workers,
	// scheduler, bot); nil is the system clock. Tests inject a clocktest
	// clock to move deadlines by moving time, not rows.
	clock domain.Clock
}

// usageError is a mistake in how the command was called (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func commands() map[string]command {
	return map[string]command{
		"serve":               {"run every role in one process: bot, workers, scheduler, HTTP", "serve", true, runServe},
		"bot":                 {"run the Telegram bot (long polling, or webhook with WEBHOOK_URL) and HTTP", "bot", true, runBotRole},
		"worker":              {"run the asynq workers and the outbox relay, and HTTP", "worker", true, runWorkerRole},
		"scheduler":           {"run the cron scheduler (one of many leads) and HTTP", "scheduler", true, runSchedulerRole},
		"migrate":             {"apply database migrations", "migrate", true, runMigrate},
		"club apply":          {"create or update a club from a plan file; prints the club's id", clubApplyUsage, false, runClubApply},
		"club list":           {"list the clubs: id, slug, name, time zone, staff and clients", clubListUsage, false, runClubList},
		"staff invite":        {"print a single-use Telegram invite link for a new staff member", staffInviteUsage, false, runStaffInvite},
		"staff list":          {"list a club's staff, active and deactivated, with their open tasks", staffListUsage, false, runStaffList},
		"staff deactivate":    {"offboard someone who left: their open tasks reassigned or left unassigned", staffDeactivateUsage, false, runStaffDeactivate},
		"clients import":      {"import clients from a CSV file (update by phone, never duplicate)", clientsImportUsage, false, runClientsImport},
		"report":              {"print the general CRM report, the sales funnel or its cohort view for a period", reportUsage, false, runReport},
		"report months":       {"store the report figures of a club's whole past months now (the scheduler does it every ten minutes)", reportMonthsUsage, false, runReportMonths},
		"gen":                 {"fill a club with synthetic data for benchmarks, then store its report months", genUsage, false, runGen},
		"healthcheck":         {"ask this instance's /healthz; exit 0 when healthy (the container's health check)", healthcheckUsage, false, runHealthcheck},
		"version":             {"print the version", "version", true, runVersion},
		"apikey create":       {"print a new key for a club's inbound API (shown once)", apikeyCreateUsage, false, runAPIKeyCreate},
		"apikey list":         {"list a club's inbound API keys", apikeyListUsage, false, runAPIKeyList},
		"apikey revoke":       {"revoke an inbound API key", apikeyRevokeUsage, false, runAPIKeyRevoke},
		"bot add":             {"give a club its own Telegram bot (token on stdin or in CLUBCRM_BOT_TOKEN, checked with getMe, stored sealed)", botAddUsage, false, runBotAdd},
		"bot list":            {"list the clubs' own bots (never their tokens)", botListUsage, false, runBotList},
		"phone secret set":    {"store a club's phone-system signing secret sealed with SECRETS_KEY (secret on stdin or in CLUBCRM_PHONE_SECRET)", phoneSecretSetUsage, false, runPhoneSecretSet},
		"phone secret list":   {"show the provider a club's phone secret is set for (never the secret)", phoneSecretListUsage, false, runPhoneSecretList},
		"phone secret remove": {"remove a club's phone secret: the provider's signed notifications are refused again", phoneSecretRemoveUsage, false, runPhoneSecretRemove},
		"bot remove":          {"remove a club's own bot: the default bot serves the club again", botRemoveUsage, false, runBotRemove},
	}
}

// run is main without the process: tests call it with their own arguments,
// environment and buffers.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runClock(ctx, args, getenv, stdout, stderr, nil)
}

// runClock is run with the roles' clock (nil: the system clock).
func runClock(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, clock domain.Clock) error {
	return runEnv(ctx, args, &cmdEnv{getenv: getenv, stdout: stdout, stderr: stderr, clock: clock})
}

// runEnv runs the command args name in e.
func runEnv(ctx context.Context, args []string, e *cmdEnv) error {
	cmds := commands()
	if len(args) == 0 || isHelpFlag(args[0]) || args[0] == "help" && len(args) == 1 {
		printUsage(e.stdout, cmds)
		return nil
	}
	// "clubcrm help CMD" is "clubcrm CMD --help".
	help := args[0] == "help"
	if help {
		args = args[1:]
	}
	name, rest := args[0], args[1:]
	// Two-word commands: "club apply", "staff invite", "clients import";
	// and three-word ones: "phone secret set".
	if len(rest) > 1 {
		if _, ok := cmds[name+" "+rest[0]+" "+rest[1]]; ok {
			name, rest = name+" "+rest[0]+" "+rest[1], rest[2:]
		}
	}
	if len(rest) > 0 {
		if _, ok := cmds[name+" "+rest[0]]; ok {
			name, rest = name+" "+rest[0], rest[1:]
		}
	}
	c, ok := cmds[name]
	if !ok {
		if subs := subcommands(cmds, name); len(subs) > 0 {
			return groupUsage(e, name, subs, help || len(rest) > 0 && isHelpFlag(rest[0]), rest)
		}
		return usagef("unknown command %q (try `clubcrm help`)", name)
	}
	if help {
		rest = []string{"--help"}
	}
	if c.noFlags {
		if len(rest) > 0 && isHelpFlag(rest[0]) {
			printCommandHelp(e.stdout, name, c, nil)
			return nil
		}
		if len(rest) > 0 {
			return usagef("%s takes no arguments, got %q (usage: clubcrm %s)", name, rest[0], c.usage)
		}
	}
	err := c.run(ctx, e, rest)
	if errors.Is(err, errHelpShown) {
		return nil
	}
	return err
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
		fmt.Fprintf(w, "  %-19s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\n`clubcrm help COMMAND` or `clubcrm COMMAND --help` prints a command's flags.")
	fmt.Fprintln(w, "Configuration comes from the environment; see README.md.")
}

func runVersion(_ context.Context, e *cmdEnv, _ []string) error {
	fmt.Fprintln(e.stdout, "clubcrm", version)
	return nil
}
