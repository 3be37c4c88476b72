package telegramtest

import (
	"strings"
	"testing"
)

func TestRenderHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, err string
	}{
		{in: "plain", want: "plain"},
		{in: `<b>Bold</b> <a href="https://x.org/?a=1&amp;b=2">link</a>`, want: "Bold link"},
		{in: "&lt;tag&gt; &amp; &quot;q&quot; &#1046; &#x416;", want: `<tag> & "q" Ж Ж`},
		{in: "AT&T; R&D", want: "AT&T; R&D"},
		{in: "<pre><code class=\"language-go\">x</code></pre>", want: "x"},
		{in: `<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>`, want: "st"},
		{in: "Ann <VIP>", err: `Unsupported start tag "vip"`},
		{in: "a <br/> b", err: `Unsupported start tag "br"`},
		{in: "<b>open", err: `Can't find end tag corresponding to start tag "b"`},
		{in: "<b><i>x</b></i>", err: "Unmatched end tag"},
		{in: "x</b>", err: "Unexpected end tag"},
		{in: "a < b", err: "Unclosed start tag"},
		{in: "<>", err: `Unsupported start tag ""`},
	}
	for _, tt := range tests {
		got, err := renderHTML(tt.in)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("renderHTML(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("renderHTML(%q) error = %v, want %q", tt.in, err, tt.err)
		}
	}
}
