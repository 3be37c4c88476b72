package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, code, want string
	}{
		{"+38 (066) 098-02-05", "380", "+380660980205"},
		{"066 098 0205", "380", "+380660980205"},
		{"0660980205", "380", "+380660980205"},
		{"380660980205", "380", "+380660980205"},
		{"80660980205", "380", "+380660980205"},
		{"00380660980205", "380", "+380660980205"},
		{"8 916 123-45-67", "7", "+79161234567"},
		{"7 916 123 45 67", "7", "+79161234567"},
		{"9161234567", "7", "+79161234567"},
		{"+1 (212) 555-0123", "380", "+12125550123"},
		{"+44 20 7946 0958", "", "+442079460958"},
		{"030 1234567", "49", "+49301234567"},
	}
	for _, c := range cases {
		got, err := NormalizePhone(c.in, c.code)
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", c.in, c.code, got, err, c.want)
		}
	}
	bad := []struct{ in, code string }{
		{"", "380"}, {"   ", "380"}, {"abc", "380"}, {"+380 66 098 02 05 ext 3", "380"},
		{"066 098 0205", ""}, {"12", "380"}, {"+0123456789", ""}, {"+1234567890123456", ""},
		{"066+0980205", "380"}, {"٠٦٦٠٩٨٠٢٠٥", "380"},
	}
	for _, c := range bad {
		if got, err := NormalizePhone(c.in, c.code); !errors.Is(err, ErrInvalid) {
			t.Errorf("NormalizePhone(%q, %q) = %q, want an error", c.in, c.code, got)
		}
	}
}

func TestClientValidate(t *testing.T) {
	t.Parallel()
	good := Client{Name: "Олена Петренко", Phones: []string{"+380660980205"}, Email: "olena@example.com", Status: ClientTrial, Groups: []string{"Йога"}}
	if err := good.Validate(); err != nil {
		t.Fatalf("good client: %v", err)
	}
	cases := map[string]func(*Client){
		"no name":      func(c *Client) { c.Name = " " },
		"long name":    func(c *Client) { c.Name = strings.Repeat("я", MaxNameLen+1) },
		"bad email":    func(c *Client) { c.Email = "olena@" },
		"email spaces": func(c *Client) { c.Email = "o lena@example.com" },
		"email no dot": func(c *Client) { c.Email = "olena@localhost" },
		"bad status":   func(c *Client) { c.Status = "vip" },
		"raw phone":    func(c *Client) { c.Phones = []string{"0660980205"} },
		"long group":   func(c *Client) { c.Groups = []string{strings.Repeat("g", MaxGroupLen+1)} },
		"long notes":   func(c *Client) { c.Notes = strings.Repeat("n", MaxNotesLen+1) },
		"nul in name":  func(c *Client) { c.Name = "Ol\x00ena" },
		"nul in email": func(c *Client) { c.Email = "olena@example.com\x00" },
		"nul in notes": func(c *Client) { c.Notes = "\x00" },
		"nul in group": func(c *Client) { c.Groups = []string{"Yoga\x00"} },
	}
	for name, mutate := range cases {
		c := good
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s accepted: %v", name, err)
		}
	}
}

func TestClubValidate(t *testing.T) {
	t.Parallel()
	good := Club{Name: "Студия", TimeZone: "Europe/Kyiv", Language: LangUK, DigestHour: 9, PhoneCode: "380"}
	if err := good.Validate(); err != nil {
		t.Fatalf("good club: %v", err)
	}
	cases := map[string]func(*Club){
		"no name":       func(c *Club) { c.Name = "" },
		"unknown zone":  func(c *Club) { c.TimeZone = "Mars/Olympus" },
		"Local zone":    func(c *Club) { c.TimeZone = "Local" },
		"empty zone":    func(c *Club) { c.TimeZone = "" },
		"language":      func(c *Club) { c.Language = "de" },
		"language case": func(c *Club) { c.Language = "RU" },
		"hour 24":       func(c *Club) { c.DigestHour = 24 },
		"hour -1":       func(c *Club) { c.DigestHour = -1 },
		"phone code":    func(c *Club) { c.PhoneCode = "+380" },
	}
	for name, mutate := range cases {
		c := good
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s accepted: %v", name, err)
		}
	}
	for code, want := range map[string]Language{"uk-UA": LangUK, "ru": LangRU, "EN_gb": LangEN} {
		if got, ok := ParseLanguage(code); !ok || got != want {
			t.Errorf("ParseLanguage(%q) = %q, %v", code, got, ok)
		}
	}
	if _, ok := ParseLanguage("de"); ok {
		t.Error("ParseLanguage(de) accepted")
	}
}
