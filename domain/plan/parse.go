package plan

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/clubcrm/clubcrm/domain"
)

// MaxSize bounds a plan file. Real plans are a few kilobytes; the bound keeps
// a wrong file (a log, a dump) from being read into memory and parsed.
const MaxSize = 1 << 20

// Parse reads a plan. filename is only used in messages. On success the plan
// is self-consistent: keys are unique, every reference names an item of the
// plan, workflows have no cycles. On failure it returns nil and an Errors
// listing every problem found, each as FILE:LINE:COL: message.
func Parse(filename string, data []byte) (*Plan, error) {
	r := &reader{file: filename}
	if len(data) > MaxSize {
		r.errorf(Pos{1, 1}, "the plan is %d bytes; a plan file may be at most %d", len(data), MaxSize)
		return nil, r.errs.Err()
	}
	root, ok := r.document(data)
	if !ok {
		return nil, r.errs.Err()
	}
	p := r.plan(root)
	// Cross-references are checked even after a local error, so one run
	// reports everything; items that could not be read are simply absent.
	validate(r, p)
	if err := r.errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// yamlLine finds the line number in yaml.v3's syntax errors ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document decodes the single YAML document of the file.
func (r *reader) document(data []byte) (root *yaml.Node, ok bool) {
	defer func() {
		// yaml.v3 has panicked on hostile input before; a plan file is user
		// input, so a parser bug must become an error, not a crash.
		if v := recover(); v != nil {
			r.errorf(Pos{1, 1}, "the file is not valid YAML (%v)", v)
			root, ok = nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			r.errorf(Pos{1, 1}, "the plan is empty")
			return nil, false
		}
		r.yamlError(data, err)
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			r.yamlError(data, err)
		} else {
			r.errorf(posOf(&extra), "a plan is one YAML document; remove the second \"---\" and what follows")
		}
		return nil, false
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		r.errorf(Pos{1, 1}, "the plan is empty")
		return nil, false
	}
	if !r.noAliases(doc.Content[0]) {
		return nil, false
	}
	return doc.Content[0], true
}

func (r *reader) yamlError(data []byte, err error) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			line, msg = n, m[2]
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	// yaml.v3 reports one line, and for many mistakes not the mistake's
	// own: for an unclosed bracket it is the line before the bracket's,
	// counted from 0. The two mistakes people make most are found here
	// exactly; for the rest the column is where the reported line's text
	// starts, so FILE:LINE:COL keeps the shape editors understand.
	switch {
	case strings.Contains(msg, "did not find expected ',' or") || strings.Contains(msg, "did not find expected node content"):
		if pos, open, ok := unclosedFlow(data); ok {
			r.errorf(pos, "YAML syntax: this %q is never closed (%s)", open, msg)
			return
		}
	case strings.Contains(msg, "tab character") || strings.Contains(msg, "cannot start any token"):
		if pos, ok := tabIndent(data); ok && (pos.Line == line || strings.Contains(msg, "tab character")) {
			r.errorf(pos, "YAML syntax: a tab in the indentation; indent with spaces (%s)", msg)
			return
		}
	}
	r.errorf(Pos{line, textColumn(data, line)}, "YAML syntax: %s", msg)
}

// unclosedFlow finds the first "[" or "{" of a flow collection that is
// never closed, skipping quoted text and comments. In block context a
// bracket opens a collection only where a value or list item begins (a
// plain value like "Yoga [kids]" may hold brackets); inside one, every
// bracket counts.
func unclosedFlow(data []byte) (Pos, string, bool) {
	type open struct {
		pos Pos
		ch  byte
	}
	var stack []open
	line, col := 1, 0
	var quote byte
	lastSig := byte('\n') // the last non-blank character of the line so far
	for i := 0; i < len(data); i++ {
		c := data[i]
		col++
		if c == '\n' {
			line, col, lastSig = line+1, 0, '\n'
			if quote == '\'' && len(stack) == 0 {
				quote = 0
			}
			continue
		}
		if quote != 0 {
			switch {
			case quote == '"' && c == '\\':
				i++
				col++
			case c == quote:
				quote = 0
			}
			continue
		}
		switch {
		case c == '#' && (col == 1 || data[i-1] == ' ' || data[i-1] == '\t'):
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
			continue
		case (c == '"' || c == '\'') && (len(stack) > 0 || lastSig == ':' || lastSig == '-' || lastSig == '\n'):
			quote = c
		case (c == '[' || c == '{') && (len(stack) > 0 || lastSig == ':' || lastSig == '-' || lastSig == '\n'):
			stack = append(stack, open{Pos{line, col}, c})
		case (c == ']' || c == '}') && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
		if c != ' ' && c != '\t' {
			lastSig = c
		}
	}
	if len(stack) == 0 {
		return Pos{}, "", false
	}
	return stack[0].pos, string(stack[0].ch), true
}

// tabIndent finds the first tab in a line's indentation.
func tabIndent(data []byte) (Pos, bool) {
	for n, l := range strings.Split(string(data), "\n") {
		for col, c := range l {
			if c == '\t' {
				return Pos{n + 1, col + 1}, true
			}
			if c != ' ' {
				break
			}
		}
	}
	return Pos{}, false
}

// textColumn is the column where the line's text starts (1 for a blank or
// missing line).
func textColumn(data []byte, line int) int {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return 1
	}
	l := lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " ")) + 1
}

