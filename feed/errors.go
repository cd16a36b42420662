package feed

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// LineError reports a line of a source that was not loaded, and why. The
// rest of the source loads; the line is never loaded in part.
type LineError struct {
	File string // the source's name, usually its path
	Line int    // 1-based line number
	Text string // the line, shortened for display
	Err  error  // the reason; wraps ErrSkipped for lines skipped on purpose
}

func (e *LineError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v: %q", e.File, e.Line, e.Err, e.Text)
}

func (e *LineError) Unwrap() error { return e.Err }

// Errors a source's lines can wrap.
var (
	// ErrSkipped marks a line that holds an entry sift does not represent,
	// such as maltrail's ip:port: not an error in the source, but not
	// loaded either.
	ErrSkipped = errors.New("skipped")
	// ErrLineTooLong marks a line longer than [MaxLineLength].
	ErrLineTooLong = errors.New("line too long")
	// ErrEmpty is returned when a source yields no indicator at all.
	ErrEmpty = errors.New("no indicators")
	// ErrMalformed marks a source that cannot be read as a whole: a
	// truncated or invalid JSON document, one nested deeper than
	// MaxJSONDepth, invalid UTF-8 in a document, a file in the wrong
	// format. Nothing after it is read.
	ErrMalformed = errors.New("malformed")
	// ErrTooLarge marks input larger than its limit, such as a document
	// read whole beyond Source.MaxSize (by default MaxDocumentSize).
	// Nothing of it is loaded.
	ErrTooLarge = errors.New("too large")
)

// malformed returns an error wrapping ErrMalformed.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// skip returns an error for a line skipped on purpose.
func skip(reason string) error { return fmt.Errorf("%w: %s", ErrSkipped, reason) }

// displayText shortens a line for an error message and makes it valid UTF-8.
func displayText(b []byte) string {
	const max = 120
	s := string(b)
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.ToValidUTF8(s, string(utf8.RuneError))
}
