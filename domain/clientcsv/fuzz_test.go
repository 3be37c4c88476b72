package clientcsv_test

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clientcsv"
)

// FuzzParse feeds arbitrary bytes to the parser. Whatever the input, it must
// not panic, every row it accepts must be storable (valid client, at least one
// E.164 phone, phones unique across the file), and every refusal must name a
// line. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("name,phone,email,status,groups\nAnna,+380660980205,anna@example.com,active,Yoga|Pilates\n"), "380")
	f.Add([]byte("Имя;Телефон\nМария;8 916 123-45-67\n"), "7")
	f.Fuzz(func(t *testing.T, data []byte, code string) {
		res, err := clientcsv.Parse(bytes.NewReader(data), code)
		if err != nil {
			var re *clientcsv.RowError
			if !errors.As(err, &re) {
				t.Fatalf("a bytes.Reader cannot fail, yet: %v", err)
			}
			if re.Line < 1 || re.Message == "" {
				t.Fatalf("header error without line or message: %+v", re)
			}
			return
		}
		seen := make(map[string]bool)
		prevLine := 0
		for _, r := range res.Rows {
			if r.Line <= prevLine {
				t.Fatalf("row lines not increasing: %d after %d", r.Line, prevLine)
			}
			prevLine = r.Line
			c := r.Client
			if err := c.Validate(); err != nil {
				t.Fatalf("line %d: accepted an invalid client: %v", r.Line, err)
			}
			if len(c.Phones) == 0 || len(c.Phones) > clientcsv.MaxPhones {
				t.Fatalf("line %d: %d phones", r.Line, len(c.Phones))
			}
			for _, p := range c.Phones {
				if !domain.IsE164(p) || seen[p] {
					t.Fatalf("line %d: phone %q not E.164 or repeated", r.Line, p)
				}
				seen[p] = true
			}
			for _, s := range append([]string{c.Name, c.Email}, c.Groups...) {
				if !utf8.ValidString(s) {
					t.Fatalf("line %d: invalid UTF-8 accepted: %q", r.Line, s)
				}
			}
		}
		for _, e := range res.Errors {
			if e.Line < 2 || e.Message == "" {
				t.Fatalf("row error without line or message: %+v", e)
			}
		}
	})
}
