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
