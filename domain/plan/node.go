package plan

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/clubcrm/clubcrm/domain"
)

// reader walks a yaml.Node tree, collecting every problem with its position
// instead of stopping at the first. Its helpers return ok=false after
// recording an error, so callers simply skip what they could not read.
type reader struct {
	file string
	errs Errors
	lang domain.Language // the club's language, for names given per language
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

func (r *reader) errorf(at Pos, format string, args ...any) {
	r.errs.Add(r.file, at, format, args...)
}

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.ShortTag() {
	case "!!null":
		return "nothing"
	case "!!bool":
		return "true/false"
	case "!!int", "!!float":
		return "a number"
	case "!!str":
		return fmt.Sprintf("the text %q", n.Value)
	}
	return fmt.Sprintf("a value tagged %s", n.Tag)
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// entry is one key of a mapping with its value.
type entry struct {
	key   *yaml.Node
	value *yaml.Node
}

// mapping reads n as a mapping of the given known keys. Unknown and repeated
// keys are errors; the values of the known ones come back by key (absent
// keys are missing from the map). A null node is an empty mapping.
func (r *reader) mapping(n *yaml.Node, what string, known ...string) (map[string]entry, bool) {
	if isNull(n) {
		return map[string]entry{}, true
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(posOf(n), "%s must be a mapping, not %s", what, describe(n))
		return nil, false
	}
	out := make(map[string]entry, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" {
			r.errorf(posOf(k), "%s: keys must be plain words, not %s", what, describe(k))
			continue
		}
		if prev, dup := out[k.Value]; dup {
			r.errorf(posOf(k), "%s: key %q is repeated (first at line %d)", what, k.Value, prev.key.Line)
			continue
		}
		if !contains(known, k.Value) {
			r.errorf(posOf(k), "%s: unknown key %q (known keys: %s)", what, k.Value, strings.Join(known, ", "))
			continue
		}
		out[k.Value] = entry{key: k, value: v}
	}
	return out, true
}

// list reads n as a sequence; a null node is an empty list.
func (r *reader) list(n *yaml.Node, what string) ([]*yaml.Node, bool) {
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		r.errorf(posOf(n), "%s must be a list, not %s", what, describe(n))
		return nil, false
	}
	return n.Content, true
}

// text reads a scalar as text. Numbers are accepted as their written form (a
// value named 2024 is text to a person), but true/false, lists and mappings
// are not. The text is trimmed; a missing or null node reads as "".
func (r *reader) text(e entry, what string) (string, bool) {
	n := e.value
	if n == nil || isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		r.errorf(posOf(n), "%s must be text, not %s", what, describe(n))
		return "", false
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float":
		s := strings.TrimSpace(n.Value)
		if !utf8.ValidString(s) {
			r.errorf(posOf(n), "%s is not valid UTF-8", what)
			return "", false
		}
		if strings.IndexFunc(s, unicode.IsControl) >= 0 {
			r.errorf(posOf(n), "%s must be one line without control characters", what)
			return "", false
		}
		return s, true
	}
	r.errorf(posOf(n), "%s must be text, not %s", what, describe(n))
	return "", false
}

