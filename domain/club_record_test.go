package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestClubValidateRecord(t *testing.T) {
	t.Parallel()
	good := Club{Slug: "studio-1", Name: "Студия", TimeZone: "Europe/Kyiv", Language: LangUK, DigestHour: 9, PhoneCode: "380"}
	cases := []struct {
		name   string
		mutate func(*Club)
		code   Code // "" for accepted
	}{
		{"good", func(c *Club) {}, ""},
		{"longest slug", func(c *Club) { c.Slug = strings.Repeat("a", 63) }, ""},
		{"longest name", func(c *Club) { c.Name = strings.Repeat("я", MaxClubNameLen) }, ""},
		{"no phone code", func(c *Club) { c.PhoneCode = "" }, ""},
		{"empty slug", func(c *Club) { c.Slug = "" }, "club_slug_invalid"},
		{"slug too long", func(c *Club) { c.Slug = strings.Repeat("a", 64) }, "club_slug_invalid"},
		{"slug upper case", func(c *Club) { c.Slug = "Studio" }, "club_slug_invalid"},
		{"slug starts with a dash", func(c *Club) { c.Slug = "-studio" }, "club_slug_invalid"},
		{"bad slug wins over a bad name", func(c *Club) { c.Slug, c.Name = "", "" }, "club_slug_invalid"},
		{"Validate runs", func(c *Club) { c.Name = " " }, "club_name_required"},
		{"Validate before the name's length", func(c *Club) { c.Name, c.Language = strings.Repeat("я", MaxClubNameLen+1), "de" }, "language_invalid"},
		{"name too long", func(c *Club) { c.Name = strings.Repeat("я", MaxClubNameLen+1) }, "club_name_invalid"},
		{"name not UTF-8", func(c *Club) { c.Name = "Stu\xffdio" }, "club_name_invalid"},
		{"name with NUL", func(c *Club) { c.Name = "Stu\x00dio" }, "club_name_invalid"},
		{"phone code too long", func(c *Club) { c.PhoneCode = "38012" }, "phone_code_invalid"},
		{"phone code not digits", func(c *Club) { c.PhoneCode = "+380" }, "phone_code_invalid"},
	}
	for _, c := range cases {
		club := good
		c.mutate(&club)
		err := club.ValidateRecord()
		if c.code == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var de *Error
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &de) || de.Code != c.code {
			t.Errorf("%s: got %v, want code %s", c.name, err, c.code)
		}
	}
}
