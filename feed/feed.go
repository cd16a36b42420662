package feed

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/sift-intel/sift/match"
)

// Format names a source format.
type Format string

// The source formats.
const (
	FormatList Format = "list" // one value a line
	FormatSet  Format = "set"  // a compiled Set, see match.Open
)

// Source describes a source of indicators: its name, used in error
// messages, its format, and what to apply to every indicator it yields.
type Source struct {
	Name   string       // shown in errors and used as the indicators' source when Meta.Source is ""
	Format Format       // "" detects it from the content
	Action match.Action // action of every indicator; zero: block
	Meta   match.Meta   // defaults for every indicator's metadata
}

// indicator returns an Indicator carrying the source's defaults.
func (src Source) indicator() match.Indicator {
	ind := match.Indicator{Action: src.Action, Meta: src.Meta}
	if ind.Source == "" {
		ind.Source = strings.TrimSuffix(filepath.Base(src.Name), filepath.Ext(src.Name))
	}
	return ind
}

// item is one step of a parser: an indicator from a line, or the error
// that kept the line out.
type item struct {
	ind  match.Indicator
	line int
	err  error
}

func parse(r io.Reader, src Source) iter.Seq[item] {
	switch src.Format {
	case FormatList, "":
		return parseList(r, src)
	}
	return func(yield func(item) bool) {
		yield(item{err: fmt.Errorf("format %q cannot be parsed as text", src.Format)})
	}
}

// Parse returns the indicators of a text source. Each step yields an
// indicator and a nil error, or a [*LineError] for a line that was skipped;
// parsing goes on after a LineError. Any other error means the source could
// not be read, and ends the sequence. The values are not yet validated for
// their kind: a [match.Builder] does that.
func Parse(r io.Reader, src Source) iter.Seq2[match.Indicator, error] {
	return func(yield func(match.Indicator, error) bool) {
		for it := range parse(r, src) {
			if !yield(it.ind, it.err) {
				return
			}
		}
	}
}

// Detect returns the format of a source from its first bytes.
func Detect(head []byte) Format {
	if bytes.HasPrefix(head, []byte("siftset\x00")) {
		return FormatSet
	}
	return FormatList
}

// Report says what loading a source did.
type Report struct {
	Source  string
	Format  Format
	Added   map[match.Kind]int // indicators accepted, by kind
	Skipped map[string]int     // lines not loaded, by reason
	Errors  []error            // the first MaxReportedErrors line errors, each with file:line
}

// MaxReportedErrors bounds [Report.Errors].
const MaxReportedErrors = 100

// Total returns the number of indicators accepted.
func (r *Report) Total() int {
	n := 0
	for _, c := range r.Added {
		n += c
	}
	return n
}

// count records the kind that one Add added, from the Builder's counts
// before and after.
func (r *Report) count(before, after match.BuildStats) {
	for k := range after.Added {
		if after.Added[k] != before.Added[k] {
			r.Added[match.Kind(k)]++
		}
	}
}

func (r *Report) addError(le *LineError) {
	reason := le.Err.Error()
	var ie *match.IndicatorError
	if errors.As(le.Err, &ie) {
		reason = ie.Reason
	}
	r.Skipped[reasonKey(reason)]++
	if len(r.Errors) < MaxReportedErrors {
		r.Errors = append(r.Errors, le)
	}
}

// reasonKey folds reasons that quote their input into one bucket, so that
// a summary counts "not hex" once, not once per digit string.
func reasonKey(reason string) string {
	if i := strings.IndexAny(reason, "\"'"); i > 0 {
		return strings.TrimRight(reason[:i], " :")
	}
	return reason
}

// Load adds the indicators of a text source to b. It returns what it did;
// the error is non-nil if the source could not be read, or yielded no
// indicator at all ([ErrEmpty]). Lines that were skipped are counted in the
// Report, not returned as the error.
func Load(b *match.Builder, r io.Reader, src Source) (*Report, error) {
	rep := &Report{Source: src.Name, Format: src.Format, Added: map[match.Kind]int{}, Skipped: map[string]int{}}
	if rep.Format == "" {
		rep.Format = FormatList
	}
	for it := range parse(r, src) {
		if it.err != nil {
			var le *LineError
			if !errors.As(it.err, &le) {
				return rep, fmt.Errorf("%s: %w", src.Name, it.err)
			}
			rep.addError(le)
			continue
		}
		before := b.Stats()
		if err := b.Add(it.ind); err != nil {
			// The Builder's error quotes the value already.
			rep.addError(&LineError{File: src.Name, Line: it.line, Err: err})
			continue
		}
		rep.count(before, b.Stats())
	}
	if rep.Total() == 0 {
		return rep, fmt.Errorf("%s: %w", src.Name, ErrEmpty)
	}
	return rep, nil
}

// LoadFile loads the source at path into b, detecting its format unless
// src.Format says it. An empty src.Name becomes path.
func LoadFile(b *match.Builder, path string, src Source) (*Report, error) {
	if src.Name == "" {
		src.Name = path
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if src.Format == "" {
		head, _ := br.Peek(512)
		src.Format = Detect(head)
	}
	if src.Format == FormatSet {
		data, err := io.ReadAll(br)
		if err != nil {
			return nil, err
		}
		return loadSet(b, data, src)
	}
	return Load(b, br, src)
}

// loadSet adds the indicators of a compiled Set to b.
func loadSet(b *match.Builder, data []byte, src Source) (*Report, error) {
	s, err := match.Open(data)
	if err == nil {
		err = s.Verify()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	rep := &Report{Source: src.Name, Format: FormatSet, Added: map[match.Kind]int{}, Skipped: map[string]int{}}
	for ind := range s.All() {
		before := b.Stats()
		if err := b.Add(ind); err != nil {
			rep.Skipped[reasonKey(err.Error())]++
			continue
		}
		rep.count(before, b.Stats())
	}
	return rep, nil
}