// integer reads a scalar integer. Absent reads as def.
func (r *reader) integer(e entry, what string, def int64) (int64, bool) {
	n := e.value
	if n == nil || isNull(n) {
		return def, true
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		r.errorf(posOf(n), "%s must be a whole number, not %s", what, describe(n))
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil {
		r.errorf(posOf(n), "%s: %q is not a whole number in range", what, n.Value)
		return 0, false
	}
	return v, true
}

// boolean reads true or false. Absent reads as false.
func (r *reader) boolean(e entry, what string) (bool, bool) {
	n := e.value
	if n == nil || isNull(n) {
		return false, true
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		r.errorf(posOf(n), "%s must be true or false, not %s", what, describe(n))
		return false, false
	}
	b, err := strconv.ParseBool(strings.ToLower(n.Value))
	if err != nil {
		r.errorf(posOf(n), "%s must be true or false, not %q", what, n.Value)
		return false, false
	}
	return b, true
}

// keyPattern is what a key may look like: letters (any script, so a Russian
// club may write its own words), digits, "_" and "-", starting with a letter
// or digit. Dots and slashes are kept out because remove: uses them to join
// a parent key and a child key.
var keyPattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_-]*$`)

// maxKeyLen bounds keys (in characters); they are identifiers, not prose.
const maxKeyLen = 64

// key reads an identifier; required says whether absence is an error. at is
// where to report a missing key (the owning item).
func (r *reader) key(e entry, what string, at Pos, required bool) (string, bool) {
	s, ok := r.text(e, what)
	if !ok {
		return "", false
	}
	if s == "" {
		if required {
			r.errorf(at, "%s is required", what)
			return "", false
		}
		return "", true
	}
	p := posOf(e.value)
	if utf8.RuneCountInString(s) > maxKeyLen {
		r.errorf(p, "%s %q is longer than %d characters", what, s, maxKeyLen)
		return "", false
	}
	if !keyPattern.MatchString(s) {
		r.errorf(p, "%s %q may hold only letters, digits, \"_\" and \"-\", and must start with a letter or digit", what, s)
		return "", false
	}
	return s, true
}

// maxNameLen matches the schema's CHECK on every name column.
const maxNameLen = 200

// name reads a display name: required, 1..maxNameLen characters.
func (r *reader) name(e entry, what string, at Pos) (string, bool) {
	s, ok := r.text(e, what)
	if !ok {
		return "", false
	}
	if s == "" {
		r.errorf(at, "%s is required", what)
		return "", false
	}
	if n := utf8.RuneCountInString(s); n > maxNameLen {
		r.errorf(posOf(e.value), "%s is %d characters long; at most %d", what, n, maxNameLen)
		return "", false
	}
	return s, true
}

// localName reads an item's display name: either one text for every
// language (names is nil) or a mapping of languages to texts,
// {ru: …, uk: …, en: …}. For a mapping, name is the text in the club's
// language, else the first of domain.Languages the mapping gives, so every
// reader has a name whatever their language. Each text is checked as name
// checks a plain one.
func (r *reader) localName(e entry, what string, at Pos) (name string, names domain.Names, ok bool) {
	if e.value == nil || e.value.Kind != yaml.MappingNode {
		name, ok = r.name(e, what, at)
		return name, nil, ok
	}
	langs := make([]string, len(domain.Languages))
	for i, l := range domain.Languages {
		langs[i] = string(l)
	}
	if len(e.value.Content) == 0 {
		r.errorf(posOf(e.value), "%s is required: give a text, or a text per language (%s)", what, strings.Join(langs, ", "))
		return "", nil, false
	}
	ok = true
	names = domain.Names{}
	for i := 0; i+1 < len(e.value.Content); i += 2 {
		k, v := e.value.Content[i], e.value.Content[i+1]
		lang := domain.Language(k.Value)
		if k.Kind != yaml.ScalarNode || !contains(langs, k.Value) {
			r.errorf(posOf(k), "%s: unknown language %q; use %s", what, k.Value, strings.Join(langs, ", "))
			ok = false
			continue
		}
		if _, dup := names[lang]; dup {
			r.errorf(posOf(k), "%s: language %q is repeated", what, k.Value)
			ok = false
			continue
		}
		s, good := r.name(entry{key: k, value: v}, what+" "+k.Value, posOf(k))
		if !good {
			ok = false
			continue
		}
		names[lang] = s
	}
	if !ok {
		return "", nil, false
	}
	if s, has := names[r.lang]; has {
		return s, names, true
	}
	for _, l := range domain.Languages {
		if s, has := names[l]; has {
			return s, names, true
		}
	}
	return "", nil, false // unreachable: the mapping is not empty and every key is a language
}

// keyList reads a list of keys with their positions.
func (r *reader) keyList(e entry, what string) ([]string, []Pos, bool) {
	items, ok := r.list(e.value, what)
	if !ok {
		return nil, nil, false
	}
	keys := make([]string, 0, len(items))
	poss := make([]Pos, 0, len(items))
	all := true
	for _, it := range items {
		k, ok := r.key(entry{value: it}, what+" entry", posOf(it), true)
		if !ok {
			all = false
			continue
		}
		keys = append(keys, k)
		poss = append(poss, posOf(it))
	}
	return keys, poss, all
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
