package viber_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/bot/viber"
)

func TestPlainText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"<b>bold</b> <i>it</i> <u>u</u> <s>s</s>", "bold it u s"},
		{"<pre>a &lt; b</pre>", "a < b"},
		{`<a href="https://x.example/?a=1&amp;b=2">site</a>`, "site (https://x.example/?a=1&b=2)"},
		{`<a href='https://x.example'>https://x.example</a>`, "https://x.example"},
		{"&quot;q&quot; &#39;s&#39; &amp;", `"q" 's' &`},
		{"a < b", "a < b"}, // a lone '<' stays text
		{"<tg-spoiler>secret</tg-spoiler>", "secret"},
	} {
		if got := viber.PlainText(tc.in); got != tc.want {
			t.Errorf("PlainText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("word ", 30) + "\n" + strings.Repeat("x", 40)
	for _, tc := range []struct {
		name              string
		maxChars, maxByte int
	}{
		{"by characters", 50, 1 << 20},
		{"by bytes", 1 << 20, 60},
	} {
		pieces := viber.Split(text, tc.maxChars, tc.maxByte)
		if strings.Join(pieces, "") != text {
			t.Errorf("%s: pieces do not add up", tc.name)
		}
		for _, p := range pieces {
			if utf8.RuneCountInString(p) > tc.maxChars || len(p) > tc.maxByte {
				t.Errorf("%s: piece %q over the limit", tc.name, p)
			}
		}
		if len(pieces) < 2 || !strings.HasSuffix(pieces[0], " ") {
			t.Errorf("%s: %q: want pieces cut after a space", tc.name, pieces)
		}
	}
	// JSON escapes count: a quote takes two bytes.
	if got := viber.Split(strings.Repeat(`"`, 10), 100, 10); len(got) != 2 {
		t.Errorf("quotes split into %d pieces, want 2 of 5", len(got))
	}
	if got := viber.Split(" \n ", 100, 100); len(got) != 0 {
		t.Errorf("blank text gave %q", got)
	}
}
