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
)

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
