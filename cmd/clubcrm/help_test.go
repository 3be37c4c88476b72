package main

import (
	"errors"
	"strings"
	"testing"
)

// Every command answers --help, -h and `clubcrm help CMD` with its usage and
// every flag with its meaning, on stdout, exit status 0, touching nothing
// (no environment is given, so a command that went on would fail).
func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	for name, c := range commands() {
		words := strings.Fields(name)
		for _, args := range [][]string{
			append(append([]string{}, words...), "--help"),
			append(append([]string{}, words...), "-h"),
			append([]string{"help"}, words...),
		} {
			out, errOut, err := runCmd(t, nil, args...)
			if err != nil || errOut != "" {
				t.Errorf("%q: %v %q", args, err, errOut)
				continue
			}
			if !strings.Contains(out, "Usage: clubcrm "+c.usage) || !strings.Contains(out, c.summary) {
				t.Errorf("%q: no usage line or summary:\n%s", args, out)
			}
			if !c.noFlags && name != "club list" && !strings.Contains(out, "Flags:\n") {
				t.Errorf("%q: no flags listed:\n%s", args, out)
			}
		}
	}
	out, _, _ := runCmd(t, nil, "help", "staff", "deactivate")
	for _, want := range []string{"-club ID", "-reassign-to ID", "left out, the tasks stay unassigned", "-staff ID"} {
		if !strings.Contains(out, want) {
			t.Errorf("staff deactivate help lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = runCmd(t, nil, "report", "--help")
	for _, want := range []string{"-format string", "text, csv, xlsx or json", "-out string"} {
		if !strings.Contains(out, want) {
			t.Errorf("report help lacks %q:\n%s", want, out)
		}
	}
	// A flag after the file still asks for help.
	if out, _, err := runCmd(t, nil, "clients", "import", "x.csv", "--help"); err != nil || !strings.Contains(out, "-club int") {
		t.Errorf("clients import FILE --help: %v\n%s", err, out)
	}
}

func TestCommandGroupsAndStrayArguments(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"club", "--help"}, {"help", "club"}, {"club", "-h"}} {
		out, _, err := runCmd(t, nil, args...)
		if err != nil || !strings.Contains(out, "club apply") || !strings.Contains(out, "club list") {
			t.Errorf("%q: %v\n%s", args, err, out)
		}
	}
	var ue usageError
	for args, want := range map[string]string{
		"club":              "club needs a command: club apply, club list",
		"club frob":         `unknown command "club frob"`,
		"staff":             "staff deactivate, staff invite, staff list",
		"version extra":     `version takes no arguments, got "extra"`,
		"version --verbose": `version takes no arguments, got "--verbose"`,
		"serve now":         `serve takes no arguments`,
		"help frobnicate":   `unknown command "frobnicate"`,
	} {
		_, _, err := runCmd(t, nil, strings.Fields(args)...)
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want a usage error with %q", args, err, want)
		}
	}
}
