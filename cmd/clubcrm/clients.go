package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clientcsv"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

const clientsImportUsage = "clients import [--club ID] FILE.csv"

// runClientsImport is `clubcrm clients import [--club ID] FILE.csv`. Good rows
// are imported (a client already present by phone is updated, never
// duplicated); each bad row is printed as FILE:LINE: message on stderr and
// does not stop the others, so the command succeeds when some rows landed.
// It fails, writing nothing, when the file cannot be read as client CSV, when
// the database fails, and when the file has data rows but none of them could
// be imported: a script running it must not take a file of bad rows for a
// successful import.
func runClientsImport(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("clients import", flag.ContinueOnError)
	clubID := fs.Int64("club", 0, "the club's id; may be left out when the database has one club")
	// Flags may come before or after the file, as people type them.
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("clients import needs a CSV file (usage: clubcrm %s)", clientsImportUsage)
	}
	path := fs.Arg(0)
	if err := e.parseFlags(fs, fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("clients import takes one CSV file (usage: clubcrm %s)", clientsImportUsage)
	}
	if *clubID < 0 {
		return usagef("clients import: --club must be a club id (usage: clubcrm %s)", clientsImportUsage)
	}

	f, err := openRegularFile(path)
	if err != nil {
		return fmt.Errorf("clients import: %w", err)
	}
	defer f.Close()
	// Refused before anything is read; clientcsv enforces the same bound
	// while reading, for a file that grows meanwhile.
	if st, err := f.Stat(); err == nil && st.Size() > clientcsv.MaxFileBytes {
		return fmt.Errorf("clients import: %s: the file is larger than %d MB; split it into smaller files; nothing was imported", path, clientcsv.MaxFileBytes>>20)
	}

	db, err := openAdminDB(ctx, e, "clients import")
	if err != nil {
		return err
	}
	defer db.Close()
	club, err := importClub(ctx, db, *clubID)
	if err != nil {
		return err
	}

	res, err := clientcsv.Parse(f, club.PhoneCode)
	var re *clientcsv.RowError
	if errors.As(err, &re) {
		return fmt.Errorf("clients import: %s:%d: %s; nothing was imported", path, re.Line, re.Message)
	}
	var le *clientcsv.LimitError
	if errors.As(err, &le) && le.Line > 0 {
		return fmt.Errorf("clients import: %s:%d: %s; nothing was imported", path, le.Line, le.Message)
	}
	if errors.As(err, &le) {
		return fmt.Errorf("clients import: %s: %s; nothing was imported", path, le.Message)
	}
	if err != nil {
		return fmt.Errorf("clients import: %s: %w", path, err)
	}
	rows := make([]domain.Client, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = r.Client
		rows[i].ClubID = club.ID
	}
	st, err := db.ClientImport(ctx, club.ID, rows)
	if err != nil {
		// The store's error says what failed, not that it was an import.
		return fmt.Errorf("clients import: %s: %w; nothing was imported", path, err)
	}

	bad := res.Errors
	for _, s := range st.Skipped {
		bad = append(bad, clientcsv.RowError{Line: res.Rows[s.Index].Line, Message: s.Message})
	}
	sort.SliceStable(bad, func(i, j int) bool { return bad[i].Line < bad[j].Line })
	for i, b := range bad {
		if i == maxBadRowLines {
			fmt.Fprintf(e.stderr, "%s: and %d more rows with errors\n", path, len(bad)-maxBadRowLines)
			break
		}
		fmt.Fprintf(e.stderr, "%s:%d: %s\n", path, b.Line, b.Message)
	}
	if data := len(res.Rows) + len(res.Errors); data > 0 && st.Inserted+st.Updated+st.Unchanged == 0 {
		return fmt.Errorf("clients import: %s: none of the %d data rows could be imported; nothing was written", path, data)
	}
	fmt.Fprintf(e.stdout, "imported %d new, updated %d, unchanged %d, %d rows with errors\n", st.Inserted, st.Updated, st.Unchanged, len(bad))
	return nil
}

// maxBadRowLines is how many bad rows are printed one per line; the rest
// are counted. A file of a hundred thousand bad rows (the wrong column
// order, say) needs the first few to be understood, not all of them.
const maxBadRowLines = 20

// importClub finds the club to import into: the one named by --club, or the
// only club of the database.
func importClub(ctx context.Context, db *postgres.DB, id int64) (domain.Club, error) {
	if id != 0 {
		return commandClub(ctx, db, "clients import", id)
	}
	clubs, err := db.ClubList(ctx)
	if err != nil {
		return domain.Club{}, fmt.Errorf("clients import: %w", err)
	}
	switch len(clubs) {
	case 1:
		return clubs[0], nil
	case 0:
		return domain.Club{}, errors.New("clients import: the database has no club yet; create one with `clubcrm club apply PLAN.yaml`")
	default:
		return domain.Club{}, usagef("clients import: the database has %d clubs; choose one with --club ID (usage: clubcrm %s)", len(clubs), clientsImportUsage)
	}
}

// commandClub looks a club up for an admin command, turning "not found" into
// one clear line.
func commandClub(ctx context.Context, db *postgres.DB, cmd string, id int64) (domain.Club, error) {
	club, err := db.ClubGet(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Club{}, fmt.Errorf("%s: there is no club with id %d", cmd, id)
	}
	if err != nil {
		return domain.Club{}, fmt.Errorf("%s: %w", cmd, err)
	}
	return club, nil
}

// openRegularFile opens a file for reading, refusing directories and
// devices, whose reads would fail or never end.
func openRegularFile(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return f, nil
}
