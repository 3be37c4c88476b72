package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
)

// htmlTags are the tags Telegram's HTML parse mode accepts.
var htmlTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"a": true, "code": true, "pre": true, "blockquote": true, "tg-emoji": true,
	"tg-time": true,
}

// renderHTML turns Telegram-flavoured HTML into the text a person sees, or
// explains why Telegram would refuse it ("can't parse entities: ..."). Only
// the supported tags, properly nested, are allowed; a bare '<' is a tag
// start, which is how unescaped user input breaks messages. &lt; &gt; &amp;
// &quot; and numeric entities are decoded; another '&' stays as it is.
func renderHTML(src string) (string, error) {
	var out strings.Builder
	var open []string
	for i := 0; i < len(src); {
		switch src[i] {
		case '<':
			end := strings.IndexByte(src[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("Unclosed start tag at byte offset %d", i)
			}
			tag := src[i+1 : i+end]
			if name, ok := strings.CutPrefix(tag, "/"); ok {
				name = strings.ToLower(strings.TrimSpace(name))
				if len(open) == 0 {
					return "", fmt.Errorf("Unexpected end tag at byte offset %d", i)
				}
				if want := open[len(open)-1]; name != want {
					return "", fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, want, name)
				}
				open = open[:len(open)-1]
			} else {
				name := tag
				if j := strings.IndexAny(tag, " \t\n/"); j >= 0 {
					name = tag[:j]
				}
				name = strings.ToLower(name)
				if !htmlTags[name] {
					return "", fmt.Errorf("Unsupported start tag %q at byte offset %d", name, i)
				}
				open = append(open, name)
			}
			i += end + 1
		case '&':
			r, n := htmlEntity(src[i:])
			out.WriteString(r)
			i += n
		default:
			out.WriteByte(src[i])
			i++
		}
	}
	if len(open) > 0 {
		return "", fmt.Errorf("Can't find end tag corresponding to start tag %q", open[len(open)-1])
	}
	return out.String(), nil
}

// htmlEntity decodes the entity at the start of s and says how many bytes it
// took; a '&' that starts no entity stands for itself.
func htmlEntity(s string) (string, int) {
	semi := strings.IndexByte(s, ';')
	if semi < 0 || semi > 10 {
		return "&", 1
	}
	switch name := s[1:semi]; name {
	case "lt":
		return "<", semi + 1
	case "gt":
		return ">", semi + 1
	case "amp":
		return "&", semi + 1
	case "quot":
		return `"`, semi + 1
	default:
		digits, base := strings.CutPrefix(name, "#")
		if !base {
			return "&", 1
		}
		b := 10
		if hex, ok := strings.CutPrefix(digits, "x"); ok {
			digits, b = hex, 16
		}
		n, err := strconv.ParseInt(digits, b, 32)
		if err != nil || n <= 0 || n > 0x10FFFF {
			return "&", 1
		}
		return string(rune(n)), semi + 1
	}
}
