package viber

import (
	"html"
	"strings"
	"unicode/utf8"
)

// MaxText is the longest text of one Viber message, in characters.
const MaxText = 7000

// MaxBody is the largest send_message request Viber takes, keyboard
// included.
const MaxBody = 30 * 1024

// PlainText renders the Telegram-flavoured HTML subset the screens use as
// Viber's plain text: tags dropped, entities unescaped, and a link kept as
// "text (url)" (just the URL when the text is the URL), since Viber shows
// no markup and the address must not be lost.
func PlainText(s string) string {
	var b strings.Builder
	var href string // of the open <a>
	var linkAt int  // where the open <a>'s text starts in b
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(html.UnescapeString(s))
			break
		}
		b.WriteString(html.UnescapeString(s[:i]))
		j := strings.IndexByte(s[i:], '>')
		if j < 0 { // a lone '<': Telegram would refuse it, keep it as text
			b.WriteString(html.UnescapeString(s[i:]))
			break
		}
		tag := s[i+1 : i+j]
		s = s[i+j+1:]
		name, attrs, _ := strings.Cut(strings.TrimSpace(tag), " ")
		switch strings.ToLower(name) {
		case "a":
			href, linkAt = attr(attrs, "href"), b.Len()
		case "/a":
			if text := b.String()[linkAt:]; href != "" && strings.TrimSpace(text) != href {
				b.WriteString(" (" + href + ")")
			}
			href = ""
		}
	}
	return b.String()
}

// attr is the value of attribute name in attrs (`href="x" class='y'`),
// unescaped; "" when absent.
func attr(attrs, name string) string {
	for attrs = strings.TrimSpace(attrs); attrs != ""; attrs = strings.TrimSpace(attrs) {
		k, rest, ok := strings.Cut(attrs, "=")
		if !ok {
			return ""
		}
		rest = strings.TrimSpace(rest)
		var v string
		if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
			end := strings.IndexByte(rest[1:], rest[0])
			if end < 0 {
				return ""
			}
			v, attrs = rest[1:end+1], rest[end+2:]
		} else {
			v, attrs, _ = strings.Cut(rest, " ")
		}
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return html.UnescapeString(v)
		}
	}
	return ""
}

// Split cuts text into pieces of at most maxChars characters each of which
// takes at most maxBytes bytes once JSON-encoded (quotes excluded), cutting
// at a line break where one is near, else at a space, else anywhere
// (between characters). Blank pieces are dropped.
func Split(text string, maxChars, maxBytes int) []string {
	var out []string
	for text != "" {
		cut, chars, bytes := 0, 0, 0
		lastNL, lastSpace := -1, -1
		for cut < len(text) {
			r, n := utf8.DecodeRuneInString(text[cut:])
			c := jsonCost(r)
			if chars+1 > maxChars || bytes+c > maxBytes {
				break
			}
			chars, bytes = chars+1, bytes+c
			cut += n
			switch r {
			case '\n':
				lastNL = cut
			case ' ':
				lastSpace = cut
			}
		}
		if cut < len(text) {
			// Break at a line, else a word, if that keeps at least half
			// the piece: a short first piece is worse than a cut word.
			switch {
			case lastNL > cut/2:
				cut = lastNL
			case lastSpace > cut/2:
				cut = lastSpace
			}
		}
		if cut == 0 { // maxBytes below one character: cannot progress
			_, n := utf8.DecodeRuneInString(text)
			cut = n
		}
		if p := text[:cut]; strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
		text = text[cut:]
	}
	return out
}

// jsonCost is how many bytes r takes in a JSON string as Marshal writes it.
func jsonCost(r rune) int {
	switch {
	case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
		return 2
	case r < 0x20 || r == '\u2028' || r == '\u2029':
		return 6
	case r == utf8.RuneError:
		return 6 // at most: invalid UTF-8 is written as \ufffd
	default:
		return utf8.RuneLen(r)
	}
}
