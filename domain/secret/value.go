package secret

import (
	"fmt"
	"log/slog"
)

// redacted is how a Value prints, whatever the verb.
const redacted = "[redacted]"

// Value is a secret held in memory (an opened bot token, a webhook secret).
// It prints as "[redacted]" through fmt (every verb, %#v too), slog,
// encoding/json and encoding/text, so a struct that carries one can be
// logged whole without leaking it; Reveal gives the text to the one call
// that needs it.
type Value struct{ s string }

// NewValue wraps s.
func NewValue(s string) Value { return Value{s: s} }

// Reveal returns the secret itself.
func (v Value) Reveal() string { return v.s }

// IsZero reports whether the secret is empty.
func (v Value) IsZero() bool { return v.s == "" }

// String implements fmt.Stringer.
func (Value) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (Value) GoString() string { return redacted }

// Format implements fmt.Formatter, so %x, %q and %d print no secret either.
func (Value) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue implements slog.LogValuer.
func (Value) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements encoding.TextMarshaler (and so JSON).
func (Value) MarshalText() ([]byte, error) { return []byte(redacted), nil }
