// Package clientcsv reads a club's client list from a CSV file, as clubs
// export it from a spreadsheet or another CRM: UTF-8 (with or without a byte
// order mark), a header row naming the columns name, phone, email, status and
// groups in any order (English, Russian or Ukrainian names), separated by
// commas or semicolons.
//
// Every data row becomes either a client ready to store (phones normalised to
// E.164 with the club's country code, validated by domain.Client.Validate) or
// a RowError naming its line, so one bad row never stops the others. The
// phone is a client's identity: a row without one is an error, and when two
// rows share a phone the later one wins.
//
// The package does no I/O of its own beyond reading the io.Reader it is given.
package clientcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
)

// Limits on one row, beyond domain.Client.Validate's.
const (
	MaxPhones = 10 // phones one client row may list
	MaxGroups = 50 // groups one client row may list
)

// Row is a good data row.
type Row struct {
	Line   int // 1-based line in the file where the row starts
	Client domain.Client
}

// RowError is a row that cannot be imported, or a header that makes the
// whole file unreadable (then Line is the header's line).
type RowError struct {
	Line    int
	Message string
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

// Reader reads client rows one at a time, so a large file is never held in
// memory as text.
type Reader struct {
	csv       *csv.Reader
	cols      []column
	phoneCode string
}

// headerPeek is how much of the file is looked at to choose the delimiter.
const headerPeek = 64 << 10

var bom = []byte{0xEF, 0xBB, 0xBF}

// NewReader reads and checks the header. phoneCode is the club's country
// calling code (digits, e.g. "380") for numbers written without one. A file
// that is empty, not UTF-8 or has a bad header is a *RowError for its header
// line; an error from r is returned wrapped.
func NewReader(r io.Reader, phoneCode string) (*Reader, error) {
	return newReader(r, phoneCode, MaxFileBytes)
}

func newReader(r io.Reader, phoneCode string, maxBytes int64) (*Reader, error) {
	br := bufio.NewReaderSize(newLimitReader(r, maxBytes), headerPeek)
	if b, _ := br.Peek(len(bom)); bytes.Equal(b, bom) {
		_, _ = br.Discard(len(bom)) // the bytes are buffered: Discard cannot fail
	}
	head, err := br.Peek(headerPeek)
	var le *LimitError
	if errors.As(err, &le) && len(head) == 0 {
		return nil, le
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) && !errors.As(err, &le) {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	cr := csv.NewReader(br)
	cr.Comma = detectComma(head)
	cr.FieldsPerRecord = -1 // rows are checked against the header here, with a clearer message
	cr.ReuseRecord = true

	header, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return nil, &RowError{Line: 1, Message: "the file is empty; it needs a header row: name, phone, email, status, groups"}
	case errors.As(err, &le):
		return nil, le
	case errors.As(err, &pe):
		return nil, &RowError{Line: pe.StartLine, Message: "the header is not valid CSV: " + pe.Err.Error()}
	case err != nil:
		return nil, fmt.Errorf("read csv: %w", err)
	}
	line, _ := cr.FieldPos(0)
	for _, cell := range header {
		if !utf8.ValidString(cell) {
			return nil, &RowError{Line: line, Message: "the file is not UTF-8 text; save it as \"CSV UTF-8\""}
		}
	}
	cols, err := parseHeader(header)
	if err != nil {
		return nil, &RowError{Line: line, Message: err.Error()}
	}
	return &Reader{csv: cr, cols: cols, phoneCode: phoneCode}, nil
}

// detectComma picks the delimiter from the first line: a semicolon when it
// has more semicolons than commas outside quotes (spreadsheets in locales
// with a decimal comma write those), else a comma.
func detectComma(head []byte) rune {
	commas, semis := 0, 0
	quoted := false
	for _, b := range head {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case b == ',':
			commas++
		case b == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// Read returns the next data row. A row that cannot be imported is a
// *RowError: report it and call Read again. io.EOF ends the file; a
// *LimitError is a file too large or a line too long, which cannot be read
// on; any other error is a read failure. Rows whose cells are all empty are skipped.
func (r *Reader) Read() (Row, error) {
	for {
		rec, err := r.csv.Read()
		if errors.Is(err, io.EOF) {
			return Row{}, io.EOF
		}
		var pe *csv.ParseError
		var le *LimitError
		if errors.As(err, &le) {
			return Row{}, le // the file cannot be read on: see Parse
		}
		if errors.As(err, &pe) {
			return Row{}, &RowError{Line: pe.StartLine, Message: "not valid CSV: " + pe.Err.Error()}
		}
		if err != nil {
			return Row{}, fmt.Errorf("read csv: %w", err)
		}
		line, _ := r.csv.FieldPos(0)
		if blank(rec) {
			continue
		}
		c, err := r.client(rec)
		if err != nil {
			return Row{}, &RowError{Line: line, Message: err.Error()}
		}
		return Row{Line: line, Client: c}, nil
	}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// client turns one record into a validated client.
func (r *Reader) client(rec []string) (domain.Client, error) {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return domain.Client{}, errors.New("the row is not valid UTF-8 text; save the file as \"CSV UTF-8\"")
		}
	}
	if len(rec) > len(r.cols) && !blank(rec[len(r.cols):]) {
		return domain.Client{}, fmt.Errorf("the row has %d fields, the header has %d", len(rec), len(r.cols))
	}
	var c domain.Client
	for i, col := range r.cols {
		if i >= len(rec) {
			break
		}
		v := strings.TrimSpace(rec[i])
		switch col {
		case colName:
			c.Name = v
		case colPhone:
			phones, err := parsePhones(v, r.phoneCode)
			if err != nil {
				return domain.Client{}, err
			}
			c.Phones = phones
		case colEmail:
			c.Email = v
		case colStatus:
			// An empty status stays empty: a new client becomes a lead, an
			// existing one keeps the status it has.
			if v != "" {
				st, err := domain.ParseClientStatus(v)
				if err != nil {
					return domain.Client{}, err
				}
				c.Status = st
			}
		case colGroups:
			groups, err := parseGroups(v)
			if err != nil {
				return domain.Client{}, err
			}
			c.Groups = groups
		}
	}
	if len(c.Phones) == 0 {
		if c.Name == "" {
			return domain.Client{}, errors.New("name and phone are empty")
		}
		return domain.Client{}, fmt.Errorf("client %q has no phone; a phone is required", c.Name)
	}
	if err := c.Validate(); err != nil {
		return domain.Client{}, err
	}
	return c, nil
}

// parsePhones splits a phone cell ("+380 66 098 02 05, 067 111 22 33") and
// normalises each number, dropping repeats.
func parsePhones(cell, code string) ([]string, error) {
	parts := strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == ';' || r == '\n' })
	var phones []string
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			continue
		}
		e164, err := domain.NormalizePhone(p, code)
		if err != nil {
			return nil, err
		}
		if contains(phones, e164) {
			continue
		}
		if len(phones) == MaxPhones {
			return nil, fmt.Errorf("the row lists more than %d phones", MaxPhones)
		}
		phones = append(phones, e164)
	}
	return phones, nil
}

