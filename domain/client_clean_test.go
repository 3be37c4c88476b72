package domain

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestCleanClient(t *testing.T) {
	t.Parallel()
	phones := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("+3806609802%02d", i)
		}
		return out
	}
	cases := []struct {
		name string
		in   Client
		want Client // when code is ""
		code Code
	}{
		{name: "trims text and drops repeats, keeping order",
			in: Client{Name: "  Olena ", Email: " o@example.com ", Notes: " hi \n", Status: ClientTrial,
				Phones: []string{"+380660980205", " +380660980205", "", "+380660980206"}, Groups: []string{"Yoga", " ", "Yoga ", "Dance"}},
			want: Client{Name: "Olena", Email: "o@example.com", Notes: "hi", Status: ClientTrial,
				Phones: []string{"+380660980205", "+380660980206"}, Groups: []string{"Yoga", "Dance"}}},
		{name: "no groups is an empty list, not nil",
			in:   Client{Name: "Olena", Phones: []string{"+380660980205"}},
			want: Client{Name: "Olena", Phones: []string{"+380660980205"}, Groups: []string{}}},
		{name: "most phones allowed", in: Client{Name: "Olena", Phones: phones(MaxClientPhones)},
			want: Client{Name: "Olena", Phones: phones(MaxClientPhones), Groups: []string{}}},
		{name: "repeats do not count towards the limit", in: Client{Name: "Olena", Phones: append(phones(MaxClientPhones), phones(3)...)},
			want: Client{Name: "Olena", Phones: phones(MaxClientPhones), Groups: []string{}}},
		{name: "Validate runs", in: Client{Name: " ", Phones: []string{"+380660980205"}}, code: "client_name_required"},
		{name: "Validate before the phone count", in: Client{Name: "Olena", Email: "o@"}, code: "email_invalid"},
		{name: "no phone", in: Client{Name: "Olena", Phones: []string{" "}}, code: "client_phone_required"},
		{name: "too many phones", in: Client{Name: "Olena", Phones: phones(MaxClientPhones + 1)}, code: "client_phones_too_many"},
	}
	for _, c := range cases {
		got, err := CleanClient(c.in)
		if c.code == "" {
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: got %+v, %v; want %+v", c.name, got, err, c.want)
			}
			continue
		}
		var de *Error
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &de) || de.Code != c.code {
			t.Errorf("%s: got %v, want code %s", c.name, err, c.code)
		}
	}
}
