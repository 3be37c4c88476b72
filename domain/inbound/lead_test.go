package inbound

import (
	"net/url"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
)

func TestLeadNormalize(t *testing.T) {
	t.Parallel()
	l, err := Lead{Name: " Олена ", Phone: "066 098-02-05", UTM: map[string]string{"utm_source": "fb"}}.Normalize("380")
	if err != nil || l.Phone != "+380660980205" || l.Name != "Олена" {
		t.Fatalf("Normalize: %+v %v", l, err)
	}
	if l, err := (Lead{Phone: "+380660980205"}).Normalize("380"); err != nil || l.Name != "+380660980205" {
		t.Errorf("a lead without a name is named by its phone: %+v %v", l, err)
	}
	for _, c := range []struct {
		lead Lead
		code domain.Code
	}{
		{Lead{Name: "X"}, "phone_required"},
		{Lead{Phone: "call me"}, "phone_invalid"},
		{Lead{Phone: "0660980205", Email: "nope"}, "email_invalid"},
		{Lead{Phone: "0660980205", UTM: map[string]string{"utm_x": "1"}}, "utm_unknown"},
		{Lead{Phone: "0660980205", Comment: strings.Repeat("a", MaxCommentLen+1)}, "too_long"},
		{Lead{Phone: "0660980205", Source: "a\x00b"}, "text_invalid"},
	} {
		if _, err := c.lead.Normalize("380"); domain.ErrorCode(err) != c.code {
			t.Errorf("%+v: %v, want %s", c.lead, err, c.code)
		}
	}
}

func TestLeadFromForm(t *testing.T) {
	t.Parallel()
	// A Tilda webhook post: fields as the form names them, its tranid, UTM
	// fields, and a question of the form's own.
	v, _ := url.ParseQuery("Name=%D0%9E%D0%BB%D0%B5%D0%BD%D0%B0&Phone=%2B380660980205&Email=o%40example.com&tranid=7412345%3A123&formid=form1&utm_source=ig&Age=7")
	l, idem := LeadFromForm(v)
	if l.Name != "Олена" || l.Phone != "+380660980205" || l.Email != "o@example.com" || l.UTM["utm_source"] != "ig" ||
		l.Comment != "Age: 7" || idem != "tilda:7412345:123" {
		t.Fatalf("LeadFromForm: %+v %q", l, idem)
	}
	if !IsTildaTest(url.Values{"test": {"test"}}) || IsTildaTest(v) {
		t.Error("IsTildaTest")
	}
}
