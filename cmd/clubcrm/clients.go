package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
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
		return fmt.Errorf("clients import: %s: %s; nothing was imported", path, clientcsv.TooLarge().Message)
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

	rd, err := clientcsv.NewReader(f, club.PhoneCode)
	if err != nil {
		return importFileError(path, err)
	}
	// The file is read as the store copies it: one row in memory at a
	// time, and of the bad rows only the first few.
	var bad badRows
	good, refused := 0, 0 // rows handed to the store, rows the reader refused
	st, err := db.ClientImportStream(ctx, club.ID, func() (postgres.ImportRow, error) {
		for {
			row, err := rd.Read()
			var re *clientcsv.RowError
			if errors.As(err, &re) {
				bad.add(*re)
				refused++
				continue
			}
			if err != nil {
				return postgres.ImportRow{}, err // io.EOF, a limit or a read error
			}
			good++
			row.Client.ClubID = club.ID
			return postgres.ImportRow{Line: row.Line, Client: row.Client}, nil
		}
	})
	if err != nil {
		return importFileError(path, err)
	}

	for _, s := range st.Skipped {
		bad.add(clientcsv.RowError{Line: s.Line, Message: s.Message})
	}
	bad.count += st.SkippedCount - len(st.Skipped)
	bad.print(e.stderr, path)
	if data := good + refused; data > 0 && st.Inserted+st.Updated+st.Unchanged == 0 {
		return fmt.Errorf("clients import: %s: none of the %d data rows could be imported; nothing was written", path, data)
	}
	fmt.Fprintf(e.stdout, "imported %d new, updated %d, unchanged %d, %d rows with errors\n", st.Inserted, st.Updated, st.Unchanged, bad.count)
	return nil
}

// importFileError is the one line of an import that failed as a whole: a
// file that cannot be read as client CSV or breaks a limit names the line;
// the store's error says what failed, not that it was an import.
func importFileError(path string, err error) error {
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
	return fmt.Errorf("clients import: %s: %w; nothing was imported", path, err)
}

// badRows keeps the first maxBadRowLines bad rows of a file, by line, and
// counts them all, so a file of a million bad rows is not held in memory.
type badRows struct {
	first []clientcsv.RowError // sorted by line, at most maxBadRowLines
	count int                  // every bad row
}

func (b *badRows) add(r clientcsv.RowError) {
	b.count++
	i := sort.Search(len(b.first), func(i int) bool { return b.first[i].Line > r.Line })
	if i == maxBadRowLines {
		return
	}
	b.first = slices.Insert(b.first, i, r)
	if len(b.first) > maxBadRowLines {
		b.first = b.first[:maxBadRowLines]
	}
}

// print writes the first bad rows as FILE:LINE: message, then how many more.
func (b *badRows) print(w io.Writer, path string) {
	for _, r := range b.first {
		fmt.Fprintf(w, "%s:%d: %s\n", path, r.Line, r.Message)
	}
	if more := b.count - len(b.first); more > 0 {
		fmt.Fprintf(w, "%s: and %d more rows with errors\n", path, more)
	}
}

// maxBadRowLines is how many bad rows are printed one per line; the rest
// are counted. A file of a hundred thousand bad rows (the wrong column
// order, say) needs the first few to be understood, not all of them. The
// store describes more of the rows it leaves out (postgres.ImportSkipsKept),
// so the first lines of the file are the ones printed.
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