// noAliases refuses anchors and aliases. They are not needed in a plan, and
// expanding them naively lets a small file describe an enormous tree.
func (r *reader) noAliases(n *yaml.Node) bool {
	ok := true
	var walk func(*yaml.Node, int)
	walk = func(n *yaml.Node, depth int) {
		if depth > 64 {
			if ok {
				r.errorf(posOf(n), "the plan is nested too deeply")
			}
			ok = false
			return
		}
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			r.errorf(posOf(n), "anchors and aliases (&name, *name) are not supported in a plan; write the value out")
			ok = false
			return
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return ok
}

// Top-level sections, in the order the documentation presents them.
var sections = []string{"club", "dictionaries", "results", "templates", "workflows", "funnel", "leads", "phone", "triggers", "remove"}

func (r *reader) plan(root *yaml.Node) *Plan {
	p := &Plan{File: r.file, Sections: map[string]Pos{}}
	m, ok := r.mapping(root, "the plan", sections...)
	if !ok {
		return p
	}
	for name, e := range m {
		p.Sections[name] = posOf(e.key)
	}
	club, ok := m["club"]
	if !ok {
		r.errorf(posOf(root), "the plan has no club: section (slug, name, time_zone, ...)")
	} else {
		p.Club = r.club(club)
	}
	r.lang = p.Club.Language // names given per language default to the club's
	p.Dictionaries = r.dictionaries(m["dictionaries"])
	p.Results = r.results(m["results"])
	p.Templates = r.templates(m["templates"])
	p.Workflows = r.workflows(m["workflows"])
	p.Funnel = r.funnel(m["funnel"])
	p.Leads = r.leads(m["leads"])
	p.Phone = r.phone(m["phone"])
	p.Triggers = r.triggers(m["triggers"])
	p.Remove = r.removals(m["remove"])
	return p
}

var (
	slugPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	phoneCodePattern = regexp.MustCompile(`^[0-9]{1,4}$`)
)

func (r *reader) club(e entry) Club {
	c := Club{Pos: posOf(e.key), Language: domain.LangRU, DigestHour: 9, WorkingHours: domain.DefaultWorkingHours}
	m, ok := r.mapping(e.value, "club", "slug", "name", "time_zone", "language", "digest_hour", "phone_code", "working_hours",
		"viber_free_window_only")
	if !ok {
		return c
	}
	if s, ok := r.text(m["slug"], "club slug"); ok {
		switch {
		case s == "":
			r.errorf(c.Pos, "club slug is required (a short stable id such as \"dance-kyiv\")")
		case !slugPattern.MatchString(s):
			r.errorf(posOf(m["slug"].value), "club slug %q must be 1-63 lowercase latin letters, digits, \"_\" or \"-\"", s)
		default:
			c.Slug = s
		}
	}
	c.Name, _ = r.name(m["name"], "club name", c.Pos)
	if tz, ok := r.text(m["time_zone"], "club time_zone"); ok {
		if tz == "" {
			r.errorf(c.Pos, "club time_zone is required (an IANA name such as \"Europe/Kyiv\")")
		} else if _, err := domain.LoadLocation(tz); err != nil {
			r.errorf(posOf(m["time_zone"].value), "club time_zone: unknown time zone %q; use an IANA name such as \"Europe/Kyiv\"", tz)
		} else {
			c.TimeZone = tz
		}
	}
	if l, ok := r.text(m["language"], "club language"); ok && l != "" {
		switch lang := domain.Language(l); lang {
		case domain.LangRU, domain.LangUK, domain.LangEN:
			c.Language = lang
		default:
			r.errorf(posOf(m["language"].value), "club language %q is not one of ru, uk, en", l)
		}
	}
	if h, ok := r.integer(m["digest_hour"], "club digest_hour", 9); ok {
		if h < 0 || h > 23 {
			r.errorf(posOf(m["digest_hour"].value), "club digest_hour %d is outside 0..23", h)
		} else {
			c.DigestHour = int(h)
		}
	}
	if pc, ok := r.text(m["phone_code"], "club phone_code"); ok && pc != "" {
		if !phoneCodePattern.MatchString(pc) {
			r.errorf(posOf(m["phone_code"].value), "club phone_code %q must be 1-4 digits, e.g. \"380\"", pc)
		} else {
			c.PhoneCode = pc
		}
	}
	if wh, ok := r.text(m["working_hours"], "club working_hours"); ok && wh != "" {
		if h, err := domain.ParseWorkingHours(wh); err != nil {
			r.errorf(posOf(m["working_hours"].value), "club working_hours %q must be opening-closing as HH:MM-HH:MM, e.g. \"09:00-21:00\" (closing after opening, at most 24:00)", wh)
		} else {
			c.WorkingHours = h
		}
	}
	c.ViberFreeWindowOnly, _ = r.boolean(m["viber_free_window_only"], "club viber_free_window_only")
	return c
}
