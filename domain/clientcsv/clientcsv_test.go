package clientcsv_test

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clientcsv"
)

// want is a good row as the tests compare it.
type want struct {
	line   int
	name   string
	phones []string
	email  string
	status domain.ClientStatus
	groups []string
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		rows   []want
		errors map[int]string // line → a fragment of the message
	}{
		{
			name: "comma file with BOM and every column",
			in: "\uFEFFname,phone,email,status,groups\n" +
				"Anna Kovalenko,+380 66 098 02 05,anna@example.com,active,Yoga|Pilates\n" +
				"Ivan Petrenko,066 111 2233,,trial,\n",
			rows: []want{
				{line: 2, name: "Anna Kovalenko", phones: []string{"+380660980205"}, email: "anna@example.com", status: domain.ClientActive, groups: []string{"Yoga", "Pilates"}},
				{line: 3, name: "Ivan Petrenko", phones: []string{"+380661112233"}, status: domain.ClientTrial},
			},
		},
		{
			name: "semicolon file, columns in another order and case, CRLF",
			in: "Groups;PHONE;Name\r\n" +
				"\"Kids dance 5-7;Yoga\";(066) 098-02-05;Олена Шевченко\r\n",
			rows: []want{
				{line: 2, name: "Олена Шевченко", phones: []string{"+380660980205"}, groups: []string{"Kids dance 5-7", "Yoga"}},
			},
		},
		{
			name: "Russian header",
			in: "Имя;Телефон;Почта;Статус;Группы\n" +
				"Мария Иванова;0671234567;maria@example.com;lapsed;Йога\n",
			rows: []want{
				{line: 2, name: "Мария Иванова", phones: []string{"+380671234567"}, email: "maria@example.com", status: domain.ClientLapsed, groups: []string{"Йога"}},
			},
		},
		{
			name: "Ukrainian header with an apostrophe",
			in: "Ім’я,Телефони,Електронна пошта,Групи\n" +
				"Тарас Бондар,\"0501112233; +48 601 234 567\",taras@example.com,Бокс | Бокс | Плавання\n",
			rows: []want{
				{line: 2, name: "Тарас Бондар", phones: []string{"+380501112233", "+48601234567"}, email: "taras@example.com", groups: []string{"Бокс", "Плавання"}},
			},
		},
		{
			name: "several phones, repeats dropped, trailing empty header column",
			in: "name,phone,\n" +
				"Olha,\"066 098 02 05, +380660980205, 067 000 11 22\",\n",
			rows: []want{
				{line: 2, name: "Olha", phones: []string{"+380660980205", "+380670001122"}},
			},
		},
		{
			name: "blank lines and empty rows are skipped, lines still count",
			in: "name,phone\n\n,\n" +
				"Petro,0661112233\n" +
				"\"Multi\nline\",0661112234\n" +
				"Last,0661112235\n",
			rows: []want{
				{line: 4, name: "Petro", phones: []string{"+380661112233"}},
				{line: 5, name: "Multi\nline", phones: []string{"+380661112234"}},
				{line: 7, name: "Last", phones: []string{"+380661112235"}},
			},
		},
		{
			name: "fewer fields than the header is fine",
			in:   "name,phone,email,status\nShort,0661112233\n",
			rows: []want{{line: 2, name: "Short", phones: []string{"+380661112233"}}},
		},
		{
			name: "bad rows are reported by line and the rest kept",
			in: "name,phone,email,status,groups\n" +
				"No Phone,,,,\n" + // 2
				"Bad Phone,call me,,,\n" + // 3
				"Bad Mail,0661112233,not-an-email,,\n" + // 4
				"Bad Status,0661112234,,vip,\n" + // 5
				",0661112235,,,\n" + // 6
				"Too Many,0661112236,,,,extra\n" + // 7
				"Good,0661112237,,,\n" + // 8
				"Bare \"quote,0661112238\n" + // 9
				"After Quote,0661112239\n" + // 10
				strings.Repeat("x", domain.MaxNameLen+1) + ",0661112240\n" + // 11
				"Group Too Long,0661112241,,," + strings.Repeat("g", domain.MaxGroupLen+1) + "\n" + // 12
				"Many Phones,\"" + manyPhones(clientcsv.MaxPhones+1) + "\"\n" + // 13
				"Many Groups,0661112242,,,\"" + manyGroups(clientcsv.MaxGroups+1) + "\"\n" + // 14
				",,,,\n", // 15: empty, skipped
			rows: []want{
				{line: 8, name: "Good", phones: []string{"+380661112237"}},
				{line: 10, name: "After Quote", phones: []string{"+380661112239"}},
			},
			errors: map[int]string{
				2:  "has no phone",
				3:  "has characters other than digits",
				4:  "e-mail",
				5:  "client status",
				6:  "client name is required",
				7:  "has 6 fields, the header has 5",
				9:  "not valid CSV",
				11: "longer than 200",
				12: "longer than 100",
				13: "more than 10 phones",
				14: "more than 50 groups",
			},
		},
		{
			name: "invalid UTF-8 row",
			in:   "name,phone\nGood,0661112233\n\xcf\xe5\xf2\xf0\xee,0661112234\n",
			rows: []want{{line: 2, name: "Good", phones: []string{"+380661112233"}}},
			errors: map[int]string{
				3: "not valid UTF-8",
			},
		},
		{
			name: "a repeated phone: the later row wins, the earlier is reported",
			in: "name,phone\n" +
				"First,\"0661112233, 0661112299\"\n" + // 2: loses to line 4
				"Other,0671112233\n" + // 3
				"Second,+380661112233\n" + // 4: wins
				"Third,0671112233\n", // 5: beats line 3
			rows: []want{
				{line: 4, name: "Second", phones: []string{"+380661112233"}},
				{line: 5, name: "Third", phones: []string{"+380671112233"}},
			},
			errors: map[int]string{
				2: "appears again on line 4",
				3: "appears again on line 5",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := clientcsv.Parse(strings.NewReader(tt.in), "380")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var got []want
			for _, r := range res.Rows {
				got = append(got, want{line: r.Line, name: r.Client.Name, phones: r.Client.Phones,
					email: r.Client.Email, status: r.Client.Status, groups: r.Client.Groups})
			}
			if !reflect.DeepEqual(got, tt.rows) {
				t.Errorf("rows:\n got %+v\nwant %+v", got, tt.rows)
			}
			if len(res.Errors) != len(tt.errors) {
				t.Errorf("got %d errors, want %d: %+v", len(res.Errors), len(tt.errors), res.Errors)
			}
			for i, e := range res.Errors {
				if i > 0 && res.Errors[i-1].Line > e.Line {
					t.Errorf("errors not sorted by line: %+v", res.Errors)
				}
				frag, ok := tt.errors[e.Line]
				if !ok {
					t.Errorf("unexpected error on line %d: %s", e.Line, e.Message)
					continue
				}
				if !strings.Contains(e.Message, frag) {
					t.Errorf("line %d: message %q does not contain %q", e.Line, e.Message, frag)
				}
			}
		})
	}
}

