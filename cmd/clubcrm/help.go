package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// errHelpShown is returned by a command that printed its help because it was
// asked to: run turns it into success (exit status 0).
var errHelpShown = errors.New("help shown")

// isHelpFlag reports whether arg asks for help, as the flag package
// understands it.
func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "--h"
}

// parseFlags parses a command's flags. -h or --help prints the command's
// help (usage line and every flag with its meaning) to stdout and returns
// errHelpShown; any other mistake is a usage error naming the command and
// its usage line. The command's name is the flag set's name.
func (e *cmdEnv) parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	name := fs.Name()
	c, ok := commands()[name]
	if !ok { // "report general": the command is its first word
		name, _, _ = strings.Cut(name, " ")
		c = commands()[name]
	}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(e.stdout, name, c, fs)
		return errHelpShown
	}
	if err != nil {
		return usagef("%s: %v (usage: clubcrm %s)", fs.Name(), err, c.usage)
	}
	return nil
}

// printCommandHelp prints one command's help: what it does, its usage line
// and its flags with their meanings and defaults.
func printCommandHelp(w io.Writer, name string, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "clubcrm %s: %s\n\nUsage: clubcrm %s\n", name, c.summary, c.usage)
	n := 0
	if fs != nil {
		fs.VisitAll(func(*flag.Flag) { n++ })
	}
	if n == 0 {
		fmt.Fprintln(w, "\nNo flags.")
		fmt.Fprintln(w, "\nConfiguration comes from the environment; see README.md.")
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprintln(w, "\nConfiguration comes from the environment; see README.md.")
}

// subcommands returns the two-word commands whose first word is group.
func subcommands(cmds map[string]command, group string) []string {
	var out []string
	for n := range cmds {
		if first, _, ok := strings.Cut(n, " "); ok && first == group {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// groupUsage answers "clubcrm club" and friends: with --help (or as `clubcrm
// help club`) the group's commands and exit 0; bare or with an unknown
// subcommand, a usage error that names them.
func groupUsage(e *cmdEnv, group string, subs []string, help bool, rest []string) error {
	cmds := commands()
	if help {
		fmt.Fprintf(e.stdout, "Usage: clubcrm %s COMMAND [flags]\n\nCommands:\n", group)
		for _, n := range subs {
			fmt.Fprintf(e.stdout, "  %-18s %s\n", n, cmds[n].summary)
		}
		fmt.Fprintf(e.stdout, "\nSee `clubcrm help %s` for one command's flags.\n", subs[0])
		return nil
	}
	if len(rest) > 0 {
		return usagef("unknown command %q (%s are: %s)", group+" "+rest[0], group, strings.Join(subs, ", "))
	}
	return usagef("%s needs a command: %s (try `clubcrm help %s`)", group, strings.Join(subs, ", "), group)
}
