package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/clubcrm/clubcrm/domain"
)

// Error is one problem in a plan file, at a position.
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

// Error formats the problem the way compilers do, FILE:LINE:COL: message, so
// editors and terminals can jump to it.
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

// Unwrap makes every plan error a domain.ErrInvalid.
func (e *Error) Unwrap() error { return domain.ErrInvalid }

// Errors is every problem found in a plan, in file order. Parse and
// PlanApply return all of them at once, so a person fixes a file in one pass
// rather than one error per run.
type Errors []*Error

// Error lists the problems, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each problem to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Add appends a problem at pos.
func (es *Errors) Add(file string, pos Pos, format string, args ...any) {
	*es = append(*es, &Error{File: file, Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Sort orders the problems by position, keeping the order of those at the
// same position.
func (es Errors) Sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].Pos, es[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Err returns es as an error, or nil when there are none. It keeps callers
// from returning a typed nil slice as a non-nil error.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	es.Sort()
	return es
}