// parseGroups splits a groups cell on "|" or ";", trimming and dropping
// empty and repeated names.
func parseGroups(cell string) ([]string, error) {
	parts := strings.FieldsFunc(cell, func(r rune) bool { return r == '|' || r == ';' })
	var groups []string
	for _, g := range parts {
		g = strings.TrimSpace(g)
		if g == "" || contains(groups, g) {
			continue
		}
		if len(groups) == MaxGroups {
			return nil, fmt.Errorf("the row lists more than %d groups", MaxGroups)
		}
		groups = append(groups, g)
	}
	return groups, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Result is a whole file read: the rows to import, in file order, with
// phones unique across them, and the rows refused, by line.
type Result struct {
	Rows   []Row
	Errors []RowError
}

// Parse reads a whole file into memory, for small files and tests; the
// import command reads with a Reader, one row at a time, and
// postgres.ClientImportStream applies the same rule to repeated phones.
// When a phone appears on two rows the later row is kept and the earlier one
// is reported, so the file reads as "last word wins", like the re-import of
// an updated list. The error is non-nil only
// when the file cannot be read as client CSV at all (see NewReader) or
// breaks a limit (*LimitError).
func Parse(r io.Reader, phoneCode string) (Result, error) {
	return parse(r, phoneCode, MaxFileBytes)
}

func parse(r io.Reader, phoneCode string, maxBytes int64) (Result, error) {
	rd, err := newReader(r, phoneCode, maxBytes)
	if err != nil {
		return Result{}, err
	}
	var (
		res     Result
		dropped []bool
		owner   = make(map[string]int) // phone → index in res.Rows of the row that has it
	)
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			res.Errors = append(res.Errors, *re)
			continue
		}
		if err != nil {
			return Result{}, err
		}
		idx := len(res.Rows)
		for _, p := range row.Client.Phones {
			prev, ok := owner[p]
			if !ok {
				owner[p] = idx
				continue
			}
			// The earlier row loses as a whole; its other phones are free again.
			dropped[prev] = true
			earlier := res.Rows[prev]
			res.Errors = append(res.Errors, RowError{Line: earlier.Line,
				Message: fmt.Sprintf("phone %s appears again on line %d, which replaces this row", p, row.Line)})
			for _, q := range earlier.Client.Phones {
				if owner[q] == prev {
					delete(owner, q)
				}
			}
			owner[p] = idx
		}
		res.Rows = append(res.Rows, row)
		dropped = append(dropped, false)
	}
	kept := res.Rows[:0]
	for i, row := range res.Rows {
		if !dropped[i] {
			kept = append(kept, row)
		}
	}
	res.Rows = kept
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Line < res.Errors[j].Line })
	return res, nil
}