// manyPhones lists n different phones in one cell.
func manyPhones(n int) string {
	phones := make([]string, n)
	for i := range phones {
		phones[i] = fmt.Sprintf("+38066111%04d", i)
	}
	return strings.Join(phones, ", ")
}

// manyGroups lists n different groups in one cell.
func manyGroups(n int) string {
	groups := make([]string, n)
	for i := range groups {
		groups[i] = fmt.Sprintf("Group %d", i)
	}
	return strings.Join(groups, " | ")
}

func TestParseHeaderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		line int
		frag string
	}{
		{"empty file", "", 1, "empty"},
		{"only a BOM", "\uFEFF", 1, "empty"},
		{"unknown column", "name,phone,birthday\n", 1, `unknown column "birthday"`},
		{"no phone column", "name,email\nA,a@example.com\n", 1, `no "phone" column`},
		{"no name column", "phone\n0661112233\n", 1, `no "name" column`},
		{"column twice", "name,phone,Имя\n", 1, `"name" appears twice`},
		{"not UTF-8 (Windows-1251 export)", "\xc8\xec\xff;\xd2\xe5\xeb\xe5\xf4\xee\xed\n", 1, "not UTF-8"},
		{"header after blank lines", "\n\nname,phone,fax\n", 3, `unknown column "fax"`},
		{"broken quote in header", "name,\"phone\n", 1, "not valid CSV"},
		{"binary junk", "\x00\x01\x02\x03,\xff\xfe\n", 1, "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := clientcsv.Parse(strings.NewReader(tt.in), "380")
			var re *clientcsv.RowError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a *RowError", err)
			}
			if re.Line != tt.line || !strings.Contains(re.Message, tt.frag) {
				t.Errorf("got line %d %q, want line %d containing %q", re.Line, re.Message, tt.line, tt.frag)
			}
		})
	}
}

func TestParseReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("name,phone\nA,0661112233\n"), iotest.ErrReader(boom))
	_, err := clientcsv.Parse(r, "380")
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the read error", err)
	}
	var re *clientcsv.RowError
	if errors.As(err, &re) {
		t.Fatalf("a read failure must not look like a bad row: %v", err)
	}
}

func TestPhoneCodeUsed(t *testing.T) {
	t.Parallel()
	res, err := clientcsv.Parse(strings.NewReader("name,phone\nИван,8 916 123-45-67\nNo code,1234567\n"), "7")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || res.Rows[0].Client.Phones[0] != "+79161234567" {
		t.Fatalf("rows: %+v errors: %+v", res.Rows, res.Errors)
	}
	// Without a club code a local number cannot be placed.
	res, err = clientcsv.Parse(strings.NewReader("name,phone\nA,066 098 02 05\nB,+380660980206\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "no country code") {
		t.Fatalf("rows: %+v errors: %+v", res.Rows, res.Errors)
	}
}

// TestReaderStreams checks the row-at-a-time API that Parse is built on.
func TestReaderStreams(t *testing.T) {
	t.Parallel()
	rd, err := clientcsv.NewReader(strings.NewReader("name;phone\nA;0661112233\nB;\nC;0661112234\n"), "380")
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	var bad []int
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *clientcsv.RowError
		if errors.As(err, &re) {
			bad = append(bad, re.Line)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, row.Line)
	}
	if !reflect.DeepEqual(lines, []int{2, 4}) || !reflect.DeepEqual(bad, []int{3}) {
		t.Fatalf("good lines %v, bad lines %v", lines, bad)
	}
}

// The limits hold while reading, whatever the reader: a line too long or a
// file too large stops Parse with a *LimitError naming the line.
func TestParseLimits(t *testing.T) {
	t.Parallel()
	long := "name,phone\nA,+380501111111\n\"" + strings.Repeat("x", clientcsv.MaxLineBytes+1) + "\",+380502222222\n"
	_, err := clientcsv.Parse(strings.NewReader(long), "380")
	var le *clientcsv.LimitError
	if !errors.As(err, &le) || le.Line != 3 {
		t.Fatalf("long line: %v", err)
	}
	// The file limit is lowered so as not to read a gigabyte.
	const maxBytes = 5 << 20
	big := io.MultiReader(strings.NewReader("name,phone\n"), strings.NewReader(strings.Repeat(",\n", maxBytes/2+1))) // blank rows: cheap to read
	_, err = clientcsv.ParseMax(big, "380", maxBytes)
	if !errors.As(err, &le) || le.Line != 0 {
		t.Fatalf("big file: %v", err)
	}
	if err.Error() != "the file is larger than 5 MB; split it into smaller files" {
		t.Fatalf("big file message %q", err)
	}
	if msg := clientcsv.TooLarge().Error(); msg != "the file is larger than 1 GB; split it into smaller files" {
		t.Fatalf("the real limit says %q", msg)
	}
}
