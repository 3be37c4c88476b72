package callback

import (
	"errors"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	s := New("tk", int64(9223372036854775807), "x")
	d, err := Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	if d.Action != "tk" {
		t.Fatalf("action %q", d.Action)
	}
	if n, err := d.Int(0); err != nil || n != 9223372036854775807 {
		t.Fatalf("int %d %v", n, err)
	}
	if s, err := d.Str(1); err != nil || s != "x" {
		t.Fatalf("str %q %v", s, err)
	}
	if _, err := d.Int(2); !errors.Is(err, ErrMalformed) {
		t.Fatalf("missing arg: %v", err)
	}
}

func TestDecodeBad(t *testing.T) {
	cases := map[string]error{
		"":                         ErrMalformed,
		"garbage":                  ErrMalformed,
		"v0|tk|1":                  ErrStale,
		"v2|tk|1":                  ErrStale,
		"v1|":                      ErrMalformed,
		strings.Repeat("v1|a", 20): ErrMalformed,
	}
	for in, want := range cases {
		if _, err := Decode(in); !errors.Is(err, want) {
			t.Errorf("Decode(%q) = %v, want %v", in, err, want)
		}
	}
	d, _ := Decode("v1|tk|-5|abc")
	if _, err := d.Int(0); !errors.Is(err, ErrMalformed) {
		t.Errorf("negative id accepted")
	}
	if _, err := d.Int(1); !errors.Is(err, ErrMalformed) {
		t.Errorf("non-numeric id accepted")
	}
}

func TestNewPanicsOverLimit(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for over-long data")
		}
	}()
	New("x", strings.Repeat("a", 70))
}

func TestWithClub(t *testing.T) {
	d := New("tk", 9)
	stamped := WithClub(d, 5)
	if stamped != "v1:5|tk|9" {
		t.Fatalf("WithClub = %q", stamped)
	}
	got, err := Decode(stamped)
	if err != nil || got.Action != "tk" || got.Club != 5 || len(got.Args) != 1 || got.Args[0] != "9" {
		t.Fatalf("Decode(%q) = %+v, %v", stamped, got, err)
	}
	if got, err := Decode(d); err != nil || got.Club != 0 {
		t.Fatalf("unstamped data names club %d (%v)", got.Club, err)
	}
	if WithClub(stamped, 6) != stamped {
		t.Fatal("a second stamp changed the club")
	}
	long := New("xx", strings.Repeat("a", 58))
	if WithClub(long, 123456) != long {
		t.Fatal("stamping past 64 bytes must leave the data as it was")
	}
	for _, bad := range []string{"v1:|tk|9", "v1:x|tk|9", "v1:-3|tk|9", "v1:0|tk|9", "v2:5|tk|9x"} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%q) accepted forged club data", bad)
		}
	}
}
