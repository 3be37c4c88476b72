package telegram

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// cyrillicText builds n characters of Russian prose in lines and paragraphs.
func cyrillicText(n int) string {
	words := []string{"клиент", "перезвонить", "абонемент", "тренировка", "продление", "завтра", "ёжик"}
	var b strings.Builder
	for i := 0; utf8.RuneCountInString(b.String()) < n; i++ {
		b.WriteString(words[i%len(words)])
		switch {
		case i%37 == 36:
			b.WriteString("\n\n")
		case i%9 == 8:
			b.WriteString("\n")
		default:
			b.WriteString(" ")
		}
	}
	return string([]rune(b.String())[:n])
}

func TestSplitTextCyrillic(t *testing.T) {
	t.Parallel()
	in := cyrillicText(10_000)
	pieces := SplitText(in, MaxMessageLen)
	if len(pieces) != 3 {
		t.Errorf("%d pieces, want 3", len(pieces))
	}
	for i, p := range pieces {
		if n := UTF16Len(p); n > MaxMessageLen {
			t.Errorf("piece %d is %d long", i, n)
		}
		if !utf8.ValidString(p) {
			t.Errorf("piece %d is not valid UTF-8: a character was cut", i)
		}
		if i < len(pieces)-1 && !strings.HasSuffix(p, "\n") {
			t.Errorf("piece %d ends %q, want a line break", i, p[len(p)-10:])
		}
	}
	if strings.Join(pieces, "") != in {
		t.Error("pieces do not join back into the input")
	}
}

func TestSplitText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"within the limit", "short text", 20, []string{"short text"}},
		{"empty", "", 20, []string{""}},
		{"paragraph over line", "aaaa\n\nbbbb\ncc", 11, []string{"aaaa\n\n", "bbbb\ncc"}},
		{"line over space", "aaaa bb\ncc dd", 10, []string{"aaaa bb\n", "cc dd"}},
		{"space", "aaaa bbbb cccc", 10, []string{"aaaa bbbb ", "cccc"}},
		{"separator too early: hard cut", "a bbbbbbbbbbbbbb", 8, []string{"a bbbbbb", "bbbbbbbb"}},
		{"no separator: hard cut", "жжжжжжжжжж", 4, []string{"жжжж", "жжжж", "жж"}},
		{"emoji are two units, never halved", "😀😀😀", 5, []string{"😀😀", "😀"}},
		{"invalid UTF-8 kept", "ab\xffcd", 3, []string{"ab\xff", "cd"}},
	}
	for _, tt := range tests {
		got := SplitText(tt.in, tt.limit)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("%s: SplitText(%q, %d) = %q, want %q", tt.name, tt.in, tt.limit, got, tt.want)
		}
	}
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// visible is what Telegram shows for HTML: tags dropped, entities decoded.
func visible(s string) string { return html.UnescapeString(tagRE.ReplaceAllString(s, "")) }

// balanced reports whether every tag in s is closed in order.
func balanced(s string) bool {
	var open []string
	for _, tag := range tagRE.FindAllString(s, -1) {
		name := strings.Fields(strings.Trim(tag, "<>"))[0]
		if strings.HasPrefix(name, "/") {
			if len(open) == 0 || open[len(open)-1] != name[1:] {
				return false
			}
			open = open[:len(open)-1]
		} else {
			open = append(open, name)
		}
	}
	return len(open) == 0
}

func TestSplitHTML(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("<b>Отчёт за неделю\n")
	for i := range 400 {
		b.WriteString(`<a href="https://example.org/t?id=1&amp;x=2">Задача</a> клиент &lt;VIP&gt; Анна &amp; Ко ` + strings.Repeat("ж", i%30) + "\n")
	}
	b.WriteString("</b><pre>")
	for range 200 {
		b.WriteString("строка  таблицы | 12 | 34\n")
	}
	b.WriteString("</pre>")
	in := b.String()

	pieces := SplitHTML(in, MaxMessageLen)
	if len(pieces) < 5 {
		t.Fatalf("%d pieces of a %d-unit text", len(pieces), UTF16Len(in))
	}
	var shown strings.Builder
	for i, p := range pieces {
		if n := UTF16Len(p); n > MaxMessageLen {
			t.Errorf("piece %d is %d long", i, n)
		}
		if !balanced(p) {
			t.Errorf("piece %d has unbalanced tags: …%s", i, p[max(0, len(p)-80):])
		}
		shown.WriteString(visible(p))
	}
	if shown.String() != visible(in) {
		t.Error("the pieces do not show the input's text")
	}
	if !strings.HasPrefix(pieces[1], "<b>") {
		t.Errorf("piece 2 starts %q, want the bold tag reopened", pieces[1][:20])
	}

	if got := SplitHTML("<b>short</b>", 100); len(got) != 1 || got[0] != "<b>short</b>" {
		t.Errorf("short HTML = %q, want unchanged", got)
	}
	// Cuts between entities and tags only, even with no spaces at all.
	dense := strings.Repeat("&amp;<i>x</i>", 50)
	for i, p := range SplitHTML(dense, 40) {
		if !balanced(p) || UTF16Len(p) > 40 || strings.Count(p, "&") != strings.Count(p, "&amp;") {
			t.Errorf("dense piece %d = %q", i, p)
		}
	}
}
