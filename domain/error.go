package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors. Stores and rules wrap them with %w so callers can test with
// errors.Is, and the edges (bot, CLI) turn them into user text.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
	ErrInvalid   = errors.New("invalid")
)

// Error is a rule violation with a stable code, a message key for localisation
// and optional template arguments. It unwraps to one of the sentinels, so
// errors.Is(err, ErrInvalid) holds for every validation error.
type Error struct {
	Kind error          // one of the sentinels above
	Code Code           // stable, machine-readable: CodeFieldRequired, CodeTransitionNotAllowed, ... (codes.go)
	Msg  string         // English detail for logs and CLI output
	Args map[string]any // values for the localised message (field name, limit, ...)
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("%s: %s", e.Kind, e.Code)
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Kind }

// Invalid builds an *Error of kind ErrInvalid.
func Invalid(code Code, msg string, args map[string]any) *Error {
	return &Error{Kind: ErrInvalid, Code: code, Msg: msg, Args: args}
}

// Forbidden builds an *Error of kind ErrForbidden.
func Forbidden(code Code, msg string) *Error {
	return &Error{Kind: ErrForbidden, Code: code, Msg: msg}
}

// Conflict builds an *Error of kind ErrConflict.
func Conflict(code Code, msg string, args map[string]any) *Error {
	return &Error{Kind: ErrConflict, Code: code, Msg: msg, Args: args}
}

// ErrorCode returns the code of the first *Error in err's chain, or "" if none.
func ErrorCode(err error) Code {
	var de *Error
	if errors.As(err, &de) {
		return de.Code
	}
	return ""
}
