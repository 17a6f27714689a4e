package config

import (
	"fmt"
	"log/slog"
	"strconv"
)

const redacted = "[redacted]"

// Secret is a credential: a key, token or DSN. Every way of printing it
// (fmt with any verb, slog, encoding/json, encoding.TextMarshaler, YAML)
// yields "[redacted]"; Reveal returns the value.
//
// Redaction relies on the Secret's methods, so keep Secret values in
// exported fields or pass them on as Secret, never as a plain string.
type Secret string

// Reveal returns the secret's value. Call it only where the value is used.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns "[redacted]".
func (s Secret) GoString() string { return redacted }

// Format writes "[redacted]" for every verb (quoted for %q), so that even
// fmt's error forms such as %!d(...) cannot show the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, strconv.Quote(redacted))
		return
	}
	fmt.Fprint(f, redacted)
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns "[redacted]" as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[redacted]".
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalYAML returns "[redacted]", so a dumped configuration holds no secrets.
func (s Secret) MarshalYAML() (any, error) { return redacted, nil }

var (
	_ fmt.Formatter  = Secret("")
	_ fmt.Stringer   = Secret("")
	_ fmt.GoStringer = Secret("")
	_ slog.LogValuer = Secret("")
)
