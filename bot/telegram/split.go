package telegram

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Telegram's limits, counted as Telegram counts them: UTF-16 code units of
// the text after entity parsing. Counting the raw text (tags included) in
// UTF-16 never undercounts, so pieces within these limits are always
// accepted.
const (
	MaxMessageLen = 4096 // text of one message
	MaxCaptionLen = 1024 // caption of a photo or document
)

// SplitText splits plain text into pieces of at most limit UTF-16 code units,
// cutting after a paragraph break, else a line break, else a space, as long
// as that keeps the piece at least half full; otherwise it cuts at the limit,
// between characters (never inside one). Joining the pieces gives s back.
// Text within the limit comes back as the only piece.
func SplitText(s string, limit int) []string {
	if limit < 2 {
		panic(fmt.Sprintf("SplitText: limit %d cannot hold a character", limit))
	}
	var out []string
	for UTF16Len(s) > limit {
		end := fitUTF16(s, limit)
		cut := end
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(s[:end], sep); i >= 0 && i+len(sep) > end/2 {
				cut = i + len(sep)
				break
			}
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

// SplitHTML splits Telegram-flavoured HTML like SplitText, preferring line
// breaks, then spaces, and never cutting inside a tag or an entity (&amp;).
// Tags open at a cut are closed at the end of the piece and opened again at
// the start of the next, so every piece is valid HTML on its own; the closing
// and reopening tags count towards the limit.
func SplitHTML(s string, limit int) []string {
	if UTF16Len(s) <= limit {
		return []string{s}
	}
	toks := tokenizeHTML(s)
	var out []string
	var carried []htmlToken // tags open at the last cut, reopened next
	for i := 0; i < len(toks); {
		stack := append([]htmlToken(nil), carried...)
		size := 0
		for _, t := range carried {
			size += t.size
		}
		start := size
		type cut struct {
			at    int
			stack []htmlToken
		}
		var para, line, space *cut
		j := i
		for ; j < len(toks); j++ {
			t := toks[j]
			next := t.apply(stack)
			if size+t.size+closingSize(next) > limit {
				break
			}
			size += t.size
			stack = next
			if size-start < limit/2 {
				continue
			}
			switch {
			case t.text == "\n" && j > i && toks[j-1].text == "\n":
				para = &cut{j + 1, stack}
			case t.text == "\n":
				line = &cut{j + 1, stack}
			case t.text == " ":
				space = &cut{j + 1, stack}
			}
		}
		if j == len(toks) {
			out = append(out, joinTokens(carried)+joinTokens(toks[i:]))
			break
		}
		c := &cut{j, stack}
		switch {
		case j == i: // one token over the limit on its own: send it anyway
			c = &cut{i + 1, toks[i].apply(stack)}
		case para != nil:
			c = para
		case line != nil:
			c = line
		case space != nil:
			c = space
		}
		out = append(out, joinTokens(carried)+joinTokens(toks[i:c.at])+closing(c.stack))
		carried, i = c.stack, c.at
	}
	return out
}

// htmlToken is a tag, an entity or one character of text.
type htmlToken struct {
	text string
	size int    // UTF-16 length of text
	open string // tag name when an opening tag
	end  string // tag name when a closing tag
}

// apply returns the open-tag stack after t (a new slice; stacks are kept at
// cut points).
func (t htmlToken) apply(stack []htmlToken) []htmlToken {
	switch {
	case t.open != "":
		return append(stack[:len(stack):len(stack)], t)
	case t.end != "" && len(stack) > 0 && stack[len(stack)-1].open == t.end:
		return stack[: len(stack)-1 : len(stack)-1]
	}
	return stack
}

func tokenizeHTML(s string) []htmlToken {
	var toks []htmlToken
	for i := 0; i < len(s); {
		n, t := 0, htmlToken{}
		switch s[i] {
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end >= 0 {
				n = end + 1
				tag := s[i+1 : i+end]
				name, closing := strings.CutPrefix(tag, "/")
				if j := strings.IndexAny(name, " \t\n/"); j >= 0 {
					name = name[:j]
				}
				name = strings.ToLower(name)
				if closing {
					t.end = name
				} else {
					t.open = name
				}
			}
		case '&':
			if end := strings.IndexByte(s[i:], ';'); end > 0 && end <= 10 && !strings.ContainsAny(s[i+1:i+end], " \n<&") {
				n = end + 1
			}
		}
		if n == 0 { // one character of text
			_, n = utf8.DecodeRuneInString(s[i:])
		}
		t.text = s[i : i+n]
		t.size = UTF16Len(t.text)
		toks = append(toks, t)
		i += n
	}
	return toks
}

func joinTokens(toks []htmlToken) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String()
}

// closing closes the open tags, innermost first.
func closing(stack []htmlToken) string {
	var b strings.Builder
	for k := len(stack) - 1; k >= 0; k-- {
		b.WriteString("</" + stack[k].open + ">")
	}
	return b.String()
}

func closingSize(stack []htmlToken) int {
	n := 0
	for _, t := range stack {
		n += len(t.open) + 3
	}
	return n
}

// UTF16Len counts s as Telegram does, in UTF-16 code units; invalid UTF-8
// bytes count one each.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		if w := utf16.RuneLen(r); w > 0 {
			n += w
		} else {
			n++
		}
	}
	return n
}

// fitUTF16 returns the byte length of the longest prefix of s that is at
// most limit UTF-16 code units, ending between characters.
func fitUTF16(s string, limit int) int {
	n := 0
	for i, r := range s {
		w := max(utf16.RuneLen(r), 1)
		if n+w > limit {
			return i
		}
		n += w
	}
	return len(s)
}
